#include <QTest>

#include "PendingWrites.h"

class TestPendingWrites : public QObject
{
    Q_OBJECT

private slots:
    void unknownUntilRecorded()
    {
        PendingWrites pending;
        QVERIFY(!pending.document(QStringLiteral("db"), QStringLiteral("a")).known);
        QCOMPARE(pending.database(QStringLiteral("db")), PendingWrites::DatabaseState::Unknown);
        QVERIFY(pending.isEmpty());
    }

    void latestPendingWriteWinsUntilItCommits()
    {
        PendingWrites pending;
        pending.recordPut(QStringLiteral("db"), QStringLiteral("a"), DocumentHead{QStringLiteral("1-a"), false}, 5);
        pending.recordPut(QStringLiteral("db"), QStringLiteral("a"), DocumentHead{QStringLiteral("2-b"), false}, 6);
        PendingWrites::Lookup lookup = pending.document(QStringLiteral("db"), QStringLiteral("a"));
        QVERIFY(lookup.known);
        QCOMPARE(lookup.head->rev, QStringLiteral("2-b"));

        // Seq 5 committed: the later write still decides.
        pending.releaseThrough(5);
        lookup = pending.document(QStringLiteral("db"), QStringLiteral("a"));
        QVERIFY(lookup.known);
        QCOMPARE(lookup.head->rev, QStringLiteral("2-b"));

        pending.releaseThrough(6);
        QVERIFY(!pending.document(QStringLiteral("db"), QStringLiteral("a")).known);
        QVERIFY(pending.isEmpty());
    }

    void pendingDeleteHidesCommittedDocumentsOfTheDatabase()
    {
        PendingWrites pending;
        pending.recordPut(QStringLiteral("db"), QStringLiteral("a"), DocumentHead{QStringLiteral("1-a"), false}, 1);
        pending.recordDeleteDatabase(QStringLiteral("db"), 2);
        QCOMPARE(pending.database(QStringLiteral("db")), PendingWrites::DatabaseState::Missing);
        PendingWrites::Lookup lookup = pending.document(QStringLiteral("db"), QStringLiteral("a"));
        QVERIFY(lookup.known);
        QVERIFY(!lookup.head);
        lookup = pending.document(QStringLiteral("db"), QStringLiteral("committed-before"));
        QVERIFY(lookup.known);
        QVERIFY(!lookup.head);

        // Recreated: still fresh, the old documents are gone.
        pending.recordCreateDatabase(QStringLiteral("db"), 3);
        QCOMPARE(pending.database(QStringLiteral("db")), PendingWrites::DatabaseState::Exists);
        QVERIFY(pending.document(QStringLiteral("db"), QStringLiteral("committed-before")).known);

        pending.releaseThrough(3);
        QCOMPARE(pending.database(QStringLiteral("db")), PendingWrites::DatabaseState::Unknown);
        QVERIFY(!pending.document(QStringLiteral("db"), QStringLiteral("a")).known);
        // Other databases are untouched.
        QCOMPARE(pending.database(QStringLiteral("other")), PendingWrites::DatabaseState::Unknown);
    }

    void discardFromRestoresEarlierPendingWrites()
    {
        PendingWrites pending;
        pending.recordPut(QStringLiteral("db"), QStringLiteral("a"), DocumentHead{QStringLiteral("1-a"), false}, 1);
        pending.recordPut(QStringLiteral("db"), QStringLiteral("a"), DocumentHead{QStringLiteral("2-a"), false}, 2);
        pending.recordDeleteDatabase(QStringLiteral("other"), 3);
        pending.recordPut(QStringLiteral("db"), QStringLiteral("b"), DocumentHead{QStringLiteral("1-b"), false}, 4);
        // Writes 2.. never made it into the log: write 1 decides again.
        pending.discardFrom(2);
        QCOMPARE(pending.document(QStringLiteral("db"), QStringLiteral("a")).head->rev, QStringLiteral("1-a"));
        QVERIFY(!pending.document(QStringLiteral("db"), QStringLiteral("b")).known);
        QCOMPARE(pending.database(QStringLiteral("other")), PendingWrites::DatabaseState::Unknown);
        pending.releaseThrough(1);
        QVERIFY(pending.isEmpty());
    }

    void writesAfterAPendingDeleteStillCount()
    {
        PendingWrites pending;
        pending.recordDeleteDatabase(QStringLiteral("db"), 1);
        pending.recordCreateDatabase(QStringLiteral("db"), 2);
        pending.recordPut(QStringLiteral("db"), QStringLiteral("a"), DocumentHead{QStringLiteral("1-a"), false}, 3);
        QCOMPARE(pending.document(QStringLiteral("db"), QStringLiteral("a")).head->rev, QStringLiteral("1-a"));
        QVERIFY(pending.document(QStringLiteral("db"), QStringLiteral("x")).known);
        QVERIFY(!pending.document(QStringLiteral("db"), QStringLiteral("x")).head);
    }

    void aPendingWriteShowsItsDatabaseExists()
    {
        // A write enters the log only into a database that exists, and only
        // a later delete (pending too until it is applied) removes it: the
        // write path need not ask committed state while one is pending.
        PendingWrites pending;
        pending.recordPut(QStringLiteral("db"), QStringLiteral("a"), DocumentHead{QStringLiteral("1-a"), false}, 1);
        pending.recordPut(QStringLiteral("db"), QStringLiteral("b"), DocumentHead{QStringLiteral("1-b"), false}, 2);
        QCOMPARE(pending.database(QStringLiteral("db")), PendingWrites::DatabaseState::Exists);
        QCOMPARE(pending.database(QStringLiteral("other")), PendingWrites::DatabaseState::Unknown);
        pending.recordDeleteDatabase(QStringLiteral("db"), 3);
        QCOMPARE(pending.database(QStringLiteral("db")), PendingWrites::DatabaseState::Missing);
        pending.releaseThrough(1);
        QCOMPARE(pending.database(QStringLiteral("db")), PendingWrites::DatabaseState::Missing);
        // The delete never made it into the log: write 2 decides again.
        pending.discardFrom(3);
        QCOMPARE(pending.database(QStringLiteral("db")), PendingWrites::DatabaseState::Exists);
        pending.releaseThrough(2);
        QCOMPARE(pending.database(QStringLiteral("db")), PendingWrites::DatabaseState::Unknown);

        pending.recordPut(QStringLiteral("db"), QStringLiteral("c"), DocumentHead{QStringLiteral("1-c"), false}, 4);
        pending.clear();
        QCOMPARE(pending.database(QStringLiteral("db")), PendingWrites::DatabaseState::Unknown);
    }

    void clearForgetsEverything()
    {
        PendingWrites pending;
        pending.recordCreateDatabase(QStringLiteral("db"), 1);
        pending.recordPut(QStringLiteral("db"), QStringLiteral("a"), DocumentHead{QStringLiteral("1-a"), false}, 2);
        pending.clear();
        QVERIFY(pending.isEmpty());
        QVERIFY(!pending.document(QStringLiteral("db"), QStringLiteral("a")).known);
    }
};

QTEST_APPLESS_MAIN(TestPendingWrites)
#include "tst_pendingwrites.moc"
