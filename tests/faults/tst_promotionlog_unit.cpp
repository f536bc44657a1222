// PromotionLog: promotions gathered from replication-state events and log
// lines, counted once, and (shard, term) pairs with two primaries reported.
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include "PromotionLog.h"

namespace {

QJsonObject stateEvent(const char *kind, int shard, qint64 term)
{
    return QJsonObject{{QStringLiteral("kind"), QLatin1String(kind)}, {QStringLiteral("shard"), shard},
                       {QStringLiteral("term"), term}};
}

} // namespace

class TestPromotionLog : public QObject
{
    Q_OBJECT

private slots:
    void onePrimaryPerTerm()
    {
        PromotionLog log;
        log.addEvents(QStringLiteral("shard0-node0"), QJsonArray{stateEvent("promoted", 0, 1), stateEvent("lease-lost", 0, 1)});
        log.addLog(QStringLiteral("shard0-node0"),
                   QStringLiteral("2026-11-27T19:00:00.000 INFO shard 0 term 1: promoted\n"));
        log.addLog(QStringLiteral("shard0-node1"), QStringLiteral("x shard 0 term 2: promoted\nx shard 0 term 3: stepped-down\n"));
        log.addEvents(QStringLiteral("shard1-node0"), QJsonArray{stateEvent("promoted", 1, 2)});
        QCOMPARE(log.termCount(), 3);
        QVERIFY(log.violations().isEmpty());
        QCOMPARE(log.describe(), QStringLiteral("shard 0: term 1 shard0-node0; term 2 shard0-node1;\nshard 1: term 2 shard1-node0;"));
    }

    void twoPrimariesInOneTerm()
    {
        PromotionLog log;
        log.addEvents(QStringLiteral("shard0-node2"), QJsonArray{stateEvent("promoted", 0, 4)});
        log.addLog(QStringLiteral("shard0-node0"), QStringLiteral("shard 0 term 4: promoted"));
        QCOMPARE(log.violations(), QStringList{QStringLiteral("shard 0 term 4: shard0-node0, shard0-node2")});
    }
};

QTEST_GUILESS_MAIN(TestPromotionLog)
#include "tst_promotionlog_unit.moc"
