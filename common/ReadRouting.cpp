#include "ReadRouting.h"

#include <algorithm>

namespace {

bool isServingPrimary(const ShardHealth &health, int member, qint64 now)
{
    return member == health.primary() && health.hasServingPrimary(now);
}

// What a member's reads reflect: what it has applied — for a serving
// primary, what it has committed (it answers writes at commit and its reads
// wait until it has applied them), so a replica told that commit point and
// polled at the same moment never ranks above it.
qint64 readPosition(const ShardHealth &health, int member, qint64 now)
{
    const MemberStatus &status = *health.member(member).status;
    return isServingPrimary(health, member, now) ? qMax(status.appliedSeq, status.commitSeq) : status.appliedSeq;
}

// The reachable members other than `exclude`, most up to date first.
QVector<int> byAppliedState(const ShardHealth &health, qint64 now, int exclude)
{
    QVector<int> members;
    for (int member = 0; member < health.size(); ++member) {
        if (member != exclude && health.isReachable(member, now) && health.member(member).status)
            members.append(member);
    }
    std::stable_sort(members.begin(), members.end(), [&health, now](int left, int right) {
        const MemberStatus &a = *health.member(left).status;
        const MemberStatus &b = *health.member(right).status;
        const qint64 aRead = readPosition(health, left, now);
        const qint64 bRead = readPosition(health, right, now);
        if (aRead != bRead)
            return aRead > bRead;
        const bool aServes = isServingPrimary(health, left, now);
        const bool bServes = isServingPrimary(health, right, now);
        if (aServes != bServes)
            return aServes;
        return std::make_pair(a.lastTerm, a.lastSeq) > std::make_pair(b.lastTerm, b.lastSeq);
    });
    return members;
}

} // namespace

QVector<int> ReadRouting::candidates(const ShardHealth &health, ReadPreference::Mode mode, qint64 now)
{
    switch (mode) {
    case ReadPreference::Mode::Primary:
        return {health.primary()};
    case ReadPreference::Mode::PrimaryPreferred:
        if (health.hasServingPrimary(now))
            return QVector<int>{health.primary()} + byAppliedState(health, now, health.primary());
        return byAppliedState(health, now, -1);
    case ReadPreference::Mode::Nearest:
        return byAppliedState(health, now, -1);
    }
    return {};
}

std::optional<qint64> ReadRouting::lagMs(const ShardHealth &health, int member, qint64 now)
{
    if (isServingPrimary(health, member, now))
        return 0;
    const ShardHealth::Member &seen = health.member(member);
    if (!seen.status || seen.lastAnswerMs < 0)
        return std::nullopt;
    const QJsonValue age = seen.status->raw.value(QStringLiteral("lastPrimaryContactAgeMs"));
    if (!age.isDouble())
        return std::nullopt;
    return age.toInteger() + qMax<qint64>(0, now - seen.lastAnswerMs);
}
