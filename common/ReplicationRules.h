// ReplicationRules: the decisions of the replication protocol
// (docs/replication.md), each a pure function of state and input. No
// sockets, timers, SQL or clock: time comes in as `now` (milliseconds).
// Used by ReplicationCore (nodes) and the router's coordinator. Any thread.
#pragma once

#include <QVector>

#include <optional>

#include "ReplicationMessages.h"
#include "TermHistory.h"

namespace ReplicationRules {

// The smallest number of members that is more than half of `members`.
int majority(int members);

// A write quorum below a majority would let two partitions both commit.
// REQUIRES nothing; false for an unsafe or impossible quorum.
bool isSafeWriteQuorum(int writeQuorum, int members);

// Whether a log ending at (lastTerm, lastSeq) is at least as up to date as
// one ending at (otherTerm, otherSeq): a later last term wins, then a
// longer log.
bool isAtLeastAsUpToDate(qint64 lastTerm, qint64 lastSeq, qint64 otherTerm, qint64 otherSeq);

struct VoteDecision
{
    bool granted = false;
    HardState state; // after the request (the term may have been adopted)
    qint64 retryAfterMs = 0; // refused while a lease may be in force: ask again after this long
};

// The vote rule. A member that is not a voter (HardState::voter: it started
// with empty storage and has not caught up yet) refuses every vote but the
// bootstrap of a brand-new set's (a candidate whose log is empty and that
// is not a voter either, VoteRequest::candidateVoter), and a voter refuses
// a candidate that is not one, both keeping their state. While a lease this voter helped give may still be in force
// (leaseGuardMs > 0: it accepted an append from a primary, or started, less
// than LeaseMs ago), a vote that would make a new primary is
// refused without adopting the candidate's term, unless the request is a
// hand-off (transfer, for the term right after the voter's: its primary
// stepped down and gave its lease up) or repeats a vote already given; the
// answer says when to ask again. Otherwise: adopt a higher term (forgetting the vote), then
// grant iff the request's term is the current one, no other candidate got
// this term's vote, and the candidate's log is at least as up to date as
// the voter's.
VoteDecision decideVote(const HardState &state, const TermHistory &log, const VoteRequest &request, qint64 leaseGuardMs = 0);

// How much longer a lease this member helped give may be in force: a
// primary's lease runs leaseMs from when it sent the append a member
// answered, so a member that last accepted one (or started) at
// lastLeaseSupportMs must not help elect another primary until leaseMs has
// passed since then. 0: no lease to wait for (lastLeaseSupportMs < 0).
qint64 leaseGuardMs(qint64 now, qint64 lastLeaseSupportMs, qint64 leaseMs);

struct AppendDecision
{
    bool accepted = false;
    qint64 hintSeq = 0;       // rejected: where the primary should resume
    qint64 truncateFrom = 0;  // accepted: drop the local log from here (0: keep)
    qsizetype firstNew = 0;   // accepted: index of the first entry to append
    qint64 matchSeq = 0;      // accepted: the request's last seq
    bool conflictsWithCommitted = false; // a primary contradicts committed entries: refuse
};

// Log matching: is prevTerm at prevSeq here, and which of the request's
// entries are new (entries already present with the same term are skipped;
// the first one whose term differs is where the local log is cut).
AppendDecision matchAppend(const TermHistory &log, qint64 commitSeq, const AppendRequest &request);

// The primary's commit point: the highest seq that `writeQuorum` members
// hold durably (`matchSeqs` has one per member, the primary included) and
// whose entry belongs to `currentTerm` — never lower than `commitSeq`.
qint64 commitSeq(const QVector<qint64> &matchSeqs, int writeQuorum, qint64 currentTerm, const TermHistory &log,
                 qint64 commitSeq);

// Whether a primary still holds its lease: it heard, within leaseMs, from
// enough peers to make a majority with itself. `lastContactMs` has one per
// peer (-1: never).
bool hasLease(qint64 now, const QVector<qint64> &lastContactMs, int members, qint64 leaseMs);

struct MemberReport
{
    int index = -1;
    bool reachable = false;
    qint64 lastTerm = 0;
    qint64 lastSeq = 0;
};

// The coordinator's candidate: among reachable members, the highest
// (lastTerm, lastSeq), ties to the lowest index — and only when a majority
// of `members` is reachable (otherwise nobody could win the vote anyway).
std::optional<int> chooseCandidate(const QVector<MemberReport> &reports, int members);

// What a member says of itself (GET /v1/_replication/state).
struct PeerSummary
{
    qint64 term = 0;
    qint64 lastSeq = 0;
    bool primary = false;
};

struct BootstrapDecision
{
    enum class Outcome { Wait, Elect, NotNew };
    Outcome outcome = Outcome::Wait;
    qint64 term = 0;   // Elect: the term to stand for
    int withData = -1; // NotNew: a member that holds data (or is primary)
};

// The bootstrap of a brand-new replica set: its configured primary, itself
// empty and never having heard of a primary, asked the other members what
// they hold (`answers`: member index and summary, one per member that
// answered). A member with data (or a primary) means the set is not new:
// elections are the coordinator's or an operator's. Otherwise, once a
// majority of `members` (this one included) are up and empty, it stands for
// the term after every term it heard of; else it waits and asks again.
BootstrapDecision decideBootstrap(int members, qint64 ownTerm, const QVector<std::pair<int, PeerSummary>> &answers);

struct MemberProgress
{
    int member = -1;
    qint64 matchSeq = 0;       // durable and matching there
    qint64 lastContactMs = -1; // its last answer (-1: none in this term)
};

// The replica a primary hands off to before it stops: one that durably
// holds its whole log (matchSeq >= lastSeq) — the one heard from most
// recently, ties to the lowest index. nullopt: none yet (wait).
std::optional<int> handOffSuccessor(const QVector<MemberProgress> &replicas, qint64 lastSeq);

// The term an operator's (or a hand-off's) promotion stands for:
// `requested`, or the one after `currentTerm` when 0.
qint64 promotionTerm(qint64 requested, qint64 currentTerm);

enum class SyncState { InSync, Lagging, Offline, Recovering };
QString syncStateName(SyncState state);

// How a replica is doing, from the primary's view: Offline when it has not
// answered within failoverTimeoutMs (or never did), Recovering while it
// catches up after losing its storage (or starting empty in a set with
// data), Lagging when its oldest unacknowledged entry is older than
// maxLagMs, else InSync.
SyncState classifyLag(qint64 now, qint64 lastContactMs, qint64 lagMs, qint64 failoverTimeoutMs, qint64 maxLagMs,
                      bool recovering = false);

} // namespace ReplicationRules
