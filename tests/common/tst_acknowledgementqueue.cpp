// AcknowledgementQueue: when a client write is answered, and how — the rule
// that ties an acknowledgement to the exact (term, seq) that committed.
#include <QTest>

#include <QHash>

#include "AcknowledgementQueue.h"

using Outcome = AcknowledgementQueue::Outcome;
using Waiter = AcknowledgementQueue::Waiter;

namespace {

// A log whose committed entries have the given terms (index seq - 1).
AcknowledgementQueue::TermAt terms(const QVector<qint64> &bySeq)
{
    return [bySeq](qint64 seq) -> std::optional<qint64> {
        if (seq < 1 || seq > bySeq.size())
            return std::nullopt;
        return bySeq.at(seq - 1);
    };
}

QHash<quint64, Outcome> outcomes(const QVector<AcknowledgementQueue::Decision> &decisions)
{
    QHash<quint64, Outcome> out;
    for (const AcknowledgementQueue::Decision &decision : decisions)
        out.insert(decision.id, decision.outcome);
    return out;
}

} // namespace

class TestAcknowledgementQueue : public QObject
{
    Q_OBJECT

private slots:
    void committedEntryOfTheSameTermIsAcknowledged()
    {
        AcknowledgementQueue queue;
        queue.add(Waiter{1, 2, 5, 7, 0});
        queue.add(Waiter{2, 2, 8, 8, 0});
        QVERIFY(queue.committed(6, terms({1, 1, 1, 2, 2, 2, 2, 2})).isEmpty()); // 7 not committed yet
        const QVector<AcknowledgementQueue::Decision> decided = queue.committed(8, terms({1, 1, 1, 2, 2, 2, 2, 2}));
        QCOMPARE(decided.size(), 2);
        QCOMPARE(decided.at(0).id, quint64(1)); // in the order added
        QCOMPARE(decided.at(0).outcome, Outcome::Acknowledged);
        QCOMPARE(decided.at(1).outcome, Outcome::Acknowledged);
        QVERIFY(queue.isEmpty());
    }

    // The bug the fault runs found: the seq committed, but another entry.
    void anotherTermsEntryAtTheSeqIsNotAnAcknowledgement()
    {
        AcknowledgementQueue queue;
        queue.add(Waiter{1, 2, 5, 5, 0});    // replaced whole
        queue.add(Waiter{2, 2, 6, 7, 0});    // replaced whole
        const QHash<quint64, Outcome> decided = outcomes(queue.committed(7, terms({1, 1, 1, 2, 3, 3, 3})));
        QCOMPARE(decided.value(1), Outcome::NotCommitted);
        QCOMPARE(decided.value(2), Outcome::NotCommitted);
    }

    void partlyReplacedRequestIsUnknown()
    {
        AcknowledgementQueue queue;
        queue.add(Waiter{1, 2, 4, 6, 0}); // 4 and 5 of term 2 committed, 6 replaced
        QCOMPARE(outcomes(queue.committed(6, terms({1, 1, 1, 2, 2, 3}))).value(1), Outcome::Unknown);
    }

    void forgottenTermIsUnknown()
    {
        AcknowledgementQueue queue;
        queue.add(Waiter{1, 2, 4, 4, 0});
        // The log holds nothing at 4 any more (a snapshot replaced it).
        QCOMPARE(outcomes(queue.committed(9, [](qint64) { return std::nullopt; })).value(1), Outcome::Unknown);
    }

    void cutFailsWaitersAtOnce()
    {
        AcknowledgementQueue queue;
        queue.add(Waiter{1, 2, 3, 3, 0});
        queue.add(Waiter{2, 2, 4, 6, 0});
        queue.add(Waiter{3, 2, 7, 8, 0});
        const QHash<quint64, Outcome> decided = outcomes(queue.cut(5));
        QCOMPARE(decided.size(), 2);
        QCOMPARE(decided.value(2), Outcome::Unknown);      // 4 may have committed
        QCOMPARE(decided.value(3), Outcome::NotCommitted); // all of it cut
        QCOMPARE(queue.size(), qsizetype(1));
    }

    void abandonmentKeepsWhatCommittedBeforeTheRoleWasLost()
    {
        AcknowledgementQueue queue;
        queue.add(Waiter{1, 2, 3, 4, 0});
        queue.add(Waiter{2, 2, 5, 5, 0});
        const QHash<quint64, Outcome> decided = outcomes(queue.abandoned(4));
        QCOMPARE(decided.size(), 1);
        QCOMPARE(decided.value(2), Outcome::Unknown);
        QCOMPARE(outcomes(queue.committed(4, terms({1, 1, 2, 2}))).value(1), Outcome::Acknowledged);
    }

    void deadlinesExpire()
    {
        AcknowledgementQueue queue;
        queue.add(Waiter{1, 1, 1, 1, 100});
        queue.add(Waiter{2, 1, 2, 2, 0});   // waits forever
        queue.add(Waiter{3, 1, 3, 3, 150});
        QCOMPARE(queue.nextDeadline(), std::optional<qint64>(100));
        QVERIFY(queue.expired(99).isEmpty());
        const QHash<quint64, Outcome> first = outcomes(queue.expired(120));
        QCOMPARE(first.size(), 1);
        QCOMPARE(first.value(1), Outcome::TimedOut);
        QCOMPARE(queue.nextDeadline(), std::optional<qint64>(150));
        QCOMPARE(outcomes(queue.expired(150)).value(3), Outcome::TimedOut);
        QCOMPARE(queue.nextDeadline(), std::nullopt);
        QCOMPARE(outcomes(queue.clear()).value(2), Outcome::Unknown);
        QVERIFY(queue.isEmpty());
    }
};

QTEST_APPLESS_MAIN(TestAcknowledgementQueue)
#include "tst_acknowledgementqueue.moc"
