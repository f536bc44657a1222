// LinearizabilityChecker: decides whether a concurrent history of one
// register is linearizable, in the manner of Wing & Gong with Lowe's
// memoization (as Porcupine and Knossos do).
//
// The register holds an integer value (kAbsent before its first write) and
// supports read, write and compare-and-set. Every value written is unique,
// so a PeaceDB revision stands for the value it was read with: a PUT with
// rev R is a compare-and-set whose expected value is the one read with R.
//
// An operation has an invocation and a completion time (any monotonic unit)
// and an outcome: Ok (it took effect; a read returned `value`), Failed (a
// compare-and-set refused because the register did not hold `expected`;
// 409) or Unknown (no answer, 503, timeout: it may or may not have taken
// effect, at any moment after its invocation — its completion is treated as
// +infinity and it may be left out). A search state is (set of operations
// linearized, register value); states already explored are not explored
// again. The search gives up after `maxStates` and reports Inconclusive.
//
// Pure: no I/O, no clock. Any thread; a checker object is used by one thread.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <limits>

class LinearizabilityChecker
{
public:
    static constexpr qint64 kAbsent = -1;

    struct Operation
    {
        enum class Kind { Read, Write, CompareAndSet };
        enum class Outcome { Ok, Failed, Unknown };

        Kind kind = Kind::Read;
        Outcome outcome = Outcome::Ok;
        qint64 value = kAbsent;    // Read: the value returned; Write/CAS: the value written
        qint64 expected = kAbsent; // CompareAndSet only
        qint64 invokedAt = 0;
        qint64 completedAt = 0;    // ignored when Unknown
        int client = -1;           // for reports only

        QString describe() const;
    };

    struct Result
    {
        enum class Verdict { Linearizable, NotLinearizable, Inconclusive };
        Verdict verdict = Verdict::Linearizable;
        qint64 statesExplored = 0;
        // When not linearizable: the longest linearizable prefix found, and
        // the operations that could not come next (each with the reason).
        QStringList linearizedPrefix; // the last few operations of that prefix
        QStringList offending;

        bool ok() const { return verdict == Verdict::Linearizable; }
        QString report() const;
    };

    explicit LinearizabilityChecker(qint64 maxStates = 5000000) : m_maxStates(maxStates) {}

    // `initial` is the register's value before the history.
    Result check(const QList<Operation> &history, qint64 initial = kAbsent) const;

private:
    qint64 m_maxStates;
};
