// ReplicaSetSimulator: a whole replica set of ReplicationCores run in memory,
// deterministically, the way server/node/ReplicationNode runs one core
// (ReplicationCore.h's contract): each simulated node has a durable log,
// hard state, commit point and rollback list, plus the writes and
// after-persist messages of the Readies that are not durable yet. The network
// is a list of in-flight messages the test delivers, drops, duplicates or
// reorders; nodes crash (losing everything not durable) and restart from
// their durable state; time is a number the test advances.
//
// Every message travels through its JSON wire format, and outgoing appends
// get their entries from the sender's log, as a real node fills them.
//
// The simulator checks the protocol's safety invariants after every step and
// collects what it saw broken in violations():
//  - at most one primary per term; a node never votes twice in one term and
//    its term never goes back;
//  - a node never applies an entry that differs from the one any other node
//    applied at that seq, never cuts an applied entry, and applies only
//    durable entries;
//  - every append range a core asks for exists in the sender's log, with the
//    terms the core believes; a replica never accepts an append of an older
//    term;
//  - reads: a node that may serve linearizable reads (primary, lease held,
//    its term's first entry applied — the rule ReplicationNode::readable()
//    applies) has applied every write any node acknowledged.
// Clients are answered as a node answers them: AcknowledgementQueue, fed
// from the Readies the way ReplicationNode feeds it.
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

#include <memory>
#include <optional>
#include <vector>

#include "AcknowledgementQueue.h"
#include "LogEntry.h"
#include "ReplicationCore.h"
#include "ReplicationMessages.h"

class ReplicaSetSimulator
{
public:
    struct Options
    {
        int members = 3;
        int writeQuorum = 0; // 0: a majority of members
        ReplicationCore::Options core; // self, members and writeQuorum are set per node
        quint64 seed = 1;
        bool trackInflight = false; // count outstanding appends per (primary, replica) after every step
        bool autoInstallSnapshots = false; // install requested snapshots between deliveries
    };

    struct Message
    {
        qint64 id = 0;
        int from = -1;
        int to = -1;
        int fromIncarnation = 0;
        // For an AppendResponse: the append it answers (term, sender's incarnation).
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

    struct Node
    {
        int index = -1;
        std::unique_ptr<ReplicationCore> core;
        bool crashed = false;
        int incarnation = 0;
        bool autoPersist = true;

        // Durable state.
        HardState hardState;
        qint64 compactedSeq = 0;
        qint64 compactedTerm = 0;
        QVector<LogEntry> log; // entries (compactedSeq, lastSeq]
        qint64 appliedSeq = 0; // the durable commit point: entries applied to the documents
        QVector<LogEntry> rollback;

        // Not durable yet: the log from pendingCut on is replaced by pendingTail.
        bool hasPending = false;
        HardState state; // the latest hard state, durable or not
        qint64 pendingCut = 0; // 0: the durable log is only extended
        QVector<LogEntry> pendingTail;
        QVector<Message> held; // after-persist messages
        qint64 commitTarget = 0;

        std::optional<int> fetchSnapshotFrom;
        int fetchSnapshotCount = 0;
        QVector<ReplicationCore::Event> events;

        // Its clients' writes, answered as a real node answers them
        // (AcknowledgementQueue, fed as ReplicationNode feeds it).
        AcknowledgementQueue acknowledgements;
        QHash<quint64, QVector<int>> waiterProposals; // waiter id -> indices into proposals()
        bool wasPrimary = false;

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
    const ReplicationCore &core(int index) const { return *m_nodes.at(index)->core; }
    bool isUp(int index) const { return !m_nodes.at(index)->crashed; }
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
    void restart(int node);
    // The node loses its storage (a wiped disk) and starts again empty, at
    // the same address.
    void wipe(int node);
    int wipes(int node) const { return m_wipes.value(node); }
    // Log retention: drops entries <= seq (REQUIRES seq <= the node's applied seq).
    void compact(int node, qint64 seq);
    // Installs on `node` a snapshot of `source`'s applied state; returns the seq.
    qint64 installSnapshot(int node, int source);
    // Installs the snapshots replicas asked for (Ready::fetchSnapshot) when the
    // source is up and reachable; returns how many.
    int installRequestedSnapshots();

    // --- time --------------------------------------------------------------
    void advance(qint64 ms); // ticks every live node

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
    ReplicationCore::Options coreOptions(int index) const;
    void drain(Node &node);
    void processReady(Node &node, ReplicationCore::Ready &&ready);
    void applyToView(Node &node, const ReplicationCore::Ready &ready);
    void persistNode(Node &node);
    void applyCommitted(Node &node);
    void send(Node &node, const OutgoingMessage &message, bool afterPersist);
    bool fillEntries(const Node &node, AppendRequest &request);
    void releaseHeld(Node &node);
    void dropMessage(const Message &message, const QString &why);
    void receiveAt(Node &node, const Message &message);
    void checkNode(const Node &node);
    void checkReads();
    // Answers the node's clients as its acknowledgement queue decided.
    void answerClients(Node &node, const QVector<AcknowledgementQueue::Decision> &decisions, const QString &why);
    void observeInflight();
    void violation(const QString &what);

    Options m_options;
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

    // While a node handles an append: the request its answers belong to.
    qint64 m_answeringTerm = 0;
    int m_answeringIncarnation = -1;
    qint64 m_answeringSentMs = -1;
    int m_answeringLeader = -1;
};
