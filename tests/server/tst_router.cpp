// The router and automatic failover with real processes: a 3 x 3 cluster run
// by peacedb-cluster on 127.0.0.1, with the shipped failover settings. The
// client API through the router (scatter-gather over three shards), the
// operator API, SIGKILL and SIGSTOP of primaries under writes, fencing and
// rollback of an old primary, a primary without replicas going read-only,
// an unreachable shard, a router restart and two routers at once.
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

#include "ClusterProcesses.h"
#include "ServerProcess.h"
#include "ShardPlacement.h"
#include "TestHttpClient.h"

namespace {

constexpr int kShards = 3;
// Generous bounds for a loaded 2-core CI machine; the benchmark measures
// the real figures.
constexpr int kFailoverBoundMs = 6000;
constexpr int kHealthyTimeoutMs = 60000;

QByteArray json(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray docPath(const QString &db, const QString &id)
{
    return "/v1/db/" + db.toUtf8() + "/docs/" + TestHttpClient::encode(id);
}

// The next id `prefix-N` (N from *counter on) that the router places on `shard`.
QString idOnShard(int shard, const QString &prefix, int *counter)
{
    while (true) {
        const QString id = QStringLiteral("%1-%2").arg(prefix).arg((*counter)++);
        if (ShardPlacement::shardOf(id, kShards) == shard)
            return id;
    }
}

// Acknowledged writes of one test, and when the first one after a moment came.
struct WriteLog
{
    QHash<QString, QString> acknowledged; // id -> rev
    int refused = 0;
    QStringList refusals;                 // a few of them, for failure messages

    void record(const QString &id, const TestHttpResponse &response)
    {
        if (response.status == 200 || response.status == 201) {
            acknowledged.insert(id, response.json().value(QStringLiteral("rev")).toString());
        } else {
            ++refused;
            if (refusals.size() < 5)
                refusals.append(QStringLiteral("%1 %2").arg(response.status).arg(response.status ? QString::fromUtf8(response.body) : response.error));
        }
    }
};

// Every acknowledged write is readable through the router with its rev.
QString verifyAcknowledged(ClusterProcesses &cluster, const QString &db, const WriteLog &log)
{
    for (auto it = log.acknowledged.cbegin(); it != log.acknowledged.cend(); ++it) {
        const TestHttpResponse read = cluster.router("GET", docPath(db, it.key()));
        if (read.status != 200)
            return QStringLiteral("acknowledged %1 reads %2: %3").arg(it.key()).arg(read.status).arg(QString::fromUtf8(read.body));
        const QString rev = read.json().value(QStringLiteral("rev")).toString();
        if (rev != it.value())
            return QStringLiteral("acknowledged %1 at %2 reads rev %3").arg(it.key(), it.value(), rev);
    }
    return {};
}

int otherMember(int member, int skip)
{
    for (int candidate = 0; candidate < 3; ++candidate) {
        if (candidate != member && candidate != skip)
            return candidate;
    }
    return -1;
}

} // namespace

class TestRouter : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ClusterProcesses> m_cluster;
    int m_counter = 0;

    ClusterProcesses &cluster() { return *m_cluster; }

    QString failureContext()
    {
        return cluster().describe() + QStringLiteral("\nlauncher:\n") + cluster().output().right(3000);
    }

    // Waits until every shard has a writable primary and every member is
    // reachable again (the previous test may have left a node restarting).
    bool healthy()
    {
        return cluster().waitForHealthy(kHealthyTimeoutMs);
    }

    TestHttpResponse write(const QString &db, const QString &id, int n, int timeoutMs = 15000)
    {
        return cluster().router("PUT", docPath(db, id), json({{QStringLiteral("data"), QJsonObject{{QStringLiteral("n"), n}}}}),
                                timeoutMs);
    }

    // A second router of this cluster, with health checks `intervalMs`
    // apart and failing over only after `failoverMs` of silence.
    QStringList slowRouterArguments()
    {
        return {QStringLiteral("--role"), QStringLiteral("router"), QStringLiteral("--config"), cluster().configPath(),
                QStringLiteral("--token-file"), cluster().tokenPath()};
    }
    QStringList slowRouterEnvironment(int intervalMs, int failoverMs)
    {
        return cluster().processEnvironment().toStringList()
            << QStringLiteral("PEACEDB_SHARDING_REPLICATION_HEALTH_CHECK_INTERVAL_MS=%1").arg(intervalMs)
            << QStringLiteral("PEACEDB_SHARDING_REPLICATION_FAILOVER_TIMEOUT_MS=%1").arg(failoverMs);
    }

    // The member that is primary of `shard`, waiting for one; -1 on timeout.
    int waitForPrimary(int shard, int exclude = -1, int timeoutMs = kHealthyTimeoutMs)
    {
        int primary = -1;
        cluster().waitUntil(
            [&] {
                primary = cluster().primaryOf(shard);
                return primary >= 0 && primary != exclude;
            },
            timeoutMs);
        return primary != exclude ? primary : -1;
    }

    // Every event of every live member of `shard` of kind "promoted", as
    // term -> members that became primary in it.
    QHash<qint64, QSet<int>> promotionsByTerm(int shard)
    {
        QHash<qint64, QSet<int>> out;
        for (int member = 0; member < 3; ++member) {
            const TestHttpResponse state =
                cluster().request(ClusterProcesses::nodeName(shard, member), "GET", "/v1/_replication/state", {}, 5000);
            for (const QJsonValue &value : state.json().value(QStringLiteral("events")).toArray()) {
                const QJsonObject event = value.toObject();
                if (event.value(QStringLiteral("kind")).toString() == QLatin1String("promoted"))
                    out[event.value(QStringLiteral("term")).toInteger()].insert(member);
            }
        }
        return out;
    }

private slots:
    void initTestCase()
    {
        m_cluster = std::make_unique<ClusterProcesses>(ClusterProcesses::Options());
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->error()));
        QVERIFY2(healthy(), qPrintable(failureContext()));
        QCOMPARE(cluster().router("PUT", "/v1/db/t").status, 201);
    }

    void cleanupTestCase()
    {
        m_cluster.reset();
    }

    void clientApiWorksAcrossShards()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        QCOMPARE(cluster().router("PUT", "/v1/db/api").status, 201);
        QCOMPARE(cluster().router("PUT", "/v1/db/api").status, 200);
        QCOMPARE(cluster().router("GET", "/v1/db").json().value(QStringLiteral("items")).toArray().contains(QStringLiteral("api")), true);

        // 60 documents, with tags, fields and words; they land on all three shards.
        QSet<int> shardsUsed;
        QStringList ids;
        for (int i = 0; i < 60; ++i) {
            const QString id = QStringLiteral("doc-%1").arg(i, 3, 10, QLatin1Char('0'));
            shardsUsed.insert(ShardPlacement::shardOf(id, kShards));
            ids.append(id);
            const QJsonObject body{{QStringLiteral("data"), QJsonObject{{QStringLiteral("n"), i},
                                                                        {QStringLiteral("kind"), i % 2 ? QStringLiteral("odd") : QStringLiteral("even")},
                                                                        {QStringLiteral("text"), i % 3 ? QStringLiteral("plain words") : QStringLiteral("Привет мир")}}},
                                   {QStringLiteral("tags"), QJsonArray{i % 5 == 0 ? QStringLiteral("five") : QStringLiteral("other")}}};
            const TestHttpResponse put = cluster().router("PUT", docPath(QStringLiteral("api"), id), json(body));
            QVERIFY2(put.status == 200, put.body.constData());
        }
        QCOMPARE(shardsUsed.size(), kShards);

        // Read, update with the right and a stale rev, delete.
        const TestHttpResponse first = cluster().router("GET", docPath(QStringLiteral("api"), QStringLiteral("doc-000")));
        QCOMPARE(first.status, 200);
        const QString rev1 = first.json().value(QStringLiteral("rev")).toString();
        const TestHttpResponse updated = cluster().router(
            "PUT", docPath(QStringLiteral("api"), QStringLiteral("doc-000")),
            json({{QStringLiteral("rev"), rev1}, {QStringLiteral("data"), QJsonObject{{QStringLiteral("n"), 0}, {QStringLiteral("v"), 2}}}}));
        QCOMPARE(updated.status, 200);
        QVERIFY(updated.json().value(QStringLiteral("rev")).toString().startsWith(QLatin1String("2-")));
        QCOMPARE(cluster().router("PUT", docPath(QStringLiteral("api"), QStringLiteral("doc-000")),
                                  json({{QStringLiteral("rev"), rev1}, {QStringLiteral("data"), QJsonObject()}})).status, 409);
        QCOMPARE(cluster().router("GET", docPath(QStringLiteral("api"), QStringLiteral("doc-000")) + "?rev=" + rev1.toUtf8()).status, 200);
        const QString rev59 = cluster().router("GET", docPath(QStringLiteral("api"), QStringLiteral("doc-059"))).json().value(QStringLiteral("rev")).toString();
        QCOMPARE(cluster().router("DELETE", docPath(QStringLiteral("api"), QStringLiteral("doc-059")) + "?rev=" + rev59.toUtf8()).status, 200);
        QCOMPARE(cluster().router("GET", docPath(QStringLiteral("api"), QStringLiteral("doc-059"))).status, 404);

        // POST generates an id and answers 201 with Location.
        const TestHttpResponse posted = cluster().router("POST", "/v1/db/api/docs", json({{QStringLiteral("data"), QJsonObject{{QStringLiteral("posted"), true}}}}));
        QCOMPARE(posted.status, 201);
        const QString postedId = posted.json().value(QStringLiteral("id")).toString();
        QCOMPARE(posted.header("Location"), "/v1/db/api/docs/" + postedId.toUtf8());
        QCOMPARE(cluster().router("GET", docPath(QStringLiteral("api"), postedId)).status, 200);
        QCOMPARE(cluster().router("DELETE", docPath(QStringLiteral("api"), postedId) + "?rev=" +
                                  posted.json().value(QStringLiteral("rev")).toString().toUtf8()).status, 200);

        // _bulk_docs spans shards and answers in request order.
        QJsonArray bulk;
        for (int i = 0; i < 12; ++i)
            bulk.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("bulk-%1").arg(i)}, {QStringLiteral("data"), QJsonObject{{QStringLiteral("i"), i}}}});
        bulk.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("doc-001")}, {QStringLiteral("data"), QJsonObject()}}); // exists: 409
        const TestHttpResponse bulkReply = cluster().router("POST", "/v1/db/api/_bulk_docs", json({{QStringLiteral("docs"), bulk}}));
        QCOMPARE(bulkReply.status, 200);
        const QJsonArray results = bulkReply.json().value(QStringLiteral("results")).toArray();
        QCOMPARE(results.size(), 13);
        for (int i = 0; i < 12; ++i) {
            QCOMPARE(results.at(i).toObject().value(QStringLiteral("id")).toString(), QStringLiteral("bulk-%1").arg(i));
            QVERIFY(results.at(i).toObject().contains(QStringLiteral("rev")));
        }
        QCOMPARE(results.at(12).toObject().value(QStringLiteral("status")).toInt(), 409);

        // _all_docs: sorted by id over all shards, and skip/limit pages equal
        // the slices of the whole list; `after` pages the same way.
        QStringList all;
        const TestHttpResponse everything = cluster().router("GET", "/v1/db/api/_all_docs?limit=1000");
        QCOMPARE(everything.status, 200);
        for (const QJsonValue &item : everything.json().value(QStringLiteral("items")).toArray())
            all.append(item.toObject().value(QStringLiteral("id")).toString());
        QCOMPARE(everything.json().value(QStringLiteral("total")).toInt(), all.size());
        QStringList sorted = all;
        std::sort(sorted.begin(), sorted.end());
        QCOMPARE(all, sorted);
        QVERIFY(all.contains(QStringLiteral("doc-059"))); // tombstones are listed by default
        QCOMPARE(all.size(), 60 + 12 + 1); // and the posted, deleted one
        for (int skip : {0, 7, 30, 70}) {
            const TestHttpResponse page = cluster().router("GET", "/v1/db/api/_all_docs?limit=9&skip=" + QByteArray::number(skip));
            QStringList got;
            for (const QJsonValue &item : page.json().value(QStringLiteral("items")).toArray())
                got.append(item.toObject().value(QStringLiteral("id")).toString());
            QCOMPARE(got, all.mid(skip, 9));
        }
        QStringList keyset;
        QString after;
        for (int guard = 0; guard < 20; ++guard) {
            QByteArray path = "/v1/db/api/_all_docs?limit=10";
            if (!after.isEmpty())
                path += "&after=" + TestHttpClient::encode(after);
            const QJsonArray items = cluster().router("GET", path).json().value(QStringLiteral("items")).toArray();
            if (items.isEmpty())
                break;
            for (const QJsonValue &item : items)
                keyset.append(item.toObject().value(QStringLiteral("id")).toString());
            after = keyset.last();
        }
        QCOMPARE(keyset, all);

        // _find/fields, _find/tags and _search gather from every shard.
        const TestHttpResponse odd = cluster().router("POST", "/v1/db/api/_find/fields",
                                                      json({{QStringLiteral("equalsMap"), QJsonObject{{QStringLiteral("kind"), QStringLiteral("odd")}}},
                                                            {QStringLiteral("limit"), 1000}}));
        QCOMPARE(odd.status, 200);
        QCOMPARE(odd.json().value(QStringLiteral("items")).toArray().size(), 29); // doc-059 is deleted
        const TestHttpResponse range = cluster().router("POST", "/v1/db/api/_find/fields",
                                                        json({{QStringLiteral("numericField"), QStringLiteral("n")}, {QStringLiteral("min"), 10},
                                                              {QStringLiteral("max"), 19}, {QStringLiteral("limit"), 1000}}));
        QCOMPARE(range.json().value(QStringLiteral("items")).toArray().size(), 10);
        const TestHttpResponse five = cluster().router("POST", "/v1/db/api/_find/tags",
                                                       json({{QStringLiteral("allOf"), QJsonArray{QStringLiteral("five")}}, {QStringLiteral("limit"), 1000}}));
        QCOMPARE(five.json().value(QStringLiteral("items")).toArray().size(), 11); // doc-000 lost its tag in the update
        // Tags compare ignoring case on every shard, as in the original PeaceDatabase.
        const TestHttpResponse upperFive = cluster().router("POST", "/v1/db/api/_find/tags",
                                                            json({{QStringLiteral("allOf"), QJsonArray{QStringLiteral(" FIVE ")}}, {QStringLiteral("limit"), 1000}}));
        QCOMPARE(upperFive.json().value(QStringLiteral("items")).toArray(), five.json().value(QStringLiteral("items")).toArray());
        const TestHttpResponse notFive = cluster().router("POST", "/v1/db/api/_find/tags",
                                                          json({{QStringLiteral("noneOf"), QJsonArray{QStringLiteral("Five")}},
                                                                {QStringLiteral("anyOf"), QJsonArray{QStringLiteral("OTHER")}}, {QStringLiteral("limit"), 1000}}));
        QCOMPARE(notFive.json().value(QStringLiteral("total")).toInt(), 47); // 48 tagged "other", doc-059 deleted
        const TestHttpResponse search = cluster().router("GET", "/v1/db/api/_search?limit=1000&q=" + TestHttpClient::encode(QStringLiteral("привет")));
        QCOMPARE(search.status, 200);
        QCOMPARE(search.json().value(QStringLiteral("items")).toArray().size(), 19); // not doc-000 since its update
        QStringList searchIds;
        for (const QJsonValue &item : search.json().value(QStringLiteral("items")).toArray())
            searchIds.append(item.toObject().value(QStringLiteral("id")).toString());
        QStringList searchSorted = searchIds;
        std::sort(searchSorted.begin(), searchSorted.end());
        QCOMPARE(searchIds, searchSorted);

        // _changes: paging with the returned cursor sees every document once.
        QSet<QString> changed;
        QString since = QStringLiteral("0");
        for (int guard = 0; guard < 50; ++guard) {
            const TestHttpResponse page = cluster().router("GET", "/v1/db/api/_changes?limit=7&since=" + TestHttpClient::encode(since));
            QCOMPARE(page.status, 200);
            const QJsonArray rows = page.json().value(QStringLiteral("results")).toArray();
            for (const QJsonValue &row : rows) {
                const QString id = row.toObject().value(QStringLiteral("id")).toString();
                QVERIFY2(!changed.contains(id), qPrintable(id));
                changed.insert(id);
            }
            const QJsonValue last = page.json().value(QStringLiteral("lastSeq"));
            since = last.isString() ? last.toString() : QString::number(last.toInteger());
            if (rows.isEmpty())
                break;
        }
        QCOMPARE(changed.size(), all.size());

        // _stats adds the shards up.
        const QJsonObject stats = cluster().router("GET", "/v1/db/api/_stats").json();
        QCOMPARE(stats.value(QStringLiteral("docsTotal")).toInt(), all.size());
        QCOMPARE(stats.value(QStringLiteral("docsDeleted")).toInt(), 2);

        QCOMPARE(cluster().router("DELETE", "/v1/db/api").status, 200);
        QCOMPARE(cluster().router("GET", "/v1/db/api/_stats").status, 404);
    }

    void operatorEndpointsNeedTheToken()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        TestHttpClient anonymous(cluster().routerPort());
        QCOMPARE(anonymous.get("/v1/_cluster/status").status, 401);
        QCOMPARE(anonymous.get("/v1/_cluster/events").status, 401);
        const int primary = cluster().primaryOf(0);
        const qint64 term = cluster().status().value(QStringLiteral("shards")).toArray().at(0).toObject().value(QStringLiteral("term")).toInteger();
        QCOMPARE(anonymous.post("/v1/_cluster/shards/0/promote", json({{QStringLiteral("node"), (primary + 1) % 3}})).status, 401);
        QCOMPARE(anonymous.post("/v1/_cluster/shards/0/stepdown", {}).status, 401);
        QCOMPARE(anonymous.post("/v1/_cluster/nodes/shard0-node1/kill", {}).status, 401);
        const TestHttpClient::Headers wrong{{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer not-the-token-at-all")}};
        QCOMPARE(anonymous.request("POST", "/v1/_cluster/shards/0/stepdown", {}, wrong).status, 401);
        cluster().sleep(300);
        QCOMPARE(cluster().primaryOf(0), primary);
        QCOMPARE(cluster().status().value(QStringLiteral("shards")).toArray().at(0).toObject().value(QStringLiteral("term")).toInteger(), term);
        for (int member = 0; member < 3; ++member)
            QVERIFY(cluster().pid(ClusterProcesses::nodeName(0, member)) > 0);
        // Bad requests change nothing either.
        QCOMPARE(cluster().router("POST", "/v1/_cluster/shards/7/promote", json({{QStringLiteral("node"), 0}})).status, 404);
        QCOMPARE(cluster().router("POST", "/v1/_cluster/shards/0/promote", json({{QStringLiteral("node"), 9}})).status / 100, 4);
        QCOMPARE(cluster().router("POST", "/v1/_cluster/nodes/shard9-node0/kill", {}).status, 404);
        QCOMPARE(cluster().primaryOf(0), primary);
    }

    void operatorPromotesAndStepsDown()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        const int primary = waitForPrimary(0);
        const int target = (primary + 1) % 3;
        const int third = otherMember(primary, target);
        const qint64 term = cluster().status().value(QStringLiteral("shards")).toArray().at(0).toObject().value(QStringLiteral("term")).toInteger();

        // A replica the router cannot reach is refused.
        cluster().pause(ClusterProcesses::nodeName(0, third));
        QVERIFY(cluster().waitUntil([&] {
            const QJsonObject member = cluster().status().value(QStringLiteral("shards")).toArray().at(0).toObject()
                                           .value(QStringLiteral("members")).toArray().at(third).toObject();
            return !member.value(QStringLiteral("reachable")).toBool();
        }, 10000));
        const TestHttpResponse unreachable = cluster().router("POST", "/v1/_cluster/shards/0/promote", json({{QStringLiteral("node"), third}}));
        QCOMPARE(unreachable.status, 409);
        QVERIFY2(unreachable.body.contains("not reachable"), unreachable.body.constData());
        cluster().resume(ClusterProcesses::nodeName(0, third));

        // A caught-up replica is promoted with a higher term.
        QVERIFY2(healthy(), qPrintable(failureContext()));
        const TestHttpResponse promoted = cluster().router("POST", "/v1/_cluster/shards/0/promote",
                                                           json({{QStringLiteral("node"), ClusterProcesses::nodeName(0, target)}}), 20000);
        QVERIFY2(promoted.status == 200, promoted.body.constData());
        QVERIFY(promoted.json().value(QStringLiteral("term")).toInteger() > term);
        QCOMPARE(waitForPrimary(0, primary), target);
        int counter = 0;
        QCOMPARE(write(QStringLiteral("t"), idOnShard(0, QStringLiteral("promote"), &counter), 1).status, 200);

        // Step-down hands the shard to another member.
        const TestHttpResponse stepped = cluster().router("POST", "/v1/_cluster/shards/0/stepdown", {}, 20000);
        QVERIFY2(stepped.status == 200, stepped.body.constData());
        QCOMPARE(stepped.json().value(QStringLiteral("steppedDown")).toInt(), target);
        const int next = waitForPrimary(0, target);
        QVERIFY2(next >= 0, qPrintable(failureContext()));
        QCOMPARE(write(QStringLiteral("t"), idOnShard(0, QStringLiteral("promote"), &counter), 2).status, 200);

        QStringList kinds;
        for (const QJsonValue &event : cluster().events())
            kinds.append(event.toObject().value(QStringLiteral("kind")).toString());
        QVERIFY2(kinds.contains(QStringLiteral("promoted")) && kinds.contains(QStringLiteral("stepped-down")), qPrintable(kinds.join(u' ')));
    }

    void sigkillOfAPrimaryUnderWritesFailsOverAndLosesNothing()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        const int shard = 1;
        const int primary = waitForPrimary(shard);
        const QString victim = ClusterProcesses::nodeName(shard, primary);
        const qint64 eventsBefore = cluster().events().isEmpty() ? 0 : cluster().events().last().toObject().value(QStringLiteral("id")).toInteger();

        WriteLog log;
        QElapsedTimer clock;
        clock.start();
        qint64 killedAt = -1;
        qint64 firstAckAfterKill = -1;
        int ackedAfterKill = 0;
        for (int n = 0; clock.elapsed() < 60000; ++n) {
            if (killedAt < 0 && log.acknowledged.size() >= 40) {
                killedAt = clock.elapsed(); // kill() waits until the process is gone
                cluster().kill(victim);
            }
            const QString id = idOnShard(shard, QStringLiteral("kill"), &m_counter);
            const TestHttpResponse response = write(QStringLiteral("t"), id, n);
            log.record(id, response);
            if (killedAt >= 0 && (response.status == 200)) {
                if (firstAckAfterKill < 0)
                    firstAckAfterKill = clock.elapsed();
                if (++ackedAfterKill >= 40)
                    break;
            }
            if (response.status != 200)
                QTest::qWait(10);
        }
        QVERIFY2(killedAt >= 0, qPrintable(log.refusals.join(u'\n')));
        QVERIFY2(firstAckAfterKill >= 0, qPrintable(failureContext()));
        const qint64 outage = firstAckAfterKill - killedAt;
        qInfo("SIGKILL of %s: first acknowledged write %lld ms after the kill (%d acknowledged, %d refused)",
              qPrintable(victim), outage, int(log.acknowledged.size()), log.refused);
        QVERIFY2(outage < kFailoverBoundMs, qPrintable(QString::number(outage)));
        const QString lost = verifyAcknowledged(cluster(), QStringLiteral("t"), log);
        QVERIFY2(lost.isEmpty(), qPrintable(lost));

        QStringList kinds;
        for (const QJsonValue &event : cluster().events(eventsBefore)) {
            if (event.toObject().value(QStringLiteral("shard")).toInt() == shard)
                kinds.append(event.toObject().value(QStringLiteral("kind")).toString());
        }
        for (const char *kind : {"detected", "candidate", "promoted", "first-write"})
            QVERIFY2(kinds.contains(QLatin1String(kind)), qPrintable(kinds.join(u' ')));

        // The router reports the dead member Offline, behind by at least
        // the writes since, and for at least as long as it has been silent.
        QJsonObject dead;
        qint64 silentMs = 0;
        QVERIFY2(cluster().waitUntil([&] {
            silentMs = clock.elapsed() - killedAt;
            dead = cluster().status().value(QStringLiteral("shards")).toArray().at(shard).toObject()
                       .value(QStringLiteral("members")).toArray().at(primary).toObject();
            return dead.value(QStringLiteral("lagEntries")).toInteger() >= ackedAfterKill;
        }, 5000), qPrintable(QString::fromUtf8(json(dead))));
        QCOMPARE(dead.value(QStringLiteral("state")).toString(), QStringLiteral("Offline"));
        // The new primary never heard from it in its term: lag unknown, not 0.
        const int next = waitForPrimary(shard, primary);
        const QJsonObject view = cluster().request(ClusterProcesses::nodeName(shard, next), "GET", "/v1/_replication/state")
                                     .json().value(QStringLiteral("members")).toArray().at(primary).toObject();
        QVERIFY2(view.value(QStringLiteral("lagEntries")).isNull() && view.value(QStringLiteral("matchSeq")).isNull(),
                 qPrintable(QString::fromUtf8(json(view))));
        QVERIFY2(dead.value(QStringLiteral("lagMs")).toInteger() >= silentMs,
                 qPrintable(QStringLiteral("silent for %1 ms: %2").arg(silentMs).arg(QString::fromUtf8(json(dead)))));

        // The killed node stays down until started again, then catches up.
        QCOMPARE(cluster().pid(victim), 0);
        QString error;
        QVERIFY2(cluster().startProcess(victim, &error), qPrintable(error));
        QVERIFY2(healthy(), qPrintable(failureContext()));
        QVERIFY2(cluster().waitUntil([&] {
            const QJsonArray members = cluster().status().value(QStringLiteral("shards")).toArray().at(shard).toObject()
                                           .value(QStringLiteral("members")).toArray();
            const qint64 seq = members.at(0).toObject().value(QStringLiteral("seq")).toInteger();
            for (const QJsonValue &member : members) {
                if (member.toObject().value(QStringLiteral("seq")).toInteger() != seq
                    || member.toObject().value(QStringLiteral("commitSeq")).toInteger() != seq)
                    return false;
            }
            return true;
        }, 30000), qPrintable(failureContext()));
    }

    void sigstopOfAPrimaryFailsOverAndTheOldOneRollsBack()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        const int shard = 2;
        const int old = waitForPrimary(shard);
        const QString oldName = ClusterProcesses::nodeName(shard, old);
        const QStringList replicas{ClusterProcesses::nodeName(shard, (old + 1) % 3), ClusterProcesses::nodeName(shard, (old + 2) % 3)};
        int counter = 0;
        QCOMPARE(write(QStringLiteral("t"), idOnShard(shard, QStringLiteral("stop"), &counter), 0).status, 200);

        // Cut the primary off its replicas, then hand it a write it can
        // append but never commit. (Killed, not paused: a paused replica
        // would still find the append in its socket buffer when it resumes.)
        for (const QString &replica : replicas)
            cluster().kill(replica);
        const QJsonObject before = cluster().request(oldName, "GET", "/v1/_replication/state").json();
        const QString tailId = idOnShard(shard, QStringLiteral("tail"), &counter);
        TestHttpClient direct(cluster().port(oldName));
        QVERIFY(direct.send(direct.requestBytes("PUT", docPath(QStringLiteral("t"), tailId),
                                                json({{QStringLiteral("data"), QJsonObject{{QStringLiteral("tail"), true}}}}))));
        QVERIFY2(cluster().waitUntil([&] {
            return cluster().request(oldName, "GET", "/v1/_replication/state").json().value(QStringLiteral("lastSeq")).toInteger()
                   > before.value(QStringLiteral("lastSeq")).toInteger();
        }, 5000), "the old primary did not append the write");

        // Now the primary stops and its replicas come back: they elect one.
        cluster().pause(oldName);
        QString error;
        for (const QString &replica : replicas)
            QVERIFY2(cluster().startProcess(replica, &error), qPrintable(error));
        QElapsedTimer clock;
        clock.start();
        const int next = waitForPrimary(shard, old, 30000);
        QVERIFY2(next >= 0, qPrintable(failureContext()));
        qInfo("SIGSTOP of %s: member %d is primary %lld ms after the replicas were back", qPrintable(oldName), next, clock.elapsed());
        QVERIFY2(clock.elapsed() < kFailoverBoundMs, qPrintable(QString::number(clock.elapsed())));
        WriteLog log;
        for (int i = 0; i < 5; ++i) {
            const QString id = idOnShard(shard, QStringLiteral("stop"), &counter);
            log.record(id, write(QStringLiteral("t"), id, i));
        }
        QCOMPARE(log.acknowledged.size(), 5);

        // The old primary wakes up: it is fenced by the higher term, steps
        // down, drops its unacknowledged tail and catches up.
        cluster().resume(oldName);
        QJsonObject state;
        QVERIFY2(cluster().waitUntil([&] {
            state = cluster().request(oldName, "GET", "/v1/_replication/state").json();
            const QJsonObject primaryState = cluster().request(ClusterProcesses::nodeName(shard, next), "GET", "/v1/_replication/state").json();
            return state.value(QStringLiteral("role")).toString() == QLatin1String("replica")
                   && state.value(QStringLiteral("rolledBack")).toInteger() >= 1
                   && state.value(QStringLiteral("lastSeq")) == primaryState.value(QStringLiteral("lastSeq"))
                   && state.value(QStringLiteral("commitSeq")) == primaryState.value(QStringLiteral("commitSeq"));
        }, 30000), qPrintable(QString::fromUtf8(json(state)) + failureContext()));

        const TestHttpResponse tailAnswer = direct.receive(false, 20000);
        QVERIFY2(tailAnswer.status != 200, tailAnswer.body.constData());
        QCOMPARE(cluster().router("GET", docPath(QStringLiteral("t"), tailId)).status, 404);
        const QString lost = verifyAcknowledged(cluster(), QStringLiteral("t"), log);
        QVERIFY2(lost.isEmpty(), qPrintable(lost));
        QVERIFY2(cluster().waitUntil([&] {
            for (const QJsonValue &event : cluster().events()) {
                if (event.toObject().value(QStringLiteral("kind")).toString() == QLatin1String("rolled-back")
                    && event.toObject().value(QStringLiteral("shard")).toInt() == shard)
                    return true;
            }
            return false;
        }, 10000), "the router recorded no rolled-back event");
    }

    void primaryWithBothReplicasPausedStopsAcknowledging()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        const int shard = 0;
        const int primary = waitForPrimary(shard);
        const qint64 failoverTimeoutMs = cluster().status().value(QStringLiteral("failoverTimeoutMs")).toInteger();
        const QStringList replicas{ClusterProcesses::nodeName(shard, (primary + 1) % 3), ClusterProcesses::nodeName(shard, (primary + 2) % 3)};
        int counter = 0;
        for (const QString &replica : replicas)
            cluster().pause(replica);
        QElapsedTimer clock;
        clock.start();
        // Nothing is acknowledged while the replicas are away...
        WriteLog log;
        while (clock.elapsed() < failoverTimeoutMs + 1500) {
            const QString id = idOnShard(shard, QStringLiteral("alone"), &counter);
            QElapsedTimer request;
            request.start();
            const TestHttpResponse response = write(QStringLiteral("t"), id, 0, 20000);
            log.record(id, response);
            // ...and once the lease is gone (FailoverTimeoutMs), refusals are prompt.
            if (clock.elapsed() - request.elapsed() > failoverTimeoutMs + 200)
                QVERIFY2(request.elapsed() < 2000, qPrintable(QStringLiteral("a write took %1 ms").arg(request.elapsed())));
            QVERIFY2(response.status == 503, qPrintable(QStringLiteral("%1 %2").arg(response.status).arg(QString::fromUtf8(response.body))));
        }
        QVERIFY(log.acknowledged.isEmpty());
        const QJsonObject state = cluster().request(ClusterProcesses::nodeName(shard, primary), "GET", "/v1/_replication/state").json();
        QCOMPARE(state.value(QStringLiteral("writable")).toBool(), false);
        for (const QString &replica : replicas)
            cluster().resume(replica);
        QVERIFY2(healthy(), qPrintable(failureContext()));
        QVERIFY2(cluster().waitUntil([&] {
            return write(QStringLiteral("t"), idOnShard(shard, QStringLiteral("alone"), &counter), 1).status == 200;
        }, 20000), qPrintable(failureContext()));
    }

    void anUnreachableShardIsA503NamingIt()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        const int shard = 1;
        for (int member = 0; member < 3; ++member)
            cluster().pause(ClusterProcesses::nodeName(shard, member));
        // Once the router has given up on the shard, lists fail fast and say which shard.
        QElapsedTimer clock;
        clock.start();
        TestHttpResponse list;
        QVERIFY2(cluster().waitUntil([&] {
            list = cluster().router("GET", "/v1/db/t/_all_docs?limit=5", {}, 20000);
            return list.status == 503;
        }, 20000), list.body.constData());
        QVERIFY2(list.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("shard 1")), list.body.constData());
        QCOMPARE(list.json().value(QStringLiteral("shard")).toInt(), shard);
        int counter = 0;
        const TestHttpResponse read = cluster().router("GET", docPath(QStringLiteral("t"), idOnShard(shard, QStringLiteral("kill"), &counter)), {}, 20000);
        QCOMPARE(read.status, 503);
        // Other shards still serve their own documents.
        const QString elsewhere = idOnShard(2, QStringLiteral("elsewhere"), &counter);
        QCOMPARE(write(QStringLiteral("t"), elsewhere, 1).status, 200);
        for (int member = 0; member < 3; ++member)
            cluster().resume(ClusterProcesses::nodeName(shard, member));
        QVERIFY2(healthy(), qPrintable(failureContext()));
        QVERIFY2(cluster().waitUntil([&] { return cluster().router("GET", "/v1/db/t/_all_docs?limit=5").status == 200; }, 20000),
                 qPrintable(failureContext()));
    }

    void aRestartedRouterLosesNothing()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        WriteLog log;
        QElapsedTimer clock;
        clock.start();
        bool restarted = false;
        for (int n = 0; clock.elapsed() < 60000 && log.acknowledged.size() < 150; ++n) {
            if (!restarted && log.acknowledged.size() >= 50) {
                cluster().kill(QStringLiteral("router"));
                QString error;
                QVERIFY2(cluster().startProcess(QStringLiteral("router"), &error), qPrintable(error));
                restarted = true;
            }
            const QString id = QStringLiteral("router-%1").arg(n);
            const TestHttpResponse response = write(QStringLiteral("t"), id, n);
            log.record(id, response);
            if (response.status != 200)
                QTest::qWait(20);
        }
        QVERIFY(restarted);
        QCOMPARE(log.acknowledged.size(), 150);
        const QString lost = verifyAcknowledged(cluster(), QStringLiteral("t"), log);
        QVERIFY2(lost.isEmpty(), qPrintable(lost));
        // The new router found the primaries the earlier tests moved.
        QVERIFY2(healthy(), qPrintable(failureContext()));
    }

    // A router is "starting" (503) until it has heard from every shard, so
    // health checks and `peacedb-cluster up` never take it for ready too
    // early; a shard that stays silent is then reported without a primary.
    void aRouterIsStartingUntilItHeardFromEveryShard()
    {
        QFile file(cluster().configPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QJsonObject config = QJsonDocument::fromJson(file.readAll()).object();
        QJsonObject sharding = config.value(QStringLiteral("Sharding")).toObject();
        QJsonArray shards = sharding.value(QStringLiteral("Shards")).toArray();
        // Shard 1's members on closed ports, answering nothing.
        QJsonObject silent = shards.at(1).toObject();
        silent.insert(QStringLiteral("Primary"), QStringLiteral("http://127.0.0.1:1"));
        silent.insert(QStringLiteral("Replicas"), QJsonArray{QStringLiteral("http://127.0.0.1:2"), QStringLiteral("http://127.0.0.1:3")});
        shards.replace(1, silent);
        sharding.insert(QStringLiteral("Shards"), shards);
        QJsonObject replication = sharding.value(QStringLiteral("Replication")).toObject();
        replication.insert(QStringLiteral("FailoverTimeoutMs"), 3000);
        sharding.insert(QStringLiteral("Replication"), replication);
        config.insert(QStringLiteral("Sharding"), sharding);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config.json"));
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(config).toJson());
        out.close();

        ServerProcess router(dir.filePath(QStringLiteral("data")), {QStringLiteral("--role"), QStringLiteral("router"), QStringLiteral("--config"),
                                                                    path, QStringLiteral("--token-file"), cluster().tokenPath()});
        QVERIFY2(router.start(30000), qPrintable(router.output()));
        TestHttpClient client(router.port());
        TestHttpResponse health = client.get("/healthz");
        QCOMPARE(health.status, 503);
        QCOMPARE(health.json().value(QStringLiteral("status")).toString(), QStringLiteral("starting"));
        // The live shards answer its first polls; the silent one keeps it
        // starting until the failover timeout (3 s).
        QVERIFY2(cluster().waitUntil(
                     [&] {
                         health = client.get("/healthz");
                         return health.json().value(QStringLiteral("shardsNotHeardFrom")).toArray() == QJsonArray{1};
                     },
                     2000),
                 health.body.constData());
        QCOMPARE(health.status, 503);
        QVERIFY2(cluster().waitUntil([&] { return (health = client.get("/healthz")).status == 200; }, 10000),
                 health.body.constData());
        QCOMPARE(health.json().value(QStringLiteral("status")).toString(), QStringLiteral("degraded"));
        QCOMPARE(health.json().value(QStringLiteral("shardsWithoutPrimary")).toArray(), (QJsonArray{1}));
        // Started without Server.BackupRoot, it writes no backup anywhere.
        const TestHttpResponse backup =
            client.request("POST", "/v1/_cluster/backup", json({{QStringLiteral("to"), dir.filePath(QStringLiteral("backup"))}}),
                           {{QByteArrayLiteral("Authorization"), "Bearer " + cluster().token()}});
        QVERIFY2(backup.status == 403 && backup.json().value(QStringLiteral("error")).toString().contains(QLatin1String("Server.BackupRoot")),
                 backup.body.constData());
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("backup"))));
        QCOMPARE(router.terminate(), 0);
    }

    // A primary stopped with SIGTERM hands off to a replica; a router whose
    // health checks are seconds apart (the Compose file's 3 s) learns the
    // new primary from the first write that finds the old one gone or not
    // primary, not at its next poll.
    void aRouterFollowsAHandOffBeforeItsNextHealthCheck()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        QTemporaryDir dir;
        ServerProcess slow(dir.path(), slowRouterArguments());
        slow.setEnvironment(slowRouterEnvironment(3000, 6000));
        QVERIFY2(slow.start(30000), qPrintable(slow.output()));
        TestHttpClient client(slow.port());
        TestHttpResponse health;
        QVERIFY2(cluster().waitUntil([&] { return (health = client.get("/healthz")).status == 200; }, 15000), health.body.constData());

        const int shard = 0;
        const int primary = waitForPrimary(shard);
        QVERIFY(primary >= 0);
        const auto put = [&](int n) {
            return client.request("PUT", docPath(QStringLiteral("t"), idOnShard(shard, QStringLiteral("handoff"), &m_counter)),
                                  json({{QStringLiteral("data"), QJsonObject{{QStringLiteral("n"), n}}}}), {}, 5000);
        };
        QCOMPARE(put(0).status, 200);
        QElapsedTimer clock;
        QString error;
        QVERIFY2(cluster().stopProcess(ClusterProcesses::nodeName(shard, primary), &error), qPrintable(error));
        clock.start();
        int attempts = 0;
        TestHttpResponse answer;
        while (clock.elapsed() < 10000) {
            ++attempts;
            if ((answer = put(attempts)).status == 200)
                break;
            QTest::qWait(20);
        }
        const qint64 outageMs = clock.elapsed();
        qInfo("hand-off through a router polling every 3 s: first write acknowledged %lld ms after the old primary exited, "
              "%d attempts",
              outageMs, attempts);
        QCOMPARE(answer.status, 200);
        // Its next poll could be up to 3 s away; the refused writes made it ask at once.
        QVERIFY2(outageMs < 1500, qPrintable(QStringLiteral("%1 ms").arg(outageMs)));
        QVERIFY2(cluster().startProcess(ClusterProcesses::nodeName(shard, primary), &error), qPrintable(error));
        QCOMPARE(slow.terminate(), 0);
    }

    // A router whose requests to a shard's primary go unanswered (here a
    // paused process; in containers, one whose address vanished) asks the
    // shard's members within a fraction of a second, so once another router
    // has failed the shard over its writes go to the new primary long
    // before its own next health check (30 s apart here).
    void aRouterLeavesAnUnansweringPrimaryBeforeItsNextHealthCheck()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        QTemporaryDir dir;
        ServerProcess slow(dir.path(), slowRouterArguments());
        slow.setEnvironment(slowRouterEnvironment(30000, 60000));
        QVERIFY2(slow.start(30000), qPrintable(slow.output()));
        TestHttpClient client(slow.port());
        TestHttpResponse health;
        QVERIFY2(cluster().waitUntil([&] { return (health = client.get("/healthz")).status == 200; }, 15000), health.body.constData());

        const int shard = 0;
        const int primary = waitForPrimary(shard);
        QVERIFY(primary >= 0);
        const auto put = [&](int n, int timeoutMs) {
            return client.request("PUT", docPath(QStringLiteral("t"), idOnShard(shard, QStringLiteral("unanswering"), &m_counter)),
                                  json({{QStringLiteral("data"), QJsonObject{{QStringLiteral("n"), n}}}}), {}, timeoutMs);
        };
        QCOMPARE(put(0, 5000).status, 200);
        // The cluster's own router fails the shard over; the slow one is
        // not told.
        const QString paused = ClusterProcesses::nodeName(shard, primary);
        cluster().pause(paused);
        const int next = waitForPrimary(shard, primary, 20000);
        if (next < 0)
            cluster().resume(paused);
        QVERIFY2(next >= 0, qPrintable(failureContext()));

        QElapsedTimer clock;
        clock.start();
        int attempts = 0;
        TestHttpResponse answer;
        while (clock.elapsed() < 15000) {
            ++attempts;
            if ((answer = put(attempts, 1000)).status == 200)
                break;
            QTest::qWait(20);
        }
        const qint64 outageMs = clock.elapsed();
        cluster().resume(paused);
        qInfo("a router polling every 30 s, its shard's primary paused and replaced: first write acknowledged after %lld ms, "
              "%d attempts",
              outageMs, attempts);
        QCOMPARE(answer.status, 200);
        QVERIFY2(outageMs < 3000, qPrintable(QStringLiteral("%1 ms").arg(outageMs)));
        QCOMPARE(slow.terminate(), 0);
    }

    void twoRoutersNeverMakeTwoPrimariesInOneTerm()
    {
        QVERIFY2(healthy(), qPrintable(failureContext()));
        // The second router reads from two members per read (ReadQuorum 2).
        QTemporaryDir dir;
        ServerProcess second(dir.path(), {QStringLiteral("--role"), QStringLiteral("router"), QStringLiteral("--config"),
                                          cluster().configPath(), QStringLiteral("--token-file"), cluster().tokenPath()});
        second.setEnvironment({QStringLiteral("PEACEDB_SHARDING_REPLICATION_READ_QUORUM=2")});
        QVERIFY2(second.start(30000), qPrintable(second.output()));
        TestHttpClient secondClient(second.port());
        const TestHttpClient::Headers auth{{QByteArrayLiteral("Authorization"), "Bearer " + cluster().token()}};
        QVERIFY(cluster().waitUntil([&] { return secondClient.request("GET", "/v1/_cluster/status", {}, auth).status == 200; }, 10000));

        for (int round = 0; round < 2; ++round) {
            const int shard = round;
            const int primary = waitForPrimary(shard);
            cluster().kill(ClusterProcesses::nodeName(shard, primary));
            const int next = waitForPrimary(shard, primary, 30000);
            QVERIFY2(next >= 0, qPrintable(failureContext()));
            // Both routers route to the new primary.
            int counter = 0;
            for (TestHttpClient *client : {static_cast<TestHttpClient *>(nullptr), &secondClient}) {
                QString id;
                TestHttpResponse response;
                QVERIFY2(cluster().waitUntil([&] {
                    id = idOnShard(shard, QStringLiteral("two-routers"), &counter);
                    const QByteArray body = json({{QStringLiteral("data"), QJsonObject{{QStringLiteral("round"), round}}}});
                    response = client ? client->request("PUT", docPath(QStringLiteral("t"), id), body)
                                      : cluster().router("PUT", docPath(QStringLiteral("t"), id), body);
                    return response.status == 200;
                }, 20000), response.body.constData());
                // And each reads what the other wrote: never an older state
                // (404); a 503 only until it has heard of the new primary.
                TestHttpResponse other;
                cluster().waitUntil([&] {
                    other = client ? cluster().router("GET", docPath(QStringLiteral("t"), id))
                                   : secondClient.get(docPath(QStringLiteral("t"), id));
                    return other.status != 503;
                }, 10000);
                QVERIFY2(other.status == 200, qPrintable(QStringLiteral("%1 %2").arg(other.status).arg(QString::fromUtf8(other.body))));
            }
            QString error;
            QVERIFY2(cluster().startProcess(ClusterProcesses::nodeName(shard, primary), &error), qPrintable(error));
            QVERIFY2(healthy(), qPrintable(failureContext()));
            // No term has two members that became primary in it.
            const QHash<qint64, QSet<int>> promotions = promotionsByTerm(shard);
            for (auto it = promotions.cbegin(); it != promotions.cend(); ++it)
                QVERIFY2(it.value().size() == 1, qPrintable(QStringLiteral("shard %1 term %2 has %3 primaries").arg(shard).arg(it.key()).arg(it.value().size())));
            QVERIFY(!promotions.isEmpty());
        }

        // ReadQuorum 2 with one replica stopped: the reachable members answer,
        // with the newest revision.
        const int shard = 2;
        const int primary = waitForPrimary(shard);
        const QString stopped = ClusterProcesses::nodeName(shard, (primary + 1) % 3);
        int counter = 0;
        const QString id = idOnShard(shard, QStringLiteral("read-quorum"), &counter);
        const TestHttpResponse created = write(QStringLiteral("t"), id, 1);
        QCOMPARE(created.status, 200);
        cluster().pause(stopped);
        QVERIFY(cluster().waitUntil([&] { return !cluster().status().value(QStringLiteral("shards")).toArray().at(shard).toObject()
                                                   .value(QStringLiteral("members")).toArray().at((primary + 1) % 3).toObject()
                                                   .value(QStringLiteral("reachable")).toBool(); }, 10000));
        QVERIFY(secondClient.get("/v1/_cluster/status").status == 401); // and the token is still needed there
        const TestHttpResponse updated = cluster().router(
            "PUT", docPath(QStringLiteral("t"), id),
            json({{QStringLiteral("rev"), created.json().value(QStringLiteral("rev"))}, {QStringLiteral("data"), QJsonObject{{QStringLiteral("n"), 2}}}}));
        QCOMPARE(updated.status, 200);
        QElapsedTimer clock;
        clock.start();
        const TestHttpResponse read = secondClient.get(docPath(QStringLiteral("t"), id));
        QCOMPARE(read.status, 200);
        QCOMPARE(read.json().value(QStringLiteral("rev")), updated.json().value(QStringLiteral("rev")));
        QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
        cluster().resume(stopped);
        QCOMPARE(second.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestRouter)
#include "tst_router.moc"
