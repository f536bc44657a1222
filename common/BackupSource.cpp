#include "BackupSource.h"

namespace BackupSource {

std::optional<qint64> commitPoint(const Answers &answers)
{
    std::optional<qint64> point;
    qint64 term = -1;
    for (const std::optional<MemberStatus> &answer : answers) {
        if (answer && answer->isPrimary() && answer->writable && answer->term > term) {
            term = answer->term;
            point = answer->commitSeq;
        }
    }
    return point;
}

int choose(const Answers &answers, qint64 commitPoint)
{
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
        if (!answer || answer->appliedSeq < commitPoint || answer->raw.value(QStringLiteral("storageFailure")).isString())
            continue;
        if (best < 0 || better(member, best))
            best = member;
    }
    return best;
}

} // namespace BackupSource
