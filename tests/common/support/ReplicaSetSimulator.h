// ReplicaSetSimulator: a whole replica set run in memory, deterministically,
// each member by the same ReplicationDriver (and so the same
// ReplicationCore) the server runs: the simulator only plays its
// environment — a LogStore (a durable log, hard state, commit point and
// rollback list, plus the submitted writes not durable yet; log reads that
// finish later), a Transport (the network) and the clock. The network is a
// list of in-flight messages the test delivers, drops, duplicates or
// reorders; a request whose message or answer is lost fails at its sender,
// as an HTTP request does. Nodes crash (losing everything not durable),
// restart from their durable state, lose their disks, fail a write, and
// crash in the middle of a snapshot install; time is a number the test
// advances.
//
// Every message travels through its JSON wire format, and appends carry the
// entries the sender's driver put in them (from its cache, or read back
// from its store).
//
// The simulator checks the protocol's safety invariants after every step and
// collects what it saw broken in violations():
//  - at most one primary per term; a node never votes twice in one term and
//    its term never goes back;
//  - a node never applies an entry that differs from the one any other node
//    applied at that seq, never cuts an applied entry, and applies only
//    durable entries;
//  - every append carries entries that are in the sender's log, with the
//    terms its core believes, within the byte budget; a replica never
//    accepts an append of an older term;
//  - reads: a node whose driver says it may serve linearizable reads
//    (ReplicationDriver::readable(), the rule the server applies) knows
//    committed — and so applies before such a read reads — every write any
//    node acknowledged.
// Clients are answered as a node answers them: AcknowledgementQueue, fed
// from the driver's committed / cut / abandoned callbacks and the applied
// entries, as the server's DocumentService is.
// checkConverged() and checkAcknowledged() add the liveness-after-healing and
// no-acknowledged-write-lost checks at the end of a scenario.
//
// Test support only: single-threaded, owned by the test; deterministic for a
// given seed.
#pragma once

#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>

#include <memory>
#include <optional>
#include <vector>

#include "AcknowledgementQueue.h"
#include "LogEntry.h"
#include "Membership.h"
#include "ReplicationCore.h"
#include "ReplicationDriver.h"
#include "ReplicationMessages.h"

class ReplicaSetSimulator
{
public:
    struct Options
    {
        int members = 3;
        int writeQuorum = 0; // 0: a majority of the voters in force
        ReplicationCore::Options core; // self, members and writeQuorum are set per node
        // The driver's append byte budget and entry cache: a budget of a few
        // entries cuts appends short; a cache of 0 bytes makes every entry a
        // lagging replica needs a read from the store (finished later).
        qint64 maxAppendBytes = ReplicationDriver::kMaxAppendBytes;
        qint64 entryCacheBytes = 64 * 1024 * 1024;
        quint64 seed = 1;
        bool trackInflight = false; // count outstanding appends per (primary, replica) after every step
        bool autoInstallSnapshots = false; // install requested snapshots between deliveries
        int snapshotCrashPercent = 0; // of those installs, crash this many in the middle
    };

    struct Message
    {
        qint64 id = 0;
        int from = -1;
        int to = -1;
        int fromIncarnation = 0;
        // For an answer: the request it answers (id, term, sender's incarnation).
        qint64 requestId = 0;
        qint64 requestTerm = 0;
        int requestIncarnation = -1;
        qint64 sentMs = 0;         // when it was sent
        qint64 requestSentMs = -1; // for an AppendResponse: when the append it answers was sent
        OutgoingMessage payload;
    };

    // One client write, as proposed on the node the test said is primary.
    struct Proposal
    {
        int node = -1;
        qint64 seq = 0;
        qint64 term = 0;
        QString id;
        QByteArray body;
        bool acknowledged = false;
    };

    class Store;
    class Peers;

    // A request a node sent and has not had answered (or failed) yet.
    struct PendingRequest
    {
        OutgoingMessage::Kind kind = OutgoingMessage::Kind::Append;
        int to = -1;
        qint64 term = 0;
        std::function<void(const Result<AppendResponse> &)> appendDone;
        std::function<void(const Result<VoteResponse> &)> voteDone;
    };

    struct Node
    {
        int index = -1;
        std::unique_ptr<Store> store;
        std::unique_ptr<Peers> peers;
        std::unique_ptr<ReplicationDriver> driver;
        const ReplicationCore &core() const { return driver->core(); }
        bool crashed = false;
        // Its storage failed (a write did not become durable): its driver
        // stopped taking part until a restart.
        bool storageFailed = false;
        int incarnation = 0;
        bool autoPersist = true;

        // Durable state.
        HardState hardState;
        qint64 compactedSeq = 0;
        qint64 compactedTerm = 0;
        QVector<LogEntry> log; // entries (compactedSeq, lastSeq]
        qint64 appliedSeq = 0; // the durable commit point: entries applied to the documents
        // The membership applied with them (the server's meta table), and
        // the seq of its Configure entry (0: the configuration file's).
        Membership appliedMembership;
        qint64 appliedMembershipSeq = 0;
        QVector<LogEntry> rollback;

        // Not durable yet: the log from pendingCut on is replaced by pendingTail.
        bool hasPending = false;
        quint64 lastTicket = 0; // of the latest submission
        QHash<qint64, PendingRequest> requests;   // by request message id
        QHash<qint64, Message> unanswered;        // requests it received and has not answered yet
        HardState state; // the latest hard state, durable or not
        qint64 pendingCut = 0; // 0: the durable log is only extended
        QVector<LogEntry> pendingTail;
        qint64 commitTarget = 0;

        std::optional<int> fetchSnapshotFrom;
        int fetchSnapshotCount = 0;
        QVector<ReplicationCore::Event> events;

        // Its clients' writes, answered as a real node answers them
        // (AcknowledgementQueue, fed as ReplicationNode feeds it).
        AcknowledgementQueue acknowledgements;
        QHash<quint64, QVector<int>> waiterProposals; // waiter id -> indices into proposals()

        qint64 viewLastSeq() const;
        // The entry at `seq` including writes not yet durable; nullptr if none.
        const LogEntry *viewEntry(qint64 seq) const;
        std::optional<qint64> viewTermAt(qint64 seq) const;
        qint64 durableLastSeq() const { return compactedSeq + log.size(); }
        const LogEntry *durableEntry(qint64 seq) const;
    };

    explicit ReplicaSetSimulator(const Options &options);
    ~ReplicaSetSimulator();

    int size() const { return int(m_nodes.size()); }
    qint64 now() const { return m_now; }
    const Node &node(int index) const { return *m_nodes.at(index); }
    const ReplicationCore &core(int index) const { return m_nodes.at(index)->core(); }
    const ReplicationDriver &driver(int index) const { return *m_nodes.at(index)->driver; }
    bool isUp(int index) const { return index >= 0 && index < size() && !m_nodes.at(index)->crashed; }
    // Live nodes that are primary of the highest term any live primary holds.
    std::optional<int> primary() const;
    qint64 maxTerm() const;

    // --- nodes -------------------------------------------------------------
    Status campaign(int node, qint64 term, bool transfer = false);
    Status propose(int node, int count);
    void stepDown(int node);
    void setAutoPersist(int node, bool autoPersist);
    // Makes every write of the node's Readies durable, reports it to the core
    // and releases the messages held for it.
    void persist(int node);
    void crash(int node);
    // Starts a crashed node (or one whose storage failed) from its durable state.
    void restart(int node);
    // The node's pending writes fail (disk full, I/O error): they never
    // become durable, and its driver stops taking part until a restart.
    void failStorage(int node);
    // Graceful hand-off (ReplicationDriver::handOff); the outcome, once
    // known, in handOffResult().
    void handOff(int node, qint64 timeoutMs);
    std::optional<std::pair<bool, QString>> handOffResult() const { return m_handOffResult; }
    // The node loses its storage (a wiped disk) and starts again empty, at
    // the same address.
    void wipe(int node);
    int wipes(int node) const { return m_wipes.value(node); }
    // Log retention: drops entries <= seq (REQUIRES seq <= the node's applied seq).
    void compact(int node, qint64 seq);
    // Installs on `node` a snapshot of `source`'s applied state; returns the seq.
    // With a crash point, the node crashes during the install: before the
    // new file is in place (it restarts from its old state) or right after
    // (it restarts from the snapshot, never told it installed it).
    enum class CrashPoint { None, BeforeSwap, AfterSwap };
    qint64 installSnapshot(int node, int source, CrashPoint crash = CrashPoint::None);
    // Installs the snapshots replicas asked for (Ready::fetchSnapshot) when the
    // source is up and reachable; returns how many.
    int installRequestedSnapshots();

    // --- membership --------------------------------------------------------
    // The URL of node `index` in memberships ("sim://<index>").
    static QString urlOf(int index);
    // Starts a new node with empty storage and the first membership (as a
    // process started with the configuration file); not a member until a
    // change adds it. Returns its index, which is the id the next
    // addMember() gives it.
    int addNode();
    // Proposes on `primary` the membership change `next`; the seq of its entry.
    Result<qint64> changeMembership(int primary, const Membership &next);
    // Adds node `node` (addNode()) as a learner through `primary`.
    Result<qint64> addMember(int primary, int node);
    Result<qint64> removeMember(int primary, int node);

    // --- time --------------------------------------------------------------
    void advance(qint64 ms); // finishes the log reads and calls in progress, then ticks every live node
    // Finishes the store reads and member calls (probes, promotions) in
    // progress; returns how many.
    int finishPending();

    // --- network -----------------------------------------------------------
    const QVector<Message> &inFlight() const { return m_network; }
    // Delivers (or drops, across a partition) the in-flight message at `index`.
    void deliver(int index);
    // Delivers in send order until the network is quiet (at most `limit`
    // deliveries; a limit hit is recorded as a violation: a livelock).
    int deliverAll(int limit = 200000);
    // The same, without recording a violation: whether the network went quiet.
    bool deliverUntilQuiet(int limit);
    // Delivers `count` messages picked at random; each is lost with
    // probability dropPercent and duplicated with duplicatePercent.
    int deliverRandom(int count, int dropPercent = 0, int duplicatePercent = 0);
    void drop(int index);
    void duplicate(int index);
    void dropAll();
    // Nodes in different groups cannot talk; nodes not listed form one more group.
    void partition(const QVector<QVector<int>> &groups);
    void isolate(int node);
    void heal();
    bool canTalk(int a, int b) const;
    // advance(stepMs) + deliverAll(), until `ms` have passed.
    void runFor(qint64 ms, qint64 stepMs = 50);

    // --- checks ------------------------------------------------------------
    const QVector<Proposal> &proposals() const { return m_proposals; }
    int acknowledgedCount() const;
    // How many terms had a primary.
    int electedTerms() const { return int(m_primaryOfTerm.size()); }
    qint64 deliveredCount() const { return m_delivered; }
    // Log entries carried by the appends delivered to `node` so far.
    qint64 entriesDeliveredTo(int node) const { return m_entriesDelivered.at(node); }
    const QStringList &violations() const { return m_violations; }
    // Logs identical (seq, term, bytes) on every live node, commit points
    // equal, exactly one live primary. Empty when converged.
    QStringList checkConverged() const;
    // Every acknowledged entry is on every live node that reached its seq (and
    // on the primary), with its term and bytes. Empty when none is lost.
    QStringList checkAcknowledged() const;
    // The last actions, for failure messages.
    QString trace(int lines = 40) const;
    // A failure message: `problems`, the violations and the last steps; with
    // PEACEDB_SIM_TRACE_FILE set, the whole trace is written to that file.
    QString report(const QStringList &problems = {}) const;
    // How many events of `kind` node `index` reported.
    int eventCount(int index, ReplicationCore::Event::Kind kind) const;
    void note(const QString &line);

    // Largest number of appends seen outstanding (sent, not yet answered or
    // failed) from a primary to one replica (trackInflight only).
    int maxOutstandingAppends() const { return m_maxOutstanding; }

    quint64 random(); // the simulator's seeded generator, for scripts
    int randomBelow(int bound);

private:
    struct CommittedEntry
    {
        qint64 term = 0;
        QByteArray json;
        int node = -1;
    };

    Node &mutableNode(int index) { return *m_nodes[index]; }
    void startDriver(Node &node);
    void drain(Node &node);
    // The store's side of a node (ReplicaSetSimulator::Store calls these).
    quint64 submit(Node &node, const LogWrite &write);
    void commitThrough(Node &node, qint64 seq);
    void persistNode(Node &node);
    void applyCommitted(Node &node);
    // The transport's side.
    Message outgoing(Node &node, int to, const OutgoingMessage &payload);
    bool checkAppend(const Node &node, const AppendRequest &request);
    void sendRequest(Node &node, Message message, PendingRequest request);
    void answer(int index, int incarnation, const Message &request, const Result<OutgoingMessage> &answer);
    void failRequest(const Message &request, const QString &why);
    void dropMessage(const Message &message, const QString &why);
    void receiveAt(Node &node, const Message &message);
    void checkNode(const Node &node);
    void checkReads();
    // Answers the node's clients as its acknowledgement queue decided.
    void answerClients(Node &node, const QVector<AcknowledgementQueue::Decision> &decisions, const QString &why);
    void observeInflight();
    void violation(const QString &what);

    Options m_options;
    Membership m_initialMembership;
    std::vector<std::unique_ptr<Node>> m_nodes;
    QVector<int> m_group;
    QVector<Message> m_network;
    qint64 m_nextMessageId = 1;
    qint64 m_now = 0;
    quint64 m_random = 0;

    QVector<Proposal> m_proposals;
    quint64 m_nextWaiter = 1;
    qint64 m_maxAcknowledgedSeq = 0;
    QHash<int, int> m_wipes;
    qint64 m_nextDocument = 1;
    QVector<CommittedEntry> m_committed; // index seq - 1: the entry applied at seq
    QHash<qint64, int> m_primaryOfTerm;
    QHash<QPair<int, qint64>, int> m_voteSent; // (voter, term) -> candidate, for granted votes that left the voter
    QStringList m_violations;
    QStringList m_trace;
    int m_maxOutstanding = 0;
    qint64 m_delivered = 0;
    bool m_livelocked = false;
    QVector<qint64> m_entriesDelivered;

    // Store reads and member calls in progress, finished by finishPending().
    std::vector<std::function<void()>> m_pending;
    std::optional<std::pair<bool, QString>> m_handOffResult;
};
