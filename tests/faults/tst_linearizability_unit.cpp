// LinearizabilityChecker on hand-written register histories: linearizable
// and not, with concurrent operations, failed compare-and-sets and unknown
// outcomes. Times are small integers; [a, b] is an operation invoked at a
// and completed at b.
#include <QTest>

#include "LinearizabilityChecker.h"

namespace {

using Operation = LinearizabilityChecker::Operation;
using Kind = Operation::Kind;
using Outcome = Operation::Outcome;
constexpr qint64 kAbsent = LinearizabilityChecker::kAbsent;

Operation read(qint64 value, qint64 invokedAt, qint64 completedAt, int client = 0)
{
    return Operation{Kind::Read, Outcome::Ok, value, kAbsent, invokedAt, completedAt, client};
}

Operation write(qint64 value, qint64 invokedAt, qint64 completedAt, Outcome outcome = Outcome::Ok, int client = 0)
{
    return Operation{Kind::Write, outcome, value, kAbsent, invokedAt, completedAt, client};
}

Operation cas(qint64 expected, qint64 value, qint64 invokedAt, qint64 completedAt, Outcome outcome = Outcome::Ok,
              int client = 0)
{
    return Operation{Kind::CompareAndSet, outcome, value, expected, invokedAt, completedAt, client};
}

} // namespace

Q_DECLARE_METATYPE(QList<LinearizabilityChecker::Operation>)

class TestLinearizability : public QObject
{
    Q_OBJECT

private slots:
    void histories_data()
    {
        QTest::addColumn<QList<Operation>>("history");
        QTest::addColumn<qint64>("initial");
        QTest::addColumn<bool>("linearizable");

        QTest::newRow("empty") << QList<Operation>{} << kAbsent << true;
        QTest::newRow("sequential write then read") << QList<Operation>{write(1, 0, 1), read(1, 2, 3)} << kAbsent << true;
        QTest::newRow("stale read after a completed write")
            << QList<Operation>{write(1, 0, 1), write(2, 2, 3), read(1, 4, 5)} << kAbsent << false;
        QTest::newRow("read of the initial value") << QList<Operation>{read(7, 0, 1)} << qint64(7) << true;
        QTest::newRow("read of a value never written") << QList<Operation>{write(1, 0, 1), read(3, 2, 3)} << kAbsent << false;
        QTest::newRow("concurrent read sees either value")
            << QList<Operation>{write(1, 0, 1), write(2, 2, 10, Outcome::Ok, 0), read(1, 3, 4, 1), read(2, 5, 6, 2)}
            << kAbsent << true;
        QTest::newRow("reads go back in time")
            << QList<Operation>{write(1, 0, 1), write(2, 2, 10, Outcome::Ok, 0), read(2, 3, 4, 1), read(1, 5, 6, 2)}
            << kAbsent << false;
        QTest::newRow("cas chain") << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 3), cas(1, 2, 4, 5), read(2, 6, 7)}
                                   << kAbsent << true;
        QTest::newRow("two concurrent cas from the same value both succeed")
            << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 5, Outcome::Ok, 1), cas(0, 2, 3, 6, Outcome::Ok, 2)}
            << kAbsent << false;
        QTest::newRow("two concurrent cas, one fails")
            << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 5, Outcome::Ok, 1), cas(0, 2, 3, 6, Outcome::Failed, 2),
                                read(1, 7, 8)}
            << kAbsent << true;
        QTest::newRow("cas fails although the value matched")
            << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 3, Outcome::Failed)} << kAbsent << false;
        QTest::newRow("failed cas concurrent with the write that changed the value")
            << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 6, Outcome::Ok, 1), cas(0, 2, 3, 5, Outcome::Failed, 2)}
            << kAbsent << true;
        QTest::newRow("lost acknowledged write")
            << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 3), read(0, 4, 5)} << kAbsent << false;
        QTest::newRow("unknown cas that took effect")
            << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 3, Outcome::Unknown), read(1, 10, 11)} << kAbsent << true;
        QTest::newRow("unknown cas that did not take effect")
            << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 3, Outcome::Unknown), read(0, 10, 11)} << kAbsent << true;
        QTest::newRow("unknown cas takes effect late, after a later read")
            << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 3, Outcome::Unknown), read(0, 10, 11), read(1, 12, 13)}
            << kAbsent << true;
        QTest::newRow("unknown cas cannot undo itself")
            << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 3, Outcome::Unknown), read(1, 10, 11), read(0, 12, 13)}
            << kAbsent << false;
        QTest::newRow("unknown cas cannot take effect before it was invoked")
            << QList<Operation>{write(0, 0, 1), read(1, 2, 3), cas(0, 1, 4, 5, Outcome::Unknown)} << kAbsent << false;
        QTest::newRow("unknown cas from a value the register never held again")
            << QList<Operation>{write(0, 0, 1), cas(0, 1, 2, 3), cas(0, 2, 4, 5, Outcome::Unknown), read(2, 6, 7)}
            << kAbsent << false;
        QTest::newRow("unknown write may land any time later")
            << QList<Operation>{write(1, 0, 1), write(2, 2, 3, Outcome::Unknown), read(1, 4, 5), read(2, 30, 31)}
            << kAbsent << true;
        QTest::newRow("unknown read constrains nothing")
            << QList<Operation>{write(1, 0, 1), Operation{Kind::Read, Outcome::Unknown, 99, kAbsent, 2, 3, 0}}
            << kAbsent << true;
        QTest::newRow("failed write is dropped")
            << QList<Operation>{write(1, 0, 1), write(2, 2, 3, Outcome::Failed), read(1, 4, 5)} << kAbsent << true;
    }

    void histories()
    {
        QFETCH(QList<Operation>, history);
        QFETCH(qint64, initial);
        QFETCH(bool, linearizable);
        const LinearizabilityChecker::Result result = LinearizabilityChecker().check(history, initial);
        QVERIFY2(result.verdict != LinearizabilityChecker::Result::Verdict::Inconclusive, qPrintable(result.report()));
        QVERIFY2(result.ok() == linearizable, qPrintable(result.report()));
    }

    // The report names the operation that cannot be placed.
    void reportNamesTheOffendingOperation()
    {
        const QList<Operation> history{write(1, 0, 1), write(2, 2, 3), read(1, 4, 5, 3)};
        const LinearizabilityChecker::Result result = LinearizabilityChecker().check(history);
        QVERIFY(!result.ok());
        QVERIFY2(result.report().contains(QStringLiteral("client 3 read -> 1 ok [4, 5]: cannot come next, the register holds 2")),
                 qPrintable(result.report()));
    }

    // Many clients over a long, correct history: memoization keeps it fast.
    void longConcurrentHistory()
    {
        QList<Operation> history{write(0, 0, 1)};
        qint64 value = 0;
        qint64 time = 10;
        for (int round = 0; round < 2000; ++round, time += 10) {
            // Four clients overlap: one CAS wins, one fails, two reads see
            // the old or the new value, one CAS has no answer.
            history << cas(value, value + 1, time, time + 8, Outcome::Ok, 0)
                    << cas(value, value + 100000, time + 1, time + 9, Outcome::Failed, 1)
                    << read(value, time + 1, time + 2, 2) << read(value + 1, time + 7, time + 9, 3);
            if (round % 50 == 0)
                history << cas(value + 1, value + 200000, time + 9, time + 9, Outcome::Unknown, 4);
            ++value;
        }
        const LinearizabilityChecker::Result result = LinearizabilityChecker().check(history);
        QVERIFY2(result.ok(), qPrintable(result.report()));
    }

    void gaveUpIsInconclusive()
    {
        QList<Operation> history;
        for (int client = 0; client < 12; ++client)
            history << write(client, 0, 100, Outcome::Ok, client);
        history << read(99, 200, 201);
        const LinearizabilityChecker::Result result = LinearizabilityChecker(1000).check(history);
        QCOMPARE(result.verdict, LinearizabilityChecker::Result::Verdict::Inconclusive);
    }
};

QTEST_GUILESS_MAIN(TestLinearizability)
#include "tst_linearizability_unit.moc"
