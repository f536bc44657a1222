// Process test: "kill -9 during a write burst loses no acknowledged write and
// leaves a database that opens cleanly".
//
// Each round runs a burst of concurrent writers against a real
// peacedb-server (one thread and one keep-alive connection per writer, one
// request in flight each: PUTs of new documents, updates, deletes and small
// _bulk_docs), kills the server while writes are in flight (SIGKILL, or
// POST /v1/_admin/kill in the last round), restarts it on the same data
// directory and checks that every acknowledged write is there with exactly
// its rev, or with the rev of a later write that was in flight when the
// server died. Then it stops the server and runs SQLite's integrity check on
// the file. Rounds share one data directory, so later rounds also re-check
// everything the earlier ones wrote.
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <csignal>
#include <memory>
#include <vector>

#include "ServerProcess.h"
#include "TestHttpClient.h"

namespace {

const QByteArray kDb = "crash";
constexpr int kWriters = 16;
constexpr int kRequestTimeoutMs = 10000;

// What the test knows about one document id.
struct IdState
{
    enum class Pending { None, Create, Update, Delete };

    QString rev;            // last acknowledged rev; empty if no write of it was acknowledged
    bool deleted = false;   // the last acknowledged write deleted it
    Pending pending = Pending::None; // a write sent after that got no (complete) answer
};

int generationOf(const QString &rev)
{
    return rev.section(QLatin1Char('-'), 0, 0).toInt();
}

QByteArray docPath(const QString &id)
{
    return "/v1/db/" + kDb + "/docs/" + TestHttpClient::encode(id);
}

bool acknowledged(const TestHttpResponse &response)
{
    return response.error.isEmpty() && response.status >= 200 && response.status < 300;
}

bool unanswered(const TestHttpResponse &response)
{
    return !response.error.isEmpty();
}

// One writer: its own thread, connection and ids (no two writers touch the
// same id, so the last acknowledged write of an id is its expected state).
class BurstWorker
{
public:
    BurstWorker(quint16 port, const QString &prefix, quint32 seed, const std::atomic<bool> *stop, std::atomic<int> *acked)
        : m_port(port)
        , m_prefix(prefix)
        , m_random(seed)
        , m_stop(stop)
        , m_acked(acked)
    {
    }

    // Writes until *stop or until a request gets no answer (the server died).
    void run()
    {
        TestHttpClient client(m_port);
        while (!m_stop->load()) {
            const int dice = int(m_random.bounded(100));
            bool answered = true;
            if (dice < 55 || m_live.isEmpty())
                answered = create(client);
            else if (dice < 75)
                answered = update(client);
            else if (dice < 85)
                answered = remove(client);
            else
                answered = bulk(client);
            if (!answered)
                return;
        }
    }

    const QHash<QString, IdState> &ids() const { return m_ids; }
    const QStringList &unexpected() const { return m_unexpected; }

private:
    QJsonObject newBody(const QString &id)
    {
        QByteArray payload(int(m_random.bounded(64, 512)), Qt::Uninitialized);
        for (char &c : payload)
            c = char('a' + m_random.bounded(26));
        return QJsonObject{{QStringLiteral("data"), QJsonObject{{QStringLiteral("id"), id},
                                                                {QStringLiteral("write"), m_writes++},
                                                                {QStringLiteral("payload"), QString::fromLatin1(payload)}}},
                           {QStringLiteral("tags"), QJsonArray{QStringLiteral("crash"), m_prefix}},
                           {QStringLiteral("content"), QStringLiteral("crash safety document %1").arg(id)}};
    }

    QString nextId()
    {
        // Every seventh id is not ASCII and needs percent-encoding.
        const int n = m_next++;
        return n % 7 == 3 ? QStringLiteral("%1-%2-ключ/ü").arg(m_prefix).arg(n) : QStringLiteral("%1-%2").arg(m_prefix).arg(n);
    }

    void noteUnexpected(const QByteArray &what, const TestHttpResponse &response)
    {
        m_unexpected.append(QStringLiteral("%1 -> %2 %3").arg(QString::fromUtf8(what)).arg(response.status).arg(QString::fromUtf8(response.body.left(200))));
    }

    bool create(TestHttpClient &client)
    {
        const QString id = nextId();
        IdState &state = m_ids[id];
        state.pending = IdState::Pending::Create;
        const TestHttpResponse response = client.request("PUT", docPath(id), QJsonDocument(newBody(id)).toJson(QJsonDocument::Compact),
                                                         {}, kRequestTimeoutMs);
        return settle(id, response, "PUT new " + id.toUtf8());
    }

    bool update(TestHttpClient &client)
    {
        const QString id = m_live.at(m_random.bounded(int(m_live.size())));
        IdState &state = m_ids[id];
        QJsonObject body = newBody(id);
        body.insert(QStringLiteral("rev"), state.rev);
        state.pending = IdState::Pending::Update;
        const TestHttpResponse response = client.request("PUT", docPath(id), QJsonDocument(body).toJson(QJsonDocument::Compact), {},
                                                         kRequestTimeoutMs);
        return settle(id, response, "PUT update " + id.toUtf8());
    }

    bool remove(TestHttpClient &client)
    {
        const QString id = m_live.at(m_random.bounded(int(m_live.size())));
        IdState &state = m_ids[id];
        state.pending = IdState::Pending::Delete;
        const TestHttpResponse response =
            client.request("DELETE", docPath(id) + "?rev=" + TestHttpClient::encode(state.rev), {}, {}, kRequestTimeoutMs);
        return settle(id, response, "DELETE " + id.toUtf8());
    }

    // Applies the answer to one write of `id`; false if there was none.
    bool settle(const QString &id, const TestHttpResponse &response, const QByteArray &what)
    {
        IdState &state = m_ids[id];
        if (unanswered(response))
            return false;
        if (!acknowledged(response)) {
            // A request that fails changes nothing.
            noteUnexpected(what, response);
            state.pending = IdState::Pending::None;
            if (state.rev.isEmpty() && !state.deleted)
                m_ids.remove(id);
            return true;
        }
        const QJsonObject json = response.json();
        applyAcknowledged(id, json.value(QStringLiteral("rev")).toString(), state.pending == IdState::Pending::Delete);
        return true;
    }

    void applyAcknowledged(const QString &id, const QString &rev, bool deleted)
    {
        IdState &state = m_ids[id];
        const bool wasLive = !state.rev.isEmpty() && !state.deleted;
        state.rev = rev;
        state.deleted = deleted;
        state.pending = IdState::Pending::None;
        if (wasLive && deleted)
            m_live.removeOne(id);
        else if (!wasLive && !deleted)
            m_live.append(id);
        m_acked->fetch_add(1);
    }

    // 2..12 new documents, plus an update of a live one now and then.
    bool bulk(TestHttpClient &client)
    {
        QJsonArray docs;
        QStringList ids;
        QList<IdState::Pending> kinds;
        const int count = int(m_random.bounded(2, 13));
        for (int i = 0; i < count; ++i) {
            const QString id = nextId();
            QJsonObject body = newBody(id);
            body.insert(QStringLiteral("id"), id);
            docs.append(body);
            ids.append(id);
            kinds.append(IdState::Pending::Create);
        }
        if (!m_live.isEmpty() && m_random.bounded(2) == 0) {
            const QString id = m_live.at(m_random.bounded(int(m_live.size())));
            QJsonObject body = newBody(id);
            body.insert(QStringLiteral("id"), id);
            body.insert(QStringLiteral("rev"), m_ids.value(id).rev);
            docs.append(body);
            ids.append(id);
            kinds.append(IdState::Pending::Update);
        }
        for (qsizetype i = 0; i < ids.size(); ++i)
            m_ids[ids.at(i)].pending = kinds.at(i);
        const TestHttpResponse response =
            client.request("POST", "/v1/db/" + kDb + "/_bulk_docs",
                           QJsonDocument(QJsonObject{{QStringLiteral("docs"), docs}}).toJson(QJsonDocument::Compact), {},
                           kRequestTimeoutMs);
        if (unanswered(response))
            return false;
        const QJsonArray results = response.json().value(QStringLiteral("results")).toArray();
        if (!acknowledged(response) || results.size() != ids.size()) {
            noteUnexpected("_bulk_docs", response);
            for (const QString &id : ids) {
                m_ids[id].pending = IdState::Pending::None;
                if (m_ids[id].rev.isEmpty())
                    m_ids.remove(id);
            }
            return true;
        }
        for (qsizetype i = 0; i < ids.size(); ++i) {
            const QJsonObject result = results.at(i).toObject();
            if (result.value(QStringLiteral("id")).toString() != ids.at(i) || !result.contains(QStringLiteral("rev"))) {
                m_unexpected.append(QStringLiteral("_bulk_docs result %1 for %2: %3")
                                        .arg(i)
                                        .arg(ids.at(i), QString::fromUtf8(QJsonDocument(result).toJson(QJsonDocument::Compact))));
                m_ids[ids.at(i)].pending = IdState::Pending::None;
                continue;
            }
            applyAcknowledged(ids.at(i), result.value(QStringLiteral("rev")).toString(), false);
        }
        return true;
    }

    quint16 m_port;
    QString m_prefix;
    QRandomGenerator m_random;
    const std::atomic<bool> *m_stop;
    std::atomic<int> *m_acked;
    QHash<QString, IdState> m_ids;
    QStringList m_live;
    QStringList m_unexpected;
    int m_next = 0;
    int m_writes = 0;
};

// Every document of the database, tombstones included: id -> (rev, deleted).
struct StoredState
{
    QString rev;
    bool deleted = false;
};

QString readAll(TestHttpClient &client, QHash<QString, StoredState> *out)
{
    for (int skip = 0;; skip += 1000) {
        const TestHttpResponse page =
            client.get("/v1/db/" + kDb + "/_all_docs?includeDeleted=true&limit=1000&skip=" + QByteArray::number(skip));
        if (page.status != 200)
            return QStringLiteral("_all_docs skip=%1: %2 %3 %4").arg(skip).arg(page.status).arg(page.error, QString::fromUtf8(page.body.left(200)));
        const QJsonArray items = page.json().value(QStringLiteral("items")).toArray();
        for (const QJsonValue &item : items) {
            const QJsonObject doc = item.toObject();
            out->insert(doc.value(QStringLiteral("id")).toString(),
                        StoredState{doc.value(QStringLiteral("rev")).toString(), doc.value(QStringLiteral("deleted")).toBool()});
        }
        if (items.size() < 1000)
            return QString();
    }
}

// Checks `stored` against what the writers know; returns the problems.
QStringList compare(const QHash<QString, IdState> &expected, const QHash<QString, StoredState> &stored)
{
    QStringList problems;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        const IdState &want = it.value();
        const auto found = stored.find(it.key());
        const bool present = found != stored.end();
        const QString got = present ? QStringLiteral("rev %1%2").arg(found->rev, found->deleted ? QStringLiteral(" (deleted)") : QString())
                                    : QStringLiteral("missing");
        const bool exact = present && found->rev == want.rev && found->deleted == want.deleted;
        bool ok = exact;
        switch (want.pending) {
        case IdState::Pending::None:
            break;
        case IdState::Pending::Create:
            ok = !present || (!found->deleted && generationOf(found->rev) == 1);
            break;
        case IdState::Pending::Update:
            ok = exact || (present && !found->deleted && generationOf(found->rev) == generationOf(want.rev) + 1);
            break;
        case IdState::Pending::Delete:
            ok = exact || (present && found->deleted && generationOf(found->rev) == generationOf(want.rev) + 1);
            break;
        }
        if (!ok) {
            problems.append(QStringLiteral("%1: acknowledged rev %2%3, pending %4; stored: %5")
                                .arg(it.key(), want.rev, want.deleted ? QStringLiteral(" (deleted)") : QString())
                                .arg(int(want.pending))
                                .arg(got));
        }
    }
    return problems;
}

QString integrityCheck(const QString &path)
{
    QString result;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("integrity"));
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (!db.open()) {
            result = QStringLiteral("cannot open: ") + db.lastError().text();
        } else {
            QSqlQuery query(db);
            if (!query.exec(QStringLiteral("PRAGMA integrity_check"))) {
                result = QStringLiteral("integrity_check failed: ") + query.lastError().text();
            } else {
                QStringList rows;
                while (query.next())
                    rows.append(query.value(0).toString());
                result = rows.join(QLatin1Char('\n'));
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("integrity"));
    return result;
}

QString firstLines(const QStringList &problems, int count = 10)
{
    return QStringLiteral("%1 problem(s):\n").arg(problems.size()) + problems.mid(0, count).join(QLatin1Char('\n'));
}

} // namespace

class TestCrashSafety : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")), "the QSQLITE driver is missing");
        QVERIFY(m_dataDir.isValid());
        m_seed = QRandomGenerator::global()->generate();
        qInfo("seed %u", m_seed);
    }

    void killDuringWriteBurst_data()
    {
        QTest::addColumn<bool>("adminKill");
        QTest::newRow("SIGKILL 1") << false;
        QTest::newRow("SIGKILL 2") << false;
        QTest::newRow("SIGKILL 3") << false;
        QTest::newRow("SIGKILL 4") << false;
        QTest::newRow("POST /v1/_admin/kill") << true;
    }
    void killDuringWriteBurst()
    {
        QFETCH(bool, adminKill);
        const int round = m_round++;
        QRandomGenerator random(m_seed + quint32(round));

        ServerProcess server(m_dataDir.path());
        QVERIFY2(server.start(), qPrintable(server.output()));
        if (round == 0) {
            TestHttpClient setup(server.port());
            const TestHttpResponse created = setup.put("/v1/db/" + kDb);
            QVERIFY2(created.status == 201, created.body.constData());
        }

        // The burst.
        std::atomic<bool> stop{false};
        std::atomic<int> acked{0};
        std::vector<std::unique_ptr<BurstWorker>> workers;
        std::vector<std::unique_ptr<QThread>> threads;
        const auto stopWorkers = qScopeGuard([&] {
            stop = true;
            server.kill();
            for (const auto &thread : threads)
                thread->wait(30000);
        });
        for (int w = 0; w < kWriters; ++w) {
            workers.push_back(std::make_unique<BurstWorker>(server.port(), QStringLiteral("r%1w%2").arg(round).arg(w),
                                                            quint32(random.generate()), &stop, &acked));
            BurstWorker *worker = workers.back().get();
            threads.emplace_back(QThread::create([worker] { worker->run(); }));
            threads.back()->start();
        }
        QDeadlineTimer warmUp(15000);
        while (acked.load() < 100 && !warmUp.hasExpired())
            QThread::msleep(5);
        QVERIFY2(acked.load() >= 100, qPrintable(QStringLiteral("only %1 writes acknowledged in 15 s").arg(acked.load())));
        QThread::msleep(random.bounded(50, 400));
        for (const auto &thread : threads)
            QVERIFY2(thread->isRunning(), "a writer stopped before the kill: the server stopped answering");

        const int ackedBeforeKill = acked.load();
        if (adminKill) {
            TestHttpClient admin(server.port());
            const TestHttpResponse refused = admin.post("/v1/_admin/kill", {});
            QVERIFY2(refused.status == 401, qPrintable(QStringLiteral("kill without token: %1").arg(refused.status)));
            QVERIFY(server.isAlive());
            const TestHttpResponse killed =
                admin.request("POST", "/v1/_admin/kill", {}, {{"Authorization", "Bearer " + server.token()}});
            QVERIFY2(killed.status == 202, qPrintable(QStringLiteral("%1 %2 %3").arg(killed.status).arg(killed.error, QString::fromUtf8(killed.body))));
            QVERIFY2(server.waitForExit(10000), "the node did not die after POST /v1/_admin/kill");
        } else {
            server.kill();
        }
        QCOMPARE(server.exitCode(), -1); // ended by SIGKILL, not by an exit
        stop = true;
        for (const auto &thread : threads)
            QVERIFY2(thread->wait(30000), "a writer did not finish after the kill");

        int inFlight = 0;
        QStringList unexpected;
        for (const auto &worker : workers) {
            unexpected += worker->unexpected();
            for (auto it = worker->ids().begin(); it != worker->ids().end(); ++it) {
                m_expected.insert(it.key(), it.value());
                if (it.value().pending != IdState::Pending::None)
                    ++inFlight;
            }
        }
        QVERIFY2(unexpected.isEmpty(), qPrintable(QStringLiteral("writes refused during the burst: ") + firstLines(unexpected)));
        qInfo("round %d: %d writes acknowledged (%d before the kill), %d in flight at the kill, %lld ids known", round,
              acked.load(), ackedBeforeKill, inFlight, qint64(m_expected.size()));

        // Restart and check every acknowledged write.
        QVERIFY2(server.start(), qPrintable(server.output()));
        TestHttpClient client(server.port());
        QHash<QString, StoredState> stored;
        const QString readError = readAll(client, &stored);
        QVERIFY2(readError.isEmpty(), qPrintable(readError));
        const QStringList problems = compare(m_expected, stored);
        QVERIFY2(problems.isEmpty(), qPrintable(firstLines(problems)));

        // Single reads agree, and a deleted document is a 404 "deleted".
        const QString prefix = QStringLiteral("r%1w").arg(round);
        for (auto it = m_expected.begin(); it != m_expected.end(); ++it) {
            if (!it.key().startsWith(prefix))
                continue;
            const auto found = stored.constFind(it.key());
            const TestHttpResponse read = client.get(docPath(it.key()));
            if (found == stored.cend()) {
                QVERIFY2(read.status == 404 && !read.json().contains(QStringLiteral("reason")),
                         qPrintable(QStringLiteral("%1: %2 %3").arg(it.key()).arg(read.status).arg(QString::fromUtf8(read.body))));
            } else if (found->deleted) {
                QVERIFY2(read.status == 404 && read.json().value(QStringLiteral("reason")).toString() == QLatin1String("deleted"),
                         qPrintable(QStringLiteral("%1: %2 %3").arg(it.key()).arg(read.status).arg(QString::fromUtf8(read.body))));
            } else {
                QVERIFY2(read.status == 200 && read.json().value(QStringLiteral("rev")).toString() == found->rev,
                         qPrintable(QStringLiteral("%1: %2 %3, _all_docs says %4").arg(it.key()).arg(read.status).arg(QString::fromUtf8(read.body.left(200)), found->rev)));
                QCOMPARE(read.json().value(QStringLiteral("data")).toObject().value(QStringLiteral("id")).toString(), it.key());
            }
        }

        // The counters agree with the documents.
        const QJsonObject stats = client.get("/v1/db/" + kDb).json();
        qint64 deleted = 0;
        for (const StoredState &state : std::as_const(stored))
            deleted += state.deleted ? 1 : 0;
        QCOMPARE(stats.value(QStringLiteral("docsTotal")).toInteger(), qint64(stored.size()));
        QCOMPARE(stats.value(QStringLiteral("docsDeleted")).toInteger(), deleted);

        // What is stored now is durable: it becomes the expectation.
        for (auto it = m_expected.begin(); it != m_expected.end();) {
            const auto found = stored.constFind(it.key());
            if (found == stored.cend()) {
                it = m_expected.erase(it);
                continue;
            }
            it->rev = found->rev;
            it->deleted = found->deleted;
            it->pending = IdState::Pending::None;
            ++it;
        }

        // A clean stop, then SQLite's own check of the file.
        QCOMPARE(server.terminate(), 0);
        const QString integrity = integrityCheck(m_dataDir.filePath(QStringLiteral("peacedb.sqlite")));
        QVERIFY2(integrity == QLatin1String("ok"), qPrintable(integrity));
    }

private:
    QTemporaryDir m_dataDir;
    quint32 m_seed = 0;
    int m_round = 0;
    QHash<QString, IdState> m_expected;
};

QTEST_GUILESS_MAIN(TestCrashSafety)
#include "tst_crashsafety.moc"
