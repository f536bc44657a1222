#include "ShardHealth.h"

#include "ReplicationMessages.h"
#include "ReplicationRules.h"

#include <tuple>

namespace {

Result<qint64> integerField(const QJsonObject &object, const char *name)
{
    const QJsonValue value = object.value(QLatin1String(name));
    if (!value.isDouble())
        return Status::badRequest(QStringLiteral("the member state has no number '%1'").arg(QLatin1String(name)));
    return value.toInteger();
}

} // namespace

Result<MemberStatus> MemberStatus::fromJson(const QJsonObject &state)
{
    MemberStatus status;
    status.raw = state;
    status.role = state.value(QStringLiteral("role")).toString();
    if (status.role != QLatin1String("primary") && status.role != QLatin1String("replica")
        && status.role != QLatin1String("candidate")) {
        return Status::badRequest(QStringLiteral("the member state has no valid 'role'"));
    }
    const struct
    {
        const char *name;
        qint64 *field;
    } numbers[] = {
        {"term", &status.term},           {"lastTerm", &status.lastTerm},     {"lastSeq", &status.lastSeq},
        {"commitSeq", &status.commitSeq}, {"appliedSeq", &status.appliedSeq}, {"rolledBack", &status.rolledBack},
    };
    for (const auto &number : numbers) {
        const Result<qint64> value = integerField(state, number.name);
        if (!value.isOk())
            return value.status();
        *number.field = value.value();
    }
    status.lease = state.value(QStringLiteral("lease")).toBool();
    status.voter = state.value(QStringLiteral("voter")).toBool(true);
    status.writable = state.value(QStringLiteral("writable")).toBool();
    // Members of an older version report only writable.
    status.readable = state.value(QStringLiteral("readable")).toBool(status.writable);
    const QJsonValue leader = state.value(QStringLiteral("leader"));
    status.leader = leader.isDouble() ? int(leader.toInteger()) : -1;
    if (const QJsonValue membership = state.value(QStringLiteral("membership")); membership.isObject()) {
        Result<Membership> parsed = Membership::fromJsonObject(membership.toObject());
        if (!parsed.isOk())
            return parsed.status();
        status.membership = std::move(parsed).value();
        status.membershipPending = state.value(QStringLiteral("membershipPending")).toBool();
    }
    return status;
}

ShardHealth::ShardHealth(int shard, const Membership &members, const Options &options, qint64 now)
    : m_shard(shard)
    , m_options(options)
    , m_startMs(now)
    , m_lastHealthyMs(now)
{
    setMembership(members, false, now);
    m_committedMembership = members;
}

void ShardHealth::setMembership(const Membership &membership, bool pending, qint64 now)
{
    if (m_members.size() < membership.nextId()) {
        m_members.resize(membership.nextId());
        m_failedAtMs.resize(membership.nextId(), -1);
    }
    for (int index = 0; index < size(); ++index) {
        m_members[index].inSet = membership.contains(index);
        m_members[index].voter = membership.isVoter(index);
    }
    m_membership = membership;
    if (pending || membership == m_committedMembership || m_committedMembership.isEmpty())
        return;
    // Committed since the last report: one event per member that changed.
    for (const Membership::Member &member : membership.members()) {
        if (!m_committedMembership.contains(member.id)) {
            event(now, QStringLiteral("member-added"), member.id, m_primaryTerm, 0,
                  QStringLiteral("member %1 (%2) joined as a learner").arg(member.id).arg(member.url));
        }
        if (member.voter && !m_committedMembership.isVoter(member.id)) {
            event(now, QStringLiteral("learner-caught-up"), member.id, m_primaryTerm, 0,
                  QStringLiteral("member %1 (%2) caught up and is a voter").arg(member.id).arg(member.url));
        }
    }
    for (const Membership::Member &member : m_committedMembership.members()) {
        if (!membership.contains(member.id)) {
            event(now, QStringLiteral("member-removed"), member.id, m_primaryTerm, 0,
                  QStringLiteral("member %1 (%2) was removed").arg(member.id).arg(member.url));
        }
    }
    m_committedMembership = membership;
}

void ShardHealth::event(qint64 now, const QString &kind, int member, qint64 term, qint64 count, const QString &message)
{
    m_events.append(ShardEvent{now, kind, m_shard, member, term, count, message});
}

QVector<ShardEvent> ShardHealth::takeEvents()
{
    QVector<ShardEvent> out;
    out.swap(m_events);
    return out;
}

void ShardHealth::answered(int index, const MemberStatus &status, qint64 now)
{
    if (!isMember(index))
        return;
    Member &member = m_members[index];
    if (member.down) {
        member.down = false;
        event(now, QStringLiteral("member-up"), index, status.term, 0,
              QStringLiteral("member %1 answers again (%2, term %3)").arg(index).arg(status.role).arg(status.term));
    }
    if (member.status) {
        const MemberStatus &before = *member.status;
        if (before.isPrimary() && !status.isPrimary() && status.term > before.term) {
            event(now, QStringLiteral("fenced"), index, status.term, before.term,
                  QStringLiteral("member %1, primary of term %2, stepped down to term %3").arg(index).arg(before.term).arg(status.term));
        }
        if (status.rolledBack > before.rolledBack) {
            event(now, QStringLiteral("rolled-back"), index, status.term, status.rolledBack - before.rolledBack,
                  QStringLiteral("member %1 rolled back %2 entries its primary did not have")
                      .arg(index)
                      .arg(status.rolledBack - before.rolledBack));
        }
    }
    member.status = status;
    member.lastAnswerMs = now;
    member.refusedInARow = 0;
    m_maxTerm = qMax(m_maxTerm, status.term);
    if (status.isPrimary() && status.lease)
        m_lastHealthyMs = qMax(m_lastHealthyMs, now);
    updatePrimary(now);
}

void ShardHealth::unanswered(int index, const QString &error, qint64 now, bool refused)
{
    if (!isMember(index))
        return;
    Member &member = m_members[index];
    member.lastFailureMs = now;
    member.lastError = error;
    member.refusedInARow = refused ? member.refusedInARow + 1 : 0;
    // A member never heard from counts from the start of monitoring.
    const qint64 silentSince = member.lastAnswerMs >= 0 ? member.lastAnswerMs : m_startMs;
    if (!member.down && now - silentSince >= m_options.failoverTimeoutMs) {
        member.down = true;
        event(now, QStringLiteral("member-down"), index, 0, 0,
              QStringLiteral("member %1 does not answer: %2").arg(index).arg(error));
    }
}

void ShardHealth::primaryHinted(int index, qint64)
{
    if (isMember(index))
        m_primary = index;
}

void ShardHealth::writeAcknowledged(qint64 now)
{
    if (m_failoverStartMs < 0)
        return;
    event(now, QStringLiteral("first-write"), m_primary, m_primaryTerm, now - m_failoverStartMs,
          QStringLiteral("first write acknowledged by member %1, %2 ms after the failure was detected")
              .arg(m_primary)
              .arg(now - m_failoverStartMs));
    m_failoverStartMs = -1;
}

bool ShardHealth::isReachable(int index, qint64 now) const
{
    const Member &member = m_members.at(index);
    return member.inSet && member.lastAnswerMs >= 0 && member.lastAnswerMs >= member.lastFailureMs
        && now - member.lastAnswerMs < m_options.failoverTimeoutMs;
}

bool ShardHealth::isSilent(int index, qint64 now) const
{
    const Member &member = m_members.at(index);
    const qint64 since = member.lastAnswerMs >= 0 ? member.lastAnswerMs : m_startMs;
    return now - since >= m_options.failoverTimeoutMs;
}

QString ShardHealth::primaryGoneReason(qint64 now) const
{
    if (isSilent(m_primary, now))
        return QStringLiteral("no answer from its primary (member %1) for over %2 ms").arg(m_primary).arg(m_options.failoverTimeoutMs);
    if (primaryRefuses()) {
        return QStringLiteral("its primary (member %1) refused %2 connections in a row: its process is gone")
            .arg(m_primary)
            .arg(m_members.at(m_primary).refusedInARow);
    }
    // Until a primary of the promotion's term or newer shows up: another
    // router's promotion may win first, and that primary serves.
    if (m_promoting && m_promoting->afterFailure && m_primaryTerm < m_promoting->term) {
        return QStringLiteral("its primary (member %1) is being replaced: member %2 stands for term %3")
            .arg(m_primary)
            .arg(m_promoting->member)
            .arg(m_promoting->term);
    }
    return QString();
}

int ShardHealth::reachableCount(qint64 now) const
{
    int count = 0;
    for (int index = 0; index < size(); ++index)
        count += isReachable(index, now) ? 1 : 0;
    return count;
}

bool ShardHealth::isHealthy(qint64 now) const
{
    return now - m_lastHealthyMs < m_options.failoverTimeoutMs && !primaryRefuses();
}

bool ShardHealth::primaryRefuses() const
{
    // Only one that answered before: at start-up its process may simply
    // not be listening yet.
    const Member &primary = m_members.at(m_primary);
    return primary.lastAnswerMs >= 0 && primary.refusedInARow >= kRefusalsForDown;
}

bool ShardHealth::hasServingPrimary(qint64 now) const
{
    const Member &primary = m_members.at(m_primary);
    return isReachable(m_primary, now) && primary.status && primary.status->isPrimary() && primary.status->lease;
}

void ShardHealth::updatePrimary(qint64 now)
{
    int best = -1;
    for (int index = 0; index < size(); ++index) {
        const Member &member = m_members.at(index);
        if (!member.inSet || !member.status || !member.status->isPrimary() || now - member.lastAnswerMs >= m_options.failoverTimeoutMs)
            continue;
        if (best < 0 || member.status->term > m_members.at(best).status->term)
            best = index;
    }
    if (best < 0)
        return;
    const qint64 term = m_members.at(best).status->term;
    if (best == m_primary && term == m_primaryTerm)
        return;
    if (term < m_primaryTerm)
        return; // an old primary not yet fenced; the newer one stays
    if (m_primaryTerm > 0) {
        event(now, QStringLiteral("primary-changed"), best, term, 0,
              QStringLiteral("member %1 is primary of term %2 (was member %3, term %4)")
                  .arg(best)
                  .arg(term)
                  .arg(m_primary)
                  .arg(m_primaryTerm));
    }
    m_primary = best;
    m_primaryTerm = term;
}

bool ShardHealth::isKnown(qint64 now) const
{
    for (const Member &member : m_members) {
        if (member.lastAnswerMs >= 0)
            return true;
    }
    return now - m_startMs >= m_options.failoverTimeoutMs;
}

qint64 ShardHealth::nextTerm() const
{
    qint64 term = m_maxTerm;
    for (const Member &member : m_members) {
        if (member.status)
            term = qMax(term, member.status->term);
    }
    // Past kMaxTerm every member refuses the promotion (and no + 1 overflows).
    return qMin(term, kMaxTerm) + 1;
}

bool ShardHealth::followsLivePrimary(qint64 now) const
{
    for (int index = 0; index < size(); ++index) {
        if (!isReachable(index, now))
            continue;
        const MemberStatus &status = *m_members.at(index).status;
        const QJsonValue age = status.raw.value(QStringLiteral("lastPrimaryContactAgeMs"));
        if (status.leader >= 0 && status.leader < size() && status.leader != index && isReachable(status.leader, now)
            && age.isDouble() && age.toInteger() < m_options.failoverTimeoutMs) {
            return true;
        }
    }
    return false;
}

bool ShardHealth::awaitsBootstrap(qint64 now) const
{
    if (m_primaryTerm > 0 || now - m_startMs >= kBootstrapGraceFactor * m_options.failoverTimeoutMs || !isReachable(0, now))
        return false;
    for (int index = 0; index < size(); ++index) {
        if (isReachable(index, now) && m_members.at(index).status->lastSeq != 0)
            return false;
    }
    return true;
}

int ShardHealth::bestCandidate(qint64 now, int exclude) const
{
    // The most up-to-date reachable member that may stand (a member
    // catching up after starting empty may not, unless the whole set is
    // new); members whose promotion failed during this outage come after
    // all the others.
    const auto rank = [&](int index) {
        const MemberStatus &status = *m_members.at(index).status;
        const bool failed = m_failedAtMs.at(index) >= 0;
        return std::make_tuple(!failed, status.lastTerm, status.lastSeq, -index);
    };
    // A new set (every reachable log empty) may elect any voter.
    bool brandNew = true;
    for (int index = 0; index < size(); ++index)
        brandNew = brandNew && (!isReachable(index, now) || m_members.at(index).status->lastSeq == 0);
    int best = -1;
    for (int index = 0; index < size(); ++index) {
        if (index != exclude && isReachable(index, now) && m_members.at(index).voter
            && (brandNew || m_members.at(index).status->voter)
            && (best < 0 || rank(index) > rank(best)))
            best = index;
    }
    return best;
}

std::optional<ShardHealth::Promotion> ShardHealth::beginPromotion(int member, const QString &why, qint64 now)
{
    if (m_promoting || member < 0 || member >= size())
        return std::nullopt;
    const Promotion promotion{member, nextTerm(), false, now};
    m_promoting = promotion;
    m_lastAttemptMs = now;
    if (m_detectedMs < 0)
        m_detectedMs = now;
    event(now, QStringLiteral("candidate"), member, promotion.term,
          m_members.at(member).status ? m_members.at(member).status->lastSeq : 0,
          QStringLiteral("promoting member %1 for term %2: %3").arg(member).arg(promotion.term).arg(why));
    return promotion;
}

bool ShardHealth::giveUpSilentCandidate(qint64 now)
{
    if (!m_promoting)
        return false;
    // A candidate that stops answering (paused, cut off, gone) cannot
    // be waited for until its promote request times out: once its
    // polls fail and nothing came from it for failoverTimeoutMs since
    // the promotion began, the promotion counts as lost, and another
    // member may stand for a newer term (its late answer, if any, no
    // longer matches the promotion running). A failed poll is needed:
    // old answers alone are what a router sees after a stall of its
    // own, before its next polls come back.
    const Member &candidate = m_members.at(m_promoting->member);
    const qint64 quietSince = qMax(candidate.lastAnswerMs, m_promoting->startedMs);
    if (candidate.lastFailureMs <= candidate.lastAnswerMs || now - quietSince < m_options.failoverTimeoutMs)
        return false;
    promotionFinished(*m_promoting, false, QStringLiteral("it stopped answering (nothing for %1 ms)").arg(now - candidate.lastAnswerMs),
                      now);
    return true;
}

std::optional<ShardHealth::Promotion> ShardHealth::decide(qint64 now)
{
    if (m_promoting) {
        giveUpSilentCandidate(now);
        return std::nullopt; // after giving up, the back-off counts from then
    }
    if (isHealthy(now)) {
        m_detectedMs = -1;
        m_failedAtMs.fill(-1);
        return std::nullopt;
    }
    // Majorities count the voters of the membership in force.
    int reachable = 0;
    for (int index = 0; index < size(); ++index)
        reachable += m_members.at(index).voter && isReachable(index, now) ? 1 : 0;
    const int voters = m_membership.voterCount();
    if (m_detectedMs < 0) {
        m_detectedMs = now;
        const Member &primary = m_members.at(m_primary);
        const QString why = primaryRefuses()
            ? QStringLiteral("primary member %1 refused %2 connections in a row (%3 ms after its last answer): its process is gone")
                  .arg(m_primary)
                  .arg(primary.refusedInARow)
                  .arg(now - primary.lastAnswerMs)
            : primary.lastAnswerMs < 0 || now - primary.lastAnswerMs >= m_options.failoverTimeoutMs
            ? QStringLiteral("primary member %1 has not answered for %2 ms").arg(m_primary).arg(m_options.failoverTimeoutMs)
            : QStringLiteral("no primary holding its lease for %1 ms").arg(m_options.failoverTimeoutMs);
        event(now, QStringLiteral("detected"), m_primary, m_primaryTerm, reachable,
              QStringLiteral("%1; %2 of %3 voting members reachable").arg(why).arg(reachable).arg(voters));
    }
    if (m_lastAttemptMs >= 0 && now - m_lastAttemptMs < m_options.retryBackoffMs)
        return std::nullopt;
    if (reachable < ReplicationRules::majority(voters))
        return std::nullopt; // a minority cannot elect anyone; wait
    if (followsLivePrimary(now))
        return std::nullopt;
    if (awaitsBootstrap(now))
        return std::nullopt;

    const int best = bestCandidate(now);
    if (best < 0)
        return std::nullopt;
    const Promotion promotion{best, nextTerm(), true, now};
    m_promoting = promotion;
    m_lastAttemptMs = now;
    const MemberStatus &chosen = *m_members.at(best).status;
    event(now, QStringLiteral("candidate"), best, promotion.term, chosen.lastSeq,
          QStringLiteral("promoting member %1 (last entry term %2, seq %3) for term %4")
              .arg(best)
              .arg(chosen.lastTerm)
              .arg(chosen.lastSeq)
              .arg(promotion.term));
    return promotion;
}

void ShardHealth::promotionFinished(const Promotion &promotion, bool won, const QString &detail, qint64 now)
{
    if (!m_promoting || m_promoting->member != promotion.member || m_promoting->term != promotion.term)
        return;
    m_promoting.reset();
    m_maxTerm = qMax(m_maxTerm, promotion.term);
    if (!won) {
        m_failedAtMs[promotion.member] = now;
        m_lastAttemptMs = now; // the back-off counts from the failure
        event(now, QStringLiteral("promotion-failed"), promotion.member, promotion.term, 0,
              QStringLiteral("member %1 did not win term %2: %3").arg(promotion.member).arg(promotion.term).arg(detail));
        return;
    }
    const qint64 since = m_detectedMs >= 0 ? m_detectedMs : now;
    event(now, QStringLiteral("promoted"), promotion.member, promotion.term, now - since,
          QStringLiteral("member %1 is primary of term %2, %3 ms after the failure was detected")
              .arg(promotion.member)
              .arg(promotion.term)
              .arg(now - since));
    m_failoverStartMs = since;
    m_detectedMs = -1;
    m_primary = promotion.member;
    m_primaryTerm = promotion.term;
    m_lastHealthyMs = now;
    m_failedAtMs.fill(-1);
}
