// ShardCopy (one shard's part of a cluster backup) against scripted members:
// small HTTP servers on 127.0.0.1 that answer GET /v1/_replication/state as
// the test says and GET /v1/_replication/snapshot with a chosen failure. The
// rules checked are those no real cluster shows on demand: a member busy
// with another snapshot (503) uses up none of the kMaxAttempts failed
// copies, other failures do, and a file system without room for the copy
// refuses it before a byte is written.
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include "ClusterEvents.h"
#include "HealthMonitor.h"
#include "ScriptedMember.h"
#include "ShardCopy.h"

namespace {

struct Outcome
{
    ShardCopy::Phase phase = ShardCopy::Phase::CommitPoint;
    QString error;
    qint64 fileBytes = -1;
    qint64 elapsedMs = 0;
};

// Runs one shard's copy from `members` into a new file.
Outcome copyFrom(const ScriptedSet &members, qint64 waitTimeoutMs)
{
    QTemporaryDir directory;
    HealthMonitor::Settings settings;
    settings.shards = {members.layout()};
    settings.token = "token";
    settings.intervalMs = 100;
    settings.failoverTimeoutMs = 600;
    ClusterEvents events;
    HealthMonitor monitor(settings, &events); // not started: the copy asks the members itself
    ShardCopy::Settings copySettings;
    copySettings.path = directory.filePath(QStringLiteral("shard-0.sqlite"));
    copySettings.token = "token";
    copySettings.waitTimeoutMs = waitTimeoutMs;
    copySettings.replicaWaitMs = 0;
    copySettings.transferTimeoutMs = 10000;
    ShardCopy copy(&monitor, copySettings);
    QSignalSpy ended(&copy, &ShardCopy::ended);
    QElapsedTimer clock;
    clock.start();
    copy.start();
    Outcome outcome;
    if (!ended.wait(int(waitTimeoutMs) + 20000))
        return outcome;
    outcome.phase = copy.phase();
    outcome.error = copy.error();
    outcome.elapsedMs = clock.elapsed();
    outcome.fileBytes = QFileInfo(copySettings.path).exists() ? QFileInfo(copySettings.path).size() : -1;
    return outcome;
}

} // namespace

class TestShardCopy : public QObject
{
    Q_OBJECT

private slots:
    // Every member stays busy with another snapshot: the copy asks again
    // and again (more often than it may fail), and gives up only after the
    // phases' wait, saying why.
    void busyMembersUseUpNoAttempt()
    {
        ScriptedSet members(ScriptedMember::Snapshot::Busy);
        const qint64 waitMs = 1500;
        const Outcome outcome = copyFrom(members, waitMs);
        QCOMPARE(outcome.phase, ShardCopy::Phase::Failed);
        QVERIFY2(outcome.error.contains(QStringLiteral("stayed busy (503)")), qPrintable(outcome.error));
        QVERIFY2(outcome.error.contains(QStringLiteral("a snapshot is already being made")), qPrintable(outcome.error));
        const int asked = members.snapshotRequests();
        QVERIFY2(asked > 2 * ShardCopy::kMaxAttempts, qPrintable(QString::number(asked)));
        // Counted in poll intervals, whose (coarse) timers may fire up to 5 % early.
        QVERIFY2(outcome.elapsedMs >= waitMs * 9 / 10, qPrintable(QString::number(outcome.elapsedMs)));
    }

    // A member whose copy fails is passed over, and after kMaxAttempts
    // failed copies the shard's copy fails with the last reason.
    void failedCopiesUseUpTheAttempts()
    {
        ScriptedSet members(ScriptedMember::Snapshot::Broken);
        const Outcome outcome = copyFrom(members, 10000);
        QCOMPARE(outcome.phase, ShardCopy::Phase::Failed);
        QVERIFY2(outcome.error.contains(QStringLiteral("%1 copies failed").arg(ShardCopy::kMaxAttempts)), qPrintable(outcome.error));
        QVERIFY2(outcome.error.contains(QStringLiteral("cannot read the database")), qPrintable(outcome.error));
        // Each member once: replicas first, then the primary.
        QCOMPARE(members.replica1.snapshotRequests(), 1);
        QCOMPARE(members.replica2.snapshotRequests(), 1);
        QCOMPARE(members.primary.snapshotRequests(), 1);
    }

    // A copy larger than the file system's room is refused when its size
    // is announced, before a byte is written, and no other member is asked
    // (the backup's disk, not the member, is the problem).
    void noRoomRefusesTheCopyBeforeWriting()
    {
        ScriptedSet members(ScriptedMember::Snapshot::Huge);
        const Outcome outcome = copyFrom(members, 10000);
        QCOMPARE(outcome.phase, ShardCopy::Phase::Failed);
        QVERIFY2(outcome.error.contains(QStringLiteral("not enough free space")), qPrintable(outcome.error));
        QCOMPARE(outcome.fileBytes, qint64(0));
        QCOMPARE(members.snapshotRequests(), 1);
    }
};

QTEST_GUILESS_MAIN(TestShardCopy)
#include "tst_shardcopy.moc"
