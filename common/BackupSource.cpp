#include "BackupSource.h"

namespace BackupSource {

std::optional<qint64> commitPoint(const Answers &answers)
{
    std::optional<qint64> point;
    qint64 term = -1;
    for (const std::optional<MemberStatus> &answer : answers) {
        if (answer && answer->isPrimary() && answer->readable && answer->term > term) {
            term = answer->term;
            point = answer->commitSeq;
        }
    }
    return point;
}

int choose(const Answers &answers, qint64 commitPoint, bool waitForReplica)
{
    const auto healthy = [](const std::optional<MemberStatus> &answer) {
        return answer && !answer->raw.value(QStringLiteral("storageFailure")).isString();
    };
    int best = -1;
    // Whether answers[a] is a better source than answers[b].
    const auto better = [&answers](int a, int b) {
        const MemberStatus &x = *answers.at(a);
        const MemberStatus &y = *answers.at(b);
        if (x.isPrimary() != y.isPrimary())
            return !x.isPrimary();
        return x.appliedSeq > y.appliedSeq;
    };
    for (int member = 0; member < answers.size(); ++member) {
        const std::optional<MemberStatus> &answer = answers.at(member);
        if (!healthy(answer) || answer->appliedSeq < commitPoint)
            continue;
        if (best < 0 || better(member, best))
            best = member;
    }
    if (best >= 0 && answers.at(best)->isPrimary() && waitForReplica) {
        for (const std::optional<MemberStatus> &answer : answers) {
            if (healthy(answer) && !answer->isPrimary())
                return -1;
        }
    }
    return best;
}

} // namespace BackupSource
