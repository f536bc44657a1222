// Unit test: PrometheusScrape reads back what PrometheusText writes (names,
// escaped label values, histogram series, +Inf), accepts what other
// exporters write (timestamps, comments, spaces), and refuses a broken
// line with its number.
#include <QTest>

#include <cmath>

#include "LatencyHistogram.h"
#include "PrometheusScrape.h"
#include "PrometheusText.h"

class TestPrometheusScrape : public QObject
{
    Q_OBJECT

private slots:
    void readsWhatPrometheusTextWrites()
    {
        PrometheusText out;
        out.add(QStringLiteral("a_total"), PrometheusText::Type::Counter, QStringLiteral("Things."), 3,
                {{QStringLiteral("kind"), QStringLiteral("q\"b\\n\nl")}, {QStringLiteral("shard"), QStringLiteral("2")}});
        out.add(QStringLiteral("b"), PrometheusText::Type::Gauge, QStringLiteral("Gauge."), 0.25);
        LatencyHistogram histogram({0.01, 0.1});
        for (const double seconds : {0.005, 0.05, 0.05, 7.0})
            histogram.observe(seconds);
        out.addHistogram(QStringLiteral("d_seconds"), QStringLiteral("Durations."), histogram,
                         {{QStringLiteral("route"), QStringLiteral("read")}});

        const Result<PrometheusScrape> scrape = PrometheusScrape::parse(out.text());
        QVERIFY2(scrape.isOk(), qPrintable(scrape.status().message()));
        QCOMPARE(scrape->samples().size(), 2 + 3 + 2);
        const PrometheusScrape::Labels odd{{QStringLiteral("kind"), QStringLiteral("q\"b\\n\nl")}, {QStringLiteral("shard"), QStringLiteral("2")}};
        QCOMPARE(scrape->value(QStringLiteral("a_total"), odd), std::optional<double>(3));
        QCOMPARE(scrape->value(QStringLiteral("b")), std::optional<double>(0.25));
        QCOMPARE(scrape->value(QStringLiteral("b"), {{QStringLiteral("x"), QStringLiteral("y")}}), std::nullopt);
        const QList<PrometheusScrape::Sample> buckets =
            scrape->find(QStringLiteral("d_seconds_bucket"), {{QStringLiteral("route"), QStringLiteral("read")}});
        QCOMPARE(buckets.size(), 3);
        QCOMPARE(buckets.at(0).labels.value(QStringLiteral("le")), QStringLiteral("0.01"));
        QCOMPARE(buckets.at(0).value, 1.0);
        QCOMPARE(buckets.at(1).value, 3.0);
        QCOMPARE(buckets.at(2).labels.value(QStringLiteral("le")), QStringLiteral("+Inf"));
        QCOMPARE(buckets.at(2).value, 4.0);
        QCOMPARE(scrape->find(QStringLiteral("d_seconds_bucket"), {{QStringLiteral("route"), QStringLiteral("write")}}).size(), 0);
        QCOMPARE(scrape->value(QStringLiteral("d_seconds_count"), {{QStringLiteral("route"), QStringLiteral("read")}}),
                 std::optional<double>(4));
    }

    void acceptsOtherWriters()
    {
        const Result<PrometheusScrape> scrape = PrometheusScrape::parse(
            "# a free comment\n"
            "\n"
            "up 1 1700000000000\n"
            "x{a=\"1\" , b=\"\",} -Inf\n"
            "y NaN\n"
            "z 1.5e3\n");
        QVERIFY2(scrape.isOk(), qPrintable(scrape.status().message()));
        QCOMPARE(scrape->value(QStringLiteral("up")), std::optional<double>(1));
        const std::optional<double> x = scrape->value(QStringLiteral("x"), {{QStringLiteral("a"), QStringLiteral("1")},
                                                                            {QStringLiteral("b"), QString()}});
        QVERIFY(x && std::isinf(*x) && *x < 0);
        QVERIFY(std::isnan(scrape->value(QStringLiteral("y")).value_or(0)));
        QCOMPARE(scrape->value(QStringLiteral("z")), std::optional<double>(1500));
    }

    void refusesBrokenLines_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("no value") << QByteArray("ok 1\nbroken\n") << QStringLiteral("metrics line 2: a value (and at most a timestamp) was expected after broken");
        QTest::newRow("not a number") << QByteArray("a twelve\n") << QStringLiteral("metrics line 1: 'twelve' is not a number");
        QTest::newRow("unclosed label") << QByteArray("a{b=\"c} 1\n") << QStringLiteral("metrics line 1: the value of label b is not closed");
        QTest::newRow("unquoted label") << QByteArray("a{b=c} 1\n") << QStringLiteral("metrics line 1: label b has no quoted value");
        QTest::newRow("bad name") << QByteArray("9a 1\n") << QStringLiteral("metrics line 1: a metric name was expected");
        QTest::newRow("too much") << QByteArray("a 1 2 3\n") << QStringLiteral("metrics line 1: a value (and at most a timestamp) was expected after a");
    }

    void refusesBrokenLines()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, message);
        const Result<PrometheusScrape> scrape = PrometheusScrape::parse(text);
        QVERIFY(!scrape.isOk());
        QCOMPARE(scrape.status().message(), message);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusScrape)
#include "tst_prometheusscrape.moc"
