// ReplicationDriver: runs one replica set member's ReplicationCore against
// its environment — the code between the pure protocol core and a real node
// (server/node/ReplicationNode) or a simulated one
// (tests/common/support/ReplicaSetSimulator), which both use this class, so
// the simulator proves the driver the server runs and not a copy of it.
//
// It keeps ReplicationCore's Ready contract (ReplicationCore.h):
//  - each Ready's log changes and hard state go to the LogStore as one
//    submission, in order; commit points follow;
//  - messages that promise durability (acknowledgements, votes) leave only
//    once everything submitted before them is durable (held by ticket); a
//    storage failure or a snapshot install drops them unsent, so a later
//    batch that succeeds can never release them;
//  - answers to a member's request go back through that request's reply.
// Around it: the cache of recent entries that appends are filled from (older
// ones are read back through the LogStore off the caller's thread, and the
// core waits for them — Options::fitEntries), the storage-failure latch
// (no appends, votes or promotions answered after a failed write), client
// readability (lease, own term's first entry applied) and back-pressure, the
// bootstrap of a brand-new set, operator promotions and the graceful
// hand-off (decided by ReplicationRules' pure rules).
//
// Single-threaded: every call, and every callback it is given, on one thread.
// Time comes from the Environment's clock; the owner calls tick() often
// (every 10-50 ms).
#pragma once

#include <QHash>
#include <QSet>
#include <QString>
#include <QVector>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "LogEntry.h"
#include "LogWrite.h"
#include "ReplicationCore.h"
#include "ReplicationMessages.h"
#include "ReplicationRules.h"
#include "Result.h"
#include "Status.h"

class ReplicationDriver
{
public:
    // Entries of one append request stop at about this many bytes (a single
    // larger entry still goes alone).
    static constexpr qint64 kMaxAppendBytes = 4 * 1024 * 1024;

    // The member's storage: the log, the hard state and the applied
    // documents, written in order by a group committer.
    class LogStore
    {
    public:
        virtual ~LogStore() = default;
        // Queues `write` after every earlier one; returns its ticket
        // (increasing). The owner reports durability with durable().
        virtual quint64 submit(const LogWrite &write) = 0;
        // Entries through `seq` may be applied once durable.
        virtual void commitThrough(qint64 seq) = 0;
        // Nothing submitted is waiting to be durable.
        virtual bool isIdle() const = 0;
        virtual qint64 durableSeq() const = 0;
        virtual qint64 appliedSeq() const = 0;
        // Entries submitted but not yet durable (back-pressure).
        virtual qint64 queuedEntries() const = 0;
        virtual qint64 queuedBytes() const = 0;
        // Reads the durable entries from..to, stopping after about maxBytes
        // (at least one entry), without blocking the caller; `done` runs
        // later on the driver's thread. False, with nothing queued, when too
        // many reads wait.
        using ReadDone = std::function<void(const Result<QVector<LogEntry>> &)>;
        virtual bool readEntries(qint64 from, qint64 to, qint64 maxBytes, ReadDone done) = 0;
    };

    // The other members. Every request is answered exactly once, later, on
    // the driver's thread: with the answer, or with an error (no answer in
    // time, refused, the member down).
    class Transport
    {
    public:
        virtual ~Transport() = default;
        virtual void sendAppend(int member, const AppendRequest &request, std::function<void(const Result<AppendResponse> &)> done) = 0;
        virtual void sendVote(int member, const VoteRequest &request, std::function<void(const Result<VoteResponse> &)> done) = 0;
        // Asks `member` to stand for `term` as a hand-off (its promote()).
        virtual void requestPromotion(int member, qint64 term, std::function<void(const Status &)> done) = 0;
        // What `member` holds (bootstrap of a new set).
        virtual void probe(int member, std::function<void(const Result<ReplicationRules::PeerSummary> &)> done) = 0;
    };

    // What the owner hears of.
    struct Observer
    {
        std::function<void(const ReplicationCore::Event &event)> event;
        // The log is cut from this seq (a rollback): writes there are not
        // this member's any more.
        std::function<void(qint64 fromSeq)> cut;
        // Entries through `seq` are committed (a write quorum holds them),
        // applied or not yet.
        std::function<void(qint64 seq)> committed;
        // Entries through `seq` are applied.
        std::function<void(qint64 seq)> applied;
        // No longer primary (or its storage failed): writes through
        // `lastKeptSeq` are committed, the rest are not known to be.
        std::function<void(const Status &reason, qint64 lastKeptSeq)> abandoned;
        // The primary `leader` says this member must install its snapshot
        // (repeats while it has not); the owner fetches and installs it
        // (beginSnapshotInstall, snapshotInstalled).
        std::function<void(int leader)> fetchSnapshot;
        // The storage failed: the member stopped taking part (stop ticking it).
        std::function<void(const QString &why)> storageFailed;
    };

    struct Settings
    {
        int shardId = 0;
        int self = 0; // this member's id
        ReplicationCore::Options core; // self is set from above; fitEntries is the driver's
        qint64 maxPendingWrites = 100000;
        qint64 maxPendingWriteBytes = 256 * 1024 * 1024;
        qint64 entryCacheBytes = 64 * 1024 * 1024;
        qint64 entryCacheEntries = 50000;
        qint64 maxAppendBytes = kMaxAppendBytes;
        int maxLoadedRanges = 16;
        bool bootstrap = false; // the configured primary starts term 1 on an empty set
        // A learner that holds the primary's committed log becomes a voter
        // (a membership change the primary proposes; learner-caught-up).
        bool promoteLearners = true;
    };

    struct Initial
    {
        HardState hardState;
        TermHistory log;
        qint64 appliedSeq = 0;
        // The membership applied (seq <= appliedSeq; seq 0: the configuration
        // file's), then every Configure entry of the log after appliedSeq.
        QVector<ReplicationCore::Configuration> configurations;
    };

    ReplicationDriver(const Settings &settings, const Initial &initial, LogStore *store, Transport *transport,
                      std::function<qint64()> clock, Observer observer);
    ~ReplicationDriver();
    ReplicationDriver(const ReplicationDriver &) = delete;
    ReplicationDriver &operator=(const ReplicationDriver &) = delete;

    const ReplicationCore &core() const { return m_core; }
    const Settings &settings() const { return m_settings; }
    qint64 now() const { return m_clock(); }

    // --- the owner's events ---------------------------------------------------
    void tick();
    // `ticket` and everything before it are durable: the log through
    // lastSeq, documents applied through appliedSeq.
    void durable(qint64 lastSeq, qint64 appliedSeq, quint64 ticket);
    void compacted(qint64 seq);
    // A write failed: the core's log now runs ahead of the disk. The member
    // stops answering appends, votes and promotions until it restarts.
    void storageFailed(const Status &status);
    // The owner is about to swap in a snapshot: answers held for writes it
    // drops are never sent, and log reads in flight are worthless.
    void beginSnapshotInstall();
    void snapshotInstalled(qint64 seq, qint64 term, const Membership &membership);

    // --- clients (a primary's writes) -------------------------------------------
    // 503 while this member may not serve writes or linearizable reads.
    Status writable() const;
    Status readable() const;
    // Proposes client entries (their terms are set here).
    Status propose(QVector<LogEntry> &entries);

    // --- membership -----------------------------------------------------------
    // Proposes `next` as the replica set's membership
    // (ReplicationCore::checkMembershipChange says when it may); returns the
    // seq of its Configure entry. It is in force at once and done once
    // committed (core().membershipChangePending()).
    Result<qint64> proposeMembership(const Membership &next);

    // --- members and operators ------------------------------------------------
    // Requests from other members; `reply` runs exactly once (maybe later,
    // once what it promises is durable). Errors: StorageFailure, BadRequest,
    // Conflict, Internal.
    void receiveAppend(const AppendRequest &request, std::function<void(const Result<AppendResponse> &)> reply);
    void receiveVote(const VoteRequest &request, std::function<void(const Result<VoteResponse> &)> reply);
    // Starts an election for `term` (0: the next one); `done` once it is
    // won (ok, the term) or lost (Conflict with why) or refused.
    void promote(qint64 term, bool transfer, std::function<void(const Status &status, qint64 term)> done);
    // Returns whether it was primary.
    bool stepDown();
    // Graceful hand-off (ReplicationRules::handOffSuccessor): waits until a
    // replica durably holds the whole log, steps down, asks it to stand for
    // the next term as a transfer. `done` once: handedOff, or why not.
    using HandOffDone = std::function<void(bool handedOff, const QString &detail)>;
    void handOff(qint64 timeoutMs, HandOffDone done);

    // --- what it knows ---------------------------------------------------------
    QString storageFailure() const { return m_storageFailure; }
    qint64 leaderChanges() const { return m_leaderChanges; }
    qint64 logReads() const { return m_logReads; }
    // When the entry at `seq` was written, if it is still in memory.
    std::optional<qint64> timestampOf(qint64 seq) const;
    qint64 cacheFirstSeq() const;
    // Answers held until the writes before them are durable.
    int heldAnswers() const;

private:
    struct Held
    {
        quint64 ticket = 0;
        std::vector<std::function<void()>> sends;
    };

    static ReplicationCore::Options coreOptions(const Settings &settings, ReplicationDriver *driver);
    void processReady();
    void send(const OutgoingMessage &message, std::vector<std::function<void()>> *held);
    void sendAppend(const OutgoingMessage &message);
    void sendVote(const OutgoingMessage &message);
    void recordEvent(const ReplicationCore::Event &event);
    void resolvePromotions(const Status &status);
    void checkHandOff();
    void finishHandOff(bool handedOff, const QString &detail);
    void maybeBootstrap();
    bool isBrandNew() const;
    void maybePromoteLearner();

    Result<QVector<LogEntry>> cachedEntries(qint64 from, qint64 count) const;
    const LogEntry *inMemory(qint64 seq) const;
    qint64 fitEntries(qint64 from, qint64 count);
    void loadEntries(qint64 from, qint64 to);
    bool isCurrent(const QVector<LogEntry> &entries) const;
    void forgetLoadedEntries();
    void cacheAppend(const QVector<LogEntry> &entries);
    void cacheTruncate(qint64 fromSeq);

    Settings m_settings;
    LogStore *m_store;
    Transport *m_transport;
    std::function<qint64()> m_clock;
    Observer m_observer;
    ReplicationCore m_core;

    // The reply to the member request being processed.
    std::function<void(const OutgoingMessage &)> m_currentReply;
    std::deque<Held> m_held;
    quint64 m_completedTicket = 0;

    // Recent entries, for sending without reading them back from disk.
    std::deque<LogEntry> m_cache;
    qint64 m_cacheBytes = 0;
    // Entries sized for an append, by first seq; sent (or dropped) by the
    // end of processReady().
    QHash<qint64, QVector<LogEntry>> m_prefetched;
    // Entries read back from disk, by first seq (at most maxLoadedRanges
    // ranges: all are dropped when more are needed); a generation change
    // (cut, snapshot) makes reads in flight worthless.
    QHash<qint64, QVector<LogEntry>> m_loaded;
    QSet<qint64> m_loading;
    quint64 m_loadGeneration = 0;
    qint64 m_logReads = 0;
    qint64 m_lastLoadWarningMs = -1;

    // A cut submitted to the store and not yet durable (0: none), and the
    // ticket of its write (max until it is submitted).
    qint64 m_pendingCutFrom = 0;
    quint64 m_pendingCutTicket = 0;
    qint64 m_reportedCommitSeq = 0; // the last commit point given to Observer::committed

    QString m_storageFailure;
    bool m_wasPrimary = false;
    int m_lastLeader = -1;
    qint64 m_leaderChanges = 0;

    struct Promotion
    {
        qint64 term = 0;
        std::function<void(const Status &, qint64)> done;
    };
    std::vector<Promotion> m_promotions;
    qint64 m_promotionDeadlineMs = -1;

    HandOffDone m_handOffDone;
    bool m_handOffWaiting = false; // for a replica to catch up (else: for its election)
    qint64 m_handOffDeadlineMs = -1;

    bool m_bootstrapProbing = false;
    qint64 m_lastBootstrapMs = -1;
    std::shared_ptr<bool> m_alive; // callbacks check it: the driver may be gone
};
