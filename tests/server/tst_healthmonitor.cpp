// HealthMonitor against scripted members (small HTTP servers on 127.0.0.1
// answering GET /v1/_replication/state), with the Compose file's slow
// timings (polls every 3 s, FailoverTimeoutMs 5 s): a primary whose process
// ends is found gone by the poll its closed connection triggers, not by the
// next interval's; a member that closes every connection after answering
// is not polled in a loop for it.
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include "ClusterEvents.h"
#include "HealthMonitor.h"
#include "ScriptedMember.h"

namespace {

HealthMonitor::Settings slowSettings(const QVector<ScriptedMember *> &members)
{
    HealthMonitor::Settings settings;
    ShardLayout layout;
    for (const ScriptedMember *member : members)
        layout.members.append(member->url());
    settings.shards = {layout};
    settings.token = "token";
    settings.intervalMs = 3000;
    settings.failoverTimeoutMs = 5000;
    return settings;
}

} // namespace

class TestHealthMonitor : public QObject
{
    Q_OBJECT

private slots:
    // The process of the primary ends right after a poll: its connections
    // close, its port refuses. The monitor asks again at once, sees two
    // refusals and asks for a promotion within milliseconds — the next
    // interval's poll would have come 3 s later.
    void aPrimaryWhoseConnectionClosesIsPolledAtOnce()
    {
        ScriptedMember primary(scriptedMemberState(true));
        ScriptedMember replica1(scriptedMemberState(false));
        ScriptedMember replica2(scriptedMemberState(false));
        ClusterEvents events;
        HealthMonitor monitor(slowSettings({&primary, &replica1, &replica2}), &events);
        QSignalSpy down(&monitor, &HealthMonitor::primaryDown);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(monitor.shard(0).hasServingPrimary(monitor.now()) && monitor.shard(0).reachableCount(monitor.now()) == 3,
                                 2000);
        QCOMPARE(primary.stateRequests(), 1);

        QElapsedTimer clock;
        clock.start();
        primary.die();
        QTRY_VERIFY_WITH_TIMEOUT(!down.isEmpty(), 6000);
        const qint64 elapsedMs = clock.elapsed();
        QVERIFY2(elapsedMs < 1000, qPrintable(QStringLiteral("the promotion was asked for %1 ms after the primary's process ended").arg(elapsedMs)));
        QCOMPARE(down.first().at(0).toInt(), 0);
        QCOMPARE(down.first().at(1).toInt(), 1); // the first of the equally up-to-date replicas
        const QJsonArray recorded = events.since(0, 100);
        bool refusals = false;
        for (const QJsonValue &event : recorded) {
            const QJsonObject object = event.toObject();
            if (object.value(QStringLiteral("kind")).toString() == QLatin1String("detected"))
                refusals = object.value(QStringLiteral("message")).toString().contains(QLatin1String("refused"));
        }
        QVERIFY2(refusals, qPrintable(QJsonDocument(recorded).toJson()));
    }

    // The primary hands off to member 1 and exits: the closed connection
    // makes the router ask every member, and it learns the new primary
    // instead of promoting another member over it.
    void aPrimaryThatHandedOffAndExitedIsNotReplacedAgain()
    {
        ScriptedMember primary(scriptedMemberState(true));
        ScriptedMember replica1(scriptedMemberState(false));
        ScriptedMember replica2(scriptedMemberState(false));
        ClusterEvents events;
        HealthMonitor monitor(slowSettings({&primary, &replica1, &replica2}), &events);
        QSignalSpy down(&monitor, &HealthMonitor::primaryDown);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(monitor.shard(0).hasServingPrimary(monitor.now()) && monitor.shard(0).reachableCount(monitor.now()) == 3,
                                 2000);
        replica1.setState(scriptedMemberState(true, 2, 1));
        replica2.setState(scriptedMemberState(false, 2, 1));
        primary.die();
        QTRY_COMPARE_WITH_TIMEOUT(monitor.shard(0).primary(), 1, 1000);
        QCOMPARE(monitor.shard(0).primaryTerm(), 2);
        QTest::qWait(200);
        QVERIFY2(down.isEmpty(), qPrintable(QJsonDocument(events.since(0, 100)).toJson()));
        QVERIFY(monitor.shard(0).isHealthy(monitor.now()));
    }

    // A primary that closes every connection after answering (its own
    // choice, it is alive) makes the shard be polled again no sooner than
    // kUrgentPollSpacingMs after the last time, not as fast as it answers;
    // a replica doing so is left to the interval.
    void aMemberClosingEveryConnectionIsNotPolledInALoop()
    {
        ScriptedMember primary(scriptedMemberState(true));
        ScriptedMember replica1(scriptedMemberState(false));
        ScriptedMember replica2(scriptedMemberState(false));
        primary.setCloseAfterAnswer(true);
        ClusterEvents events;
        HealthMonitor monitor(slowSettings({&primary, &replica1, &replica2}), &events);
        QSignalSpy down(&monitor, &HealthMonitor::primaryDown);
        monitor.start();
        QTest::qWait(1000);
        const int most = 1000 / HealthMonitor::kUrgentPollSpacingMs + 2; // about 20 in a second
        for (const ScriptedMember *member : {&primary, &replica1, &replica2}) {
            QVERIFY2(member->stateRequests() >= 2 && member->stateRequests() <= most,
                     qPrintable(QString::number(member->stateRequests())));
        }
        QVERIFY(monitor.shard(0).isHealthy(monitor.now()));
        QVERIFY(down.isEmpty());

        ScriptedMember primary2(scriptedMemberState(true));
        ScriptedMember closing(scriptedMemberState(false));
        ScriptedMember replica(scriptedMemberState(false));
        closing.setCloseAfterAnswer(true);
        HealthMonitor second(slowSettings({&primary2, &closing, &replica}), &events);
        second.start();
        QTest::qWait(500);
        QCOMPARE(closing.stateRequests(), 1);
        QCOMPARE(primary2.stateRequests(), 1);
    }
};

QTEST_GUILESS_MAIN(TestHealthMonitor)
#include "tst_healthmonitor.moc"
