// Unit test: the pure pieces behind GET /metrics — LatencyHistogram's
// cumulative buckets, PrometheusText's exposition format (HELP/TYPE once per
// family, label escaping, number formats, histogram series) and
// RouteClasses::classify for every route of the API.
#include <QTest>

#include "LatencyHistogram.h"
#include "PrometheusText.h"
#include "RouteClass.h"

Q_DECLARE_METATYPE(RouteClass)

class TestMetricsText : public QObject
{
    Q_OBJECT

private slots:
    void histogramBuckets()
    {
        LatencyHistogram histogram({0.001, 0.01, 0.1});
        for (const double seconds : {0.0005, 0.001, 0.002, 0.05, 0.5, 3.0})
            histogram.observe(seconds);
        QCOMPARE(histogram.count(), qint64(6));
        QCOMPARE(histogram.cumulativeCount(0), qint64(2)); // <= 1 ms: the bound itself included
        QCOMPARE(histogram.cumulativeCount(1), qint64(3));
        QCOMPARE(histogram.cumulativeCount(2), qint64(4));
        QCOMPARE(histogram.cumulativeCount(3), qint64(6)); // +Inf
        QVERIFY(qAbs(histogram.sum() - 3.5535) < 1e-9);
    }

    void familiesAndLabels()
    {
        PrometheusText out;
        out.add(QStringLiteral("a_total"), PrometheusText::Type::Counter, QStringLiteral("Things."), 3,
                {{QStringLiteral("kind"), QStringLiteral("x")}});
        out.add(QStringLiteral("a_total"), PrometheusText::Type::Counter, QStringLiteral("Things."), 4,
                {{QStringLiteral("kind"), QStringLiteral("q\"b\\n\nl")}});
        out.add(QStringLiteral("b"), PrometheusText::Type::Gauge, QStringLiteral("Line\nbreak."), 0.25);
        QCOMPARE(out.text(), QByteArray("# HELP a_total Things.\n"
                                        "# TYPE a_total counter\n"
                                        "a_total{kind=\"x\"} 3\n"
                                        "a_total{kind=\"q\\\"b\\\\n\\nl\"} 4\n"
                                        "# HELP b Line\\nbreak.\n"
                                        "# TYPE b gauge\n"
                                        "b 0.25\n"));
    }

    void numbers()
    {
        QCOMPARE(PrometheusText::formatValue(0), QByteArray("0"));
        QCOMPARE(PrometheusText::formatValue(-7), QByteArray("-7"));
        QCOMPARE(PrometheusText::formatValue(123456789012.0), QByteArray("123456789012"));
        QCOMPARE(PrometheusText::formatValue(0.0005), QByteArray("0.0005"));
        QCOMPARE(PrometheusText::formatValue(1.5), QByteArray("1.5"));
        QCOMPARE(PrometheusText::formatValue(qInf()), QByteArray("+Inf"));
        QCOMPARE(PrometheusText::formatValue(qQNaN()), QByteArray("NaN"));
    }

    void histogramSeries()
    {
        LatencyHistogram histogram({0.005, 0.5});
        histogram.observe(0.001);
        histogram.observe(1);
        PrometheusText out;
        out.addHistogram(QStringLiteral("d_seconds"), QStringLiteral("Latency."), histogram,
                         {{QStringLiteral("route"), QStringLiteral("read")}});
        QCOMPARE(out.text(), QByteArray("# HELP d_seconds Latency.\n"
                                        "# TYPE d_seconds histogram\n"
                                        "d_seconds_bucket{route=\"read\",le=\"0.005\"} 1\n"
                                        "d_seconds_bucket{route=\"read\",le=\"0.5\"} 1\n"
                                        "d_seconds_bucket{route=\"read\",le=\"+Inf\"} 2\n"
                                        "d_seconds_sum{route=\"read\"} 1.001\n"
                                        "d_seconds_count{route=\"read\"} 2\n"));
    }

    void routeClasses_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<RouteClass>("expected");
        const auto row = [](const char *method, const char *path, RouteClass expected) {
            QTest::addRow("%s %s", method, path) << QString::fromLatin1(method) << QString::fromLatin1(path) << expected;
        };
        row("GET", "/v1/db/shop/docs/a", RouteClass::Read);
        row("HEAD", "/v1/db/shop", RouteClass::Read);
        row("GET", "/v1/db/shop", RouteClass::Read);
        row("GET", "/v1/db/shop/_stats", RouteClass::Read);
        row("GET", "/v1/db/shop/_seq", RouteClass::Read);
        row("PUT", "/v1/db/shop/docs/a", RouteClass::Write);
        row("DELETE", "/v1/db/shop/docs/a", RouteClass::Write);
        row("POST", "/v1/db/shop/docs", RouteClass::Write);
        row("POST", "/v1/db/shop/_bulk_docs", RouteClass::Write);
        row("PUT", "/v1/db/shop", RouteClass::Write);
        row("DELETE", "/v1/db/shop", RouteClass::Write);
        row("GET", "/v1/db", RouteClass::List);
        row("GET", "/v1/db/shop/_all_docs", RouteClass::List);
        row("GET", "/v1/db/shop/_changes", RouteClass::List);
        row("POST", "/v1/db/shop/_find/fields", RouteClass::List);
        row("POST", "/v1/db/shop/_find/tags", RouteClass::List);
        row("GET", "/v1/db/shop/_search", RouteClass::List);
        row("POST", "/v1/_replication/replicate", RouteClass::Internal);
        row("GET", "/v1/_replication/state", RouteClass::Internal);
        row("GET", "/healthz", RouteClass::Admin);
        row("GET", "/metrics", RouteClass::Admin);
        row("GET", "/v1/_stats", RouteClass::Admin);
        row("GET", "/v1/_cluster/status", RouteClass::Admin);
        row("POST", "/v1/_admin/kill", RouteClass::Admin);
        row("GET", "/v1/_supervisor/nodes", RouteClass::Admin);
        row("GET", "/", RouteClass::Other);
        row("GET", "/nope", RouteClass::Other);
        row("GET", "/v2/db", RouteClass::Other);
        row("GET", "/v1/db/shop/_unknown", RouteClass::Other);
        row("POST", "/v1/db", RouteClass::Other);
    }

    void routeClasses()
    {
        QFETCH(QString, method);
        QFETCH(QString, path);
        QFETCH(RouteClass, expected);
        const QStringList segments = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
        QCOMPARE(RouteClasses::name(RouteClasses::classify(method, segments)), RouteClasses::name(expected));
    }
};

QTEST_APPLESS_MAIN(TestMetricsText)
#include "tst_metricstext.moc"
