// ReplicationNode: a replica set member — runs a ReplicationDriver (the
// ReplicationCore and the logic around it, shared with the simulator that
// tests it) against the real world: a QTimer for ticks, HTTP to the other
// members (the cluster token on every request), the GroupCommitter for
// durability, a read connection on a worker thread of its own for log
// entries no longer in memory (a lagging replica's catch-up never blocks
// this thread), snapshot files made, downloaded and swapped in. It is also
// the node's CommitLog: writes enter the log through it and are reported
// applied once the write quorum holds them; and it turns the driver's
// state and events into JSON (state(), event()).
//
// Main thread; owned by the ServerApp; uses, does not own, the committer and
// the reader.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

#include "CommitLog.h"
#include "ReplicationCore.h"
#include "ReplicationDriver.h"
#include "StorageOptions.h"

class DocumentReader;
class GroupCommitter;
class HttpClientPool;
class ReadPool;

class ReplicationNode : public CommitLog
{
    Q_OBJECT

public:
    struct Settings
    {
        int shardId = 0;
        // The configuration file's members (the first membership: ids are
        // the positions); later ones come from the log (Membership).
        QStringList members;
        int self = 0;          // this member's id
        QString selfUrl;       // and its URL
        ReplicationCore::Options core;
        // A replica that has not answered for this long is Offline (the
        // router's threshold for a member that is down).
        qint64 failoverTimeoutMs = 5000;
        qint64 maxReplicationLagMs = 10000;
        // Writes are refused (503) while this many entries, or bytes, are
        // accepted but not yet committed and durable here.
        qint64 maxPendingWrites = 100000;
        qint64 maxPendingWriteBytes = 256 * 1024 * 1024;
        qint64 logRetentionEntries = 100000;
        // Recent entries kept in memory for the replicas; older ones are read
        // back from disk (on a worker thread) when a replica needs them.
        qint64 entryCacheBytes = 64 * 1024 * 1024;
        QByteArray token;
        QString dataDir;       // snapshots are written and downloaded here
        QString databasePath;  // the node's SQLite file
        StorageOptions storageOptions;
        QString nodeId;
        bool bootstrap = false; // the configured primary starts term 1 on an empty set
    };
    // Entries of one append request or /wal answer stop at about this many
    // bytes (a single larger entry still goes alone). A member accepts
    // replication requests up to maxRequestBytes(Server.MaxBodyBytes).
    static constexpr qint64 kMaxAppendBytes = ReplicationDriver::kMaxAppendBytes;
    static qint64 maxRequestBytes(qint64 maxBodyBytes) { return maxBodyBytes + kMaxAppendBytes + 1024 * 1024; }
    using Respond = std::function<void(int httpStatus, const QByteArray &json)>;

    ReplicationNode(const Settings &settings, GroupCommitter *committer, DocumentReader *reader, QObject *parent = nullptr);
    ~ReplicationNode() override;

    void start();
    // Its workers' connections are closed while a snapshot is swapped in.
    void setReadPool(ReadPool *pool) { m_readPool = pool; }

    // CommitLog
    Status writable() const override;
    Status readable() const override;
    std::optional<qint64> termAt(qint64 seq) const override;
    Status health() const override
    {
        return m_driver->storageFailure().isEmpty() ? Status::ok() : Status::storageFailure(m_driver->storageFailure());
    }
    qint64 term() const override { return m_driver->core().term(); }
    qint64 nextSeq() const override { return m_driver->core().lastSeq() + 1; }
    Status append(QVector<LogEntry> &entries) override;

    // Requests from other members (and operators); each answers exactly once.
    void handleAppend(const QByteArray &body, const Respond &respond);
    void handleVote(const QByteArray &body, const Respond &respond);
    // Starts an election for `term` (0: the next term) and answers once it
    // is won or lost. `transfer`: a hand-off — the primary of the current
    // term stepped down and named this member (ReplicationCore::campaign).
    void promote(qint64 term, bool transfer, const Respond &respond);
    void stepDown(const Respond &respond);
    // Membership changes (on the primary; POST /v1/_replication/members):
    // {"add": url} adds a learner, {"remove": id} removes a member. Answers
    // 202 with the new membership and the seq of its entry once proposed;
    // 409 while another change is not committed, 503 when not primary.
    void changeMembership(const QByteArray &body, const Respond &respond);
    // Graceful hand-off before this process exits (SIGTERM). REQUIRES: no
    // client write is pending. While this member is primary of a set with
    // other members:
    //   1. it waits (checking after every answer) until a replica durably holds
    //      its whole log — it stays primary meanwhile, so replication goes on;
    //   2. it steps down (same term), so it sends no more appends;
    //   3. it asks that replica to hold an election for the next term
    //      (/v1/_replication/promote, as a transfer: its lease is given up,
    //      so the votes need not wait for it to run out); the replica's log
    //      is as up to date as any, so the other members vote for it.
    // `done` runs once: handedOff when the replica answered that it won;
    // otherwise (not primary, a single member, no replica caught up or no
    // election won within timeoutMs) with the reason. The router's
    // coordinator covers a failed hand-off as it covers a dead primary.
    using HandOffDone = std::function<void(bool handedOff, const QString &detail)>;
    void handOff(qint64 timeoutMs, const HandOffDone &done);
    // GET /v1/_replication/wal?since=&limit=
    void handleWal(qint64 since, qint64 limit, const Respond &respond);
    // GET /v1/_replication/snapshot: answers with a file to stream.
    using SnapshotReady = std::function<void(const Status &status, const QString &path, qint64 seq, qint64 term)>;
    void makeSnapshot(const SnapshotReady &ready);

    QJsonObject state() const;
    QString primaryUrl() const;
    int shardId() const { return m_settings.shardId; }
    // Times this member learned of a new primary (itself included; the first
    // one it learned of counts), and its replication events by kind
    // ("promoted", "lease-lost", ...) since it started.
    qint64 leaderChanges() const { return m_driver->leaderChanges(); }
    const QHash<QString, qint64> &eventCounts() const { return m_eventCounts; }
    std::pair<qint64, qint64> appliedPosition() const override;
    qint64 commitSeq() const override;

signals:
    // A replication event (became primary, rolled back N, lease lost, ...)
    // as JSON: {"timeMs","kind","term","shard","member","count","detail"}.
    void event(const QJsonObject &event);

private:
    class Store;
    class Peers;

    qint64 now() const { return m_clock.elapsed(); }
    void post(int member, const QByteArray &path, const QByteArray &body, std::function<void(int, const QByteArray &)> done);
    // The connections to member `id` (nullptr: not a member this node knows
    // the URL of).
    HttpClientPool *peer(int id);
    QString urlOf(int id) const;
    void recordEvent(const ReplicationCore::Event &event);
    void onStorageFailed(const Status &status);
    // Adds where the primary is to a refusal of a member that is not it.
    Status withPrimary(Status status) const;
    void fetchSnapshot(int leader);
    void installSnapshot(const QString &path);

    Settings m_settings;
    GroupCommitter *m_committer;
    DocumentReader *m_reader;
    ReadPool *m_readPool = nullptr;
    QElapsedTimer m_clock;
    QTimer m_ticker;
    QNetworkAccessManager m_network;        // snapshot downloads
    QHash<int, HttpClientPool *> m_peers;   // by member id, made when first needed
    QString m_leaderUrl;                    // the leader's, as its last snapshot request said
    // Log entries read back from disk for appends and /wal.
    std::unique_ptr<ReadPool> m_logReadPool;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<Peers> m_transport;
    // Last: destroyed first (it answers pending promotions as it goes).
    std::unique_ptr<ReplicationDriver> m_driver;

    bool m_snapshotBusy = false;
    qint64 m_snapshotsMade = 0;
    QJsonArray m_events;         // the most recent events, newest last
    qint64 m_rolledBack = 0;
    QHash<QString, qint64> m_eventCounts;
};
