// Process test: the router's per-shard traffic in GET /metrics
// (RouterTraffic) on a real 2-shard cluster of single-member shards, read
// back with PrometheusScrape:
//  - a document write or read counts once on its own shard, under its route
//    class; a 404 is an answer, not an error;
//  - a database create and a list count once on every shard;
//  - the latency histogram's count follows the requests;
//  - once a shard's only member is killed, requests to it are errors of
//    that shard (no answer, then failing fast), and the other shard's
//    counts stay clean.
// Exact counts are taken on shard 1: shard 0 also holds the cluster's own
// "_auth" data, which the router reads by itself.
#include <QTest>

#include "ClusterProcesses.h"
#include "PrometheusScrape.h"
#include "ShardPlacement.h"

namespace {

constexpr int kShards = 2;

QString idOnShard(int shard, const QString &prefix, int *counter)
{
    while (true) {
        const QString id = prefix + QString::number((*counter)++);
        if (ShardPlacement::shardOf(id, kShards) == shard)
            return id;
    }
}

QByteArray docPath(const QString &id)
{
    return "/v1/db/traffic/docs/" + id.toUtf8();
}

} // namespace

class TestRouterTraffic : public QObject
{
    Q_OBJECT

private slots:
    void countsPerShardAndRoute();

private:
    PrometheusScrape scrape(ClusterProcesses &cluster)
    {
        const TestHttpResponse response = cluster.router("GET", "/metrics");
        if (response.status != 200)
            qFatal("/metrics answered %d", response.status);
        Result<PrometheusScrape> parsed = PrometheusScrape::parse(response.body);
        if (!parsed.isOk())
            qFatal("/metrics: %s", qPrintable(parsed.status().message()));
        return std::move(parsed).value();
    }

    static double count(const PrometheusScrape &scrape, const char *name, int shard, const char *route)
    {
        return scrape
            .value(QString::fromLatin1(name), {{QStringLiteral("shard"), QString::number(shard)}, {QStringLiteral("route"), QString::fromLatin1(route)}})
            .value_or(-1);
    }
};

void TestRouterTraffic::countsPerShardAndRoute()
{
    ClusterProcesses::Options options;
    options.shards = kShards;
    options.replicas = 0;
    ClusterProcesses cluster(options);
    QVERIFY2(cluster.start(), qPrintable(cluster.error()));
    QVERIFY2(cluster.waitForHealthy(30000), qPrintable(cluster.describe()));

    const PrometheusScrape before = scrape(cluster);
    for (int shard = 0; shard < kShards; ++shard) {
        for (const char *route : {"read", "list", "write"}) {
            QVERIFY2(count(before, "peacedb_router_shard_requests_total", shard, route) >= 0, route);
            QVERIFY2(count(before, "peacedb_router_shard_errors_total", shard, route) >= 0, route);
            QVERIFY2(count(before, "peacedb_router_shard_request_duration_seconds_count", shard, route) >= 0, route);
        }
    }
    QCOMPARE(count(before, "peacedb_router_shard_requests_total", 1, "write"), 0.0);
    QCOMPARE(count(before, "peacedb_router_shard_requests_total", 1, "read"), 0.0);

    int counter = 0;
    QCOMPARE(cluster.router("PUT", "/v1/db/traffic").status, 201); // every shard: one write each
    for (int i = 0; i < 4; ++i)
        QCOMPARE(cluster.router("PUT", docPath(idOnShard(1, QStringLiteral("one"), &counter)), R"({"data":{}})").status, 200);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(cluster.router("PUT", docPath(idOnShard(0, QStringLiteral("zero"), &counter)), R"({"data":{}})").status, 200);
    const QString present = idOnShard(1, QStringLiteral("read"), &counter);
    QCOMPARE(cluster.router("PUT", docPath(present), R"({"data":{}})").status, 200);
    QCOMPARE(cluster.router("GET", docPath(present)).status, 200);
    QCOMPARE(cluster.router("GET", docPath(idOnShard(1, QStringLiteral("missing"), &counter))).status, 404);
    QCOMPARE(cluster.router("GET", "/v1/db/traffic/_all_docs").status, 200); // every shard: one list each

    const PrometheusScrape after = scrape(cluster);
    QCOMPARE(count(after, "peacedb_router_shard_requests_total", 1, "write"), 1.0 + 4 + 1);
    QCOMPARE(count(after, "peacedb_router_shard_requests_total", 1, "read"), 2.0);
    QCOMPARE(count(after, "peacedb_router_shard_requests_total", 1, "list"),
             count(before, "peacedb_router_shard_requests_total", 1, "list") + 1);
    QCOMPARE(count(after, "peacedb_router_shard_errors_total", 1, "read"), 0.0); // the 404 is an answer
    QCOMPARE(count(after, "peacedb_router_shard_errors_total", 1, "write"), 0.0);
    QCOMPARE(count(after, "peacedb_router_shard_request_duration_seconds_count", 1, "write"), 6.0);
    QCOMPARE(after.value(QStringLiteral("peacedb_router_shard_request_duration_seconds_bucket"),
                         {{QStringLiteral("shard"), QStringLiteral("1")}, {QStringLiteral("route"), QStringLiteral("write")},
                          {QStringLiteral("le"), QStringLiteral("+Inf")}}),
             std::optional<double>(6));
    QCOMPARE(count(after, "peacedb_router_shard_requests_total", 0, "write")
                 - count(before, "peacedb_router_shard_requests_total", 0, "write"),
             1.0 + 3);
    QCOMPARE(count(after, "peacedb_router_shard_requests_total", 0, "list")
                 - count(before, "peacedb_router_shard_requests_total", 0, "list"),
             1.0);

    // Shard 1's only member dies: its requests fail (503 naming the shard),
    // and they are its errors, not shard 0's.
    cluster.kill(ClusterProcesses::nodeName(1, 0));
    const double shard0Errors = count(after, "peacedb_router_shard_errors_total", 0, "write");
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(cluster.router("PUT", docPath(idOnShard(1, QStringLiteral("dead"), &counter)), R"({"data":{}})").status, 503);
        QCOMPARE(cluster.router("GET", docPath(present)).status, 503);
    }
    QCOMPARE(cluster.router("PUT", docPath(idOnShard(0, QStringLiteral("alive"), &counter)), R"({"data":{}})").status, 200);
    const PrometheusScrape killed = scrape(cluster);
    QCOMPARE(count(killed, "peacedb_router_shard_requests_total", 1, "write"), 6.0 + 3);
    QCOMPARE(count(killed, "peacedb_router_shard_errors_total", 1, "write"), 3.0);
    QCOMPARE(count(killed, "peacedb_router_shard_requests_total", 1, "read"), 2.0 + 3);
    QCOMPARE(count(killed, "peacedb_router_shard_errors_total", 1, "read"), 3.0);
    QCOMPARE(count(killed, "peacedb_router_shard_errors_total", 0, "write"), shard0Errors);
}

QTEST_GUILESS_MAIN(TestRouterTraffic)
#include "tst_routertraffic.moc"
