// ClusterProcesses: a whole local cluster (router + shards x members) run by
// the real `peacedb-cluster up` launcher, for router and failover tests.
//
// start() picks a free block of 127.0.0.1 ports, runs the launcher in a
// QTemporaryDir of its own and waits until it prints that everything is up;
// the processes, their URLs and pids come from the launcher's cluster.json.
// Variables in Options::environment reach every process (the launcher passes
// its environment on), so a test can tune e.g.
// PEACEDB_SHARDING_REPLICATION_FAILOVER_TIMEOUT_MS without a config file;
// for the same reason a launcher wrapper that works through the environment
// (`fiu-run -x`: LD_PRELOAD) reaches every process, restarts included.
//
// Processes are killed (SIGKILL), paused (SIGSTOP) and resumed by pid; they
// are started and stopped again through the launcher's supervisor endpoint,
// which keeps their names, ports and data directories. The destructor
// resumes every paused process, asks the launcher to stop (SIGTERM) and
// SIGKILLs whatever is left after a bound, so a failing test never leaves a
// process behind; a test process that is killed outright takes the launcher
// (and so the cluster) with it.
//
// Test thread only; owned by the test. The waiting functions drain the
// launcher's output, so call them (or drainOutput()) during long tests.
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <functional>

#include "TestHttpClient.h"

class ClusterProcesses
{
public:
    struct Options
    {
        int shards = 3;
        int replicas = 2;
        // "NAME=value" for every process of the cluster.
        QStringList environment;
        // --bind-addresses: member i listens on 127.0.0.(i+2) (same port
        // numbering), so partitions can be made with firewall rules; the
        // router stays on 127.0.0.1.
        bool bindAddresses = false;
        // Runs the launcher as `launcherWrapper... peacedb-cluster up ...`
        // (e.g. {"fiu-run", "-x"}); the wrapper must exec the launcher, so
        // the pid stays the launcher's. Empty: directly.
        QStringList launcherWrapper;
        // Clients must sign in (the default of a real cluster); false runs
        // every process with Server.Authentication off.
        bool authentication = false;
        // `up --tls`: HTTPS everywhere; every TestHttpClient made afterwards
        // speaks HTTPS with the cluster's CA and the supervisor's
        // certificate (so members, which ask for one, accept it too).
        bool tls = false;
        // With authentication: every request of a TestHttpClient that names
        // no Authorization of its own signs in as the built-in admin (HTTP
        // Basic with DIR/admin-password), as a client program would.
        bool signInAsAdmin = false;
        // `up --backup-root`: where the router may write backups; empty:
        // the launcher's default (DIR/backups).
        QString backupRoot;
    };

    explicit ClusterProcesses(const Options &options);
    ~ClusterProcesses();
    ClusterProcesses(const ClusterProcesses &) = delete;
    ClusterProcesses &operator=(const ClusterProcesses &) = delete;

    // `prepare` runs before each `up` with the port chosen and the (empty)
    // cluster directory, e.g. to restore a backup there for that port; an
    // error message it returns stops start(). Unset: `up` makes a new
    // cluster.
    using Preparation = std::function<QString(quint16 port, const QString &directory)>;
    void setPreparation(const Preparation &prepare) { m_prepare = prepare; }

    // Runs the launcher and waits until every process answers; false (see
    // error()) otherwise.
    bool start(int timeoutMs = 90000);
    QString error() const { return m_error; }

    int shardCount() const { return m_options.shards; }
    bool tls() const { return m_options.tls; }
    int memberCount() const { return m_options.replicas + 1; }
    static QString nodeName(int shard, int member) { return QStringLiteral("shard%1-node%2").arg(shard).arg(member); }
    QString routerUrl() const { return url(QStringLiteral("router")); }
    quint16 routerPort() const { return m_port; }
    QByteArray token() const { return m_token; }
    QString directory() const { return m_dir.path(); }
    QString configPath() const { return m_dir.filePath(QStringLiteral("cluster-config.json")); }
    QString tokenPath() const { return m_dir.filePath(QStringLiteral("token")); }
    // The environment the launcher, and so every process of the cluster,
    // starts with: the test's own, Server.Authentication off unless
    // Options::authentication, and Options::environment. A process a test
    // starts beside the cluster (a second router) should get it too.
    QProcessEnvironment processEnvironment() const;

    // From the last cluster.json read (refreshed by pid()).
    QString url(const QString &name) const;
    QString host(const QString &name) const;
    quint16 port(const QString &name) const;
    // The process's data directory.
    QString dataDir(const QString &name) const;
    // "router" (unless there is none) and every member's name.
    QStringList processNames() const;
    // The process's current pid (re-reads cluster.json); 0 if not running.
    qint64 pid(const QString &name);

    // SIGKILL by pid and wait until the process is gone.
    void kill(const QString &name);
    void pause(const QString &name);
    void resume(const QString &name);
    // Through the supervisor: starts a stopped process and waits until it
    // answers; stops one (SIGTERM) and waits until it exited.
    bool startProcess(const QString &name, QString *error = nullptr);
    bool stopProcess(const QString &name, QString *error = nullptr);
    // Membership changes through the supervisor (peacedb-cluster add-member,
    // remove-member): a new member of `shard` (its process name in *name)
    // once it answers; a member out of its set and stopped.
    bool addMember(int shard, QString *name, QString *error = nullptr);
    bool removeMember(const QString &name, QString *error = nullptr);

    // A request to the router (or to the process `name`) with the token.
    // status 0 when there was no answer.
    TestHttpResponse router(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                            int timeoutMs = 15000);
    TestHttpResponse request(const QString &name, const QByteArray &method, const QByteArray &path,
                             const QByteArray &body = {}, int timeoutMs = 15000);
    // GET /v1/_cluster/status of the router; empty when it did not answer.
    QJsonObject status(int timeoutMs = 5000);
    // The same from another router of this cluster on 127.0.0.1:routerPort
    // (one the test started itself).
    QJsonObject status(quint16 routerPort, int timeoutMs);
    // The member index the router reports as `shard`'s primary, -1 if none.
    int primaryOf(int shard, int timeoutMs = 5000);
    int primaryOf(int shard, quint16 routerPort, int timeoutMs);
    // Waits until the router reports a writable primary for every shard and
    // every member of each shard reachable; false on timeout.
    bool waitForHealthy(int timeoutMs);
    // Every router event after `since`.
    QJsonArray events(qint64 since = 0);

    // Polls `predicate` every 50 ms until it holds or timeoutMs passes.
    bool waitUntil(const std::function<bool()> &predicate, int timeoutMs);
    // The same, but the test's event loop runs meanwhile (QTest::qWait), for
    // tests that drive widgets or asynchronous clients.
    bool waitProcessingEvents(const std::function<bool()> &predicate, int timeoutMs);
    void sleep(int milliseconds);
    void drainOutput();
    QString output();
    // The last `maxChars` characters of a process's log file.
    QString log(const QString &name, int maxChars = 4000) const;
    // Shards, members, roles and terms in a few lines, for failure messages.
    QString describe();

private:
    bool readClusterFile();
    // `name`'s entry in the last cluster.json read; empty if there is none.
    QJsonObject process(const QString &name) const;
    TestHttpResponse send(const QString &host, quint16 port, const QByteArray &method, const QByteArray &path, const QByteArray &body,
                          int timeoutMs);

    Options m_options;
    Preparation m_prepare;
    QTemporaryDir m_dir;
    QProcess m_launcher;
    QByteArray m_output;
    QByteArray m_token;
    quint16 m_port = 0;
    QString m_error;
    QJsonObject m_file;
    QSet<qint64> m_paused;
    QSet<qint64> m_seenPids;
};
