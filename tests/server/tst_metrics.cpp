// Process test: GET /metrics and the log formats of real peacedb-server
// processes.
//
// The answer is parsed as Prometheus text (every sample line, HELP/TYPE once
// per family, contiguous families) and checked to move: request counters and
// latency histograms by route class on a standalone node; on a 3-member
// replica set the primary's role, term, lastSeq/commitSeq, per-member lag
// and leader changes, a replica's role, and a quorum failure once both
// replicas are gone; on a router over that set the shard's health, term,
// members and primary. --log-format json (and PEACEDB_SERVER_LOG_FORMAT)
// make every output line a JSON object with time, level, component, and a
// member's lines carry its shard and term.
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include "ReplicaSetProcesses.h"
#include "ServerProcess.h"
#include "TestHttpClient.h"

namespace {

// Sample name{labels} -> value, e.g. "peacedb_replication_term{shard=\"0\"}".
using Samples = QHash<QString, double>;

// Parses an exposition; on a format error returns false and says why.
bool parseMetrics(const QByteArray &text, Samples *samples, QString *error)
{
    static const QRegularExpression sampleLine(
        QStringLiteral("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})? "
                       "(-?[0-9.e+-]+|\\+Inf|-Inf|NaN)$"));
    static const QRegularExpression commentLine(QStringLiteral("^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$"));
    QSet<QString> typed;
    QSet<QString> finished;
    QString current;
    for (const QByteArray &rawLine : text.split('\n')) {
        const QString line = QString::fromUtf8(rawLine);
        if (line.isEmpty())
            continue;
        const QRegularExpressionMatch comment = commentLine.match(line);
        if (comment.hasMatch()) {
            const QString family = comment.captured(2);
            if (comment.captured(1) == QLatin1String("TYPE")) {
                if (typed.contains(family)) {
                    *error = QStringLiteral("TYPE twice for %1").arg(family);
                    return false;
                }
                typed.insert(family);
            }
            if (family != current) {
                if (!current.isEmpty())
                    finished.insert(current);
                if (finished.contains(family)) {
                    *error = QStringLiteral("family %1 is not contiguous").arg(family);
                    return false;
                }
                current = family;
            }
            continue;
        }
        const QRegularExpressionMatch sample = sampleLine.match(line);
        if (!sample.hasMatch()) {
            *error = QStringLiteral("not a sample line: %1").arg(line);
            return false;
        }
        const QString name = sample.captured(1);
        if (!name.startsWith(current)) {
            *error = QStringLiteral("sample %1 outside its family (%2)").arg(name, current);
            return false;
        }
        samples->insert(name + sample.captured(2), sample.captured(3).toDouble());
    }
    return true;
}

Samples scrape(TestHttpClient &client)
{
    const TestHttpResponse response = client.get("/metrics");
    if (response.status != 200)
        qFatal("/metrics answered %d: %s", response.status, response.body.constData());
    if (!response.header("content-type").startsWith("text/plain; version=0.0.4"))
        qFatal("/metrics content type: %s", response.header("content-type").constData());
    Samples samples;
    QString error;
    if (!parseMetrics(response.body, &samples, &error))
        qFatal("/metrics is not Prometheus text: %s\n%s", qPrintable(error), response.body.constData());
    return samples;
}

Samples scrape(ReplicaSetProcesses &set, int member)
{
    const TestHttpResponse response = set.get(member, "/metrics");
    Samples samples;
    QString error;
    if (response.status != 200 || !parseMetrics(response.body, &samples, &error))
        qFatal("member %d /metrics: %d %s", member, response.status, qPrintable(error));
    return samples;
}

double value(const Samples &samples, const QString &key, double fallback = -1)
{
    return samples.value(key, fallback);
}

// Every non-empty line of `output` is a JSON log object; returns them.
QList<QJsonObject> jsonLines(const QString &output, QString *error)
{
    QList<QJsonObject> lines;
    for (const QString &line : output.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(line.toUtf8(), &parseError);
        if (!document.isObject()) {
            *error = QStringLiteral("not a JSON line: %1").arg(line);
            return {};
        }
        lines.append(document.object());
    }
    return lines;
}

} // namespace

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void standaloneCountsAndLatency();
    void replicaSetAndRouter();
    void jsonLogs();
};

void TestMetrics::standaloneCountsAndLatency()
{
    QTemporaryDir dir;
    ServerProcess server(dir.path());
    QVERIFY2(server.start(), qPrintable(server.output()));
    TestHttpClient client(server.port());

    const Samples before = scrape(client);
    QCOMPARE(value(before, QStringLiteral("peacedb_info{role=\"standalone\",version=\"" PEACEDB_VERSION "\"}")), 1.0);
    QCOMPARE(value(before, QStringLiteral("peacedb_http_request_duration_seconds_count{route=\"write\"}")), 0.0);
    QCOMPARE(value(before, QStringLiteral("peacedb_storage_durable_seq")), 0.0);

    QCOMPARE(client.put("/v1/db/shop").status, 201);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(client.put("/v1/db/shop/docs/d" + QByteArray::number(i), R"({"data":{"n":1}})").status, 200);
    QCOMPARE(client.get("/v1/db/shop/docs/d1").status, 200);
    QCOMPARE(client.get("/v1/db/shop/docs/missing").status, 404);
    QCOMPARE(client.get("/v1/db/shop/_all_docs").status, 200);
    QCOMPARE(client.get("/nowhere").status, 404);

    const Samples after = scrape(client);
    QCOMPARE(value(after, QStringLiteral("peacedb_http_requests_total{route=\"write\",code=\"201\"}")), 1.0);
    QCOMPARE(value(after, QStringLiteral("peacedb_http_requests_total{route=\"write\",code=\"200\"}")), 5.0);
    QCOMPARE(value(after, QStringLiteral("peacedb_http_requests_total{route=\"read\",code=\"200\"}")), 1.0);
    QCOMPARE(value(after, QStringLiteral("peacedb_http_requests_total{route=\"read\",code=\"404\"}")), 1.0);
    QCOMPARE(value(after, QStringLiteral("peacedb_http_requests_total{route=\"list\",code=\"200\"}")), 1.0);
    QCOMPARE(value(after, QStringLiteral("peacedb_http_requests_total{route=\"other\",code=\"404\"}")), 1.0);
    // The first scrape was answered before the second one counted.
    QCOMPARE(value(after, QStringLiteral("peacedb_http_requests_total{route=\"admin\",code=\"200\"}")), 1.0);
    QCOMPARE(value(after, QStringLiteral("peacedb_http_request_duration_seconds_count{route=\"write\"}")), 6.0);
    QCOMPARE(value(after, QStringLiteral("peacedb_http_request_duration_seconds_bucket{route=\"write\",le=\"+Inf\"}")), 6.0);
    QVERIFY(value(after, QStringLiteral("peacedb_http_request_duration_seconds_sum{route=\"write\"}")) > 0);
    QVERIFY(value(after, QStringLiteral("peacedb_http_request_duration_seconds_bucket{route=\"write\",le=\"10\"}"))
            <= 6.0);
    QCOMPARE(value(after, QStringLiteral("peacedb_storage_durable_seq")), 6.0);
    QCOMPARE(value(after, QStringLiteral("peacedb_storage_applied_seq")), 6.0);
    QCOMPARE(value(after, QStringLiteral("peacedb_storage_commit_entries_total")), 6.0);
    QVERIFY(value(after, QStringLiteral("peacedb_resident_memory_bytes")) > 0);
    // Public: no token needed (the client above sent none).
    QVERIFY(!after.contains(QStringLiteral("peacedb_replication_term{shard=\"0\"}")));
}

void TestMetrics::replicaSetAndRouter()
{
    ReplicaSetProcesses::Options options;
    options.writeTimeoutMs = 1500;
    options.failoverTimeoutMs = 3000;
    ReplicaSetProcesses set(options);
    QVERIFY2(set.isValid(), qPrintable(set.error()));
    QVERIFY2(set.start(), qPrintable(set.error()));
    const int primary = set.waitForPrimary();
    QVERIFY2(primary >= 0, qPrintable(set.describe()));
    const int replica = (primary + 1) % 3;
    const QString shard = QStringLiteral("shard=\"0\"");

    const Samples before = scrape(set, primary);
    QCOMPARE(value(before, QStringLiteral("peacedb_replication_role{%1,role=\"primary\"}").arg(shard)), 1.0);
    QCOMPARE(value(before, QStringLiteral("peacedb_replication_role{%1,role=\"replica\"}").arg(shard)), 0.0);
    const double term = value(before, QStringLiteral("peacedb_replication_term{%1}").arg(shard));
    QVERIFY(term >= 1);
    QVERIFY(value(before, QStringLiteral("peacedb_replication_leader_changes_total{%1}").arg(shard)) >= 1);
    QCOMPARE(value(before, QStringLiteral("peacedb_replication_events_total{%1,kind=\"promoted\"}").arg(shard)), 1.0);
    QCOMPARE(value(before, QStringLiteral("peacedb_replication_writable{%1}").arg(shard)), 1.0);
    const double lastSeq = value(before, QStringLiteral("peacedb_replication_last_seq{%1}").arg(shard));

    QCOMPARE(set.request(primary, "PUT", "/v1/db/m").status, 201);
    for (int i = 0; i < 10; ++i)
        QCOMPARE(set.request(primary, "PUT", "/v1/db/m/docs/d" + QByteArray::number(i), R"({"data":{}})").status, 200);
    QVERIFY2(set.waitForConvergence(10000), qPrintable(set.describe()));

    const Samples after = scrape(set, primary);
    QCOMPARE(value(after, QStringLiteral("peacedb_replication_last_seq{%1}").arg(shard)), lastSeq + 11);
    QCOMPARE(value(after, QStringLiteral("peacedb_replication_commit_seq{%1}").arg(shard)), lastSeq + 11);
    QCOMPARE(value(after, QStringLiteral("peacedb_replication_term{%1}").arg(shard)), term);
    QVERIFY(value(after, QStringLiteral("peacedb_http_request_duration_seconds_count{route=\"write\"}")) >= 11);
    QVERIFY(value(after, QStringLiteral("peacedb_http_requests_total{route=\"internal\",code=\"200\"}"), 0) >= 1);
    for (int member = 0; member < 3; ++member) {
        const QString labels = QStringLiteral("%1,member=\"%2\",url=\"%3\"").arg(shard).arg(member).arg(set.url(member));
        const QString lag = QStringLiteral("peacedb_replication_member_lag_entries{%1}").arg(labels);
        if (member == primary) {
            QVERIFY(!after.contains(lag));
            continue;
        }
        QCOMPARE(value(after, lag), 0.0);
        QCOMPARE(value(after, QStringLiteral("peacedb_replication_member_lag_seconds{%1}").arg(labels)), 0.0);
        QCOMPARE(value(after, QStringLiteral("peacedb_replication_member_match_seq{%1}").arg(labels)), lastSeq + 11);
    }

    const Samples replicaSamples = scrape(set, replica);
    QCOMPARE(value(replicaSamples, QStringLiteral("peacedb_replication_role{%1,role=\"replica\"}").arg(shard)), 1.0);
    QCOMPARE(value(replicaSamples, QStringLiteral("peacedb_replication_applied_seq{%1}").arg(shard)), lastSeq + 11);
    QVERIFY(value(replicaSamples, QStringLiteral("peacedb_replication_leader_changes_total{%1}").arg(shard)) >= 1);
    for (const QString &key : replicaSamples.keys())
        QVERIFY2(!key.startsWith(QLatin1String("peacedb_replication_member_")), qPrintable(key));

    // A router over the set: the shard and its members.
    QTemporaryDir routerDir;
    ServerProcess router(routerDir.path(), {QStringLiteral("--role"), QStringLiteral("router"), QStringLiteral("--config"),
                                            set.configPath(), QStringLiteral("--token-file"),
                                            QFileInfo(set.configPath()).dir().filePath(QStringLiteral("token"))});
    QVERIFY2(router.start(), qPrintable(router.output()));
    TestHttpClient routerClient(router.port());
    const QString node = QStringLiteral("%1,member=\"%2\",node=\"shard0-node%2\"").arg(shard);
    Samples routed;
    QVERIFY2(set.waitUntil([&] {
                 routed = scrape(routerClient);
                 return value(routed, QStringLiteral("peacedb_router_shard_healthy{%1}").arg(shard)) == 1.0
                     && value(routed, QStringLiteral("peacedb_router_member_seq{%1}").arg(node.arg(replica))) == lastSeq + 11;
             }, 10000),
             qPrintable(router.output()));
    QCOMPARE(value(routed, QStringLiteral("peacedb_info{role=\"router\",version=\"" PEACEDB_VERSION "\"}")), 1.0);
    QCOMPARE(value(routed, QStringLiteral("peacedb_router_shard_term{%1}").arg(shard)), term);
    QCOMPARE(value(routed, QStringLiteral("peacedb_router_shard_reachable_members{%1}").arg(shard)), 3.0);
    QCOMPARE(value(routed, QStringLiteral("peacedb_router_member_primary{%1}").arg(node.arg(primary))), 1.0);
    QCOMPARE(value(routed, QStringLiteral("peacedb_router_member_primary{%1}").arg(node.arg(replica))), 0.0);
    QCOMPARE(value(routed, QStringLiteral("peacedb_router_member_up{%1}").arg(node.arg(replica))), 1.0);
    QCOMPARE(value(routed, QStringLiteral("peacedb_router_member_lag_entries{%1}").arg(node.arg(replica))), 0.0);
    QCOMPARE(routerClient.get("/v1/db/m/docs/d3").status, 200);
    QCOMPARE(value(scrape(routerClient), QStringLiteral("peacedb_http_requests_total{route=\"read\",code=\"200\"}")), 1.0);

    // Both replicas gone: the next write waits out its timeout (503) and
    // counts as a quorum failure; the router sees the members down.
    set.kill((primary + 1) % 3);
    set.kill((primary + 2) % 3);
    const TestHttpResponse stuck = set.request(primary, "PUT", "/v1/db/m/docs/late", R"({"data":{}})");
    QVERIFY2(stuck.status == 503, qPrintable(QString::fromUtf8(stuck.body) + set.describe() + set.output(primary)));
    const Samples failed = scrape(set, primary);
    QCOMPARE(value(failed, QStringLiteral("peacedb_replication_quorum_failures_total{%1}").arg(shard)), 1.0);
    QCOMPARE(value(failed, QStringLiteral("peacedb_http_requests_total{route=\"write\",code=\"503\"}")), 1.0);
    QVERIFY(value(failed, QStringLiteral("peacedb_replication_member_lag_entries{%1,member=\"%2\",url=\"%3\"}")
                              .arg(shard)
                              .arg(replica)
                              .arg(set.url(replica)))
            >= 1);
    QVERIFY2(set.waitUntil([&] {
                 return value(scrape(routerClient), QStringLiteral("peacedb_router_member_up{%1}").arg(node.arg(replica))) == 0.0;
             }, 10000),
             qPrintable(router.output()));
    // Silent for FailoverTimeoutMs: a member-down event each.
    QVERIFY2(set.waitUntil([&] {
                 return value(scrape(routerClient), QStringLiteral("peacedb_router_events_total{%1,kind=\"member-down\"}").arg(shard), 0)
                     == 2.0;
             }, 10000),
             qPrintable(router.output()));
}

void TestMetrics::jsonLogs()
{
    // A replica set member with --log-format json: its lines carry its shard.
    ReplicaSetProcesses::Options options;
    options.members = 1;
    options.writeQuorum = 1;
    options.extraConfig = QJsonObject{{QStringLiteral("Server"), QJsonObject{{QStringLiteral("LogFormat"), QStringLiteral("json")}}}};
    ReplicaSetProcesses set(options);
    QVERIFY2(set.isValid(), qPrintable(set.error()));
    QVERIFY2(set.start(), qPrintable(set.error()));
    QVERIFY2(set.waitForPrimary() == 0, qPrintable(set.describe()));
    QVERIFY(set.process(0).waitForOutput(QStringLiteral("promoted"), 5000));
    QString error;
    const QList<QJsonObject> lines = jsonLines(set.output(0), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    bool sawPromotion = false;
    for (const QJsonObject &line : lines) {
        QVERIFY(line.value(QStringLiteral("time")).toString().endsWith(QLatin1Char('Z')));
        QVERIFY(!line.value(QStringLiteral("level")).toString().isEmpty());
        QVERIFY(line.value(QStringLiteral("component")).toString().startsWith(QLatin1String("peacedb.")));
        if (line.value(QStringLiteral("component")).toString() == QLatin1String("peacedb.replication")) {
            QCOMPARE(line.value(QStringLiteral("shard")).toInt(-1), 0);
            QVERIFY(line.contains(QStringLiteral("term")));
        }
        if (line.value(QStringLiteral("message")).toString() == QLatin1String("promoted")) {
            sawPromotion = true;
            QCOMPARE(line.value(QStringLiteral("level")).toString(), QStringLiteral("info"));
            QCOMPARE(line.value(QStringLiteral("term")).toInt(), 1);
        }
    }
    QVERIFY2(sawPromotion, qPrintable(set.output(0)));

    // A standalone node with the environment variable; the option wins over it.
    QTemporaryDir dir;
    ServerProcess json(dir.filePath(QStringLiteral("a")));
    json.setEnvironment({QStringLiteral("PEACEDB_SERVER_LOG_FORMAT=json")});
    QVERIFY2(json.start(), qPrintable(json.output()));
    QCOMPARE(json.terminate(), 0);
    const QList<QJsonObject> stopped = jsonLines(json.output(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(stopped.size() >= 3);
    QCOMPARE(stopped.last().value(QStringLiteral("message")).toString().left(15), QStringLiteral("stopped at seq "));

    ServerProcess text(dir.filePath(QStringLiteral("b")), {QStringLiteral("--log-format"), QStringLiteral("text")});
    text.setEnvironment({QStringLiteral("PEACEDB_SERVER_LOG_FORMAT=json")});
    QVERIFY2(text.start(), qPrintable(text.output()));
    QVERIFY(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO peacedb\\.server "))
                .match(text.output())
                .hasMatch());

    QString refused;
    QCOMPARE(ServerProcess::runToExit({QStringLiteral("--log-format"), QStringLiteral("xml")}, &refused), 2);
    QVERIFY2(refused.contains(QLatin1String("Server.LogFormat")), qPrintable(refused));
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
