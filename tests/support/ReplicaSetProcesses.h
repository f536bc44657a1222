// ReplicaSetProcesses: one shard's replica set of real peacedb-server
// processes (Server.Role node) for process tests.
//
// The constructor prepares everything the members must agree on before any
// of them starts, in a QTemporaryDir of its own: a free 127.0.0.1 port per
// member (member URLs are fixed for the life of the set), the shared cluster
// token file, one configuration file (member 0 is the configured primary),
// and a data directory per member. Members are then started, killed
// (SIGKILL), paused (SIGSTOP), resumed and restarted on the same data
// directory and port. Every wait is bounded; the destructor kills every
// member it started, so a failing test never leaves a process behind.
//
// Requests go to a member with the cluster token (the internal endpoints
// need it; the client API ignores it). GETs use one keep-alive connection per
// member and are retried once on a fresh connection when the old one turns
// out closed; other methods always use a fresh connection, so a request is
// never sent twice.
//
// Test thread only; owned by the test. Waiting functions drain the members'
// output pipes, so call them (or drainOutput()) during long tests.
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <functional>
#include <memory>
#include <vector>

#include "ServerProcess.h"
#include "TestHttpClient.h"

class ReplicaSetProcesses
{
public:
    struct Options
    {
        int members = 3;
        int writeQuorum = 2;
        qint64 failoverTimeoutMs = 2000;
        qint64 heartbeatIntervalMs = 200;
        qint64 writeTimeoutMs = 3000;
        // Merged into the configuration file section by section, e.g.
        // {"Storage": {"LogRetentionEntries": 500}}.
        QJsonObject extraConfig;
        qint64 entryCacheBytes = -1; // Sharding.Replication.EntryCacheBytes; -1: the default
        // Members prepared (port, data directory) but not in the
        // configuration file: they join by membership changes, started with
        // Node.ShardId 0 and Node.MemberId = their index (members + i: the
        // id the set gives them when they are added in order).
        int spares = 0;
    };

    explicit ReplicaSetProcesses(const Options &options);
    ReplicaSetProcesses();
    ~ReplicaSetProcesses();
    ReplicaSetProcesses(const ReplicaSetProcesses &) = delete;
    ReplicaSetProcesses &operator=(const ReplicaSetProcesses &) = delete;

    // False if the directories, ports, token or configuration could not be
    // prepared; error() says why.
    bool isValid() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }

    // Every prepared member, spares included.
    int size() const { return int(m_members.size()); }
    bool isSpare(int member) const { return member >= m_options.members; }
    QString url(int member) const;
    quint16 port(int member) const;
    QString dataDir(int member) const;
    QByteArray token() const { return m_token; }
    QString configPath() const;
    // The member index of `url`, -1 if it is not a member.
    int memberOf(const QString &url) const;

    // Starts `members` (all configured ones when empty), the configured primary (member 0)
    // last so its bootstrap election finds the others listening. False (see
    // error()) if one does not come up.
    bool start(const QList<int> &members = {});
    bool startMember(int member, int timeoutMs = 20000);
    // SIGKILL, and wait until the process is gone.
    void kill(int member);
    // SIGSTOP / SIGCONT.
    void pause(int member);
    void resume(int member);
    // Kills the member if it runs, then starts it on the same data
    // directory and port.
    bool restart(int member, int timeoutMs = 20000);
    // Running and not paused.
    bool isLive(int member);
    bool isRunning(int member);
    ServerProcess &process(int member) { return *m_members.at(size_t(member)).process; }

    // A request with the cluster token. status 0 (and error) when there was
    // no answer.
    TestHttpResponse request(int member, const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                             int timeoutMs = 10000);
    TestHttpResponse get(int member, const QByteArray &path, int timeoutMs = 10000)
    {
        return request(member, "GET", path, {}, timeoutMs);
    }
    // GET /v1/_replication/state; an empty object when there was no answer.
    QJsonObject state(int member, int timeoutMs = 5000);
    // Every log entry of `member` after `since` (all pages of
    // /v1/_replication/wal). False (with *error) when a page fails.
    bool wal(int member, qint64 since, QJsonArray *entries, QString *error);

    // Waits until one live member is primary and every live member names it
    // as the primary (and, with requireWritable, it accepts writes). Returns
    // its index, -1 on timeout.
    int waitForPrimary(int timeoutMs = 20000, bool requireWritable = true);
    // Polls `predicate` every 50 ms (draining output) until it holds or
    // timeoutMs passes; returns its last value.
    bool waitUntil(const std::function<bool()> &predicate, int timeoutMs);
    // Waits until every member in `members` (all live ones when empty) is
    // alive and reports the same lastSeq and lastTerm, with commitSeq and
    // appliedSeq at that lastSeq.
    bool waitForConvergence(int timeoutMs, const QList<int> &members = {});
    // Sleeps while draining the members' output.
    void sleep(int milliseconds);
    void drainOutput();

    // One line per member (role, term, log position), for failure messages.
    QString describe();
    // A member's output, over all its starts, last `maxChars` characters.
    QString output(int member, int maxChars = 4000);

private:
    struct Member
    {
        QString url;
        quint16 port = 0;
        QString dataDir;
        std::unique_ptr<ServerProcess> process;
        std::unique_ptr<TestHttpClient> client;
        bool paused = false;
        QString earlierOutput;
    };

    bool prepare();

    Options m_options;
    QTemporaryDir m_dir;
    QByteArray m_token;
    std::vector<Member> m_members;
    QString m_error;
};
