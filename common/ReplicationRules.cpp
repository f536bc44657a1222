#include "ReplicationRules.h"

#include <algorithm>

namespace ReplicationRules {

int majority(int members)
{
    return members / 2 + 1;
}

bool isSafeWriteQuorum(int writeQuorum, int members)
{
    return members >= 1 && writeQuorum >= majority(members) && writeQuorum <= members;
}

bool isAtLeastAsUpToDate(qint64 lastTerm, qint64 lastSeq, qint64 otherTerm, qint64 otherSeq)
{
    return lastTerm != otherTerm ? lastTerm > otherTerm : lastSeq >= otherSeq;
}

qint64 leaseGuardMs(qint64 now, qint64 lastLeaseSupportMs, qint64 leaseMs)
{
    // The primary counts a lease as held while now - sent <= leaseMs.
    return lastLeaseSupportMs < 0 ? 0 : qMax<qint64>(0, lastLeaseSupportMs + leaseMs + 1 - now);
}

VoteDecision decideVote(const HardState &state, const TermHistory &log, const VoteRequest &request, qint64 leaseGuardMs)
{
    VoteDecision decision;
    decision.state = state;
    // A member that may have forgotten its votes (not a voter) takes part
    // only in the bootstrap of a brand-new set until it has caught up, and
    // only members in the same position stand in one: every member there
    // is new, so a voter never elects a candidate that is not one, and a
    // member that is not one only elects a candidate with an empty log that
    // never caught up with a primary either. (An empty log only says nothing
    // was committed when its member last caught up; entries committed since
    // may be held by one member besides a wiped one.)
    if (request.candidateVoter != state.voter || (!state.voter && request.lastSeq != 0))
        return decision;
    const bool repeated = request.term == state.term && state.votedFor == request.candidate;
    // A hand-off speaks for the primary of the voter's own term only.
    const bool handOff = request.transfer && request.term == state.term + 1;
    if (leaseGuardMs > 0 && !handOff && !repeated && request.term >= state.term) {
        decision.retryAfterMs = leaseGuardMs;
        return decision;
    }
    if (request.term > state.term) {
        decision.state.term = request.term;
        decision.state.votedFor = -1;
    }
    if (request.term < decision.state.term)
        return decision;
    if (decision.state.votedFor != -1 && decision.state.votedFor != request.candidate)
        return decision;
    if (!isAtLeastAsUpToDate(request.lastTerm, request.lastSeq, log.lastTerm(), log.lastSeq()))
        return decision;
    decision.granted = true;
    decision.state.votedFor = request.candidate;
    return decision;
}

AppendDecision matchAppend(const TermHistory &log, qint64 commitSeq, const AppendRequest &request)
{
    AppendDecision decision;
    if (request.prevSeq > log.lastSeq()) {
        decision.hintSeq = log.lastSeq() + 1;
        return decision;
    }
    const std::optional<qint64> termHere = log.termAt(request.prevSeq);
    if (!termHere) {
        // prevSeq is before our compaction point: everything up to there is
        // committed and identical; resume right after it.
        decision.hintSeq = log.compactedSeq() + 1;
        return decision;
    }
    if (*termHere != request.prevTerm) {
        // Skip back over the whole conflicting term at once.
        decision.hintSeq = qMax(log.segmentStart(request.prevSeq), commitSeq + 1);
        if (request.prevSeq <= commitSeq)
            decision.conflictsWithCommitted = true;
        return decision;
    }
    decision.accepted = true;
    decision.matchSeq = request.prevSeq + request.entries.size();
    decision.firstNew = request.entries.size();
    for (qsizetype i = 0; i < request.entries.size(); ++i) {
        const LogEntry &entry = request.entries.at(i);
        const std::optional<qint64> local = log.termAt(entry.seq);
        if (local && *local == entry.term)
            continue;
        decision.firstNew = i;
        if (entry.seq <= log.lastSeq()) {
            if (entry.seq <= commitSeq) {
                decision.accepted = false;
                decision.conflictsWithCommitted = true;
                decision.hintSeq = commitSeq + 1;
                return decision;
            }
            decision.truncateFrom = entry.seq;
        }
        break;
    }
    return decision;
}

qint64 commitSeq(const QVector<qint64> &matchSeqs, int writeQuorum, qint64 currentTerm, const TermHistory &log,
                 qint64 commitSeq)
{
    if (writeQuorum < 1 || matchSeqs.size() < writeQuorum)
        return commitSeq;
    QVector<qint64> sorted = matchSeqs;
    std::sort(sorted.begin(), sorted.end(), std::greater<qint64>());
    const qint64 candidate = qMin(sorted.at(writeQuorum - 1), log.lastSeq());
    if (candidate <= commitSeq)
        return commitSeq;
    const std::optional<qint64> term = log.termAt(candidate);
    return term && *term == currentTerm ? candidate : commitSeq;
}

bool hasLease(qint64 now, const QVector<qint64> &lastContactMs, int members, qint64 leaseMs)
{
    int heard = 1; // itself
    for (qint64 contact : lastContactMs) {
        if (contact >= 0 && now - contact <= leaseMs)
            ++heard;
    }
    return heard >= majority(members);
}

std::optional<int> chooseCandidate(const QVector<MemberReport> &reports, int members)
{
    int reachable = 0;
    const MemberReport *best = nullptr;
    for (const MemberReport &report : reports) {
        if (!report.reachable)
            continue;
        ++reachable;
        if (!best || !isAtLeastAsUpToDate(best->lastTerm, best->lastSeq, report.lastTerm, report.lastSeq)
            || (report.lastTerm == best->lastTerm && report.lastSeq == best->lastSeq && report.index < best->index)) {
            best = &report;
        }
    }
    if (!best || reachable < majority(members))
        return std::nullopt;
    return best->index;
}

QString syncStateName(SyncState state)
{
    switch (state) {
    case SyncState::InSync: return QStringLiteral("InSync");
    case SyncState::Lagging: return QStringLiteral("Lagging");
    case SyncState::Offline: return QStringLiteral("Offline");
    case SyncState::Recovering: return QStringLiteral("Recovering");
    }
    return QString();
}

SyncState classifyLag(qint64 now, qint64 lastContactMs, qint64 lagMs, qint64 failoverTimeoutMs, qint64 maxLagMs,
                      bool recovering)
{
    if (lastContactMs < 0 || now - lastContactMs > failoverTimeoutMs)
        return SyncState::Offline;
    if (recovering)
        return SyncState::Recovering;
    return lagMs > maxLagMs ? SyncState::Lagging : SyncState::InSync;
}

BootstrapDecision decideBootstrap(int members, qint64 ownTerm, const QVector<std::pair<int, PeerSummary>> &answers)
{
    BootstrapDecision decision;
    qint64 maxTerm = ownTerm;
    int empty = 1; // this member
    for (const auto &[member, summary] : answers) {
        if (summary.lastSeq > 0 || summary.primary) {
            decision.outcome = BootstrapDecision::Outcome::NotNew;
            decision.withData = member;
            return decision;
        }
        ++empty;
        maxTerm = qMax(maxTerm, qBound(qint64(0), summary.term, kMaxTerm));
    }
    if (empty >= majority(members)) {
        decision.outcome = BootstrapDecision::Outcome::Elect;
        decision.term = maxTerm + 1;
    }
    return decision;
}

std::optional<int> handOffSuccessor(const QVector<MemberProgress> &replicas, qint64 lastSeq)
{
    std::optional<int> best;
    qint64 bestContact = -1;
    for (const MemberProgress &replica : replicas) {
        if (replica.matchSeq < lastSeq)
            continue;
        if (!best || replica.lastContactMs > bestContact || (replica.lastContactMs == bestContact && replica.member < *best)) {
            best = replica.member;
            bestContact = replica.lastContactMs;
        }
    }
    return best;
}

qint64 promotionTerm(qint64 requested, qint64 currentTerm)
{
    return requested == 0 ? currentTerm + 1 : requested;
}

} // namespace ReplicationRules
