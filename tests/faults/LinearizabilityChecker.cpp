#include "LinearizabilityChecker.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

using Operation = LinearizabilityChecker::Operation;

constexpr qint64 kNever = std::numeric_limits<qint64>::max();

QString valueText(qint64 value)
{
    return value == LinearizabilityChecker::kAbsent ? QStringLiteral("absent") : QString::number(value);
}

// Whether `operation` may take effect when the register holds `state`, and
// the value it leaves behind.
struct Step
{
    bool allowed = false;
    qint64 next = LinearizabilityChecker::kAbsent;
    QString why; // when not allowed
};

Step apply(const Operation &operation, qint64 state)
{
    Step step;
    step.next = state;
    switch (operation.kind) {
    case Operation::Kind::Read:
        step.allowed = operation.value == state;
        break;
    case Operation::Kind::Write:
        step.allowed = true;
        step.next = operation.value;
        break;
    case Operation::Kind::CompareAndSet:
        if (operation.outcome == Operation::Outcome::Failed) {
            step.allowed = state != operation.expected;
        } else {
            step.allowed = state == operation.expected;
            step.next = operation.value;
        }
        break;
    }
    if (!step.allowed)
        step.why = QStringLiteral("the register holds %1").arg(valueText(state));
    return step;
}

class Search
{
public:
    Search(std::vector<Operation> operations, qint64 maxStates)
        : m_operations(std::move(operations))
        , m_done(m_operations.size(), false)
        , m_maxStates(maxStates)
    {
        for (const Operation &operation : m_operations) {
            if (operation.outcome != Operation::Outcome::Unknown)
                ++m_remainingDefinite;
        }
    }

    LinearizabilityChecker::Result run(qint64 initial)
    {
        LinearizabilityChecker::Result result;
        const bool found = visit(initial);
        result.statesExplored = qint64(m_visited.size());
        if (found)
            return result;
        result.verdict = m_gaveUp ? LinearizabilityChecker::Result::Verdict::Inconclusive
                                  : LinearizabilityChecker::Result::Verdict::NotLinearizable;
        result.linearizedPrefix = m_bestPrefix;
        result.offending = m_bestOffending;
        return result;
    }

private:
    std::string key(qint64 state) const
    {
        std::string bytes((m_done.size() + 7) / 8 + sizeof state, '\0');
        for (size_t i = 0; i < m_done.size(); ++i) {
            if (m_done[i])
                bytes[i / 8] = char(bytes[i / 8] | (1 << (i % 8)));
        }
        std::copy_n(reinterpret_cast<const char *>(&state), sizeof state, bytes.end() - sizeof state);
        return bytes;
    }

    bool visit(qint64 state)
    {
        if (m_remainingDefinite == 0)
            return true;
        if (qint64(m_visited.size()) >= m_maxStates) {
            m_gaveUp = true;
            return false;
        }
        if (!m_visited.insert(key(state)).second)
            return false;

        // Only an operation invoked before every pending definite operation
        // completed may come next.
        qint64 firstCompletion = kNever;
        for (size_t i = 0; i < m_operations.size(); ++i) {
            if (!m_done[i] && m_operations[i].outcome != Operation::Outcome::Unknown)
                firstCompletion = std::min(firstCompletion, m_operations[i].completedAt);
        }
        QStringList refusals;
        for (size_t i = 0; i < m_operations.size() && m_operations[i].invokedAt <= firstCompletion; ++i) {
            if (m_done[i])
                continue;
            const Operation &operation = m_operations[i];
            const Step step = apply(operation, state);
            if (!step.allowed) {
                refusals << QStringLiteral("%1: cannot come next, %2").arg(operation.describe(), step.why);
                continue;
            }
            m_done[i] = true;
            const bool definite = operation.outcome != Operation::Outcome::Unknown;
            m_remainingDefinite -= definite ? 1 : 0;
            m_path.push_back(int(i));
            if (visit(step.next))
                return true;
            m_path.pop_back();
            m_remainingDefinite += definite ? 1 : 0;
            m_done[i] = false;
            if (m_gaveUp)
                return false;
            refusals << QStringLiteral("%1: leads to a dead end").arg(operation.describe());
        }
        if (int(m_path.size()) > m_bestDepth) {
            m_bestDepth = int(m_path.size());
            m_bestPrefix.clear();
            for (size_t p = m_path.size() > 10 ? m_path.size() - 10 : 0; p < m_path.size(); ++p)
                m_bestPrefix << m_operations[size_t(m_path[p])].describe();
            m_bestOffending = refusals;
            m_bestOffending.prepend(QStringLiteral("after %1 operations linearized the register holds %2")
                                        .arg(m_path.size())
                                        .arg(valueText(state)));
        }
        return false;
    }

    std::vector<Operation> m_operations;
    std::vector<bool> m_done;
    qint64 m_maxStates;
    int m_remainingDefinite = 0;
    std::unordered_set<std::string> m_visited;
    std::vector<int> m_path;
    bool m_gaveUp = false;
    int m_bestDepth = -1;
    QStringList m_bestPrefix;
    QStringList m_bestOffending;
};

} // namespace

QString LinearizabilityChecker::Operation::describe() const
{
    const QString times = outcome == Outcome::Unknown ? QStringLiteral("[%1, ?)").arg(invokedAt)
                                                      : QStringLiteral("[%1, %2]").arg(invokedAt).arg(completedAt);
    const QString who = client >= 0 ? QStringLiteral("client %1 ").arg(client) : QString();
    QString what;
    switch (kind) {
    case Kind::Read:
        what = QStringLiteral("read -> %1").arg(valueText(value));
        break;
    case Kind::Write:
        what = QStringLiteral("write %1").arg(valueText(value));
        break;
    case Kind::CompareAndSet:
        what = QStringLiteral("cas %1 -> %2").arg(valueText(expected), valueText(value));
        break;
    }
    const QString result = outcome == Outcome::Ok ? QStringLiteral("ok")
                           : outcome == Outcome::Failed ? QStringLiteral("failed")
                                                        : QStringLiteral("unknown");
    return QStringLiteral("%1%2 %3 %4").arg(who, what, result, times);
}

QString LinearizabilityChecker::Result::report() const
{
    switch (verdict) {
    case Verdict::Linearizable:
        return QStringLiteral("linearizable (%1 states)").arg(statesExplored);
    case Verdict::Inconclusive:
        return QStringLiteral("inconclusive: gave up after %1 states").arg(statesExplored);
    case Verdict::NotLinearizable:
        break;
    }
    QString text = QStringLiteral("NOT linearizable (%1 states)\n  last operations of the longest linearizable prefix:\n")
                       .arg(statesExplored);
    for (const QString &line : linearizedPrefix)
        text += QStringLiteral("    %1\n").arg(line);
    text += QStringLiteral("  then:\n");
    for (const QString &line : offending)
        text += QStringLiteral("    %1\n").arg(line);
    return text;
}

LinearizabilityChecker::Result LinearizabilityChecker::check(const QList<Operation> &history, qint64 initial) const
{
    std::vector<Operation> operations;
    operations.reserve(size_t(history.size()));
    for (Operation operation : history) {
        // A read without an answer, or a write that certainly did nothing,
        // constrains nothing.
        if (operation.kind == Operation::Kind::Read && operation.outcome != Operation::Outcome::Ok)
            continue;
        if (operation.kind == Operation::Kind::Write && operation.outcome == Operation::Outcome::Failed)
            continue;
        if (operation.outcome == Operation::Outcome::Unknown)
            operation.completedAt = kNever;
        operations.push_back(operation);
    }
    std::stable_sort(operations.begin(), operations.end(),
                     [](const Operation &a, const Operation &b) { return a.invokedAt < b.invokedAt; });
    return Search(std::move(operations), m_maxStates).run(initial);
}
