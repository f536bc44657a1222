// A backup's choices about one shard (BackupSource): the commit point comes
// only from a readable primary (writable, or refusing writes for overload),
// and the member copied is one that has applied it — a replica before the
// primary (waiting for one while asked to), the most applied first, never
// one whose storage failed.
#include <QJsonObject>
#include <QTest>

#include "BackupSource.h"

namespace {

MemberStatus member(const char *role, qint64 term, qint64 commitSeq, qint64 appliedSeq, bool writable = false, bool readable = false)
{
    MemberStatus out;
    out.role = QString::fromLatin1(role);
    out.term = term;
    out.lastTerm = term;
    out.lastSeq = appliedSeq;
    out.commitSeq = commitSeq;
    out.appliedSeq = appliedSeq;
    out.lease = writable;
    out.writable = writable;
    out.readable = readable || writable;
    return out;
}

MemberStatus primary(qint64 term, qint64 commitSeq, qint64 appliedSeq, bool writable = true)
{
    return member("primary", term, commitSeq, appliedSeq, writable);
}

// A primary refusing writes only because its pending-write queue is full.
MemberStatus overloadedPrimary(qint64 term, qint64 commitSeq, qint64 appliedSeq)
{
    MemberStatus out = member("primary", term, commitSeq, appliedSeq, false, true);
    out.lease = true;
    return out;
}

MemberStatus replica(qint64 term, qint64 commitSeq, qint64 appliedSeq)
{
    return member("replica", term, commitSeq, appliedSeq);
}

MemberStatus failedStorage(MemberStatus status)
{
    status.raw.insert(QStringLiteral("storageFailure"), QStringLiteral("fsync failed: EIO"));
    return status;
}

using Answers = BackupSource::Answers;

} // namespace

Q_DECLARE_METATYPE(BackupSource::Answers)

class TestBackupSource : public QObject
{
    Q_OBJECT

private slots:
    void commitPoint_data()
    {
        QTest::addColumn<Answers>("answers");
        QTest::addColumn<qint64>("expected"); // -1: none
        QTest::newRow("the primary's commitSeq") << Answers{primary(2, 120, 118), replica(2, 115, 115), std::nullopt} << qint64(120);
        QTest::newRow("no answers") << Answers{std::nullopt, std::nullopt} << qint64(-1);
        QTest::newRow("only replicas") << Answers{replica(2, 115, 115), replica(2, 117, 117)} << qint64(-1);
        // Without its lease (or before its first commit) a primary's
        // commitSeq may miss writes an earlier primary acknowledged.
        QTest::newRow("primary not readable") << Answers{primary(2, 120, 120, false), replica(2, 119, 119)} << qint64(-1);
        // Overload refuses writes, not backups: its commit point is sound.
        QTest::newRow("primary refusing writes for overload") << Answers{overloadedPrimary(2, 120, 118), replica(2, 119, 119)}
                                                               << qint64(120);
        QTest::newRow("the newer of two primaries") << Answers{primary(2, 130, 130), primary(3, 125, 125), replica(3, 125, 125)}
                                                     << qint64(125);
    }

    void commitPoint()
    {
        QFETCH(Answers, answers);
        QFETCH(qint64, expected);
        const std::optional<qint64> point = BackupSource::commitPoint(answers);
        QCOMPARE(point.value_or(-1), expected);
    }

    // A member's state answer: `readable`, or for a member of an older
    // version that reports only `writable`, that.
    void readableFromState()
    {
        QJsonObject state{{QStringLiteral("role"), QStringLiteral("primary")}, {QStringLiteral("term"), 3},
                          {QStringLiteral("lastTerm"), 3},  {QStringLiteral("lastSeq"), 9},
                          {QStringLiteral("commitSeq"), 9}, {QStringLiteral("appliedSeq"), 9},
                          {QStringLiteral("rolledBack"), 0}, {QStringLiteral("writable"), false},
                          {QStringLiteral("readable"), true}};
        Result<MemberStatus> status = MemberStatus::fromJson(state);
        QVERIFY(status.isOk());
        QVERIFY(status->readable);
        QVERIFY(!status->writable);
        state.insert(QStringLiteral("readable"), false);
        QVERIFY(!MemberStatus::fromJson(state)->readable);
        state.remove(QStringLiteral("readable"));
        QVERIFY(!MemberStatus::fromJson(state)->readable);
        state.insert(QStringLiteral("writable"), true);
        QVERIFY(MemberStatus::fromJson(state)->readable);
    }

    void choose_data()
    {
        QTest::addColumn<Answers>("answers");
        QTest::addColumn<qint64>("commitPoint");
        QTest::addColumn<bool>("waitForReplica");
        QTest::addColumn<int>("expected");
        QTest::newRow("a replica that has applied it") << Answers{primary(2, 120, 120), replica(2, 120, 120), replica(2, 110, 110)}
                                                        << qint64(120) << false << 1;
        QTest::newRow("the replica that applied the most") << Answers{primary(2, 130, 130), replica(2, 121, 121), replica(2, 125, 125)}
                                                            << qint64(120) << false << 2;
        QTest::newRow("ties: the lowest index") << Answers{replica(2, 125, 125), primary(2, 130, 130), replica(2, 125, 125)}
                                                 << qint64(120) << false << 0;
        QTest::newRow("the primary when no replica has it") << Answers{primary(2, 120, 120), replica(2, 119, 119), std::nullopt}
                                                             << qint64(120) << false << 0;
        QTest::newRow("nobody yet") << Answers{primary(2, 120, 119), replica(2, 119, 119), replica(2, 118, 118)} << qint64(120) << false << -1;
        QTest::newRow("not a member whose storage failed")
            << Answers{primary(2, 120, 120), failedStorage(replica(2, 125, 125)), replica(2, 118, 118)} << qint64(120) << false << 0;
        QTest::newRow("a silent member is no choice") << Answers{std::nullopt, replica(2, 121, 121), std::nullopt} << qint64(120) << false << 1;
        QTest::newRow("an empty shard") << Answers{primary(1, 0, 0), replica(1, 0, 0)} << qint64(0) << false << 1;
        // Waiting for a replica: it applies the commit point within a
        // heartbeat; the primary only when no replica is there to wait for.
        QTest::newRow("waiting: a replica that has it") << Answers{primary(2, 120, 120), replica(2, 120, 120)} << qint64(120) << true << 1;
        QTest::newRow("waiting: not yet the primary") << Answers{primary(2, 120, 120), replica(2, 119, 119), replica(2, 118, 118)}
                                                       << qint64(120) << true << -1;
        QTest::newRow("waiting: no replica answers") << Answers{primary(2, 120, 120), std::nullopt, std::nullopt} << qint64(120) << true
                                                      << 0;
        QTest::newRow("waiting: only a failed replica")
            << Answers{primary(2, 120, 120), failedStorage(replica(2, 119, 119))} << qint64(120) << true << 0;
        QTest::newRow("waiting: a set of one") << Answers{primary(1, 7, 7)} << qint64(7) << true << 0;
    }

    void choose()
    {
        QFETCH(Answers, answers);
        QFETCH(qint64, commitPoint);
        QFETCH(bool, waitForReplica);
        QFETCH(int, expected);
        QCOMPARE(BackupSource::choose(answers, commitPoint, waitForReplica), expected);
    }
};

QTEST_GUILESS_MAIN(TestBackupSource)
#include "tst_backupsource.moc"
