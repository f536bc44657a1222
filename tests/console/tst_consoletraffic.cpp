// Unit test (offscreen): the console's traffic view on hand-made scrapes of
// the router's per-shard traffic metrics.
//  - TrafficHistory's rate math with exact expected numbers: rates over the
//    interval, reads = read + list, errors of every route class, p99
//    interpolated in its bucket from the buckets' increase (route classes
//    summed), a counter reset, a missed scrape, a shard appearing and
//    vanishing, the window; quantile() against histogram_quantile's rules.
//  - TopologyModel's traffic column and flags: errors/s > 0 or p99 above
//    the threshold flag a shard, with a warning icon and a tooltip saying
//    why; a healthy shard is not flagged.
//  - The QPainter charts: the traffic chart's lines per shard and threshold
//    line, the lag chart's lines per member, round axis steps, and lines
//    actually painted in their colours.
#include <QIcon>
#include <QImage>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <cmath>
#include <limits>

#include "LagChartView.h"
#include "LagHistory.h"
#include "PrometheusScrape.h"
#include "TopologyModel.h"
#include "TrafficChartView.h"
#include "TrafficHistory.h"

namespace {

const double kInf = std::numeric_limits<double>::infinity();

// One route class of one shard: requests, errors and cumulative latency
// counts for le = 0.01, 0.1, 1, +Inf.
struct Route
{
    int shard;
    const char *route;
    double requests;
    double errors;
    QList<double> cumulative;
};

PrometheusScrape scrapeOf(const QList<Route> &routes)
{
    QByteArray text = "# TYPE peacedb_router_shard_requests_total counter\n";
    const QByteArrayList bounds{"0.01", "0.1", "1", "+Inf"};
    for (const Route &route : routes) {
        const QByteArray labels = "shard=\"" + QByteArray::number(route.shard) + "\",route=\"" + route.route + '"';
        text += "peacedb_router_shard_requests_total{" + labels + "} " + QByteArray::number(route.requests) + '\n';
        text += "peacedb_router_shard_errors_total{" + labels + "} " + QByteArray::number(route.errors) + '\n';
        for (int i = 0; i < bounds.size(); ++i) {
            text += "peacedb_router_shard_request_duration_seconds_bucket{" + labels + ",le=\"" + bounds.at(i) + "\"} "
                + QByteArray::number(route.cumulative.value(i)) + '\n';
        }
    }
    // Other families are ignored.
    text += "peacedb_http_requests_total{route=\"write\",code=\"200\"} 99\n";
    const Result<PrometheusScrape> scrape = PrometheusScrape::parse(text);
    if (!scrape.isOk())
        qFatal("%s", qPrintable(scrape.status().message()));
    return scrape.value();
}

QList<Route> quiet(int shard)
{
    return {{shard, "write", 0, 0, {0, 0, 0, 0}}, {shard, "read", 0, 0, {0, 0, 0, 0}}, {shard, "list", 0, 0, {0, 0, 0, 0}}};
}

// `shards` healthy shards of one member each, as /v1/_cluster/status says.
QJsonObject status(int shards)
{
    QJsonArray list;
    for (int shard = 0; shard < shards; ++shard) {
        const QJsonObject primary{{QStringLiteral("member"), 0},
                                  {QStringLiteral("name"), QStringLiteral("shard%1-node0").arg(shard)},
                                  {QStringLiteral("reachable"), true},
                                  {QStringLiteral("role"), QStringLiteral("primary")},
                                  {QStringLiteral("state"), QStringLiteral("InSync")},
                                  {QStringLiteral("lagEntries"), 0},
                                  {QStringLiteral("lagMs"), 0}};
        list.append(QJsonObject{{QStringLiteral("id"), shard},
                                {QStringLiteral("primaryMember"), 0},
                                {QStringLiteral("healthy"), true},
                                {QStringLiteral("members"), QJsonArray{primary}}});
    }
    return QJsonObject{{QStringLiteral("shards"), list}};
}

// Two scrapes 1 s apart: shard 0 wrote 10 documents in 10..100 ms and read
// 5 in under 10 ms; shard 1 failed 2 of 4 writes, all in 0.1..1 s.
TrafficHistory twoShards()
{
    TrafficHistory history;
    history.record(1000, scrapeOf(quiet(0) + quiet(1)));
    history.record(2000, scrapeOf({{0, "write", 10, 0, {0, 10, 10, 10}},
                                   {0, "read", 5, 0, {5, 5, 5, 5}},
                                   {1, "write", 4, 2, {0, 0, 4, 4}}}));
    return history;
}

// How many pixels of `image` have exactly `color`.
int pixelsOf(const QImage &image, const QColor &color)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x)
            count += image.pixelColor(x, y) == color ? 1 : 0;
    }
    return count;
}

} // namespace

class TestConsoleTraffic : public QObject
{
    Q_OBJECT

private slots:
    void quantileLikePrometheus_data()
    {
        QTest::addColumn<double>("q");
        QTest::addColumn<TrafficHistory::Buckets>("buckets");
        QTest::addColumn<double>("expected");
        const TrafficHistory::Buckets spread{{0.01, 50}, {0.1, 90}, {1, 100}, {kInf, 100}};
        QTest::newRow("p99 in the third bucket") << 0.99 << spread << 0.1 + 0.9 * 9.0 / 10.0;
        QTest::newRow("p50 at a bound") << 0.5 << spread << 0.01;
        QTest::newRow("p90 at a bound") << 0.9 << spread << 0.1;
        QTest::newRow("p70 in the second bucket") << 0.7 << spread << 0.01 + 0.09 * 20.0 / 40.0;
        QTest::newRow("first bucket starts at 0") << 0.5 << TrafficHistory::Buckets{{0.01, 100}, {kInf, 100}} << 0.005;
        QTest::newRow("in +Inf: highest finite bound")
            << 0.99 << TrafficHistory::Buckets{{0.01, 10}, {0.1, 10}, {1, 10}, {kInf, 100}} << 1.0;
        QTest::newRow("empty buckets skipped")
            << 0.99 << TrafficHistory::Buckets{{0.01, 0}, {0.1, 0}, {1, 4}, {kInf, 4}} << 0.1 + 0.9 * 3.96 / 4.0;
    }

    void quantileLikePrometheus()
    {
        QFETCH(double, q);
        QFETCH(TrafficHistory::Buckets, buckets);
        QFETCH(double, expected);
        QCOMPARE(TrafficHistory::quantile(q, buckets), expected);
    }

    void quantileOfNothing()
    {
        QVERIFY(std::isnan(TrafficHistory::quantile(0.99, {})));
        QVERIFY(std::isnan(TrafficHistory::quantile(0.99, {{0.01, 0}, {kInf, 0}})));
    }

    void ratesAndP99()
    {
        TrafficHistory history;
        history.record(1000, scrapeOf({{0, "write", 10, 0, {10, 10, 10, 10}}, {0, "read", 5, 1, {5, 5, 5, 5}}, {0, "list", 3, 0, {3, 3, 3, 3}}}));
        QCOMPARE(history.shards(), QList<int>{0});
        QVERIFY(history.points(0).isEmpty()); // a rate needs two scrapes
        QVERIFY(!history.latest(0));

        // 2 s later: +60 writes, +40 reads (30 read, 10 list), +2 errors;
        // the buckets grew by 50 / 90 / 100 / 100 over the route classes.
        const QList<Route> later{{0, "write", 70, 1, {40, 60, 70, 70}},
                                 {0, "read", 35, 2, {25, 35, 35, 35}},
                                 {0, "list", 13, 0, {3, 13, 13, 13}}};
        history.record(3000, scrapeOf(later));
        QCOMPARE(history.points(0).size(), 1);
        const TrafficHistory::Point point = *history.latest(0);
        QCOMPARE(point.timeMs, qint64(3000));
        QCOMPARE(point.writesPerSecond, 30.0);
        QCOMPARE(point.readsPerSecond, 20.0);
        QCOMPARE(point.errorsPerSecond, 1.0);
        QCOMPARE(point.p99Ms, 910.0);

        // Nothing happened: zero rates, no p99.
        history.record(4000, scrapeOf(later));
        QCOMPARE(history.latest(0)->writesPerSecond, 0.0);
        QCOMPARE(history.latest(0)->errorsPerSecond, 0.0);
        QVERIFY(std::isnan(history.latest(0)->p99Ms));
    }

    void counterReset()
    {
        TrafficHistory history;
        history.record(1000, scrapeOf({{0, "write", 500, 7, {400, 500, 500, 500}}}));
        // The router restarted within these 4 s: its counters start again
        // from zero, so what they hold now is the increase.
        history.record(5000, scrapeOf({{0, "write", 8, 2, {0, 8, 8, 8}}}));
        const TrafficHistory::Point point = *history.latest(0);
        QCOMPARE(point.writesPerSecond, 2.0);
        QCOMPARE(point.errorsPerSecond, 0.5);
        QCOMPARE(point.p99Ms, 1000.0 * (0.01 + 0.09 * 7.92 / 8.0));
        // And the next interval is relative to the restarted counters.
        history.record(6000, scrapeOf({{0, "write", 12, 2, {0, 12, 12, 12}}}));
        QCOMPARE(history.latest(0)->writesPerSecond, 4.0);
    }

    void missedScrape()
    {
        TrafficHistory history;
        history.record(1000, scrapeOf({{0, "write", 0, 0, {0, 0, 0, 0}}}));
        // The scrapes at 3000 and 5000 failed: the next covers 6 s.
        history.record(7000, scrapeOf({{0, "write", 60, 3, {60, 60, 60, 60}}}));
        QCOMPARE(history.points(0).size(), 1);
        QCOMPARE(history.latest(0)->writesPerSecond, 10.0);
        QCOMPARE(history.latest(0)->errorsPerSecond, 0.5);
        QCOMPARE(history.latest(0)->p99Ms, 1000.0 * 0.01 * 59.4 / 60.0);
    }

    void shardsComeAndGo()
    {
        TrafficHistory history;
        history.record(1000, scrapeOf(quiet(0)));
        history.record(2000, scrapeOf(quiet(0) + quiet(1)));
        QCOMPARE(history.shards(), (QList<int>{0, 1}));
        QCOMPARE(history.points(0).size(), 1);
        QVERIFY(history.points(1).isEmpty());
        history.record(3000, scrapeOf(quiet(0) + QList<Route>{{1, "write", 5, 0, {5, 5, 5, 5}}}));
        QCOMPARE(history.latest(1)->writesPerSecond, 5.0);
        history.record(4000, scrapeOf(quiet(0)));
        QCOMPARE(history.shards(), QList<int>{0});
        QVERIFY(history.points(1).isEmpty());
        QCOMPARE(history.points(0).size(), 3);
    }

    void window()
    {
        TrafficHistory history(10000);
        for (qint64 t = 0; t <= 20000; t += 2000)
            history.record(t, scrapeOf({{0, "write", double(t / 1000), 0, {0, 0, 0, 0}}}));
        const QList<TrafficHistory::Point> points = history.points(0);
        QCOMPARE(points.size(), 6); // 10000 .. 20000
        QCOMPARE(points.first().timeMs, qint64(10000));
        QCOMPARE(points.last().writesPerSecond, 1.0);
        history.clear();
        QVERIFY(history.shards().isEmpty());
        QVERIFY(history.points(0).isEmpty());
    }

    void topologyFlags()
    {
        TopologyModel model;
        model.applyStatus(status(2));
        QCOMPARE(model.shardIndex(0, TopologyModel::TrafficColumn).data().toString(), QStringLiteral("–"));
        QVERIFY(model.trafficProblems(1).isEmpty());

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setTraffic(twoShards());
        QCOMPARE(changed.count(), 1);
        // Shard 0: rank 0.99 * 15 in the 10..100 ms bucket (5 below it).
        const double p99 = 1000 * (0.01 + (0.1 - 0.01) * (0.99 * 15 - 5) / 10);
        QCOMPARE(model.shardIndex(0, TopologyModel::TrafficColumn).data().toString(),
                 QStringLiteral("10 w/s · 5.0 r/s · p99 %1 ms").arg(p99, 0, 'f', 1));
        QVERIFY(model.trafficProblems(0).isEmpty());
        QVERIFY(model.shardIndex(0, TopologyModel::TrafficColumn).data(Qt::DecorationRole).isNull());
        QVERIFY(!model.shardIndex(0, TopologyModel::NameColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("flagged")));

        // Shard 1: 2 errors/s, and a p99 of 991 ms.
        QCOMPARE(model.trafficProblems(1),
                 (QStringList{QStringLiteral("errors: 2.0/s (requests the shard did not answer or answered 5xx)"),
                              QStringLiteral("p99 latency 991.0 ms is above the 100 ms threshold")}));
        QCOMPARE(model.shardIndex(1, TopologyModel::TrafficColumn).data().toString(),
                 QStringLiteral("4.0 w/s · 0.0 r/s · 2.0 err/s · p99 991.0 ms"));
        QVERIFY(!model.shardIndex(1, TopologyModel::TrafficColumn).data(Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(model.shardIndex(1, TopologyModel::TrafficColumn).data(Qt::BackgroundRole).isValid());
        QCOMPARE(model.shardIndex(1, TopologyModel::NameColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("Shard 1 is flagged:\n") + model.trafficProblems(1).join(QLatin1Char('\n')));
        QCOMPARE(model.shardIndex(1, TopologyModel::TrafficColumn).data(Qt::ToolTipRole).toString(),
                 model.trafficProblems(1).join(QLatin1Char('\n')));

        // A lower threshold flags shard 0's latency too.
        model.setP99ThresholdMs(5);
        QCOMPARE(changed.count(), 2);
        QCOMPARE(model.trafficProblems(0),
                 QStringList{QStringLiteral("p99 latency %1 ms is above the 5 ms threshold").arg(p99, 0, 'f', 1)});
    }

    void tickSteps_data()
    {
        QTest::addColumn<double>("maximum");
        QTest::addColumn<int>("count");
        QTest::addColumn<double>("step");
        QTest::newRow("5 of 100") << 100.0 << 5 << 20.0;
        QTest::newRow("6 of 300 s") << 300.0 << 6 << 50.0;
        QTest::newRow("5 of 1.1") << 1.1 << 5 << 0.5;
        QTest::newRow("5 of 7") << 7.0 << 5 << 2.0;
        QTest::newRow("nothing") << 0.0 << 5 << 1.0;
    }

    void tickSteps()
    {
        QFETCH(double, maximum);
        QFETCH(int, count);
        QFETCH(double, step);
        QCOMPARE(LineChartView::tickStep(maximum, count), step);
    }

    void trafficChart()
    {
        TrafficChartView chart;
        chart.resize(500, 320);
        const TrafficHistory history = twoShards();
        chart.update(history, 2000);
        QCOMPARE(chart.title(), QStringLiteral("writes/s per shard"));
        QCOMPARE(chart.series().size(), 2);
        QCOMPARE(chart.series().at(0).name, QStringLiteral("shard 0"));
        QCOMPARE(chart.series().at(1).points, QList<QPointF>{QPointF(0, 4)});
        QCOMPARE(chart.timeSpan(), 30.0); // at least 30 s
        QCOMPARE(chart.valueMaximum(), 15.0); // 10 * 1.1, rounded up to a step of 5

        chart.setMetric(TrafficChartView::Metric::P99);
        chart.setP99ThresholdMs(250);
        chart.update(history, 3000);
        QCOMPARE(chart.valueTitle(), QStringLiteral("p99 latency (ms)"));
        QCOMPARE(chart.series().at(1).points.size(), 1);
        QCOMPARE(chart.series().at(1).points.first().x(), -1.0);
        QCOMPARE(chart.series().at(1).points.first().y(), 991.0);

        // 10 writes/s for 20 s: a line in shard 0's colour, beside its
        // legend entry (drawn in that colour too).
        TrafficHistory steady;
        steady.record(1000, scrapeOf(quiet(0)));
        steady.record(11000, scrapeOf({{0, "write", 100, 0, {100, 100, 100, 100}}}));
        steady.record(21000, scrapeOf({{0, "write", 200, 0, {200, 200, 200, 200}}}));
        chart.setMetric(TrafficChartView::Metric::Writes);
        chart.update(steady, 21000);
        QCOMPARE(chart.series().first().points, (QList<QPointF>{QPointF(-10, 10), QPointF(0, 10)}));
        const int withLine = pixelsOf(chart.grab().toImage(), LineChartView::color(0));
        chart.setSeries({{chart.series().first().name, chart.series().first().color, {}}});
        const int legendOnly = pixelsOf(chart.grab().toImage(), LineChartView::color(0));
        QVERIFY2(withLine > legendOnly + 50, qPrintable(QStringLiteral("%1 vs %2").arg(withLine).arg(legendOnly)));
    }

    void lagChart()
    {
        LagHistory history;
        history.record(1000, status(2));
        history.record(2000, status(2));
        LagChartView chart;
        chart.resize(400, 300);
        chart.setShard(1);
        chart.setMetric(LagChartView::Metric::Milliseconds);
        chart.update(history, 2000);
        QCOMPARE(chart.title(), QStringLiteral("Shard 1 replication lag"));
        QCOMPARE(chart.valueTitle(), QStringLiteral("lag (ms)"));
        QCOMPARE(chart.series().size(), 1);
        QCOMPARE(chart.series().first().name, QStringLiteral("shard1-node0"));
        QCOMPARE(chart.series().first().points, (QList<QPointF>{QPointF(-1, 0), QPointF(0, 0)}));
    }
};

QTEST_MAIN(TestConsoleTraffic)
#include "tst_consoletraffic.moc"
