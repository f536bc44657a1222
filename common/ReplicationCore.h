// ReplicationCore: one replica set member's replication state machine
// (docs/replication.md) — pure and deterministic, in the manner of
// etcd-raft: inputs are calls (messages received, proposals, ticks with the
// time as a number, "the log is durable up to N"); outputs are collected in a
// Ready — what to persist, what to append to or cut from the local log, which
// messages to send, how far the log is committed. It never touches a socket,
// a timer, a file or the clock, so whole replica sets run in memory in tests
// (tests/common/support/ReplicaSetSimulator).
//
// The node that drives it must: persist Ready::hardState and apply
// Ready::truncateFrom / Ready::append to its log, send Ready::messages at once
// and Ready::afterPersist only once everything before them is durable, report
// durability with persisted(), apply committed entries through
// Ready::commitSeq, and deliver answers (or requestFailed()).
// In detail:
// - Readies are persisted in the order they were taken, and persisted(seq)
//   covers every Ready taken before it (it carries no term: a later Ready may
//   have cut those seqs, so persisting one Ready alone would overstate).
// - Ready::fetchSnapshot repeats once per heartbeat while the replica has not
//   installed one; a node already fetching ignores the repeats.
// - requestFailed() is only for requests sent in the current term; an older
//   term's progress was reset when this member became primary again.
// - Entry bodies must already be minified: messages are minified whole.
// - Members are ids of the replica set's Membership, which is part of the
//   log: a Configure entry is in force here as soon as it is in this log
//   (committed or not) and is undone if the entry is cut. Quorums, votes and
//   leases count the voters of the membership in force; learners receive the
//   log only (docs/replication.md, "Membership changes").
//
// Not thread-safe; owned by its node's thread.
#pragma once

#include <QString>
#include <QVector>

#include <functional>
#include <optional>

#include "Membership.h"
#include "ReplicationMessages.h"
#include "ReplicationRules.h"
#include "Result.h"
#include "TermHistory.h"

class ReplicationCore
{
public:
    enum class Role { Replica, Candidate, Primary };
    static QString roleName(Role role);

    struct Options
    {
        int self = 0;
        // Acknowledgements that commit an entry, as configured; the
        // membership in force bounds it (Membership::writeQuorum).
        int writeQuorum = 1;
        // The primary's lease: an append answer to a request sent longer
        // ago than this is "not heard"; a member that gave one votes for no
        // other candidate until it has run out (ReplicationRules::leaseGuardMs).
        qint64 leaseMs = 5000;
        qint64 heartbeatIntervalMs = 250;  // a primary's empty appends when idle
        // A candidate gives up after this, counted from when the last lease
        // it waits for (its own, or one a voter named) runs out.
        qint64 electionTimeoutMs = 2000;
        qint64 requestTimeoutMs = 2000;    // an unanswered append counts as lost
        qint64 maxBatchEntries = 1000;     // entries per append request
        // How many of the `count` entries from `from` fit one append request
        // (the node's byte budget; the core does not hold entry bodies); the
        // node answers at least 1 for entries it holds, even one larger than
        // its budget. 0: the node is still loading them (from disk, off its
        // thread) — no append carrying them goes now, only an empty one when
        // a heartbeat is due; the node calls tick() once they are loaded.
        // Null: all of them.
        std::function<qint64(qint64 from, qint64 count)> fitEntries;
        int maxInflight = 4;               // append requests in flight per replica
    };

    // What a primary knows about one member (itself included).
    struct Progress
    {
        qint64 matchSeq = 0;      // durable and matching there
        qint64 nextSeq = 1;       // next to send
        qint64 sentThrough = 0;   // highest seq in a request in flight
        int inflight = 0;
        bool probing = true;      // one request at a time until the log matches
        bool snapshotNeeded = false;
        qint64 lastContactMs = -1; // last answer (any) in this term
        // When the newest request it answered was sent: the lease counts
        // from there, not from when the answer arrived (an answer that sat
        // in a buffer while this node was paused proves nothing about now).
        qint64 leaseContactMs = -1;
        qint64 lastSentMs = -1;
        qint64 lastSeq = 0;       // the member's log end, as it last said
        // When the answer that raised matchSeq arrived. Only an answer to a
        // request sent after that can show a lost disk: an older one may
        // simply have been overtaken (appends travel on several connections).
        qint64 matchRaisedMs = -1;
        // Its storage was lost (its log went back below what it had
        // acknowledged): catching up until matchSeq reaches recoverToSeq.
        bool recovering = false;
        qint64 recoverToSeq = 0;
        bool voter = true;        // as it last said
    };

    // A change worth an event (logs, the console's timeline).
    struct Event
    {
        enum class Kind { BecamePrimary, BecameCandidate, BecameReplica, TermAdopted, ElectionLost, LeaseLost, LeaseRegained,
                          RolledBack, CommittedConflict, CaughtUp, MemberReset, MemberAdded, LearnerCaughtUp,
                          MemberRemoved };
        // MemberAdded / LearnerCaughtUp / MemberRemoved: a membership change
        // committed (reported by the primary that commits it; peer: the member).
        Kind kind;
        qint64 term = 0;
        qint64 count = 0; // RolledBack: entries cut from the log
        QString detail;
        int peer = -1;    // MemberReset: the member whose storage was lost; membership events: the member
        // The commit point when it happened. For a primary that lost its
        // role (BecameReplica, TermAdopted), its writes through here are
        // committed and the rest are not known to be: the message that
        // deposed it may go on to cut its tail and commit past it.
        qint64 commitSeq = 0;
    };

    struct Ready
    {
        std::optional<HardState> hardState;
        std::optional<qint64> truncateFrom; // cut the local log from here (keep a rollback copy)
        QVector<LogEntry> append;           // then append these
        std::optional<qint64> commitSeq;    // apply through here (once durable)
        std::optional<qint64> fetchSnapshot; // a replica must install the primary's snapshot (value: leader)
        QVector<OutgoingMessage> messages;
        QVector<OutgoingMessage> afterPersist;
        QVector<Event> events;

        bool isEmpty() const
        {
            return !hardState && !truncateFrom && append.isEmpty() && !commitSeq && !fetchSnapshot && messages.isEmpty()
                && afterPersist.isEmpty() && events.isEmpty();
        }
    };

    // A membership and the seq of the Configure entry that made it (0: the
    // configuration file's).
    struct Configuration
    {
        qint64 seq = 0;
        Membership membership;
    };

    // `log` describes the durable log; `commitSeq` the persisted commit point;
    // `configurations` the membership in force at the commit point (first)
    // and every Configure entry of the log after it, in order; `now` the
    // start time (a member that restarts may have helped give a lease
    // before: it votes only once that lease has run out).
    // REQUIRES: configurations is not empty, ascending seqs, all but the
    // first past commitSeq and in the log.
    ReplicationCore(const Options &options, const HardState &state, const TermHistory &log, qint64 commitSeq,
                    const QVector<Configuration> &configurations, qint64 now);

    Role role() const { return m_role; }
    qint64 term() const { return m_state.term; }
    int votedFor() const { return m_state.votedFor; }
    int leader() const { return m_leader; }
    // Why an append must be refused without effect: its leader is not
    // another member, or a different member already leads its term here.
    // receive() refuses such appends as well.
    Status checkAppend(const AppendRequest &request) const;
    qint64 commitSeq() const { return m_commitSeq; }
    qint64 lastSeq() const { return m_log.lastSeq(); }
    qint64 lastTerm() const { return m_log.lastTerm(); }
    qint64 durableSeq() const { return m_durableSeq; }
    const TermHistory &log() const { return m_log; }
    const Options &options() const { return m_options; }
    // REQUIRES: member is an id of membership() (or was one).
    const Progress &progress(int member) const { return m_progress.at(member); }
    // The membership in force here: the newest in this log.
    const Membership &membership() const { return m_configurations.last().membership; }
    qint64 membershipSeq() const { return m_configurations.last().seq; }
    // The newest committed one.
    const Membership &committedMembership() const { return m_configurations.first().membership; }
    // A change is in the log and not committed yet: no other may start.
    bool membershipChangePending() const { return m_configurations.size() > 1; }
    // Whether this primary may propose `next` now: it holds its lease, its
    // term's first entry is committed (so no change of an earlier term can
    // still be pending unseen), no change is pending, `next` is one
    // single-server change of membership(), and this member stays a voter
    // (a primary leaving the set hands off first).
    Status checkMembershipChange(const Membership &next, qint64 now) const;
    bool hasLease(qint64 now) const;
    // False while this member may not vote: it started with empty storage
    // and does not hold a primary's committed log yet (HardState::voter).
    bool isVoter() const { return m_state.voter; }
    // A primary's first entry of its term (its no-op): once it is applied,
    // every entry committed in earlier terms is too. 0 before it was ever
    // primary.
    qint64 termStartSeq() const { return m_termStartSeq; }
    qint64 lastLeaderContactMs() const { return m_lastLeaderContactMs; }

    // Primary: adds entries to the log. Their seqs must continue the log
    // (lastSeq()+1 ...); the core sets their term. Refused when not primary
    // (Unavailable with the known leader) or without the lease. A Configure
    // entry goes alone and only as checkMembershipChange() allows.
    Status propose(QVector<LogEntry> &entries, qint64 now);
    // Starts an election for `term` (> term()). A single-member set wins at
    // once; otherwise votes are requested, and asked again every heartbeat
    // interval (or when a voter says its lease guard ends) until a majority
    // grants or the election times out: electionTimeoutMs after the last
    // lease it waits for runs out. This member's own vote counts only once a
    // lease it helped give has run out (ReplicationRules::leaseGuardMs),
    // unless `transfer`: a hand-off from a primary that stepped down.
    Status campaign(qint64 term, qint64 now, bool transfer = false);
    // A primary or candidate becomes a replica (same term).
    void stepDown(qint64 now);

    void tick(qint64 now);
    void receive(const AppendRequest &request, qint64 now);
    // sentMs: when the request it answers was sent (-1: now).
    void receive(const AppendResponse &response, qint64 now, qint64 sentMs = -1);
    void receive(const VoteRequest &request, qint64 now);
    void receive(const VoteResponse &response, qint64 now);
    // An append to `member` got no answer (timeout, connection refused).
    void requestFailed(int member, qint64 now);
    // The local log is durable up to `seq`.
    void persisted(qint64 seq, qint64 now);
    // Log retention dropped entries up to `seq` from the local log.
    void compacted(qint64 seq);
    // A replica installed a snapshot of the primary's state at (seq, term),
    // whose membership is `membership`: its log is now empty after seq.
    void snapshotInstalled(qint64 seq, qint64 term, const Membership &membership, qint64 now);

    bool hasReady() const { return !m_ready.isEmpty(); }
    Ready takeReady();
    // Entries appended since the last takeReady() (the next Ready's append):
    // a node sizing an append (Options::fitEntries) may be asked about them
    // before it has seen them, e.g. a new primary's no-op.
    const QVector<LogEntry> &pendingAppend() const { return m_ready.append; }

private:
    void addEvent(Event::Kind kind, qint64 count = 0, const QString &detail = QString(), int peer = -1);
    qint64 leaseGuardMs(qint64 now) const;
    void requestVote(int member, qint64 now);
    void maybeWinElection(qint64 now);
    void becomeReplica(qint64 now, int leader);
    void becomePrimary(qint64 now);
    void adoptTerm(qint64 term, qint64 now);
    void maybeCommit();
    void sendAppends(qint64 now, bool heartbeat);
    void sendAppend(int member, qint64 now, bool heartbeat);
    void updateLease(qint64 now);
    void appendLocal(const QVector<LogEntry> &entries);
    void setCommitSeq(qint64 seq);
    // Members' slots (progress, votes) for every id up to the membership's.
    void ensureSlots();
    void membershipCut(qint64 fromSeq);
    int voterCount() const { return membership().voterCount(); }

    Options m_options;
    HardState m_state;
    QVector<Configuration> m_configurations; // the committed one, then those in the log after it
    TermHistory m_log;
    qint64 m_commitSeq = 0;
    qint64 m_durableSeq = 0;
    Role m_role = Role::Replica;
    int m_leader = -1;
    qint64 m_lastLeaderContactMs = -1;
    qint64 m_electionDeadlineMs = 0;
    bool m_transferElection = false;
    qint64 m_termStartSeq = 0;
    qint64 m_selfVoteAtMs = 0;          // a candidate counts its own vote from here
    QVector<bool> m_votes;
    QVector<qint64> m_voteRetryAtMs;    // a candidate asks a member again from here
    // When this member last accepted an append from a primary (or started
    // with a term): a lease that counted it may run until
    // leaseMs after this. -1: none.
    qint64 m_lastLeaseSupportMs = -1;
    QVector<Progress> m_progress;
    bool m_leaseHeld = true;
    Ready m_ready;
};
