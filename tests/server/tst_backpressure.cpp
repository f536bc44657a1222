// Process test: one client's costly requests never cost a primary its lease.
//
// A real cluster (router + one shard of three members, run by the launcher,
// default timings) holds 30,000 documents while a writer keeps inserting
// through the router and a prober asks the primary's /healthz every 10 ms.
// Meanwhile: concurrent `_find/fields` with the deepest skip allowed (each
// reads and counts every document), a burst of them larger than the read
// queue (Server.MaxQueuedReads 8 here), the largest `_bulk_docs` allowed,
// and requests over the limits. Checked: the queries are answered 200, or
// 503 with Retry-After when the queue is full; over-limit requests get a 400
// that says what to do instead; /healthz never takes 100 ms or more; the
// primary and its term never change (no failover); every write of the
// writer succeeds.
//
// A stalled disk (another connection holds the node's SQLite file locked,
// so its writer waits) lets writes pile up only to Server.MaxPendingWrites:
// further writes get 503 with Retry-After at once, and every write accepted
// before is durable and readable once the disk moves again — on a
// standalone node and on a replica set's primary. A primary whose disk is
// stalled still acknowledges a write its replicas hold (a write quorum);
// a read at that primary then waits until it has applied the write, and
// sees it — never the state from before. Waiting list reads (the read
// pool's) count against Server.MaxQueuedReads when they arrive: the ones
// over it get 503 at once, and every one that waited is answered 200 when
// the disk moves again, all together (never a 503 after the wait); waiting
// document reads do not count. A stop with the disk stalled keeps its
// bounds (Server.ShutdownTimeoutMs, a second signal, a clean stop with
// nothing to write), and loses no acknowledged write.
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ClusterProcesses.h"
#include "ReplicaSetProcesses.h"
#include "ServerProcess.h"
#include "TestHttpClient.h"

namespace {

constexpr int kDocuments = 30000;
constexpr int kMaxQueuedReads = 8;
const QByteArray kDeepFind = R"({"numericField":"n","min":0,"skip":10000,"limit":10})";

QByteArray bulkOf(int first, int count)
{
    QByteArray out = "{\"docs\":[";
    for (int i = first; i < first + count; ++i) {
        out += (i > first ? "," : "") + QByteArray("{\"id\":\"d") + QByteArray::number(i).rightJustified(6, '0')
            + "\",\"data\":{\"n\":" + QByteArray::number(i % 1000) + ",\"pad\":\"" + QByteArray(100, 'p') + "\"}}";
    }
    return out + "]}";
}

// What the background clients saw; guarded by `mutex`.
struct Observed
{
    std::mutex mutex;
    qint64 worstHealthMs = 0;
    int healthProbes = 0;
    QStringList healthProblems;
    int writes = 0;
    QStringList writeProblems;
};

constexpr int kMaxPendingWrites = 20;
constexpr int kStalledWriters = 50;

// Holds an exclusive lock on a node's database file: its storage writer
// waits (up to its 10 s busy timeout) as it would for a stalled disk.
class DiskStall
{
public:
    explicit DiskStall(const QString &databasePath)
        : m_name(QStringLiteral("stall-%1").arg(quintptr(this)))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(databasePath);
        if (!db.open()) {
            m_error = db.lastError().text();
            return;
        }
        QSqlQuery lock(db);
        if (!lock.exec(QStringLiteral("BEGIN EXCLUSIVE")))
            m_error = lock.lastError().text();
    }
    ~DiskStall()
    {
        release();
        QSqlDatabase::removeDatabase(m_name);
    }
    QString error() const { return m_error; }
    void release()
    {
        QSqlDatabase db = QSqlDatabase::database(m_name, false);
        if (db.isOpen()) {
            QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
            db.close();
        }
    }

private:
    QString m_name;
    QString m_error;
};

struct StalledWrite
{
    TestHttpResponse answer;
    qint64 milliseconds = 0;
};

// kStalledWriters PUTs at once, each on its own connection, while `port`'s
// disk is stalled; the stall ends after stallMs.
QString writeWhileStalled(quint16 port, const QString &databasePath, int stallMs, std::vector<StalledWrite> *writes)
{
    DiskStall stall(databasePath);
    if (!stall.error().isEmpty())
        return QStringLiteral("cannot lock %1: %2").arg(databasePath, stall.error());
    writes->assign(size_t(kStalledWriters), StalledWrite());
    std::vector<std::thread> threads;
    for (int i = 0; i < kStalledWriters; ++i) {
        threads.emplace_back([port, writes, i] {
            TestHttpClient client(port);
            QElapsedTimer timer;
            timer.start();
            (*writes)[size_t(i)].answer = client.request("PUT", "/v1/db/stall/docs/s" + QByteArray::number(i), R"({"data":{"s":1}})", {}, 30000);
            (*writes)[size_t(i)].milliseconds = timer.elapsed();
        });
        QThread::msleep(5);
    }
    TestHttpClient health(port);
    QElapsedTimer timer;
    timer.start();
    const int healthStatus = health.get("/healthz").status;
    const qint64 healthMs = timer.elapsed();
    QThread::msleep(qMax(0, stallMs - kStalledWriters * 5));
    stall.release();
    for (std::thread &thread : threads)
        thread.join();
    if (healthStatus != 200 || healthMs > 500)
        return QStringLiteral("/healthz during the stall: %1 after %2 ms").arg(healthStatus).arg(healthMs);
    return QString();
}

// The stalled writes were answered 200, or 503 (with Retry-After, at once)
// past the bound; every acknowledged one reads back from `read`.
QString checkStalledWrites(const std::vector<StalledWrite> &writes, const std::function<TestHttpResponse(const QByteArray &)> &read,
                           int *acknowledged, int *refused)
{
    *acknowledged = 0;
    *refused = 0;
    for (size_t i = 0; i < writes.size(); ++i) {
        const StalledWrite &write = writes.at(i);
        if (write.answer.status == 503) {
            ++*refused;
            if (write.answer.header("Retry-After") != "1" || !write.answer.body.contains("too many writes are waiting"))
                return QStringLiteral("write %1: 503 without Retry-After or reason: %2").arg(i).arg(QString::fromUtf8(write.answer.body));
            if (write.milliseconds > 1000)
                return QStringLiteral("write %1: refused only after %2 ms").arg(i).arg(write.milliseconds);
            continue;
        }
        if (write.answer.status != 200)
            return QStringLiteral("write %1: %2 %3 %4").arg(i).arg(write.answer.status).arg(write.answer.error, QString::fromUtf8(write.answer.body));
        ++*acknowledged;
        const TestHttpResponse back = read("/v1/db/stall/docs/s" + QByteArray::number(qulonglong(i)));
        if (back.status != 200 || back.json().value(QStringLiteral("rev")) != write.answer.json().value(QStringLiteral("rev")))
            return QStringLiteral("write %1 acknowledged but reads back %2 %3").arg(i).arg(back.status).arg(QString::fromUtf8(back.body));
    }
    if (*refused == 0)
        return QStringLiteral("%1 writes during the stall, none refused").arg(writes.size());
    if (*acknowledged < kMaxPendingWrites / 2)
        return QStringLiteral("only %1 writes accepted before the bound").arg(*acknowledged);
    return QString();
}

} // namespace

class TestBackpressure : public QObject
{
    Q_OBJECT

private slots:
    void stalledDiskOnAStandaloneNode();
    void stalledDiskOnAPrimary();
    void aReadAtAStalledPrimaryWaitsForTheWriteItAcknowledged();
    void readsWaitingForAStalledPrimaryAreBoundedAndAllAnswered();
    void stoppingWithTheDiskStalledIsBounded();
    void costlyRequestsDoNotStallThePrimary()
    {
        ClusterProcesses::Options options;
        options.shards = 1;
        options.replicas = 2;
        options.environment = {QStringLiteral("PEACEDB_SERVER_MAX_QUEUED_READS=%1").arg(kMaxQueuedReads)};
        ClusterProcesses cluster(options);
        QVERIFY2(cluster.start(), qPrintable(cluster.error()));
        QVERIFY2(cluster.waitForHealthy(30000), qPrintable(cluster.describe()));
        QCOMPARE(cluster.router("PUT", "/v1/db/bp").status, 201);
        for (int first = 0; first < kDocuments; first += 1000) {
            const TestHttpResponse bulk = cluster.router("POST", "/v1/db/bp/_bulk_docs", bulkOf(first, 1000), 30000);
            QVERIFY2(bulk.status == 200, bulk.body.left(300).constData());
        }
        const int primary = cluster.primaryOf(0);
        QVERIFY(primary >= 0);
        const QString primaryName = ClusterProcesses::nodeName(0, primary);
        const quint16 primaryPort = cluster.port(primaryName);
        const quint16 routerPort = cluster.routerPort();
        const qint64 term = cluster.request(primaryName, "GET", "/v1/_replication/state").json().value(QStringLiteral("term")).toInteger();
        QVERIFY(term > 0);
        qint64 eventsBefore = 0;
        for (const QJsonValue &event : cluster.events())
            eventsBefore = qMax(eventsBefore, event.toObject().value(QStringLiteral("id")).toInteger());

        Observed observed;
        std::atomic<bool> stop{false};
        std::thread prober([&] {
            TestHttpClient client(primaryPort);
            while (!stop) {
                QElapsedTimer timer;
                timer.start();
                const TestHttpResponse health = client.get("/healthz");
                const qint64 elapsed = timer.elapsed();
                std::lock_guard<std::mutex> lock(observed.mutex);
                ++observed.healthProbes;
                observed.worstHealthMs = qMax(observed.worstHealthMs, elapsed);
                if (health.status != 200 && observed.healthProblems.size() < 5)
                    observed.healthProblems.append(QStringLiteral("%1 %2").arg(health.status).arg(health.error));
                if (elapsed >= 100 && observed.healthProblems.size() < 5)
                    observed.healthProblems.append(QStringLiteral("/healthz took %1 ms").arg(elapsed));
                QThread::msleep(10);
            }
        });
        std::thread writer([&] {
            TestHttpClient client(routerPort);
            for (int i = 0; !stop; ++i) {
                const TestHttpResponse put = client.put("/v1/db/bp/docs/w" + QByteArray::number(i), R"({"data":{"w":1}})");
                std::lock_guard<std::mutex> lock(observed.mutex);
                ++observed.writes;
                if (put.status != 200 && observed.writeProblems.size() < 5)
                    observed.writeProblems.append(QStringLiteral("PUT w%1: %2 %3 %4").arg(i).arg(put.status).arg(put.error, QString::fromUtf8(put.body.left(200))));
            }
        });
        const auto finish = [&] {
            stop = true;
            prober.join();
            writer.join();
        };

        // Concurrent deep queries: all answered, none stalls the primary.
        const auto concurrentFinds = [&](int count) {
            std::vector<std::thread> threads;
            std::vector<TestHttpResponse> answers;
            answers.resize(static_cast<size_t>(count));
            for (int i = 0; i < count; ++i) {
                threads.emplace_back([&, i] {
                    TestHttpClient client(primaryPort);
                    answers[size_t(i)] = client.post("/v1/db/bp/_find/fields", kDeepFind);
                });
            }
            for (std::thread &thread : threads)
                thread.join();
            return answers;
        };
        int answered = 0;
        for (const TestHttpResponse &answer : concurrentFinds(kMaxQueuedReads)) {
            QVERIFY2(answer.status == 200, answer.body.left(300).constData());
            QCOMPARE(answer.json().value(QStringLiteral("total")).toInteger(), qint64(kDocuments));
            ++answered;
        }
        // A burst over the queue: the rest wait in line or get 503 at once.
        int busy = 0;
        for (const TestHttpResponse &answer : concurrentFinds(5 * kMaxQueuedReads)) {
            QVERIFY2(answer.status == 200 || answer.status == 503, answer.body.left(300).constData());
            if (answer.status == 503) {
                ++busy;
                QCOMPARE(answer.header("Retry-After"), QByteArray("1"));
                QVERIFY2(answer.body.contains("too many reads"), answer.body.constData());
            } else {
                ++answered;
            }
        }
        QVERIFY2(busy > 0, "a burst of five queues' worth of queries found the queue never full");

        // The largest bulk allowed, through the router and at the primary.
        for (int round = 0; round < 3; ++round) {
            const TestHttpResponse bulk =
                cluster.router("POST", "/v1/db/bp/_bulk_docs", bulkOf(kDocuments + round * 2000, 1000), 30000);
            QVERIFY2(bulk.status == 200, bulk.body.left(300).constData());
            TestHttpClient direct(primaryPort);
            QCOMPARE(direct.post("/v1/db/bp/_bulk_docs", bulkOf(kDocuments + round * 2000 + 1000, 1000)).status, 200);
        }

        // Over the limits: 400, saying what to do instead; nothing written.
        for (const quint16 port : {routerPort, primaryPort}) {
            TestHttpClient client(port);
            TestHttpResponse refused = client.post("/v1/db/bp/_bulk_docs", bulkOf(900000, 1001));
            QVERIFY2(refused.status == 400 && refused.body.contains("at most 1000"), refused.body.left(300).constData());
            QCOMPARE(client.get("/v1/db/bp/docs/d900000").status, 404);
            refused = client.post("/v1/db/bp/_find/fields", R"({"numericField":"n","min":0,"skip":10001})");
            QVERIFY2(refused.status == 400 && refused.body.contains("after="), refused.body.left(300).constData());
            refused = client.get("/v1/db/bp/_all_docs?skip=239000");
            QVERIFY2(refused.status == 400 && refused.body.contains("after="), refused.body.left(300).constData());
        }
        finish();

        std::lock_guard<std::mutex> lock(observed.mutex);
        qInfo("%d deep queries answered, %d refused with 503; /healthz worst %lld ms over %d probes; %d writes",
              answered, busy, observed.worstHealthMs, observed.healthProbes, observed.writes);
        QVERIFY2(observed.healthProblems.isEmpty(), qPrintable(observed.healthProblems.join(QStringLiteral("; "))));
        QVERIFY2(observed.writeProblems.isEmpty(), qPrintable(observed.writeProblems.join(QStringLiteral("; "))));
        QVERIFY(observed.writes > 0);
        QVERIFY(observed.healthProbes > 20);
        QCOMPARE(cluster.primaryOf(0), primary);
        QCOMPARE(cluster.request(primaryName, "GET", "/v1/_replication/state").json().value(QStringLiteral("term")).toInteger(), term);
        for (const QJsonValue &event : cluster.events(eventsBefore)) {
            const QString kind = event.toObject().value(QStringLiteral("kind")).toString();
            QVERIFY2(!kind.contains(QLatin1String("promot")) && !kind.contains(QLatin1String("failover")),
                     qPrintable(QStringLiteral("the router recorded %1").arg(kind)));
        }
    }
};

void TestBackpressure::stalledDiskOnAStandaloneNode()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ServerProcess server(dir.path());
    server.setEnvironment({QStringLiteral("PEACEDB_SERVER_MAX_PENDING_WRITES=%1").arg(kMaxPendingWrites)});
    QVERIFY2(server.start(), qPrintable(server.output()));
    TestHttpClient client(server.port());
    QCOMPARE(client.put("/v1/db/stall").status, 201);
    std::vector<StalledWrite> writes;
    const QString problem = writeWhileStalled(server.port(), dir.filePath(QStringLiteral("peacedb.sqlite")), 2000, &writes);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    int acknowledged = 0;
    int refused = 0;
    const QString check = checkStalledWrites(writes, [&client](const QByteArray &path) { return client.get(path); }, &acknowledged, &refused);
    QVERIFY2(check.isEmpty(), qPrintable(check + QStringLiteral("\n") + server.output()));
    qInfo("standalone, disk stalled 2 s: %d writes acknowledged, %d refused with 503", acknowledged, refused);
    QCOMPARE(client.put("/v1/db/stall/docs/after", R"({"data":{}})").status, 200);
    QCOMPARE(server.terminate(), 0);
}

void TestBackpressure::stoppingWithTheDiskStalledIsBounded()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString database = dir.filePath(QStringLiteral("peacedb.sqlite"));
    ServerProcess server(dir.path());
    server.setEnvironment({QStringLiteral("PEACEDB_SERVER_SHUTDOWN_TIMEOUT_MS=1000")});
    QVERIFY2(server.start(), qPrintable(server.output()));
    {
        TestHttpClient client(server.port());
        QCOMPARE(client.put("/v1/db/stop").status, 201);
        QCOMPARE(client.put("/v1/db/stop/docs/before", R"({"data":{"n":1}})").status, 200);
    }
    // Sends a write (on its own thread; it waits for the stalled disk)
    // and returns once the node has it.
    const auto stallWithAWriteInFlight = [&](std::thread *writer) {
        const quint16 port = server.port();
        *writer = std::thread([port] { TestHttpClient(port).request("PUT", "/v1/db/stop/docs/during", R"({"data":{"n":2}})", {}, 30000); });
        // Until the node has it (the metrics request counts itself).
        QElapsedTimer waited;
        waited.start();
        while (!TestHttpClient(port).get("/metrics").body.contains("\npeacedb_http_requests_in_flight 2") && waited.elapsed() < 10000)
            QThread::msleep(20);
        QThread::msleep(100); // and its batch is in SQLite's wait
    };
    // Stalls the disk, sends SIGTERM (and a second one 300 ms later):
    // how the node ended, timed from the last signal.
    struct Stop
    {
        bool exited = false;
        int code = -2;
        qint64 ms = 0;
    };
    const auto stopStalled = [&](bool writeInFlight, bool secondSignal) {
        Stop out;
        DiskStall stall(database);
        if (!stall.error().isEmpty()) {
            qWarning("cannot lock %s: %s", qPrintable(database), qPrintable(stall.error()));
            return out;
        }
        std::thread writer;
        if (writeInFlight)
            stallWithAWriteInFlight(&writer);
        if (secondSignal) {
            server.sendSignal(SIGTERM);
            QThread::msleep(300);
        }
        QElapsedTimer timer;
        timer.start();
        server.sendSignal(SIGTERM);
        out.exited = server.waitForExit(20000);
        out.ms = timer.elapsed();
        if (writer.joinable())
            writer.join();
        out.code = out.exited ? server.exitCode() : -2;
        return out;
    };

    // A write in flight when the stop begins, its batch waiting for the
    // disk: the stop gives up after ShutdownTimeoutMs and exits 1.
    Stop stop = stopStalled(true, false);
    qInfo("stop with a write waiting for a stalled disk, ShutdownTimeoutMs 1000: exited %d after %lld ms", stop.code, stop.ms);
    QVERIFY2(stop.exited && stop.code == 1, qPrintable(server.output().right(3000)));
    QVERIFY2(stop.ms < 4000, qPrintable(QStringLiteral("the stop took %1 ms\n%2").arg(stop.ms).arg(server.output().right(2000))));
    QVERIFY2(server.start(), qPrintable(server.output()));
    QCOMPARE(TestHttpClient(server.port()).get("/v1/db/stop/docs/before").status, 200);
    QCOMPARE(server.terminate(), 0);

    // A second signal exits at once, whatever the disk does.
    server.setEnvironment({});
    QVERIFY2(server.start(), qPrintable(server.output()));
    stop = stopStalled(true, true);
    qInfo("second signal with a write waiting for a stalled disk: exited %d after %lld ms", stop.code, stop.ms);
    QVERIFY2(stop.exited && stop.code == 1, qPrintable(server.output().right(3000)));
    QVERIFY2(stop.ms < 1500, qPrintable(QStringLiteral("the second signal took %1 ms to stop the node").arg(stop.ms)));

    // Nothing to write: a clean stop (exit 0) does not wait for the lock
    // either (closing the database only tries to empty its WAL).
    QVERIFY2(server.start(), qPrintable(server.output()));
    stop = stopStalled(false, false);
    qInfo("clean stop with the database locked: exited %d after %lld ms", stop.code, stop.ms);
    QVERIFY2(stop.exited && stop.code == 0, qPrintable(server.output().right(3000)));
    QVERIFY2(stop.ms < 2000, qPrintable(QStringLiteral("the stop took %1 ms\n%2").arg(stop.ms).arg(server.output().right(2000))));
    QVERIFY2(server.start(), qPrintable(server.output()));
    TestHttpClient client(server.port());
    QCOMPARE(client.get("/v1/db/stop/docs/before").status, 200);
    QCOMPARE(client.put("/v1/db/stop/docs/after", R"({"data":{"n":3}})").status, 200);
    QCOMPARE(server.terminate(), 0);
}

void TestBackpressure::stalledDiskOnAPrimary()
{
    ReplicaSetProcesses::Options options;
    options.failoverTimeoutMs = 5000;
    options.writeTimeoutMs = 20000;
    options.extraConfig = QJsonObject{{QStringLiteral("Server"), QJsonObject{{QStringLiteral("MaxPendingWrites"), kMaxPendingWrites}}}};
    ReplicaSetProcesses set(options);
    QVERIFY2(set.isValid() && set.start(), qPrintable(set.error()));
    const int primary = set.waitForPrimary();
    QVERIFY2(primary >= 0, qPrintable(set.describe()));
    QCOMPARE(set.request(primary, "PUT", "/v1/db/stall").status, 201);
    std::vector<StalledWrite> writes;
    const QString problem =
        writeWhileStalled(set.port(primary), set.dataDir(primary) + QStringLiteral("/peacedb.sqlite"), 2000, &writes);
    QVERIFY2(problem.isEmpty(), qPrintable(problem + QStringLiteral("\n") + set.describe()));
    int acknowledged = 0;
    int refused = 0;
    const QString check = checkStalledWrites(
        writes, [&set, primary](const QByteArray &path) { return set.request(primary, "GET", path); }, &acknowledged, &refused);
    QVERIFY2(check.isEmpty(), qPrintable(check + QStringLiteral("\n") + set.describe()));
    qInfo("replica set primary, disk stalled 2 s: %d writes acknowledged, %d refused with 503", acknowledged, refused);
    QVERIFY2(set.waitForConvergence(20000), qPrintable(set.describe()));
}

void TestBackpressure::aReadAtAStalledPrimaryWaitsForTheWriteItAcknowledged()
{
    ReplicaSetProcesses::Options options;
    options.failoverTimeoutMs = 5000;
    // A read waits for the apply at most this long (and a write for its
    // commit: the replicas acknowledge well within it).
    options.writeTimeoutMs = 3000;
    ReplicaSetProcesses set(options);
    QVERIFY2(set.isValid() && set.start(), qPrintable(set.error()));
    const int primary = set.waitForPrimary();
    QVERIFY2(primary >= 0, qPrintable(set.describe()));
    QCOMPARE(set.request(primary, "PUT", "/v1/db/stall").status, 201);
    QCOMPARE(set.request(primary, "PUT", "/v1/db/stall/docs/d", R"({"data":{"v":1}})").status, 200);
    const QString rev = set.request(primary, "GET", "/v1/db/stall/docs/d").json().value(QStringLiteral("rev")).toString();
    QVERIFY(!rev.isEmpty());

    DiskStall stall(set.dataDir(primary) + QStringLiteral("/peacedb.sqlite"));
    QVERIFY2(stall.error().isEmpty(), qPrintable(stall.error()));
    // The replicas hold it durably: acknowledged, though the primary's own
    // disk has neither logged nor applied it.
    QElapsedTimer clock;
    clock.start();
    const TestHttpResponse written = set.request(
        primary, "PUT", "/v1/db/stall/docs/d", QStringLiteral(R"({"rev":"%1","data":{"v":2}})").arg(rev).toUtf8());
    QVERIFY2(written.status == 200, written.body.constData());
    QVERIFY2(clock.elapsed() < 1500, qPrintable(QString::number(clock.elapsed())));

    std::atomic<bool> answered{false};
    TestHttpResponse read;
    qint64 readMs = 0;
    std::thread reader([&] {
        TestHttpClient client(set.port(primary));
        QElapsedTimer timer;
        timer.start();
        read = client.request("GET", "/v1/db/stall/docs/d", {}, {}, 30000);
        readMs = timer.elapsed();
        answered = true;
    });
    QThread::msleep(700);
    const bool answeredDuringStall = answered;
    stall.release();
    reader.join();
    QVERIFY2(!answeredDuringStall, qPrintable(QStringLiteral("answered %1 during the stall: %2").arg(read.status).arg(QString::fromUtf8(read.body))));
    QVERIFY2(read.status == 200, read.body.constData());
    QCOMPARE(read.json().value(QStringLiteral("rev")).toString(), written.json().value(QStringLiteral("rev")).toString());
    QCOMPARE(read.json().value(QStringLiteral("data")).toObject().value(QStringLiteral("v")).toInt(), 2);
    qInfo("a read at a primary whose disk was stalled for 700 ms after it acknowledged a write: answered after %lld ms, with that write",
          readMs);

    // A stall longer than the wait: 503, nothing read, and the answer does
    // not claim a consistency for a read that never ran.
    DiskStall longer(set.dataDir(primary) + QStringLiteral("/peacedb.sqlite"));
    QVERIFY2(longer.error().isEmpty(), qPrintable(longer.error()));
    const TestHttpResponse third = set.request(
        primary, "PUT", "/v1/db/stall/docs/d", QStringLiteral(R"({"rev":"%1","data":{"v":3}})").arg(written.json().value(QStringLiteral("rev")).toString()).toUtf8());
    QVERIFY2(third.status == 200, third.body.constData());
    clock.restart();
    const TestHttpResponse refused = set.request(primary, "GET", "/v1/db/stall/docs/d");
    const qint64 refusedMs = clock.elapsed();
    longer.release();
    QVERIFY2(refused.status == 503, refused.body.constData());
    QVERIFY2(refusedMs >= 2500, qPrintable(QString::number(refusedMs)));
    QVERIFY2(refused.header("X-PeaceDB-Consistency").isEmpty(), refused.header("X-PeaceDB-Consistency").constData());
    QVERIFY(refused.header("X-PeaceDB-Applied").isEmpty());
    const TestHttpResponse after = set.request(primary, "GET", "/v1/db/stall/docs/d");
    QVERIFY2(after.status == 200, after.body.constData());
    QCOMPARE(after.json().value(QStringLiteral("data")).toObject().value(QStringLiteral("v")).toInt(), 3);
    QCOMPARE(after.header("X-PeaceDB-Consistency"), QByteArray("linearizable"));
}

void TestBackpressure::readsWaitingForAStalledPrimaryAreBoundedAndAllAnswered()
{
    ReplicaSetProcesses::Options options;
    options.failoverTimeoutMs = 5000;
    options.writeTimeoutMs = 15000;
    options.extraConfig = QJsonObject{{QStringLiteral("Server"), QJsonObject{{QStringLiteral("MaxQueuedReads"), kMaxQueuedReads}}}};
    ReplicaSetProcesses set(options);
    QVERIFY2(set.isValid() && set.start(), qPrintable(set.error()));
    const int primary = set.waitForPrimary();
    QVERIFY2(primary >= 0, qPrintable(set.describe()));
    QCOMPARE(set.request(primary, "PUT", "/v1/db/held").status, 201);
    QCOMPARE(set.request(primary, "PUT", "/v1/db/held/docs/a", R"({"data":{"v":1}})").status, 200);
    QCOMPARE(set.request(primary, "GET", "/v1/db/held/docs/a").status, 200); // applied: the stall starts between writes

    DiskStall stall(set.dataDir(primary) + QStringLiteral("/peacedb.sqlite"));
    QVERIFY2(stall.error().isEmpty(), qPrintable(stall.error()));
    const TestHttpResponse written = set.request(primary, "PUT", "/v1/db/held/docs/b", R"({"data":{"v":2}})");
    QVERIFY2(written.status == 200, qPrintable(QStringLiteral("%1 %2\n%3").arg(written.status).arg(QString::fromUtf8(written.body), set.describe())));

    // Document reads (on the main thread, never queued) that must wait for
    // the apply, more than the queue holds: they do not count against it.
    std::vector<TestHttpResponse> documentReads(static_cast<size_t>(2 * kMaxQueuedReads));
    std::vector<std::thread> documentReaders;
    for (size_t i = 0; i < documentReads.size(); ++i) {
        documentReaders.emplace_back([&, i] {
            TestHttpClient client(set.port(primary));
            documentReads[i] = client.request("GET", "/v1/db/held/docs/b", {}, {}, 30000);
        });
    }
    QThread::msleep(300);

    // Pool reads (lists) that must wait for the apply: more than the queue.
    const int extra = 5;
    const int count = kMaxQueuedReads + extra;
    std::vector<TestHttpResponse> answers(static_cast<size_t>(count));
    std::vector<std::atomic<bool>> done(static_cast<size_t>(count));
    std::vector<std::thread> readers;
    for (int i = 0; i < count; ++i) {
        readers.emplace_back([&, i] {
            TestHttpClient client(set.port(primary));
            answers[size_t(i)] = client.request("GET", "/v1/db/held/_all_docs", {}, {}, 30000);
            done[size_t(i)] = true;
        });
    }
    // The ones over the bound are answered as they arrive; the others wait
    // (for up to WriteTimeoutMs). Looked at once `extra` were answered, and
    // again a moment later: no more.
    const auto answeredCount = [&] { return int(std::count(done.begin(), done.end(), true)); };
    QTRY_VERIFY_WITH_TIMEOUT(answeredCount() >= extra, 8000);
    QThread::msleep(300);
    int refusedAtOnce = 0;
    for (int i = 0; i < count; ++i) {
        if (!done[size_t(i)])
            continue;
        const TestHttpResponse &answer = answers[size_t(i)];
        QVERIFY2(answer.status == 503, qPrintable(QStringLiteral("answered %1 during the stall: %2").arg(answer.status).arg(QString::fromUtf8(answer.body))));
        QVERIFY2(answer.body.contains("too many reads"), answer.body.constData());
        QCOMPARE(answer.header("Retry-After"), QByteArray("1"));
        ++refusedAtOnce;
    }
    stall.release();
    for (std::thread &reader : readers)
        reader.join();
    for (std::thread &reader : documentReaders)
        reader.join();
    QCOMPARE(refusedAtOnce, extra);
    for (const TestHttpResponse &answer : documentReads) {
        QVERIFY2(answer.status == 200, qPrintable(QStringLiteral("%1: %2").arg(answer.status).arg(QString::fromUtf8(answer.body))));
        QCOMPARE(answer.json().value(QStringLiteral("data")).toObject().value(QStringLiteral("v")).toInt(), 2);
    }
    int waitedAndAnswered = 0;
    for (const TestHttpResponse &answer : answers) {
        if (answer.status == 503)
            continue;
        QVERIFY2(answer.status == 200, qPrintable(QStringLiteral("%1 after the wait: %2").arg(answer.status).arg(QString::fromUtf8(answer.body))));
        QCOMPARE(answer.json().value(QStringLiteral("total")).toInteger(), qint64(2));
        ++waitedAndAnswered;
    }
    QCOMPARE(waitedAndAnswered, kMaxQueuedReads);
}

QTEST_GUILESS_MAIN(TestBackpressure)
#include "tst_backpressure.moc"
