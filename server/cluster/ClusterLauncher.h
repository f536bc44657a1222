// ClusterLauncher: `peacedb-cluster up` — runs a local cluster until a
// signal stops it.
//
// start() does, in order, and stops at the first problem (printing why):
//   1. plans the layout (ClusterLayout) and finds the server binary;
//   2. takes the cluster directory (an flock on DIR/LOCK, so a second
//      launcher on the same directory is refused) and refuses a directory
//      that holds a cluster of another layout;
//   3. checks that every process's address and port is free, and listens
//      for the supervisor endpoint (SupervisorApi) on 127.0.0.1:P-1;
//   4. creates the data and log directories, the token (32 random hex
//      digits, mode 0600, kept across runs) and the configuration file —
//      after the port checks, so that an `up` refused for a busy port
//      leaves no configuration that would tie the directory to that port;
//   5. starts every process (Supervisor::startAll); if one fails, the rest
//      are stopped and the launcher exits with ExitStartupFailed;
//   6. waits until the cluster is ready — the router's /healthz says "ok"
//      (it has heard from every shard and each has a primary), or without a
//      router a writable member answers in every shard — and then prints
//      "up" with the router, member and log locations. A cluster not ready
//      within kReadyTimeoutMs is stopped, naming the shards without a
//      primary (ExitStartupFailed).
// While it runs, members are added and removed (addMember, removeMember,
// through the supervisor endpoint): the router changes the replica set, the
// launcher starts or stops the process and records the change in
// DIR/members.json, which the next `up` plans with (ClusterMemberList).
// DIR/cluster.json is rewritten whenever a pid or state changes. SIGTERM or
// SIGINT stops every process (router first; SIGTERM, then SIGKILL after the
// stop timeout) and exits 0; a second signal SIGKILLs the rest at once
// (exit 1). A process that exits on its own stays down (a line says so)
// until `peacedb-cluster start NAME`.
//
// Main thread; one per process; owned by main().
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <memory>
#include <optional>

#include "ClusterFile.h"
#include "ClusterLayout.h"
#include "ClusterOptions.h"
#include "DataDirectory.h"
#include "Status.h"

class HttpClientPool;
class HttpServer;
class SignalWatcher;
class Supervisor;
class SupervisorApi;

class ClusterLauncher : public QObject
{
    Q_OBJECT

public:
    enum ExitCode {
        ExitOk = 0,
        ExitStartupFailed = 1,   // a port is busy, a process exited or stayed silent; or a second signal
        ExitBadCommandLine = 2,  // also: the server binary is missing
        ExitClusterDirectory = 3,
        ExitBadBackup = 4,       // verify, restore: the backup is incomplete or damaged
    };

    explicit ClusterLauncher(const ClusterOptions &options, QObject *parent = nullptr);
    ~ClusterLauncher() override;

    // ExitOk when the processes are being started: run the event loop, which
    // QCoreApplication::exit() ends with the final exit code. Otherwise the
    // exit code, after printing why.
    int start();

    // peacedb-server next to this program.
    static QString defaultServerBinary();

private:
    Status takeDirectory();
    Status prepareFiles();
    // --tls: the certificates, and the supervisor's HTTPS.
    Status prepareTls();
    // Reads the secret at `path`, or creates it (0600, random; *created set).
    static Status prepareSecret(const QString &path, QByteArray *secret, bool *created);
    Status writeConfig();
    Status checkPorts() const;
    void onStartedAll(const Status &status);
    void checkReady();
    void onTerminationRequested();
    void onProcessExited(const QString &name, qint64 pid, const QString &description);
    void onChanged();
    void stopEverything(int exitCode);
    // Membership changes (SupervisorApi): one at a time.
    using ProcessDone = std::function<void(const Result<ClusterFile::Process> &)>;
    void addMember(int shard, ProcessDone done);
    void removeMember(const QString &name, ProcessDone done);
    // Polls the router until `name` is out of its shard's membership.
    void waitUntilRemoved(const ProcessSpec &spec, qint64 deadlineMs, ProcessDone done);
    void finishRemoval(const ProcessSpec &spec, ProcessDone done);
    Status saveMemberList() const;
    HttpClientPool *routerClient();
    void writeClusterFile();
    void printSummary() const;

    ClusterOptions m_options;
    std::optional<ClusterLayout> m_layout;
    QString m_serverBinary;
    DataDirectory m_directory;
    QByteArray m_token;
    QByteArray m_adminPassword;
    bool m_adminPasswordCreated = false;
    std::unique_ptr<HttpServer> m_http;
    std::unique_ptr<Supervisor> m_supervisor;
    std::unique_ptr<SupervisorApi> m_api;
    std::unique_ptr<SignalWatcher> m_signals;
    QHash<QString, QString> m_reportedStates; // process name -> last state printed
    bool m_up = false;
    bool m_stopping = false;
    bool m_finished = false;
    bool m_killed = false; // a second signal SIGKILLed what was left
    bool m_clusterFileWarned = false;
    QTimer m_readyTimer;
    QElapsedTimer m_readyClock;
    QHash<QString, HttpClientPool *> m_readyProbes; // by process name
    HttpClientPool *m_routerClient = nullptr;
    bool m_changingMembers = false;
    QElapsedTimer m_clock;
    int m_probesInFlight = 0;
    QSet<int> m_shardsReady;       // without a router: shards with a writable member
    QString m_notReady;            // what the last check saw
};
