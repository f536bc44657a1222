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

// A scripted set watched by a HealthMonitor with the Compose file's timings.
struct Watched
{
    explicit Watched(ScriptedSet &set)
        : monitor(settings(set), &events)
        , down(&monitor, &HealthMonitor::primaryDown)
    {
    }
    static HealthMonitor::Settings settings(const ScriptedSet &set)
    {
        HealthMonitor::Settings settings;
        settings.shards = {set.layout()};
        settings.token = "token";
        settings.intervalMs = 3000;
        settings.failoverTimeoutMs = 5000;
        return settings;
    }
    // Starts polling; true once every member answered and the primary serves.
    bool startHealthy()
    {
        monitor.start();
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 2000) {
            if (monitor.shard(0).hasServingPrimary(monitor.now()) && monitor.shard(0).reachableCount(monitor.now()) == 3)
                return true;
            QTest::qWait(5);
        }
        return false;
    }
    QString recorded() const { return QString::fromUtf8(QJsonDocument(events.since(0, 100)).toJson()); }

    ClusterEvents events;
    HealthMonitor monitor;
    QSignalSpy down;
};

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
        ScriptedSet set;
        Watched watched(set);
        QVERIFY(watched.startHealthy());
        QCOMPARE(set.primary.stateRequests(), 1);

        QElapsedTimer clock;
        clock.start();
        set.primary.die();
        QTRY_VERIFY_WITH_TIMEOUT(!watched.down.isEmpty(), 6000);
        const qint64 elapsedMs = clock.elapsed();
        QVERIFY2(elapsedMs < 1000, qPrintable(QStringLiteral("the promotion was asked for %1 ms after the primary's process ended").arg(elapsedMs)));
        QCOMPARE(watched.down.first().at(0).toInt(), 0);
        QCOMPARE(watched.down.first().at(1).toInt(), 1); // the first of the equally up-to-date replicas
        QVERIFY2(watched.recorded().contains(QLatin1String("refused 2 connections in a row")), qPrintable(watched.recorded()));
    }

    // The primary hands off to member 1 and exits: the closed connection
    // makes the router ask every member, and it learns the new primary
    // instead of promoting another member over it.
    void aPrimaryThatHandedOffAndExitedIsNotReplacedAgain()
    {
        ScriptedSet set;
        Watched watched(set);
        QVERIFY(watched.startHealthy());
        set.replica1.setState(scriptedMemberState(true, 2, 1));
        set.replica2.setState(scriptedMemberState(false, 2, 1));
        set.primary.die();
        QTRY_COMPARE_WITH_TIMEOUT(watched.monitor.shard(0).primary(), 1, 1000);
        QCOMPARE(watched.monitor.shard(0).primaryTerm(), 2);
        QTest::qWait(200);
        QVERIFY2(watched.down.isEmpty(), qPrintable(watched.recorded()));
        QVERIFY(watched.monitor.shard(0).isHealthy(watched.monitor.now()));
    }

    // A primary that closes every connection after answering (its own
    // choice, it is alive) makes the shard be polled again no sooner than
    // kUrgentPollSpacingMs after the last time, not as fast as it answers;
    // a replica doing so is left to the interval.
    void aMemberClosingEveryConnectionIsNotPolledInALoop()
    {
        ScriptedSet set;
        set.primary.setCloseAfterAnswer(true);
        Watched watched(set);
        watched.monitor.start();
        QTest::qWait(1000);
        const int most = 1000 / HealthMonitor::kUrgentPollSpacingMs + 2; // about 20 in a second
        for (const ScriptedMember *member : set.all()) {
            QVERIFY2(member->stateRequests() >= 2 && member->stateRequests() <= most,
                     qPrintable(QString::number(member->stateRequests())));
        }
        QVERIFY(watched.monitor.shard(0).isHealthy(watched.monitor.now()));
        QVERIFY(watched.down.isEmpty());

        ScriptedSet other;
        other.replica1.setCloseAfterAnswer(true);
        Watched second(other);
        second.monitor.start();
        QTest::qWait(500);
        QCOMPARE(other.replica1.stateRequests(), 1);
        QCOMPARE(other.primary.stateRequests(), 1);
    }
};

QTEST_GUILESS_MAIN(TestHealthMonitor)
#include "tst_healthmonitor.moc"
