// Reads through the router while a shard has no primary: a 2 x 3 cluster
// run by peacedb-cluster with automatic failover off
// (Sharding.Replication.AutomaticFailover false), so that a primary killed
// with SIGKILL stays without a successor. The surviving members hold every
// committed document: primaryPreferred and nearest read them (marked
// possibly stale, with the answering member's applied term-seq and lag),
// single documents and lists over both shards alike; primary reads, and
// every write, still answer 503 naming the shard. A second router with
// DefaultReadPreference primaryPreferred reads that way when the request
// names no preference.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include "ClusterProcesses.h"
#include "ServerProcess.h"
#include "ShardPlacement.h"
#include "TestHttpClient.h"

namespace {

constexpr int kShards = 2;
constexpr int kDocuments = 24;
constexpr int kVictimShard = 1;
constexpr int kHealthyTimeoutMs = 60000;

const QString kDb = QStringLiteral("reads");

QByteArray json(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray docPath(const QString &id)
{
    return "/v1/db/" + kDb.toUtf8() + "/docs/" + TestHttpClient::encode(id);
}

QString idOf(int n)
{
    return QStringLiteral("doc-%1").arg(n, 3, 10, QLatin1Char('0'));
}

QString describe(const TestHttpResponse &response)
{
    QStringList headers;
    for (auto it = response.headers.cbegin(); it != response.headers.cend(); ++it) {
        if (it.key().startsWith("x-peacedb"))
            headers.append(QString::fromLatin1(it.key() + ": " + it.value()));
    }
    return QStringLiteral("%1 %2 [%3]").arg(response.status).arg(QString::fromUtf8(response.body.left(400)), headers.join(QStringLiteral("; ")));
}

// "<term>-<seq>" entries, one per shard consulted.
bool isAppliedList(const QByteArray &value, int parts)
{
    static const QRegularExpression entry(QStringLiteral("^\\d+-\\d+$"));
    const QByteArrayList list = value.split(',');
    if (list.size() != parts)
        return false;
    for (const QByteArray &part : list) {
        if (!entry.match(QString::fromLatin1(part.trimmed())).hasMatch())
            return false;
    }
    return true;
}

} // namespace

class TestRouterReads : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ClusterProcesses> m_cluster;
    QHash<QString, QString> m_revs; // every committed document: id -> rev
    int m_victim = -1;              // the killed primary of kVictimShard

    ClusterProcesses &cluster() { return *m_cluster; }

    QString failureContext()
    {
        return cluster().describe() + QStringLiteral("\nlauncher:\n") + cluster().output().right(3000);
    }

    QJsonObject memberState(int shard, int member)
    {
        return cluster().request(ClusterProcesses::nodeName(shard, member), "GET", "/v1/_replication/state", {}, 5000).json();
    }

    // A read of every committed document of one shard through `client`
    // (nullptr: the cluster's router) under `preference` (empty: none).
    void checkShardDocuments(int shard, const QByteArray &preference, const QByteArray &consistency, TestHttpClient *client = nullptr)
    {
        for (auto it = m_revs.cbegin(); it != m_revs.cend(); ++it) {
            if (ShardPlacement::shardOf(it.key(), kShards) != shard)
                continue;
            const QByteArray path = docPath(it.key()) + (preference.isEmpty() ? QByteArray() : "?readPreference=" + preference);
            const TestHttpResponse read = client ? client->get(path) : cluster().router("GET", path);
            QVERIFY2(read.status == 200, qPrintable(it.key() + QStringLiteral(": ") + describe(read)));
            QCOMPARE(read.json().value(QStringLiteral("rev")).toString(), it.value());
            QCOMPARE(read.header("X-PeaceDB-Consistency"), consistency);
            QVERIFY2(isAppliedList(read.header("X-PeaceDB-Applied"), 1), qPrintable(describe(read)));
            if (consistency == "possibly-stale") {
                QCOMPARE(read.header("X-PeaceDB-Stale-Shards"), QByteArray::number(shard));
                bool number = false;
                QVERIFY2(read.header("X-PeaceDB-Lag-Ms").toLongLong(&number) >= 0 && number, qPrintable(describe(read)));
            } else {
                QVERIFY2(read.header("X-PeaceDB-Stale-Shards").isEmpty(), qPrintable(describe(read)));
            }
        }
    }

    // The list answers over both shards hold every committed document.
    void checkLists(const QByteArray &preference, const QByteArray &consistency)
    {
        const QByteArray query = "readPreference=" + preference;
        const auto check = [&](const TestHttpResponse &answer, const char *what) {
            QVERIFY2(answer.status == 200, qPrintable(QString::fromLatin1(what) + QStringLiteral(": ") + describe(answer)));
            QCOMPARE(answer.header("X-PeaceDB-Consistency"), consistency);
            QVERIFY2(isAppliedList(answer.header("X-PeaceDB-Applied"), kShards), qPrintable(describe(answer)));
            if (consistency == "possibly-stale") {
                QCOMPARE(answer.header("X-PeaceDB-Stale-Shards"), QByteArray::number(kVictimShard));
                QCOMPARE(answer.header("X-PeaceDB-Lag-Ms").split(',').size(), kShards);
                QCOMPARE(answer.header("X-PeaceDB-Lag-Ms").split(',').first().trimmed(), QByteArray("0"));
            }
        };
        const auto checkItems = [&](const TestHttpResponse &answer) {
            QCOMPARE(answer.json().value(QStringLiteral("total")).toInt(), kDocuments);
            QSet<QString> ids;
            for (const QJsonValue &item : answer.json().value(QStringLiteral("items")).toArray()) {
                const QJsonObject document = item.toObject();
                const QString id = document.value(QStringLiteral("id")).toString();
                QCOMPARE(document.value(QStringLiteral("rev")).toString(), m_revs.value(id));
                ids.insert(id);
            }
            QCOMPARE(ids.size(), kDocuments);
        };

        // Small pages, so that each shard is asked more than once.
        QSet<QString> paged;
        QString after;
        for (int page = 0; page < 10 && paged.size() < kDocuments; ++page) {
            const TestHttpResponse answer = cluster().router(
                "GET", "/v1/db/" + kDb.toUtf8() + "/_all_docs?limit=5&" + query + (after.isEmpty() ? QByteArray() : "&after=" + after.toUtf8()));
            check(answer, "_all_docs");
            for (const QJsonValue &item : answer.json().value(QStringLiteral("items")).toArray())
                paged.insert(after = item.toObject().value(QStringLiteral("id")).toString());
        }
        QCOMPARE(paged.size(), kDocuments);

        TestHttpResponse answer = cluster().router("GET", "/v1/db/" + kDb.toUtf8() + "/_all_docs?" + query);
        check(answer, "_all_docs");
        checkItems(answer);
        answer = cluster().router("POST", "/v1/db/" + kDb.toUtf8() + "/_find/tags?" + query, R"({"allOf":["READ"]})");
        check(answer, "_find/tags");
        checkItems(answer);
        answer = cluster().router("POST", "/v1/db/" + kDb.toUtf8() + "/_find/fields?" + query, R"({"equalsMap":{"kind":"read"}})");
        check(answer, "_find/fields");
        checkItems(answer);
        answer = cluster().router("GET", "/v1/db/" + kDb.toUtf8() + "/_search?q=committed&" + query);
        check(answer, "_search");
        checkItems(answer);
        answer = cluster().router("GET", "/v1/db/" + kDb.toUtf8() + "/_changes?" + query);
        check(answer, "_changes");
        QCOMPARE(answer.json().value(QStringLiteral("results")).toArray().size(), kDocuments);
        answer = cluster().router("GET", "/v1/db/" + kDb.toUtf8() + "/_stats?" + query);
        check(answer, "_stats");
        QCOMPARE(answer.json().value(QStringLiteral("docsAlive")).toInt(), kDocuments);
        answer = cluster().router("GET", "/v1/db/" + kDb.toUtf8() + "/_seq?" + query);
        check(answer, "_seq");
        answer = cluster().router("HEAD", "/v1/db/" + kDb.toUtf8() + "?" + query);
        check(answer, "HEAD");
        answer = cluster().router("GET", "/v1/db?" + query);
        check(answer, "GET /v1/db");
        QVERIFY(answer.json().value(QStringLiteral("items")).toArray().contains(kDb));
    }

private slots:
    void initTestCase()
    {
        ClusterProcesses::Options options;
        options.shards = kShards;
        options.environment = {QStringLiteral("PEACEDB_SHARDING_REPLICATION_AUTOMATIC_FAILOVER=false")};
        m_cluster = std::make_unique<ClusterProcesses>(options);
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->error()));
        QVERIFY2(cluster().waitForHealthy(kHealthyTimeoutMs), qPrintable(failureContext()));
        QCOMPARE(cluster().router("PUT", "/v1/db/" + kDb.toUtf8()).status, 201);
        for (int n = 0; n < kDocuments; ++n) {
            const TestHttpResponse written = cluster().router(
                "PUT", docPath(idOf(n)),
                json({{QStringLiteral("data"), QJsonObject{{QStringLiteral("kind"), QStringLiteral("read")}, {QStringLiteral("n"), n}}},
                      {QStringLiteral("tags"), QJsonArray{QStringLiteral("read")}},
                      {QStringLiteral("content"), QStringLiteral("a committed document")}}));
            QVERIFY2(written.status == 200, qPrintable(describe(written)));
            m_revs.insert(idOf(n), written.json().value(QStringLiteral("rev")).toString());
        }
        int onVictim = 0;
        for (auto it = m_revs.cbegin(); it != m_revs.cend(); ++it)
            onVictim += ShardPlacement::shardOf(it.key(), kShards) == kVictimShard ? 1 : 0;
        QVERIFY2(onVictim > 0 && onVictim < kDocuments, "the documents must span both shards");
    }

    // With every primary up, each preference reads linearizably.
    void everyPreferenceIsLinearizableWithPrimaries()
    {
        for (const QByteArray preference : {QByteArray(), QByteArray("primary"), QByteArray("primaryPreferred"), QByteArray("nearest")}) {
            checkShardDocuments(0, preference, "linearizable");
            checkShardDocuments(kVictimShard, preference, "linearizable");
        }
        checkLists("primaryPreferred", "linearizable");
        const TestHttpResponse bad = cluster().router("GET", docPath(idOf(0)) + "?readPreference=secondary");
        QCOMPARE(bad.status, 400);
        QVERIFY2(bad.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("readPreference")), bad.body.constData());
        QCOMPARE(cluster().router("GET", "/v1/db/" + kDb.toUtf8() + "/_all_docs?readPreference=Nearest").status, 400);
    }

    void killThePrimaryOfAShard()
    {
        m_victim = cluster().primaryOf(kVictimShard);
        QVERIFY2(m_victim >= 0, qPrintable(failureContext()));
        // Every member has applied every acknowledged write (the primary
        // tells its replicas the commit point on its next heartbeat).
        const qint64 commitSeq = memberState(kVictimShard, m_victim).value(QStringLiteral("commitSeq")).toInteger();
        QVERIFY(commitSeq > 0);
        QVERIFY2(cluster().waitUntil([&] {
                     for (int member = 0; member < 3; ++member) {
                         if (memberState(kVictimShard, member).value(QStringLiteral("appliedSeq")).toInteger() < commitSeq)
                             return false;
                     }
                     return true;
                 }, 10000),
                 qPrintable(failureContext()));
        cluster().kill(ClusterProcesses::nodeName(kVictimShard, m_victim));
        QVERIFY2(cluster().waitUntil([&] {
                     const QJsonObject shard = cluster().status().value(QStringLiteral("shards")).toArray().at(kVictimShard).toObject();
                     return !shard.value(QStringLiteral("healthy")).toBool(true)
                         && !shard.value(QStringLiteral("members")).toArray().at(m_victim).toObject().value(QStringLiteral("reachable")).toBool(true);
                 }, 10000),
                 qPrintable(failureContext()));
    }

    void primaryPreferredReadsEveryCommittedDocument()
    {
        QVERIFY(m_victim >= 0);
        checkShardDocuments(kVictimShard, "primaryPreferred", "possibly-stale");
        checkShardDocuments(0, "primaryPreferred", "linearizable");
        checkLists("primaryPreferred", "possibly-stale");
    }

    void nearestReadsToo()
    {
        QVERIFY(m_victim >= 0);
        checkShardDocuments(kVictimShard, "nearest", "possibly-stale");
        checkLists("nearest", "possibly-stale");
    }

    // primary (named or by default) is linearizable or nothing: 503 naming
    // the shard, for a document and for a list that needs that shard.
    void primaryReadsAndWritesAnswer503NamingTheShard()
    {
        QVERIFY(m_victim >= 0);
        QString id;
        for (auto it = m_revs.cbegin(); it != m_revs.cend() && id.isEmpty(); ++it) {
            if (ShardPlacement::shardOf(it.key(), kShards) == kVictimShard)
                id = it.key();
        }
        const QByteArray db = "/v1/db/" + kDb.toUtf8();
        const QByteArrayList paths{docPath(id), docPath(id) + "?readPreference=primary", db + "/_all_docs",
                                   db + "/_changes?readPreference=primary"};
        for (const QByteArray &path : paths) {
            const TestHttpResponse read = cluster().router("GET", path);
            QVERIFY2(read.status == 503, qPrintable(path + ": " + describe(read)));
            QCOMPARE(read.json().value(QStringLiteral("shard")).toInt(-1), kVictimShard);
            QVERIFY2(read.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("shard 1")), read.body.constData());
        }
        // Writes never fall back, whatever the query says.
        const TestHttpResponse write = cluster().router(
            "PUT", docPath(id) + "?readPreference=primaryPreferred",
            json({{QStringLiteral("rev"), m_revs.value(id)}, {QStringLiteral("data"), QJsonObject{{QStringLiteral("n"), -1}}}}));
        QVERIFY2(write.status == 503, qPrintable(describe(write)));
        QCOMPARE(write.json().value(QStringLiteral("shard")).toInt(-1), kVictimShard);
        checkShardDocuments(kVictimShard, "primaryPreferred", "possibly-stale");
    }

    // A router whose DefaultReadPreference is primaryPreferred reads that
    // way when the request names none; a request naming primary still gets
    // 503. A router with a bad default does not start.
    void theRouterDefaultChangesTheDefault()
    {
        QVERIFY(m_victim >= 0);
        QTemporaryDir dir;
        ServerProcess second(dir.path(), {QStringLiteral("--role"), QStringLiteral("router"), QStringLiteral("--config"),
                                          cluster().configPath(), QStringLiteral("--token-file"), cluster().tokenPath()});
        second.setEnvironment({QStringLiteral("PEACEDB_SHARDING_REPLICATION_DEFAULT_READ_PREFERENCE=primaryPreferred"),
                               QStringLiteral("PEACEDB_SHARDING_REPLICATION_AUTOMATIC_FAILOVER=false")});
        QVERIFY2(second.start(30000), qPrintable(second.output()));
        TestHttpClient client(second.port());
        // Until it has heard from every member it knows no member to read from.
        TestHttpResponse health;
        QVERIFY2(cluster().waitUntil([&] { return (health = client.get("/healthz")).status == 200; }, 10000), qPrintable(describe(health)));
        QVERIFY2(cluster().waitUntil([&] { return client.get(docPath(idOf(0))).status == 200; }, 5000), "no answer from the second router");
        checkShardDocuments(kVictimShard, QByteArray(), "possibly-stale", &client);
        checkShardDocuments(0, QByteArray(), "linearizable", &client);
        for (auto it = m_revs.cbegin(); it != m_revs.cend(); ++it) {
            if (ShardPlacement::shardOf(it.key(), kShards) != kVictimShard)
                continue;
            const TestHttpResponse refused = client.get(docPath(it.key()) + "?readPreference=primary");
            QVERIFY2(refused.status == 503, qPrintable(describe(refused)));
            break;
        }
        QCOMPARE(second.terminate(), 0);

        QString output;
        const int code = ServerProcess::runToExit({QStringLiteral("--role"), QStringLiteral("router"), QStringLiteral("--config"),
                                                   cluster().configPath(), QStringLiteral("--token-file"), cluster().tokenPath(),
                                                   QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                                   QStringLiteral("--data"), dir.filePath(QStringLiteral("bad"))},
                                                  &output, 15000,
                                                  {QStringLiteral("PEACEDB_SHARDING_REPLICATION_DEFAULT_READ_PREFERENCE=secondary")});
        QVERIFY2(code != 0, qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral("Sharding.Replication.DefaultReadPreference")), qPrintable(output));
    }

    void cleanupTestCase()
    {
        m_cluster.reset();
    }
};

QTEST_GUILESS_MAIN(TestRouterReads)
#include "tst_routerreads.moc"
