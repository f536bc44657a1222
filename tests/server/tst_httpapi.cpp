// tst_httpapi: the client HTTP API of README.md ("Client API") against a real
// peacedb-server process.
//
// One server, started in initTestCase, serves most cases; every test function
// works in its own database so the functions do not depend on each other. The
// cases that need another configuration (small limits) or end the process
// (admin kill) start a dedicated server. Refused writes are also checked to
// have changed nothing (the document and the database's _seq are as before).
//
#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include "ServerProcess.h"
#include "TestHttpClient.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace {

const QByteArray kAbsentRev = "1-" + QByteArray(40, 'a');

QByteArray describe(const TestHttpResponse &response)
{
    QByteArray text = "HTTP " + QByteArray::number(response.status) + ' ' + response.body.left(1500);
    if (!response.error.isEmpty())
        text += " [client: " + response.error.toUtf8() + ']';
    return text;
}

QString statusMismatch(const TestHttpResponse &response, int expected)
{
    if (response.status == expected)
        return QString();
    return QStringLiteral("expected HTTP %1, got %2").arg(expected).arg(QString::fromUtf8(describe(response)));
}

// Empty when `response` is the error the README describes: `status`, a JSON
// body {"ok":false,"error":"…"} whose error contains `fragment` (ignoring
// case), and every member of `context` (db/id/rev/reason) with that value.
QString errorMismatch(const TestHttpResponse &response, int status, const QString &fragment, const QJsonObject &context)
{
    const QString got = QString::fromUtf8(describe(response));
    if (response.status != status)
        return QStringLiteral("expected HTTP %1, got %2").arg(status).arg(got);
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(response.body, &parseError);
    if (!document.isObject())
        return QStringLiteral("error body is not a JSON object: %1").arg(got);
    const QJsonObject body = document.object();
    if (body.value(QStringLiteral("ok")) != QJsonValue(false))
        return QStringLiteral("error body lacks \"ok\":false: %1").arg(got);
    const QString error = body.value(QStringLiteral("error")).toString();
    if (error.isEmpty())
        return QStringLiteral("error body has no \"error\" text: %1").arg(got);
    if (!error.contains(fragment, Qt::CaseInsensitive))
        return QStringLiteral("error text does not mention '%1': %2").arg(fragment, got);
    for (auto it = context.begin(); it != context.end(); ++it) {
        if (body.value(it.key()) != it.value()) {
            return QStringLiteral("error body should have %1 = %2: %3")
                .arg(it.key(), QString::fromUtf8(QJsonDocument(QJsonArray{it.value()}).toJson(QJsonDocument::Compact)), got);
        }
    }
    return QString();
}

QStringList idsOf(const QJsonArray &items)
{
    QStringList ids;
    for (const QJsonValue &item : items)
        ids.append(item.toObject().value(QStringLiteral("id")).toString());
    return ids;
}

// Empty when `response` is a 200 list answer with exactly `ids` (in this
// order) and `total` matches.
QString listMismatch(const TestHttpResponse &response, const QStringList &ids, qint64 total)
{
    const QString got = QString::fromUtf8(describe(response));
    if (response.status != 200)
        return QStringLiteral("expected HTTP 200, got %1").arg(got);
    const QJsonObject body = response.json();
    if (!body.value(QStringLiteral("items")).isArray() || !body.value(QStringLiteral("total")).isDouble())
        return QStringLiteral("not a list answer {total, items}: %1").arg(got);
    const QStringList actual = idsOf(body.value(QStringLiteral("items")).toArray());
    if (actual != ids) {
        return QStringLiteral("expected ids [%1], got [%2]: %3")
            .arg(ids.join(QStringLiteral(", ")), actual.join(QStringLiteral(", ")), got);
    }
    if (body.value(QStringLiteral("total")).toInteger() != total)
        return QStringLiteral("expected total %1: %2").arg(total).arg(got);
    return QString();
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

int generationOf(const QString &rev)
{
    static const QRegularExpression pattern(QStringLiteral("^([1-9][0-9]*)-[0-9a-f]{40}$"));
    const QRegularExpressionMatch match = pattern.match(rev);
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

QStringList sortedByUtf8(QStringList ids)
{
    std::sort(ids.begin(), ids.end(), [](const QString &a, const QString &b) { return a.toUtf8() < b.toUtf8(); });
    return ids;
}

// The ids of `sorted` (in byte order of UTF-8) that sort strictly after `after`.
QStringList idsAfter(const QStringList &sorted, const QString &after)
{
    QStringList ids;
    const QByteArray key = after.toUtf8();
    for (const QString &id : sorted) {
        if (id.toUtf8() > key)
            ids.append(id);
    }
    return ids;
}

// One page request of a list endpoint: after (nullopt: none), skip, limit.
using ListRequest = std::function<TestHttpResponse(const std::optional<QString> &, qint64, qint64)>;

// Pages through a list by keyset (each page's last id is the next `after`,
// skip 0) in pages of `pageSize`, until an empty page. Every answer must be
// a 200 with `total`. Returns what went wrong, or an empty string.
QString pageThroughWithAfter(const ListRequest &request, qint64 total, int pageSize, QStringList *ids)
{
    std::optional<QString> after;
    for (int round = 0; round < 1000; ++round) {
        const TestHttpResponse response = request(after, 0, pageSize);
        if (response.status != 200 || !response.json().value(QStringLiteral("items")).isArray())
            return QStringLiteral("page after '%1': %2").arg(after.value_or(QString()), QString::fromUtf8(describe(response)));
        if (response.json().value(QStringLiteral("total")).toInteger() != total)
            return QStringLiteral("page after '%1': total should stay %2: %3").arg(after.value_or(QString())).arg(total).arg(QString::fromUtf8(describe(response)));
        const QStringList page = idsOf(response.json().value(QStringLiteral("items")).toArray());
        if (page.size() > pageSize)
            return QStringLiteral("page after '%1' has %2 items").arg(after.value_or(QString())).arg(page.size());
        if (page.isEmpty())
            return QString();
        *ids += page;
        after = page.last();
    }
    return QStringLiteral("paging did not end");
}

// Reads from a raw socket until `done(buffer)` or timeoutMs; returns what came.
template<typename Done>
QByteArray readUntil(QTcpSocket &socket, Done done, int timeoutMs = 5000)
{
    QByteArray buffer;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired() && !done(buffer)) {
        if (socket.bytesAvailable() == 0 && socket.state() != QAbstractSocket::ConnectedState)
            break;
        socket.waitForReadyRead(50);
        buffer += socket.readAll();
    }
    return buffer;
}

// True once `buffer` holds a whole answer framed by Content-Length.
bool hasWholeAnswer(const QByteArray &buffer)
{
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return false;
    static const QRegularExpression lengthPattern(QStringLiteral("(?i)\r\ncontent-length:\\s*(\\d+)"));
    const QRegularExpressionMatch match = lengthPattern.match(QString::fromLatin1(buffer.left(end + 2)));
    return buffer.size() >= end + 4 + (match.hasMatch() ? match.captured(1).toLongLong() : 0);
}

} // namespace

// `response` is evaluated once, so a request expression may be passed.
#define VERIFY_STATUS(response, expected)                                                                              \
    do {                                                                                                               \
        const TestHttpResponse &checked_ = (response);                                                                 \
        QVERIFY2(checked_.status == (expected), qPrintable(statusMismatch(checked_, expected)));                       \
    } while (false)

#define VERIFY_ERROR(response, status, fragment, context)                                                              \
    do {                                                                                                               \
        const QString problem_ = errorMismatch((response), (status), (fragment), (context));                           \
        QVERIFY2(problem_.isEmpty(), qPrintable(problem_));                                                            \
    } while (false)

#define VERIFY_LIST(response, ids, total)                                                                              \
    do {                                                                                                               \
        const QString problem_ = listMismatch((response), (ids), (total));                                             \
        QVERIFY2(problem_.isEmpty(), qPrintable(problem_));                                                            \
    } while (false)

class TestHttpApi : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dataDir;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<TestHttpClient> m_client;

    TestHttpResponse get(const QByteArray &path) { return m_client->get(path); }
    TestHttpResponse put(const QByteArray &path, const QByteArray &body = {}) { return m_client->put(path, body); }
    TestHttpResponse post(const QByteArray &path, const QByteArray &body) { return m_client->post(path, body); }
    TestHttpResponse del(const QByteArray &path) { return m_client->del(path); }
    TestHttpResponse head(const QByteArray &path) { return m_client->request("HEAD", path); }

    static QByteArray docPath(const QByteArray &db, const QString &id)
    {
        return "/v1/db/" + db + "/docs/" + TestHttpClient::encode(id);
    }

    // The database's _seq, or -1 (with the answer in *failure) if unreadable.
    qint64 seqOf(const QByteArray &db, TestHttpResponse *failure = nullptr)
    {
        const TestHttpResponse response = get("/v1/db/" + db + "/_seq");
        if (response.status != 200 || !response.json().value(QStringLiteral("seq")).isDouble()) {
            if (failure)
                *failure = response;
            return -1;
        }
        return response.json().value(QStringLiteral("seq")).toInteger();
    }

    // Creates `db` and stores `documents` with one _bulk_docs; returns what
    // went wrong, or an empty string.
    QString seed(const QByteArray &db, const QJsonArray &documents)
    {
        const TestHttpResponse created = put("/v1/db/" + db);
        if (created.status != 201)
            return QStringLiteral("creating %1: %2").arg(QString::fromUtf8(db), QString::fromUtf8(describe(created)));
        const TestHttpResponse bulk = post("/v1/db/" + db + "/_bulk_docs", compact({{QStringLiteral("docs"), documents}}));
        if (bulk.status != 200)
            return QStringLiteral("seeding %1: %2").arg(QString::fromUtf8(db), QString::fromUtf8(describe(bulk)));
        for (const QJsonValue &result : bulk.json().value(QStringLiteral("results")).toArray()) {
            if (generationOf(result.toObject().value(QStringLiteral("rev")).toString()) != 1)
                return QStringLiteral("seeding %1: %2").arg(QString::fromUtf8(db), QString::fromUtf8(describe(bulk)));
        }
        return QString();
    }

    // Deletes the live document `id` (reading its rev first).
    QString remove(const QByteArray &db, const QString &id)
    {
        const TestHttpResponse current = get(docPath(db, id));
        if (current.status != 200)
            return QStringLiteral("reading %1 before deleting it: %2").arg(id, QString::fromUtf8(describe(current)));
        const TestHttpResponse deleted =
            del(docPath(db, id) + "?rev=" + current.json().value(QStringLiteral("rev")).toString().toLatin1());
        if (deleted.status != 200)
            return QStringLiteral("deleting %1: %2").arg(id, QString::fromUtf8(describe(deleted)));
        return QString();
    }

    // Sends every request's bytes but the last on its client, then the last
    // bytes on all of them, then reads every answer: all requests are in the
    // server at once before any is answered.
    static QList<TestHttpResponse> sendTogether(std::vector<std::unique_ptr<TestHttpClient>> &clients,
                                                const QList<QByteArray> &requests, QString *error)
    {
        QList<TestHttpResponse> responses;
        for (size_t i = 0; i < clients.size(); ++i) {
            if (!clients[i]->send(requests.at(qsizetype(i)).chopped(1), error))
                return responses;
        }
        for (size_t i = 0; i < clients.size(); ++i) {
            if (!clients[i]->send(requests.at(qsizetype(i)).right(1), error))
                return responses;
        }
        for (const std::unique_ptr<TestHttpClient> &client : clients)
            responses.append(client->receive());
        return responses;
    }

    // The slots are defined below the class: moc (Qt 6.4) loses the class when
    // a raw string literal containing '"' comes before its last slot.
private slots:
    void initTestCase();
    void cleanupTestCase();

    // ---- 1. Databases ---------------------------------------------------
    void databaseLifecycle();
    void invalidDatabaseNames_data();
    void invalidDatabaseNames();

    // Every database route answers 404 for a database that does not exist,
    // and none of them creates it.
    void missingDatabase_data();
    void missingDatabase();

    // ---- 2. Documents ---------------------------------------------------
    void documentReadWrite();

    // Every malformed document is a 400 on PUT (new and existing id) and
    // POST, naming what is wrong, and changes nothing.
    void documentBodyErrors_data();
    void documentBodyErrors();
    void postDocuments();
    void deleteDocuments();

    // ---- 3. Unicode ------------------------------------------------------
    void unicodeDocuments();
    void unicodeSortOrder();
    void invalidDocumentIds_data();
    void invalidDocumentIds();
    void invalidUtf8InPath();

    // ---- 4. Bulk ---------------------------------------------------------
    void bulkMixedBatch();
    void bulkRequestErrors_data();
    void bulkRequestErrors();

    // ---- 5. Listing and 6. changes, over many documents -------------------
    void deepPaging();
    void pagingParameterErrors_data();
    void pagingParameterErrors();

    // `after` (keyset paging) on _all_docs, _find/fields, _find/tags and
    // _search: pages of 7 through Unicode ids give every id once in order,
    // totals ignore after, skip applies after it; bad values are 400s.
    void keysetPaging();
    void keysetPagingErrors_data();
    void keysetPagingErrors();
    void changesFeed();

    // ---- 7. _find/fields --------------------------------------------------
    void findFields_data();
    void findFields();
    void findFieldsErrors_data();
    void findFieldsErrors();
    void findPaging();

    // ---- 8. _find/tags ----------------------------------------------------
    void findTags_data();
    void findTags();
    void tagsAreStoredAsGiven();
    void findTagsErrors_data();
    void findTagsErrors();

    // ---- 9. _search -------------------------------------------------------
    void search_data();
    void search();

    // FTS5 syntax in q is text, never an error.
    void searchSyntaxNeverFails_data();
    void searchSyntaxNeverFails();
    void searchRequestsAndUpdates();

    // ---- 10. Routing and HTTP ----------------------------------------------
    void unknownRoutes_data();
    void unknownRoutes();
    void wrongMethod_data();
    void wrongMethod();
    void adminNeedsToken_data();
    void adminNeedsToken();
    void adminConfig();
    void healthAndStats();
    void connectionHandling();
    void queryStringsAreFormDecoded();

    // ---- 11. Limits, on a server of its own ---------------------------------
    void limits();

    // POST /v1/_admin/kill ends the process like a crash; what was
    // acknowledged before is still there after a restart.
    void adminKill();

    // ---- 12. Concurrency -----------------------------------------------------
    void concurrentUpdates();
    void concurrentCreates();
};

void TestHttpApi::initTestCase()
{
    QVERIFY2(m_dataDir.isValid(), qPrintable(m_dataDir.errorString()));
    m_server = std::make_unique<ServerProcess>(m_dataDir.path());
    QVERIFY2(m_server->start(), qPrintable(m_server->output()));
    m_client = std::make_unique<TestHttpClient>(m_server->port());
    VERIFY_STATUS(get("/healthz"), 200);

    // Fixtures for the data-driven query tests (one database each).
    QString problem = seed("fields", QJsonArray{
        QJsonObject{{"id", "alice"}, {"data", QJsonObject{{"name", "Alice"}, {"age", 30}, {"active", true}, {"score", 7.5},
                                                           {"address", QJsonObject{{"city", "Paris"}, {"zip", 75001}}},
                                                           {"items", QJsonArray{QJsonObject{{"sku", "A1"}}, QJsonObject{{"sku", "A2"}}}}}}},
        QJsonObject{{"id", "bob"}, {"data", QJsonObject{{"name", "Bob"}, {"age", "30"}, {"active", false},
                                                         {"address", QJsonObject{{"city", "Berlin"}}},
                                                         {"items", QJsonArray{QJsonObject{{"sku", "B1"}}}}}}},
        QJsonObject{{"id", "carol"}, {"data", QJsonObject{{"name", "Carol"}, {"age", 45}, {"active", "true"},
                                                           {"address", QJsonObject{{"city", "Paris"}}},
                                                           {QStringLiteral("город"), QStringLiteral("Москва")}}}},
        QJsonObject{{"id", "dave"}, {"data", QJsonObject{{"name", "Dave"}, {"age", 25}, {"active", true},
                                                          {"address", QJsonObject{{"city", "Paris"}}}}}},
    });
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = remove("fields", QStringLiteral("dave"));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    problem = seed("tags", QJsonArray{
        QJsonObject{{"id", "t1"}, {"tags", QJsonArray{"red", "fruit"}}},
        QJsonObject{{"id", "t2"}, {"tags", QJsonArray{"green", "fruit"}}},
        QJsonObject{{"id", "t3"}, {"tags", QJsonArray{"red", "veg"}}},
        QJsonObject{{"id", "t4"}, {"tags", QJsonArray{"  red "}}},
        QJsonObject{{"id", "t5"}, {"data", QJsonObject{{"untagged", true}}}},
        QJsonObject{{"id", "t6"}, {"tags", QJsonArray{"Red", "ΣΟΦΙΑ", "RED"}}},
        QJsonObject{{"id", "t7"}, {"tags", QJsonArray{"red", "fruit", "green", "veg"}}},
    });
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = remove("tags", QStringLiteral("t7"));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    problem = seed("search", QJsonArray{
        QJsonObject{{"id", "s1"}, {"content", "The quick brown fox jumps over the lazy dog"}},
        QJsonObject{{"id", "s2"}, {"content", "Quick silver"}, {"data", QJsonObject{{"note", "a sleepy Walrus"}}}},
        QJsonObject{{"id", "s3"}, {"tags", QJsonArray{"zebra"}}, {"content", "striped animal"}},
        QJsonObject{{"id", "s4"}, {"content", QStringLiteral("Un café crème, s'il vous plaît")}},
        QJsonObject{{"id", "s5"}, {"content", QStringLiteral("Привет, мир! Быстрая лиса")},
                    {"data", QJsonObject{{"город", QStringLiteral("Москва")}, {"list", QJsonArray{"nested needle"}}}}},
        QJsonObject{{"id", "s6"}, {"content", "ephemeral quick note"}},
        QJsonObject{{"id", "s7"}, {"content", QStringLiteral("Отчёт за 2024 год, v2")}},
    });
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = remove("search", QStringLiteral("s6"));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestHttpApi::cleanupTestCase()
{
    if (!m_server)
        return;
    QVERIFY2(m_server->isRunning(), qPrintable(m_server->output()));
    const int exitCode = m_server->terminate();
    QVERIFY2(exitCode == 0, qPrintable(QStringLiteral("SIGTERM exit code %1\n%2").arg(exitCode).arg(m_server->output())));
}

void TestHttpApi::databaseLifecycle()
{
    TestHttpResponse response = head("/v1/db/life");
    VERIFY_STATUS(response, 404);
    QVERIFY2(response.body.isEmpty(), response.body.constData());
    response = head("/v1/db/life");
    VERIFY_STATUS(response, 404); // HEAD did not create it
    response = get("/v1/db");
    VERIFY_STATUS(response, 200);
    QVERIFY2(!response.json().value("items").toArray().contains("life"), response.body.constData());

    response = put("/v1/db/life");
    VERIFY_STATUS(response, 201);
    QCOMPARE(response.json(), (QJsonObject{{"ok", true}, {"db", "life"}, {"created", true}}));
    response = put("/v1/db/life");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), (QJsonObject{{"ok", true}, {"db", "life"}, {"created", false}}));
    response = head("/v1/db/life");
    VERIFY_STATUS(response, 200);
    QVERIFY2(response.body.isEmpty(), response.body.constData());

    response = get("/v1/db");
    VERIFY_STATUS(response, 200);
    const QJsonArray names = response.json().value("items").toArray();
    QVERIFY2(names.contains("life") && names.contains("fields"), response.body.constData());
    QCOMPARE(response.json().value("total").toInteger(), qint64(names.size()));
    QStringList nameList;
    for (const QJsonValue &name : names)
        nameList.append(name.toString());
    QCOMPARE(nameList, sortedByUtf8(nameList));

    const QJsonObject emptyStats{{"db", "life"}, {"seq", 0}, {"docsTotal", 0}, {"docsAlive", 0},
                                 {"docsDeleted", 0}, {"tagIndexCount", 0}};
    response = get("/v1/db/life");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), emptyStats);
    response = get("/v1/db/life/_stats");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), emptyStats);
    response = get("/v1/db/life/_seq");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), (QJsonObject{{"db", "life"}, {"seq", 0}}));

    VERIFY_STATUS(put(docPath("life", "a"), R"({"tags":["x","y"]})"), 200);
    VERIFY_STATUS(put(docPath("life", "b"), R"({"tags":["y","z"],"content":"bee"})"), 200);
    response = get("/v1/db/life/_stats");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), (QJsonObject{{"db", "life"}, {"seq", 2}, {"docsTotal", 2}, {"docsAlive", 2},
                                           {"docsDeleted", 0}, {"tagIndexCount", 3}}));
    const QString problem = remove("life", QStringLiteral("b"));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    response = get("/v1/db/life/_stats");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("seq").toInteger(), 3);
    QCOMPARE(response.json().value("docsTotal").toInteger(), 2);
    QCOMPARE(response.json().value("docsAlive").toInteger(), 1);
    QCOMPARE(response.json().value("docsDeleted").toInteger(), 1);
    QCOMPARE(seqOf("life"), 3);

    response = del("/v1/db/life");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), (QJsonObject{{"ok", true}, {"db", "life"}}));
    VERIFY_STATUS(head("/v1/db/life"), 404);
    VERIFY_ERROR(get("/v1/db/life"), 404, "not found", (QJsonObject{{"db", "life"}}));
    VERIFY_ERROR(get("/v1/db/life/_seq"), 404, "not found", (QJsonObject{{"db", "life"}}));
    VERIFY_ERROR(get(docPath("life", "a")), 404, "not found", (QJsonObject{{"db", "life"}, {"id", "a"}}));
    VERIFY_ERROR(del("/v1/db/life"), 404, "not found", (QJsonObject{{"db", "life"}}));
    response = get("/v1/db");
    QVERIFY2(!response.json().value("items").toArray().contains("life"), response.body.constData());

    // Recreated, it is a new, empty database: no documents, revisions or tags.
    VERIFY_STATUS(put("/v1/db/life"), 201);
    response = get("/v1/db/life/_stats");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), emptyStats);
    VERIFY_ERROR(get(docPath("life", "a")), 404, "not found", (QJsonObject{{"db", "life"}, {"id", "a"}}));
    VERIFY_LIST(get("/v1/db/life/_all_docs"), QStringList(), 0);
    VERIFY_LIST(post("/v1/db/life/_find/tags", R"({"anyOf":["x","y","z"]})"), QStringList(), 0);
    VERIFY_LIST(get("/v1/db/life/_search?q=bee"), QStringList(), 0);
    response = get("/v1/db/life/_changes?since=0");
    VERIFY_STATUS(response, 200);
    QVERIFY2(response.json().value("results").toArray().isEmpty(), response.body.constData());
    // A new document "a" starts at generation 1 again: no revision survived.
    response = put(docPath("life", "a"), R"({"tags":["x","y"]})");
    VERIFY_STATUS(response, 200);
    QCOMPARE(generationOf(response.json().value("rev").toString()), 1);
}

void TestHttpApi::invalidDatabaseNames_data()
{
    QTest::addColumn<QByteArray>("segment");
    QTest::addColumn<QString>("name");
    QTest::newRow("reserved _x") << QByteArray("_x") << QStringLiteral("_x");
    QTest::newRow("65 characters") << QByteArray(65, 'a') << QString(65, QLatin1Char('a'));
    QTest::newRow("space via %20") << QByteArray("a%20b") << QStringLiteral("a b");
    QTest::newRow("cyrillic") << TestHttpClient::encode(QStringLiteral("база")) << QStringLiteral("база");
    QTest::newRow("dash first") << QByteArray("-x") << QStringLiteral("-x");
    QTest::newRow("dollar") << QByteArray("a$") << QStringLiteral("a$");
}

void TestHttpApi::invalidDatabaseNames()
{
    QFETCH(QByteArray, segment);
    QFETCH(QString, name);
    const QByteArray path = "/v1/db/" + segment;
    const QJsonObject where{{"db", name}};
    VERIFY_ERROR(put(path), 400, "invalid database name", where);
    VERIFY_ERROR(get(path), 400, "invalid database name", where);
    VERIFY_ERROR(del(path), 400, "invalid database name", where);
    VERIFY_ERROR(put(path + "/docs/a", "{}"), 400, "invalid database name", where);
    VERIFY_ERROR(post(path + "/docs", "{}"), 400, "invalid database name", where);
    VERIFY_ERROR(post(path + "/_bulk_docs", R"({"docs":[{}]})"), 400, "invalid database name", where);
    const TestHttpResponse probe = head(path);
    QVERIFY2(probe.status == 400 || probe.status == 404, describe(probe).constData());
    QVERIFY2(probe.body.isEmpty(), probe.body.constData());
    const TestHttpResponse list = get("/v1/db");
    VERIFY_STATUS(list, 200);
    QVERIFY2(!list.json().value("items").toArray().contains(name), list.body.constData());
}

void TestHttpApi::missingDatabase_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("namesDocument");
    const QByteArray db = "/v1/db/nodb";
    QTest::newRow("GET db") << QByteArray("GET") << db << QByteArray() << false;
    QTest::newRow("DELETE db") << QByteArray("DELETE") << db << QByteArray() << false;
    QTest::newRow("GET _stats") << QByteArray("GET") << QByteArray(db + "/_stats") << QByteArray() << false;
    QTest::newRow("GET _seq") << QByteArray("GET") << QByteArray(db + "/_seq") << QByteArray() << false;
    QTest::newRow("GET doc") << QByteArray("GET") << QByteArray(db + "/docs/a") << QByteArray() << true;
    QTest::newRow("GET doc ?rev") << QByteArray("GET") << QByteArray(db + "/docs/a?rev=" + kAbsentRev) << QByteArray() << true;
    QTest::newRow("PUT doc") << QByteArray("PUT") << QByteArray(db + "/docs/a") << QByteArray(R"({"data":{}})") << true;
    QTest::newRow("POST doc") << QByteArray("POST") << QByteArray(db + "/docs") << QByteArray(R"({"data":{}})") << false;
    QTest::newRow("DELETE doc") << QByteArray("DELETE") << QByteArray(db + "/docs/a?rev=" + kAbsentRev) << QByteArray() << true;
    QTest::newRow("_bulk_docs") << QByteArray("POST") << QByteArray(db + "/_bulk_docs") << QByteArray(R"({"docs":[{"id":"a"}]})") << false;
    QTest::newRow("_all_docs") << QByteArray("GET") << QByteArray(db + "/_all_docs") << QByteArray() << false;
    QTest::newRow("_changes") << QByteArray("GET") << QByteArray(db + "/_changes?since=0") << QByteArray() << false;
    QTest::newRow("_find/fields") << QByteArray("POST") << QByteArray(db + "/_find/fields") << QByteArray("{}") << false;
    QTest::newRow("_find/tags") << QByteArray("POST") << QByteArray(db + "/_find/tags") << QByteArray("{}") << false;
    QTest::newRow("_search") << QByteArray("GET") << QByteArray(db + "/_search?q=word") << QByteArray() << false;
}

void TestHttpApi::missingDatabase()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, body);
    QFETCH(bool, namesDocument);
    QJsonObject where{{"db", "nodb"}};
    if (namesDocument)
        where.insert("id", "a");
    VERIFY_ERROR(m_client->request(method, path, body), 404, "database", where);
    VERIFY_STATUS(head("/v1/db/nodb"), 404);
}

void TestHttpApi::documentReadWrite()
{
    VERIFY_STATUS(put("/v1/db/docs"), 201);
    const QByteArray apple = docPath("docs", "apple");
    TestHttpResponse response =
        put(apple, R"({"data":{"kind":"fruit","price":3},"tags":["red"],"content":"A crisp red apple"})");
    VERIFY_STATUS(response, 200);
    QJsonObject stored = response.json();
    const QString rev1 = stored.value("rev").toString();
    QVERIFY2(generationOf(rev1) == 1, response.body.constData());
    QCOMPARE(stored, (QJsonObject{{"id", "apple"}, {"rev", rev1}, {"deleted", false},
                                  {"data", QJsonObject{{"kind", "fruit"}, {"price", 3}}},
                                  {"tags", QJsonArray{"red"}}, {"content", "A crisp red apple"}}));
    QCOMPARE(seqOf("docs"), 1);

    response = get(apple);
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), stored);
    QCOMPARE(response.header("ETag"), QByteArray('"' + rev1.toLatin1() + '"'));
    // How far the node has applied its log ("term-seq"), so a router reading
    // from several members can keep the newest answer.
    const QByteArray applied = response.header("X-PeaceDB-Applied");
    QVERIFY2(applied.startsWith("1-") && applied.mid(2).toLongLong() >= 2, applied.constData());

    // The digest covers the body but not the id: equal bodies, equal revs.
    response = put(docPath("docs", "apple twin"), R"({"data":{"kind":"fruit","price":3},"tags":["red"],"content":"A crisp red apple"})");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("rev").toString(), rev1);
    QCOMPARE(seqOf("docs"), 2);

    // Update with the current rev.
    response = put(apple, R"({"rev":")" + rev1.toLatin1() + R"(","data":{"kind":"fruit","price":4}})");
    VERIFY_STATUS(response, 200);
    const QString rev2 = response.json().value("rev").toString();
    QVERIFY2(generationOf(rev2) == 2 && rev2 != rev1, response.body.constData());
    QCOMPARE(response.json(), (QJsonObject{{"id", "apple"}, {"rev", rev2}, {"deleted", false},
                                           {"data", QJsonObject{{"kind", "fruit"}, {"price", 4}}}}));
    QCOMPARE(seqOf("docs"), 3);
    response = get(apple);
    VERIFY_STATUS(response, 200);
    stored = response.json();
    QCOMPARE(stored.value("rev").toString(), rev2);
    QVERIFY2(!stored.contains("tags") && !stored.contains("content"), response.body.constData());

    // Conflicts: no rev, a stale rev, a rev on a new document.
    VERIFY_ERROR(put(apple, R"({"data":{"price":5}})"), 409, "conflict", (QJsonObject{{"db", "docs"}, {"id", "apple"}}));
    response = put(apple, R"({"rev":")" + rev1.toLatin1() + R"(","data":{"price":5}})");
    VERIFY_ERROR(response, 409, "conflict", (QJsonObject{{"db", "docs"}, {"id", "apple"}}));
    // The request named a rev (in its body), so the error should carry it.
    QCOMPARE(response.json().value("rev").toString(), rev1);
    VERIFY_ERROR(put(docPath("docs", "pear"), R"({"rev":")" + kAbsentRev + R"(","data":{}})"), 409, "rev",
                 (QJsonObject{{"db", "docs"}, {"id", "pear"}}));
    VERIFY_ERROR(put(apple, R"({"id":"banana","rev":")" + rev2.toLatin1() + R"("})"), 400, "id",
                 (QJsonObject{{"db", "docs"}, {"id", "apple"}}));
    VERIFY_ERROR(put(apple, R"({"rev":"not-a-rev"})"), 400, "rev", (QJsonObject{{"db", "docs"}, {"id", "apple"}}));
    response = get(apple);
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), stored);
    VERIFY_ERROR(get(docPath("docs", "pear")), 404, "not found", (QJsonObject{{"db", "docs"}, {"id", "pear"}}));
    VERIFY_ERROR(get(docPath("docs", "banana")), 404, "not found", (QJsonObject{{"db", "docs"}, {"id", "banana"}}));
    QCOMPARE(seqOf("docs"), 3);

    // An id in the body equal to the URL's is accepted; Content-Type is not checked.
    response = m_client->request("PUT", apple, R"({"id":"apple","rev":")" + rev2.toLatin1() + R"(","data":{"kind":"fruit","price":5}})",
                                 {{"Content-Type", "text/plain; charset=latin1"}});
    VERIFY_STATUS(response, 200);
    const QString rev3 = response.json().value("rev").toString();
    QCOMPARE(generationOf(rev3), 3);

    // Old revisions stay readable by ?rev=; an unknown rev is a 404.
    response = get(apple + "?rev=" + rev1.toLatin1());
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("rev").toString(), rev1);
    QCOMPARE(response.header("ETag"), QByteArray('"' + rev1.toLatin1() + '"'));
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"kind", "fruit"}, {"price", 3}}));
    QCOMPARE(response.json().value("content").toString(), QStringLiteral("A crisp red apple"));
    response = get(apple + "?rev=" + rev2.toLatin1());
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"kind", "fruit"}, {"price", 4}}));
    response = get(apple + "?rev=" + rev3.toLatin1());
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"kind", "fruit"}, {"price", 5}}));
    VERIFY_ERROR(get(apple + "?rev=" + kAbsentRev), 404, "not found",
                 (QJsonObject{{"db", "docs"}, {"id", "apple"}, {"rev", QString::fromLatin1(kAbsentRev)}}));
    VERIFY_ERROR(get(docPath("docs", "pear") + "?rev=" + rev1.toLatin1()), 404, "not found",
                 (QJsonObject{{"db", "docs"}, {"id", "pear"}}));
    // Another document's rev is not this document's.
    response = put(docPath("docs", "other"), R"({"data":{"unique":true}})");
    VERIFY_STATUS(response, 200);
    VERIFY_ERROR(get(apple + "?rev=" + response.json().value("rev").toString().toLatin1()), 404, "not found",
                 (QJsonObject{{"id", "apple"}}));
}

void TestHttpApi::documentBodyErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("unknown field") << QByteArray(R"({"data":{},"colour":"red"})") << QStringLiteral("colour");
    QTest::newRow("data is a string") << QByteArray(R"({"data":"x"})") << QStringLiteral("data");
    QTest::newRow("data is an array") << QByteArray(R"({"data":[1]})") << QStringLiteral("data");
    QTest::newRow("tags is a string") << QByteArray(R"({"tags":"red"})") << QStringLiteral("tags");
    QTest::newRow("tags[1] is a number") << QByteArray(R"({"tags":["red",1]})") << QStringLiteral("tags[1]");
    QTest::newRow("content is a number") << QByteArray(R"({"content":42})") << QStringLiteral("content");
    QTest::newRow("rev is a number") << QByteArray(R"({"rev":1})") << QStringLiteral("rev");
    QTest::newRow("deleted is a string") << QByteArray(R"({"deleted":"no"})") << QStringLiteral("deleted");
    QTest::newRow("id is a number") << QByteArray(R"({"id":7})") << QStringLiteral("id");
    QTest::newRow("malformed JSON") << QByteArray(R"({"data":)") << QStringLiteral("JSON");
    QTest::newRow("trailing garbage") << QByteArray(R"({"data":{}} x)") << QStringLiteral("JSON");
    QTest::newRow("empty body") << QByteArray() << QStringLiteral("empty");
    QTest::newRow("whitespace body") << QByteArray(" \n") << QStringLiteral("empty");
    QTest::newRow("array body") << QByteArray("[]") << QStringLiteral("object");
    QTest::newRow("string body") << QByteArray(R"("text")") << QStringLiteral("JSON");
}

void TestHttpApi::documentBodyErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, fragment);
    const TestHttpResponse created = put("/v1/db/bodyerrors");
    QVERIFY2(created.status == 201 || created.status == 200, describe(created).constData());
    if (created.status == 201)
        VERIFY_STATUS(put(docPath("bodyerrors", "existing"), R"({"data":{"v":1}})"), 200);
    const TestHttpResponse before = get(docPath("bodyerrors", "existing"));
    VERIFY_STATUS(before, 200);
    const qint64 seq = seqOf("bodyerrors");
    QVERIFY(seq > 0);

    VERIFY_ERROR(put(docPath("bodyerrors", "fresh"), body), 400, fragment,
                 (QJsonObject{{"db", "bodyerrors"}, {"id", "fresh"}}));
    VERIFY_ERROR(put(docPath("bodyerrors", "existing"), body), 400, fragment,
                 (QJsonObject{{"db", "bodyerrors"}, {"id", "existing"}}));
    VERIFY_ERROR(post("/v1/db/bodyerrors/docs", body), 400, fragment, (QJsonObject{{"db", "bodyerrors"}}));

    VERIFY_ERROR(get(docPath("bodyerrors", "fresh")), 404, "not found", QJsonObject());
    const TestHttpResponse after = get(docPath("bodyerrors", "existing"));
    VERIFY_STATUS(after, 200);
    QCOMPARE(after.json(), before.json());
    QCOMPARE(seqOf("bodyerrors"), seq);
    VERIFY_LIST(get("/v1/db/bodyerrors/_all_docs"), QStringList{"existing"}, 1);
}

void TestHttpApi::postDocuments()
{
    VERIFY_STATUS(put("/v1/db/posts"), 201);
    TestHttpResponse response = post("/v1/db/posts/docs", R"({"data":{"n":1},"content":"generated"})");
    VERIFY_STATUS(response, 201);
    const QString id = response.json().value("id").toString();
    QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{32}$")).match(id).hasMatch(), response.body.constData());
    QCOMPARE(generationOf(response.json().value("rev").toString()), 1);
    const QByteArray location = response.header("Location");
    QCOMPARE(location, QByteArray("/v1/db/posts/docs/" + id.toLatin1()));
    const QJsonObject created = response.json();
    response = get(location);
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), created);

    // Two POSTs without id never collide.
    response = post("/v1/db/posts/docs", "{}");
    VERIFY_STATUS(response, 201);
    QVERIFY2(response.json().value("id").toString() != id, response.body.constData());

    // With an id: created under it, Location percent-encodes it.
    response = post("/v1/db/posts/docs", R"({"id":"named one/x","data":{"n":2}})");
    VERIFY_STATUS(response, 201);
    QCOMPARE(response.json().value("id").toString(), QStringLiteral("named one/x"));
    QCOMPARE(response.header("Location"), QByteArray("/v1/db/posts/docs/" + TestHttpClient::encode(QStringLiteral("named one/x"))));
    const QJsonObject named = response.json();
    response = get(response.header("Location"));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), named);
    QCOMPARE(seqOf("posts"), 3);

    // An existing live id, or any rev, is a 409 that changes nothing.
    response = post("/v1/db/posts/docs", R"({"id":"named one/x","data":{"n":3}})");
    VERIFY_ERROR(response, 409, "exists", (QJsonObject{{"db", "posts"}}));
    // The request named the id (in its body), so the error should carry it.
    QCOMPARE(response.json().value("id").toString(), QStringLiteral("named one/x"));
    VERIFY_ERROR(post("/v1/db/posts/docs",
                      R"({"id":"named one/x","rev":")" + named.value("rev").toString().toLatin1() + R"(","data":{"n":3}})"),
                 409, "", (QJsonObject{{"db", "posts"}}));
    VERIFY_ERROR(post("/v1/db/posts/docs", R"({"id":"brand new","rev":")" + kAbsentRev + R"("})"), 409, "rev",
                 (QJsonObject{{"db", "posts"}}));
    VERIFY_ERROR(post("/v1/db/posts/docs", R"({"rev":")" + kAbsentRev + R"("})"), 409, "rev", (QJsonObject{{"db", "posts"}}));
    response = get(docPath("posts", QStringLiteral("named one/x")));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), named);
    VERIFY_STATUS(get(docPath("posts", QStringLiteral("brand new"))), 404);
    QCOMPARE(seqOf("posts"), 3);
    VERIFY_LIST(get("/v1/db/posts/_all_docs?limit=0"), QStringList(), 3);

    // A deleted id may be POSTed again (only a live id is a conflict).
    QString problem = remove("posts", QStringLiteral("named one/x"));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    response = post("/v1/db/posts/docs", R"({"id":"named one/x","data":{"n":4}})");
    VERIFY_STATUS(response, 201);
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"n", 4}}));
    QCOMPARE(generationOf(response.json().value("rev").toString()), 3);
}

void TestHttpApi::deleteDocuments()
{
    VERIFY_STATUS(put("/v1/db/deletes"), 201);
    const QByteArray path = docPath("deletes", "d1");
    TestHttpResponse response = put(path, R"({"data":{"v":1},"tags":["gone"],"content":"vanishing words"})");
    VERIFY_STATUS(response, 200);
    const QString rev1 = response.json().value("rev").toString();
    response = put(path, R"({"rev":")" + rev1.toLatin1() + R"(","data":{"v":2},"tags":["gone"],"content":"vanishing words"})");
    VERIFY_STATUS(response, 200);
    const QString rev2 = response.json().value("rev").toString();
    VERIFY_STATUS(put(docPath("deletes", "d2"), R"({"data":{"v":1}})"), 200);
    QCOMPARE(seqOf("deletes"), 3);

    VERIFY_ERROR(del(path), 400, "rev", (QJsonObject{{"db", "deletes"}, {"id", "d1"}}));
    VERIFY_ERROR(del(path + "?rev="), 400, "rev", (QJsonObject{{"db", "deletes"}, {"id", "d1"}}));
    VERIFY_ERROR(del(path + "?rev=" + rev1.toLatin1()), 409, "conflict",
                 (QJsonObject{{"db", "deletes"}, {"id", "d1"}, {"rev", rev1}}));
    VERIFY_ERROR(del(path + "?rev=garbage"), 400, "rev", (QJsonObject{{"db", "deletes"}, {"id", "d1"}}));
    VERIFY_ERROR(del(docPath("deletes", "nothere") + "?rev=" + kAbsentRev), 404, "not found",
                 (QJsonObject{{"db", "deletes"}, {"id", "nothere"}}));
    response = get(path);
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("rev").toString(), rev2);
    QCOMPARE(seqOf("deletes"), 3);

    response = del(path + "?rev=" + rev2.toLatin1());
    VERIFY_STATUS(response, 200);
    const QString tombstone = response.json().value("rev").toString();
    QCOMPARE(response.json(), (QJsonObject{{"ok", true}, {"id", "d1"}, {"rev", tombstone}}));
    QVERIFY2(generationOf(tombstone) == 3, response.body.constData());
    QCOMPARE(seqOf("deletes"), 4);

    VERIFY_ERROR(get(path), 404, "not found", (QJsonObject{{"db", "deletes"}, {"id", "d1"}, {"reason", "deleted"}}));
    VERIFY_ERROR(get(path + "?rev=" + tombstone.toLatin1()), 404, "not found", (QJsonObject{{"id", "d1"}}));
    response = get(path + "?rev=" + rev2.toLatin1());
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"v", 2}}));
    // Deleting again: by the tombstone's rev it is not found; by the old rev
    // it is a conflict (that delete lost).
    VERIFY_STATUS(del(path + "?rev=" + tombstone.toLatin1()), 404);
    VERIFY_STATUS(del(path + "?rev=" + rev2.toLatin1()), 409);
    QCOMPARE(seqOf("deletes"), 4);

    // Tombstones are listed by default, not with includeDeleted=false.
    response = get("/v1/db/deletes/_all_docs");
    VERIFY_LIST(response, (QStringList{"d1", "d2"}), 2);
    const QJsonObject listedTombstone = response.json().value("items").toArray().at(0).toObject();
    QCOMPARE(listedTombstone.value("deleted"), QJsonValue(true));
    QCOMPARE(listedTombstone.value("rev").toString(), tombstone);
    VERIFY_LIST(get("/v1/db/deletes/_all_docs?includeDeleted=true"), (QStringList{"d1", "d2"}), 2);
    VERIFY_LIST(get("/v1/db/deletes/_all_docs?includeDeleted=false"), QStringList{"d2"}, 1);
    // And never found by queries.
    VERIFY_LIST(get("/v1/db/deletes/_search?q=vanishing"), QStringList(), 0);
    VERIFY_LIST(post("/v1/db/deletes/_find/tags", R"({"allOf":["gone"]})"), QStringList(), 0);
    VERIFY_LIST(post("/v1/db/deletes/_find/fields", R"({"equalsMap":{"v":2}})"), QStringList(), 0);

    // Recreating needs no rev and continues the generations.
    response = put(path, R"({"data":{"v":"again"}})");
    VERIFY_STATUS(response, 200);
    QCOMPARE(generationOf(response.json().value("rev").toString()), 4);
    QCOMPARE(response.json().value("deleted"), QJsonValue(false));
    response = get(path);
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"v", "again"}}));
    VERIFY_LIST(get("/v1/db/deletes/_all_docs?includeDeleted=false"), (QStringList{"d1", "d2"}), 2);
    QCOMPARE(seqOf("deletes"), 5);
}

void TestHttpApi::unicodeDocuments()
{
    VERIFY_STATUS(put("/v1/db/unicode"), 201);
    const QString cyrillicId = QStringLiteral("документ №1/x");
    TestHttpResponse response = put(docPath("unicode", cyrillicId),
                                    QStringLiteral(R"({"data":{"город":"Санкт-Петербург","улица":"Невский"},)"
                                                   R"("tags":["важно"],"content":"Привет, мир!"})").toUtf8());
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("id").toString(), cyrillicId);
    response = get(docPath("unicode", cyrillicId));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("id").toString(), cyrillicId);
    QCOMPARE(response.json().value("data").toObject(),
             (QJsonObject{{QStringLiteral("город"), QStringLiteral("Санкт-Петербург")},
                          {QStringLiteral("улица"), QStringLiteral("Невский")}}));
    QCOMPARE(response.json().value("content").toString(), QStringLiteral("Привет, мир!"));
    QCOMPARE(response.json().value("tags").toArray(), QJsonArray{QStringLiteral("важно")});
    // The slash is part of the id, not a path separator.
    VERIFY_STATUS(get(docPath("unicode", QStringLiteral("документ №1"))), 404);

    // A raw UTF-8 path (not percent-encoded) names the same kind of id.
    const QString rawId = QStringLiteral("сырой-ключ");
    response = put("/v1/db/unicode/docs/" + rawId.toUtf8(), R"({"data":{"raw":true}})");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("id").toString(), rawId);
    response = get(docPath("unicode", rawId));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"raw", true}}));
    VERIFY_STATUS(get("/v1/db/unicode/docs/" + rawId.toUtf8()), 200);

    // In a path only %XX is decoded: '+' stays a plus, %25 is a percent sign.
    response = put("/v1/db/unicode/docs/a+b%25", "{}");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("id").toString(), QStringLiteral("a+b%"));
    VERIFY_STATUS(get(docPath("unicode", QStringLiteral("a+b%"))), 200);
    VERIFY_STATUS(get(docPath("unicode", QStringLiteral("a b%"))), 404);

    // POST answers a percent-encoded Location for a Cyrillic id.
    response = post("/v1/db/unicode/docs", QStringLiteral(R"({"id":"почта 1"})").toUtf8());
    VERIFY_STATUS(response, 201);
    QCOMPARE(response.header("Location"), QByteArray("/v1/db/unicode/docs/" + TestHttpClient::encode(QStringLiteral("почта 1"))));
    VERIFY_STATUS(get(response.header("Location")), 200);

    // Emoji (outside the BMP) and CJK.
    const QString emojiId = QStringLiteral("🙂🚀 ok");
    response = put(docPath("unicode", emojiId), QStringLiteral(R"({"content":"ракета 🚀"})").toUtf8());
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("id").toString(), emojiId);
    response = get(docPath("unicode", emojiId));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("content").toString(), QStringLiteral("ракета 🚀"));
    VERIFY_STATUS(put(docPath("unicode", QStringLiteral("東京")), "{}"), 200);

    // Ids at the 512-byte limit are accepted.
    const QString longestAscii(512, QLatin1Char('x'));
    const QString longestCyrillic(256, QChar(0x0434));
    response = put(docPath("unicode", longestAscii), "{}");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("id").toString(), longestAscii);
    response = put(docPath("unicode", longestCyrillic), "{}");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("id").toString(), longestCyrillic);

    // Deleting with a Cyrillic id, and the error context of such an id.
    response = put(docPath("unicode", QStringLiteral("удалить")), "{}");
    VERIFY_STATUS(response, 200);
    VERIFY_STATUS(del(docPath("unicode", QStringLiteral("удалить")) + "?rev=" + response.json().value("rev").toString().toLatin1()), 200);
    VERIFY_ERROR(get(docPath("unicode", QStringLiteral("удалить"))), 404, "not found",
                 (QJsonObject{{"db", "unicode"}, {"id", QStringLiteral("удалить")}, {"reason", "deleted"}}));

    VERIFY_LIST(get("/v1/db/unicode/_all_docs?includeDeleted=false"),
                sortedByUtf8({cyrillicId, rawId, emojiId, QStringLiteral("東京"), longestAscii, longestCyrillic,
                              QStringLiteral("a+b%"), QStringLiteral("почта 1")}),
            8);
}

void TestHttpApi::unicodeSortOrder()
{
    // UTF-8 byte order differs from UTF-16 order for U+FF21 vs U+1F600
    // (EF… < F0… in UTF-8, but FF21 > D83D in UTF-16) and from
    // case-insensitive order for 'Z' < 'a'.
    const QStringList ids = {QStringLiteral("😀"), QStringLiteral("Ａ"), QStringLiteral("a"), QStringLiteral("Z"),
                             QStringLiteral("é"), QStringLiteral("я"), QStringLiteral("€"), QStringLiteral("ab"),
                             QStringLiteral("a b"), QStringLiteral("1"), QStringLiteral("Ё")};
    QJsonArray documents;
    for (const QString &id : ids)
        documents.append(QJsonObject{{"id", id}});
    const QString problem = seed("sortorder", documents);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    const QStringList expected = sortedByUtf8(ids);
    QCOMPARE(expected.at(expected.size() - 2), QStringLiteral("Ａ"));
    QCOMPARE(expected.last(), QStringLiteral("😀"));
    VERIFY_LIST(get("/v1/db/sortorder/_all_docs"), expected, ids.size());
    VERIFY_LIST(get("/v1/db/sortorder/_all_docs?skip=9&limit=5"), expected.mid(9), ids.size());
    VERIFY_LIST(post("/v1/db/sortorder/_find/tags", "{}"), expected, ids.size());
}

void TestHttpApi::invalidDocumentIds_data()
{
    QTest::addColumn<QByteArray>("segment");   // in the URL; empty: only the body case
    QTest::addColumn<QByteArray>("jsonId");    // as a JSON string in a POST body
    QTest::newRow("513 bytes") << QByteArray(513, 'x') << QByteArray('"' + QByteArray(513, 'x') + '"');
    QTest::newRow("257 cyrillic = 514 bytes") << TestHttpClient::encode(QString(257, QChar(0x0434)))
                                              << QByteArray('"' + QString(257, QChar(0x0434)).toUtf8() + '"');
    QTest::newRow("only spaces") << QByteArray("%20%20%20") << QByteArray(R"("   ")");
    QTest::newRow("newline") << QByteArray("a%0Ab") << QByteArray(R"("a\nb")");
    QTest::newRow("tab") << QByteArray("a%09b") << QByteArray(R"("a\tb")");
    QTest::newRow("nul") << QByteArray("a%00b") << QByteArray(R"("a\u0000b")");
    QTest::newRow("DEL") << QByteArray("a%7Fb") << QByteArray(R"("a\u007fb")");
    QTest::newRow("lone surrogate") << QByteArray() << QByteArray(R"("a\ud800b")");
}

void TestHttpApi::invalidDocumentIds()
{
    QFETCH(QByteArray, segment);
    QFETCH(QByteArray, jsonId);
    const TestHttpResponse created = put("/v1/db/badids");
    QVERIFY2(created.status == 201 || created.status == 200, describe(created).constData());
    const qint64 seq = seqOf("badids");
    QVERIFY(seq >= 0);
    if (!segment.isEmpty()) {
        const QByteArray path = "/v1/db/badids/docs/" + segment;
        VERIFY_ERROR(put(path, R"({"data":{}})"), 400, "invalid document id", (QJsonObject{{"db", "badids"}}));
        VERIFY_ERROR(del(path + "?rev=" + kAbsentRev), 400, "invalid document id", (QJsonObject{{"db", "badids"}}));
    }
    VERIFY_ERROR(post("/v1/db/badids/docs", R"({"id":)" + jsonId + "}"), 400, "invalid document id",
                 (QJsonObject{{"db", "badids"}}));
    const TestHttpResponse bulk = post("/v1/db/badids/_bulk_docs", R"({"docs":[{"id":)" + jsonId + "}]}");
    VERIFY_STATUS(bulk, 200);
    const QJsonObject item = bulk.json().value("results").toArray().at(0).toObject();
    QVERIFY2(item.value("status").toInt() == 400 && !item.contains("rev"), bulk.body.constData());
    QCOMPARE(seqOf("badids"), seq);
    VERIFY_LIST(get("/v1/db/badids/_all_docs"), QStringList(), 0);
}

void TestHttpApi::invalidUtf8InPath()
{
    // %ED%A0%80 is an encoded surrogate, %FF is never UTF-8: refused, not
    // turned into U+FFFD and stored under another id.
    for (const QByteArray &segment : {QByteArray("a%ED%A0%80"), QByteArray("%FF")}) {
        VERIFY_ERROR(put("/v1/db/badids/docs/" + segment, R"({"data":{}})"), 400, "not valid UTF-8", QJsonObject());
        VERIFY_ERROR(get("/v1/db/badids/docs/" + segment), 400, "not valid UTF-8", QJsonObject());
        // The same in a query string: refused, not read as "\uFFFD".
        VERIFY_ERROR(get("/v1/db/badids/_all_docs?after=" + segment), 400, "query string is not valid UTF-8", QJsonObject());
        VERIFY_ERROR(get("/v1/db/badids/_search?q" + segment + "=x"), 400, "query string is not valid UTF-8", QJsonObject());
    }
}

void TestHttpApi::bulkMixedBatch()
{
    VERIFY_STATUS(put("/v1/db/bulk"), 201);
    TestHttpResponse response = put(docPath("bulk", "upd"), R"({"data":{"v":1}})");
    VERIFY_STATUS(response, 200);
    const QString updRev = response.json().value("rev").toString();
    response = put(docPath("bulk", "stale"), R"({"data":{"v":1}})");
    VERIFY_STATUS(response, 200);
    const QString staleRev = response.json().value("rev").toString();
    response = put(docPath("bulk", "stale"), R"({"rev":")" + staleRev.toLatin1() + R"(","data":{"v":2}})");
    VERIFY_STATUS(response, 200);
    const QJsonObject staleCurrent = response.json();
    response = put(docPath("bulk", "gone"), R"({"data":{"v":1}})");
    VERIFY_STATUS(response, 200);
    const QString goneRev = response.json().value("rev").toString();
    QCOMPARE(seqOf("bulk"), 4);

    const QJsonArray docs{
        QJsonObject{{"id", "n1"}, {"data", QJsonObject{{"i", 1}}}},
        QJsonObject{{"data", QJsonObject{{"i", 2}}}},
        QJsonObject{{"id", "upd"}, {"rev", updRev}, {"data", QJsonObject{{"v", 2}}}},
        QJsonObject{{"id", "stale"}, {"rev", staleRev}, {"data", QJsonObject{{"v", 99}}}},
        QJsonObject{{"id", "gone"}, {"rev", goneRev}, {"deleted", true}},
        42,
        QJsonObject{{"id", "n2"}, {"colour", "red"}},
        QJsonObject{{"id", "dup"}, {"data", QJsonObject{{"first", true}}}},
        QJsonObject{{"id", "dup"}, {"data", QJsonObject{{"second", true}}}},
        QJsonObject{{"id", "n3"}, {"rev", QString::fromLatin1(kAbsentRev)}},
        QJsonObject{{"id", "n4"}, {"tags", QJsonArray{"b1"}}},
    };
    response = post("/v1/db/bulk/_bulk_docs", compact({{"docs", docs}}));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("ok"), QJsonValue(true));
    const QJsonArray results = response.json().value("results").toArray();
    QVERIFY2(results.size() == docs.size(), response.body.constData());
    const auto result = [&](int i) { return results.at(i).toObject(); };
    const auto accepted = [&](int i, const QString &id, int generation) {
        return result(i).value("id").toString() == id && generationOf(result(i).value("rev").toString()) == generation
            && !result(i).contains("error");
    };
    const auto refused = [&](int i, int status) {
        return result(i).value("status").toInt() == status && !result(i).value("error").toString().isEmpty()
            && !result(i).contains("rev");
    };
    const QString generatedId = result(1).value("id").toString();
    QVERIFY2(accepted(0, "n1", 1), response.body.constData());
    QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{32}$")).match(generatedId).hasMatch()
                 && accepted(1, generatedId, 1),
             response.body.constData());
    QVERIFY2(accepted(2, "upd", 2), response.body.constData());
    QVERIFY2(refused(3, 409) && result(3).value("id").toString() == "stale", response.body.constData());
    QVERIFY2(accepted(4, "gone", 2), response.body.constData());
    QVERIFY2(refused(5, 400), response.body.constData());
    QVERIFY2(refused(6, 400) && result(6).value("id").toString() == "n2"
                 && result(6).value("error").toString().contains("colour"),
             response.body.constData());
    QVERIFY2(accepted(7, "dup", 1), response.body.constData());
    QVERIFY2(refused(8, 409) && result(8).value("id").toString() == "dup", response.body.constData());
    QVERIFY2(refused(9, 409) && result(9).value("id").toString() == "n3", response.body.constData());
    QVERIFY2(accepted(10, "n4", 1), response.body.constData());

    // Exactly the accepted items were written, with the answered revs.
    QCOMPARE(seqOf("bulk"), 4 + 6);
    response = get(docPath("bulk", "n1"));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("rev"), result(0).value("rev"));
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"i", 1}}));
    response = get(docPath("bulk", generatedId));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"i", 2}}));
    response = get(docPath("bulk", "upd"));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("rev"), result(2).value("rev"));
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"v", 2}}));
    response = get(docPath("bulk", "stale"));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), staleCurrent);
    VERIFY_ERROR(get(docPath("bulk", "gone")), 404, "not found", (QJsonObject{{"reason", "deleted"}}));
    VERIFY_STATUS(get(docPath("bulk", "n2")), 404);
    VERIFY_STATUS(get(docPath("bulk", "n3")), 404);
    response = get(docPath("bulk", "dup"));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"first", true}}));
    VERIFY_LIST(post("/v1/db/bulk/_find/tags", R"({"allOf":["b1"]})"), QStringList{"n4"}, 1);

    // An empty batch is fine and writes nothing.
    response = post("/v1/db/bulk/_bulk_docs", R"({"docs":[]})");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), (QJsonObject{{"ok", true}, {"results", QJsonArray()}}));
    // A batch where every item fails writes nothing either.
    response = post("/v1/db/bulk/_bulk_docs", R"({"docs":[1,{"id":"upd"}]})");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("results").toArray().at(1).toObject().value("status").toInt(), 409);
    QCOMPARE(seqOf("bulk"), 10);
}

void TestHttpApi::bulkRequestErrors_data()
{
    QTest::addColumn<QByteArray>("db");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("docs missing") << QByteArray("bulkerr") << QByteArray("{}") << 400 << QStringLiteral("docs");
    QTest::newRow("docs is an object") << QByteArray("bulkerr") << QByteArray(R"({"docs":{"id":"a"}})") << 400
                                       << QStringLiteral("docs");
    QTest::newRow("docs is null") << QByteArray("bulkerr") << QByteArray(R"({"docs":null})") << 400 << QStringLiteral("docs");
    QTest::newRow("unknown top-level field") << QByteArray("bulkerr") << QByteArray(R"({"docs":[{"id":"a"}],"newEdits":false})")
                                             << 400 << QStringLiteral("newEdits");
    QTest::newRow("array body") << QByteArray("bulkerr") << QByteArray(R"([{"id":"a"}])") << 400 << QStringLiteral("object");
    QTest::newRow("malformed JSON") << QByteArray("bulkerr") << QByteArray(R"({"docs":[{"id":"a"})") << 400
                                    << QStringLiteral("JSON");
    QTest::newRow("empty body") << QByteArray("bulkerr") << QByteArray() << 400 << QStringLiteral("empty");
    QTest::newRow("unknown database") << QByteArray("nosuchbulk") << QByteArray(R"({"docs":[{"id":"a"}]})") << 404
                                      << QStringLiteral("database");
}

void TestHttpApi::bulkRequestErrors()
{
    QFETCH(QByteArray, db);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, fragment);
    const TestHttpResponse created = put("/v1/db/bulkerr");
    QVERIFY2(created.status == 201 || created.status == 200, describe(created).constData());
    const qint64 seq = seqOf("bulkerr");
    VERIFY_ERROR(post("/v1/db/" + db + "/_bulk_docs", body), status, fragment, (QJsonObject{{"db", QString::fromLatin1(db)}}));
    QCOMPARE(seqOf("bulkerr"), seq);
    VERIFY_STATUS(get(docPath("bulkerr", "a")), 404);
    VERIFY_STATUS(head("/v1/db/nosuchbulk"), 404);
}

void TestHttpApi::deepPaging()
{
    constexpr int kDocuments = 2500;
    VERIFY_STATUS(put("/v1/db/paging"), 201);
    QStringList ids;
    for (int i = 0; i < kDocuments; ++i)
        ids.append(QStringLiteral("p%1").arg((i * 7919) % 10007)); // distinct, not in insertion order
    for (int from = 0; from < kDocuments; from += 500) {
        QJsonArray docs;
        for (int i = from; i < from + 500; ++i)
            docs.append(QJsonObject{{"id", ids.at(i)}, {"data", QJsonObject{{"i", i}}}});
        const TestHttpResponse response = post("/v1/db/paging/_bulk_docs", compact({{"docs", docs}}));
        VERIFY_STATUS(response, 200);
        QVERIFY2(!response.body.contains("\"error\""), response.body.left(2000).constData());
    }
    QCOMPARE(seqOf("paging"), kDocuments);
    const QStringList expected = sortedByUtf8(ids);

    for (const int limit : {1000, 333}) {
        QStringList seen;
        for (int skip = 0;; skip += limit) {
            const TestHttpResponse response =
                get("/v1/db/paging/_all_docs?skip=" + QByteArray::number(skip) + "&limit=" + QByteArray::number(limit));
            VERIFY_STATUS(response, 200);
            QCOMPARE(response.json().value("total").toInteger(), kDocuments);
            const QStringList page = idsOf(response.json().value("items").toArray());
            QCOMPARE(int(page.size()), qBound(0, kDocuments - skip, limit));
            if (page.isEmpty())
                break;
            seen += page;
        }
        QCOMPARE(seen.size(), kDocuments);
        QVERIFY2(seen == expected, qPrintable(QStringLiteral("limit %1: pages are not every id once in byte order").arg(limit)));
    }
    VERIFY_LIST(get("/v1/db/paging/_all_docs?skip=2499&limit=1"), expected.mid(2499), kDocuments);
    VERIFY_LIST(get("/v1/db/paging/_all_docs?skip=2500&limit=10"), QStringList(), kDocuments);
    VERIFY_LIST(get("/v1/db/paging/_all_docs?skip=10000"), QStringList(), kDocuments);
    // Deeper skips cost a read per skipped match: refused, naming `after`.
    for (const QByteArray &query : {QByteArray("_all_docs?skip=10001"), QByteArray("_search?q=x&skip=100000")})
        VERIFY_ERROR(get("/v1/db/paging/" + query), 400, "after=", (QJsonObject{{"db", "paging"}}));
    VERIFY_ERROR(post("/v1/db/paging/_find/fields", R"({"skip":10001})"), 400, "after=", (QJsonObject{{"db", "paging"}}));
    VERIFY_ERROR(post("/v1/db/paging/_find/tags", R"({"allOf":["t"],"skip":10001})"), 400, "after=", (QJsonObject{{"db", "paging"}}));
    VERIFY_LIST(get("/v1/db/paging/_all_docs?limit=0"), QStringList(), kDocuments);
    VERIFY_LIST(get("/v1/db/paging/_all_docs"), expected.mid(0, 100), kDocuments); // default limit 100
    VERIFY_LIST(get("/v1/db/paging/_all_docs?skip=1234&limit=3"), expected.mid(1234, 3), kDocuments);

    // _changes pages: every document once, in seq order, lastSeq chaining.
    for (const int limit : {1000, 333}) {
        QSet<QString> seen;
        qint64 since = 0;
        qint64 previousSeq = 0;
        int rows = 0;
        for (int round = 0; round < 20; ++round) {
            const TestHttpResponse response = get("/v1/db/paging/_changes?since=" + QByteArray::number(since)
                                                  + "&limit=" + QByteArray::number(limit));
            VERIFY_STATUS(response, 200);
            const QJsonArray results = response.json().value("results").toArray();
            QVERIFY2(results.size() <= limit, response.body.left(300).constData());
            for (const QJsonValue &row : results) {
                const qint64 seq = row.toObject().value("seq").toInteger();
                QVERIFY2(seq > previousSeq, qPrintable(QStringLiteral("seq %1 after %2").arg(seq).arg(previousSeq)));
                previousSeq = seq;
                const QString id = row.toObject().value("id").toString();
                QVERIFY2(!seen.contains(id), qPrintable(QStringLiteral("%1 listed twice").arg(id)));
                seen.insert(id);
                ++rows;
            }
            const qint64 next = response.json().value("lastSeq").toInteger();
            QVERIFY2(next >= since, response.body.left(300).constData());
            if (results.isEmpty()) {
                QCOMPARE(next, kDocuments);
                break;
            }
            since = next;
        }
        QCOMPARE(rows, kDocuments);
        QCOMPARE(seen, QSet<QString>(ids.begin(), ids.end()));
    }
}

void TestHttpApi::pagingParameterErrors_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("limit over the max") << QByteArray("limit=1001") << QStringLiteral("limit");
    QTest::newRow("limit negative") << QByteArray("limit=-1") << QStringLiteral("limit");
    QTest::newRow("limit abc") << QByteArray("limit=abc") << QStringLiteral("limit");
    QTest::newRow("limit empty") << QByteArray("limit=") << QStringLiteral("limit");
    QTest::newRow("limit fraction") << QByteArray("limit=1.5") << QStringLiteral("limit");
    QTest::newRow("skip -1") << QByteArray("skip=-1") << QStringLiteral("skip");
    QTest::newRow("skip abc") << QByteArray("skip=abc") << QStringLiteral("skip");
    QTest::newRow("includeDeleted maybe") << QByteArray("includeDeleted=maybe") << QStringLiteral("includeDeleted");
}

void TestHttpApi::pagingParameterErrors()
{
    QFETCH(QByteArray, query);
    QFETCH(QString, fragment);
    const TestHttpResponse created = put("/v1/db/pageerr");
    QVERIFY2(created.status == 201 || created.status == 200, describe(created).constData());
    VERIFY_ERROR(get("/v1/db/pageerr/_all_docs?" + query), 400, fragment, (QJsonObject{{"db", "pageerr"}}));
    if (!query.startsWith("includeDeleted"))
        VERIFY_ERROR(get("/v1/db/pageerr/_search?q=word&" + query), 400, fragment, (QJsonObject{{"db", "pageerr"}}));
    VERIFY_STATUS(get("/v1/db/pageerr/_all_docs?limit=1000"), 200);
}

void TestHttpApi::keysetPaging()
{
    // Ids from fragments whose UTF-8 byte order differs from UTF-16 order
    // (U+FFFD < U+1F600 in UTF-8, the other way round in UTF-16) and from
    // case-insensitive order, with characters that need URL encoding.
    const QStringList fragments = {QStringLiteral("a"), QStringLiteral("Z"), QStringLiteral("é"), QStringLiteral("я"),
                                   QStringLiteral("€"), QStringLiteral("Ａ"), QStringLiteral("\uFFFD"), QStringLiteral("😀"),
                                   QStringLiteral("𝄞"), QStringLiteral("中"), QStringLiteral(" "), QStringLiteral("/"),
                                   QStringLiteral("+"), QStringLiteral("&"), QStringLiteral("="), QStringLiteral("%"),
                                   QStringLiteral("?"), QStringLiteral("#")};
    constexpr int kDocuments = 250;
    QStringList ids;
    QJsonArray documents;
    for (int i = 0; i < kDocuments; ++i) {
        ids.append(fragments.at(i % fragments.size()) + fragments.at((i * 7 + 3) % fragments.size()) + QString::number(i));
        documents.append(QJsonObject{{"id", ids.last()}, {"data", QJsonObject{{"group", "g"}, {"n", i}}},
                                     {"tags", QJsonArray{"k"}}, {"content", "keyset words"}});
    }
    QString problem = seed("keyset", documents);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QStringList live = ids;
    for (int i = 5; i < kDocuments; i += 11) {
        problem = remove("keyset", ids.at(i));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        live.removeOne(ids.at(i));
    }
    const QStringList all = sortedByUtf8(ids);
    live = sortedByUtf8(live);
    const qint64 seq = seqOf("keyset");

    const TestHttpResponse everything = get("/v1/db/keyset/_all_docs?limit=1000");
    VERIFY_LIST(everything, all, kDocuments);
    const auto query = [](const std::optional<QString> &after, qint64 skip, qint64 limit) {
        QByteArray text = "&skip=" + QByteArray::number(skip) + "&limit=" + QByteArray::number(limit);
        if (after)
            text += "&after=" + TestHttpClient::encode(*after);
        return text;
    };
    const auto body = [](QJsonObject object, const std::optional<QString> &after, qint64 skip, qint64 limit) {
        object.insert("skip", skip);
        object.insert("limit", limit);
        if (after)
            object.insert("after", *after);
        return compact(object);
    };
    struct Endpoint
    {
        const char *name;
        QStringList ids; // every match, sorted
        ListRequest request;
    };
    const QList<Endpoint> endpoints = {
        {"_all_docs", all,
         [&](const std::optional<QString> &after, qint64 skip, qint64 limit) {
             return get("/v1/db/keyset/_all_docs?includeDeleted=true" + query(after, skip, limit));
         }},
        {"_all_docs live", live,
         [&](const std::optional<QString> &after, qint64 skip, qint64 limit) {
             return get("/v1/db/keyset/_all_docs?includeDeleted=false" + query(after, skip, limit));
         }},
        {"_find/fields", live,
         [&](const std::optional<QString> &after, qint64 skip, qint64 limit) {
             return post("/v1/db/keyset/_find/fields", body({{"equalsMap", QJsonObject{{"group", "g"}}}}, after, skip, limit));
         }},
        {"_find/fields range", live,
         [&](const std::optional<QString> &after, qint64 skip, qint64 limit) {
             return post("/v1/db/keyset/_find/fields", body({{"numericField", "n"}, {"min", 0}}, after, skip, limit));
         }},
        {"_find/tags", live,
         [&](const std::optional<QString> &after, qint64 skip, qint64 limit) {
             return post("/v1/db/keyset/_find/tags", body({{"allOf", QJsonArray{"k"}}}, after, skip, limit));
         }},
        {"_search", live,
         [&](const std::optional<QString> &after, qint64 skip, qint64 limit) {
             return get("/v1/db/keyset/_search?q=keyset" + query(after, skip, limit));
         }},
    };
    // Positions to start after: existing ids, and ids no document has.
    const QStringList starts = {all.first(), all.at(1), all.at(100), all.at(all.size() - 2), all.last(),
                                QStringLiteral("0"), QStringLiteral("m"), QStringLiteral("\uFFFD"), QStringLiteral("😀"),
                                QStringLiteral("Ａ"), QStringLiteral("a 1"), QStringLiteral("𝄞𝄞"), QStringLiteral("\U0010FFFF")};
    for (const Endpoint &endpoint : endpoints) {
        const qint64 total = endpoint.ids.size();
        QStringList seen;
        problem = pageThroughWithAfter(endpoint.request, total, 7, &seen);
        QVERIFY2(problem.isEmpty(), qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(endpoint.name), problem)));
        QVERIFY2(seen == endpoint.ids, qPrintable(QStringLiteral("%1: pages through after are not every id once in order")
                                                      .arg(QLatin1String(endpoint.name))));
        for (const QString &start : starts) {
            const QStringList rest = idsAfter(endpoint.ids, start);
            for (const qint64 skip : {0, 1, 3, 7, 300}) {
                const TestHttpResponse response = endpoint.request(start, skip, 7);
                const QString mismatch = listMismatch(response, rest.mid(qMin<qint64>(skip, rest.size()), 7), total);
                QVERIFY2(mismatch.isEmpty(), qPrintable(QStringLiteral("%1 after '%2' skip %3: %4")
                                                            .arg(QLatin1String(endpoint.name), start).arg(skip).arg(mismatch)));
            }
            VERIFY_LIST(endpoint.request(start, 0, 0), QStringList(), total);
        }
    }
    QCOMPARE(idsOf(everything.json().value("items").toArray()), all);
    QCOMPARE(seqOf("keyset"), seq);
}

void TestHttpApi::keysetPagingErrors_data()
{
    QTest::addColumn<QByteArray>("text"); // as sent in a query string; empty: JSON only
    QTest::addColumn<QByteArray>("json"); // the JSON value of "after" in a body
    QTest::addColumn<QString>("fragment");
    QTest::newRow("empty") << QByteArray("after=") << QByteArray(R"("")") << QStringLiteral("after must be a document id");
    QTest::newRow("only spaces ('+' is a space)") << QByteArray("after=+++") << QByteArray(R"("   ")") << QStringLiteral("only spaces");
    QTest::newRow("newline") << QByteArray("after=a%0Ab") << QByteArray(R"("a\nb")") << QStringLiteral("control character");
    QTest::newRow("DEL") << QByteArray("after=a%7Fb") << QByteArray(R"("a\u007fb")") << QStringLiteral("control character");
    QTest::newRow("513 bytes") << QByteArray("after=" + QByteArray(513, 'x')) << QByteArray('"' + QByteArray(513, 'x') + '"')
                               << QStringLiteral("512 bytes");
    QTest::newRow("lone surrogate") << QByteArray() << QByteArray(R"("a\ud800")") << QStringLiteral("not valid Unicode");
    QTest::newRow("number") << QByteArray() << QByteArray("5") << QStringLiteral("after must be a string");
    QTest::newRow("boolean") << QByteArray() << QByteArray("true") << QStringLiteral("after must be a string");
    QTest::newRow("array") << QByteArray() << QByteArray(R"(["a"])") << QStringLiteral("after must be a string");
    QTest::newRow("object") << QByteArray() << QByteArray(R"({"id":"a"})") << QStringLiteral("after must be a string");
}

void TestHttpApi::keysetPagingErrors()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, json);
    QFETCH(QString, fragment);
    const TestHttpResponse created = put("/v1/db/keyseterr");
    QVERIFY2(created.status == 201 || created.status == 200, describe(created).constData());
    const QJsonObject where{{"db", "keyseterr"}};
    const qint64 seq = seqOf("keyseterr");
    if (!text.isEmpty()) {
        VERIFY_ERROR(get("/v1/db/keyseterr/_all_docs?" + text), 400, fragment, where);
        VERIFY_ERROR(get("/v1/db/keyseterr/_all_docs?includeDeleted=false&skip=1&" + text), 400, fragment, where);
        VERIFY_ERROR(get("/v1/db/keyseterr/_search?q=word&" + text), 400, fragment, where);
    }
    VERIFY_ERROR(post("/v1/db/keyseterr/_find/fields", R"({"equalsMap":{"a":"b"},"after":)" + json + "}"), 400, fragment, where);
    VERIFY_ERROR(post("/v1/db/keyseterr/_find/tags", R"({"allOf":["a"],"after":)" + json + "}"), 400, fragment, where);
    QCOMPARE(seqOf("keyseterr"), seq);
    VERIFY_STATUS(get("/v1/db/keyseterr/_all_docs?after=a"), 200);
}

void TestHttpApi::changesFeed()
{
    VERIFY_STATUS(put("/v1/db/changes"), 201);
    QMap<QString, QString> revs;
    for (const char *id : {"a", "b", "c"}) {
        const TestHttpResponse response = put(docPath("changes", QString::fromLatin1(id)), R"({"data":{}})");
        VERIFY_STATUS(response, 200);
        revs[QString::fromLatin1(id)] = response.json().value("rev").toString();
    }
    TestHttpResponse response = put(docPath("changes", "a"), R"({"rev":")" + revs["a"].toLatin1() + R"(","data":{"v":2}})");
    VERIFY_STATUS(response, 200);
    revs["a"] = response.json().value("rev").toString();
    response = del(docPath("changes", "b") + "?rev=" + revs["b"].toLatin1());
    VERIFY_STATUS(response, 200);
    revs["b"] = response.json().value("rev").toString();
    QCOMPARE(seqOf("changes"), 5);

    const auto row = [](qint64 seq, const QString &id, const QString &rev, bool deleted) {
        return QJsonObject{{"seq", seq}, {"id", id}, {"rev", rev}, {"deleted", deleted}};
    };
    response = get("/v1/db/changes/_changes?since=0");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), (QJsonObject{{"results", QJsonArray{row(3, "c", revs["c"], false), row(4, "a", revs["a"], false),
                                                                  row(5, "b", revs["b"], true)}},
                                           {"lastSeq", 5}}));
    VERIFY_STATUS(get("/v1/db/changes/_changes"), 200); // since defaults to 0
    response = get("/v1/db/changes/_changes?since=3");
    VERIFY_STATUS(response, 200);
    QCOMPARE(idsOf(response.json().value("results").toArray()), (QStringList{"a", "b"}));

    // One change per page, chaining lastSeq.
    QStringList order;
    qint64 since = 0;
    for (int round = 0; round < 10; ++round) {
        response = get("/v1/db/changes/_changes?limit=1&since=" + QByteArray::number(since));
        VERIFY_STATUS(response, 200);
        const QJsonArray results = response.json().value("results").toArray();
        if (results.isEmpty())
            break;
        QCOMPARE(results.size(), 1);
        order += idsOf(results);
        since = response.json().value("lastSeq").toInteger();
    }
    QCOMPARE(order, (QStringList{"c", "a", "b"}));
    QCOMPARE(since, 5);

    // The end of the feed: nothing, and a lastSeq to resume from.
    response = get("/v1/db/changes/_changes?since=5");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), (QJsonObject{{"results", QJsonArray()}, {"lastSeq", 5}}));
    response = get("/v1/db/changes/_changes?since=1000");
    VERIFY_STATUS(response, 200);
    // Past the end: the database's current seq, so the client resumes there.
    QCOMPARE(response.json(), (QJsonObject{{"results", QJsonArray()}, {"lastSeq", 5}}));
    // limit=0 returns nothing and does not move the client past anything.
    response = get("/v1/db/changes/_changes?since=2&limit=0");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), (QJsonObject{{"results", QJsonArray()}, {"lastSeq", 2}}));

    // An update moves the document to the end; the feed resumes from lastSeq.
    response = put(docPath("changes", "c"), R"({"rev":")" + revs["c"].toLatin1() + R"(","data":{"v":3}})");
    VERIFY_STATUS(response, 200);
    revs["c"] = response.json().value("rev").toString();
    response = get("/v1/db/changes/_changes?since=0");
    VERIFY_STATUS(response, 200);
    QCOMPARE(idsOf(response.json().value("results").toArray()), (QStringList{"a", "b", "c"}));
    QCOMPARE(response.json().value("results").toArray().last().toObject(), row(6, "c", revs["c"], false));
    response = get("/v1/db/changes/_changes?since=5");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json(), (QJsonObject{{"results", QJsonArray{row(6, "c", revs["c"], false)}}, {"lastSeq", 6}}));

    VERIFY_ERROR(get("/v1/db/changes/_changes?since=-1"), 400, "since", (QJsonObject{{"db", "changes"}}));
    VERIFY_ERROR(get("/v1/db/changes/_changes?since=abc"), 400, "since", (QJsonObject{{"db", "changes"}}));
    VERIFY_ERROR(get("/v1/db/changes/_changes?limit=abc"), 400, "limit", (QJsonObject{{"db", "changes"}}));
    VERIFY_ERROR(get("/v1/db/changes/_changes?limit=1001"), 400, "limit", (QJsonObject{{"db", "changes"}}));
}

void TestHttpApi::findFields_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QStringList>("ids");
    const auto row = [](const char *name, const QString &query, const QStringList &ids) {
        QTest::newRow(name) << query.toUtf8() << ids;
    };
    row("string equality", R"({"equalsMap":{"name":"Alice"}})", {"alice"});
    row("nested field", R"({"equalsMap":{"address.city":"Paris"}})", {"alice", "carol"});
    row("data. prefix", R"({"equalsMap":{"data.address.city":"Paris"}})", {"alice", "carol"});
    row("array index", R"({"equalsMap":{"items[0].sku":"B1"}})", {"bob"});
    row("second array element", R"({"equalsMap":{"items[1].sku":"A2"}})", {"alice"});
    row("nested number", R"({"equalsMap":{"address.zip":75001}})", {"alice"});
    row("number value", R"({"equalsMap":{"age":30}})", {"alice"});
    row("number as string", R"({"equalsMap":{"age":"30"}})", {"alice", "bob"});
    row("number as string 30.0", R"({"equalsMap":{"age":"30.0"}})", {"alice"});
    row("boolean value true", R"({"equalsMap":{"active":true}})", {"alice"});
    row("boolean value false", R"({"equalsMap":{"active":false}})", {"bob"});
    row("\"true\" string", R"({"equalsMap":{"active":"true"}})", {"alice", "carol"});
    row("two conditions", R"({"equalsMap":{"name":"Alice","address.city":"Paris"}})", {"alice"});
    row("two conditions, no match", R"({"equalsMap":{"name":"Alice","address.city":"Berlin"}})", {});
    row("cyrillic value", QStringLiteral(R"({"equalsMap":{"город":"Москва"}})"), {"carol"});
    row("text is case-sensitive", R"({"equalsMap":{"name":"alice"}})", {});
    row("no match", R"({"equalsMap":{"name":"Nobody"}})", {});
    row("missing field", R"({"equalsMap":{"nosuch":"x"}})", {});
    row("deleted never matches", R"({"equalsMap":{"name":"Dave"}})", {});
    row("range min and max", R"({"numericField":"age","min":26,"max":45})", {"alice", "carol"});
    row("range inclusive", R"({"numericField":"age","min":30,"max":30})", {"alice"});
    row("range only min", R"({"numericField":"age","min":31})", {"carol"});
    row("range only max", R"({"numericField":"age","max":30})", {"alice"});
    row("range skips deleted", R"({"numericField":"age","max":26})", {});
    row("numeric field only", R"({"numericField":"score"})", {"alice"});
    row("range on a fraction", R"({"numericField":"data.score","min":7.4,"max":7.6})", {"alice"});
    row("range and equality", R"({"equalsMap":{"address.city":"Paris"},"numericField":"age","min":40})", {"carol"});
    row("empty range", R"({"numericField":"age","min":31,"max":44})", {});
    row("empty query: all live", "{}", {"alice", "bob", "carol"});
}

void TestHttpApi::findFields()
{
    QFETCH(QByteArray, query);
    QFETCH(QStringList, ids);
    VERIFY_LIST(post("/v1/db/fields/_find/fields", query), ids, ids.size());
}

void TestHttpApi::findFieldsErrors_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("unknown key") << QByteArray(R"({"equals":{"name":"Alice"}})") << QStringLiteral("equals");
    QTest::newRow("equalsMap array") << QByteArray(R"({"equalsMap":["name"]})") << QStringLiteral("equalsMap");
    QTest::newRow("equalsMap string") << QByteArray(R"({"equalsMap":"name"})") << QStringLiteral("equalsMap");
    QTest::newRow("equalsMap object value") << QByteArray(R"({"equalsMap":{"address":{}}})") << QStringLiteral("address");
    QTest::newRow("min without numericField") << QByteArray(R"({"min":1})") << QStringLiteral("numericField");
    QTest::newRow("max without numericField") << QByteArray(R"({"max":1})") << QStringLiteral("numericField");
    QTest::newRow("min is a string") << QByteArray(R"({"numericField":"age","min":"1"})") << QStringLiteral("min");
    QTest::newRow("numericField number") << QByteArray(R"({"numericField":3})") << QStringLiteral("numericField");
    QTest::newRow("bad field name") << QByteArray(R"({"equalsMap":{"a[x]":"1"}})") << QStringLiteral("field name");
    QTest::newRow("limit over the max") << QByteArray(R"({"limit":1001})") << QStringLiteral("limit");
    QTest::newRow("limit a string") << QByteArray(R"({"limit":"5"})") << QStringLiteral("limit");
    QTest::newRow("skip negative") << QByteArray(R"({"skip":-1})") << QStringLiteral("skip");
    QTest::newRow("malformed JSON") << QByteArray(R"({"equalsMap":)") << QStringLiteral("JSON");
    QTest::newRow("empty body") << QByteArray() << QStringLiteral("empty");
    QTest::newRow("array body") << QByteArray("[]") << QStringLiteral("object");
}

void TestHttpApi::findFieldsErrors()
{
    QFETCH(QByteArray, query);
    QFETCH(QString, fragment);
    VERIFY_ERROR(post("/v1/db/fields/_find/fields", query), 400, fragment, (QJsonObject{{"db", "fields"}}));
}

void TestHttpApi::findPaging()
{
    QJsonArray documents;
    QStringList ids;
    for (int i = 0; i < 23; ++i) {
        ids.append(QStringLiteral("f%1").arg(i, 2, 10, QLatin1Char('0')));
        documents.append(QJsonObject{{"id", ids.last()}, {"data", QJsonObject{{"group", "g"}, {"n", i}}},
                                     {"tags", QJsonArray{"paged"}}, {"content", "pageable text"}});
    }
    const QString problem = seed("findpaging", documents);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    for (int skip = 0; skip < 30; skip += 7) {
        const QByteArray page = R"("skip":)" + QByteArray::number(skip) + R"(,"limit":7)";
        const QStringList expected = ids.mid(skip, 7);
        VERIFY_LIST(post("/v1/db/findpaging/_find/fields", R"({"equalsMap":{"group":"g"},)" + page + "}"), expected, 23);
        VERIFY_LIST(post("/v1/db/findpaging/_find/fields", R"({"numericField":"n","min":0,)" + page + "}"), expected, 23);
        VERIFY_LIST(post("/v1/db/findpaging/_find/tags", R"({"allOf":["paged"],)" + page + "}"), expected, 23);
        VERIFY_LIST(get("/v1/db/findpaging/_search?q=pageable&skip=" + QByteArray::number(skip) + "&limit=7"), expected, 23);
    }
    VERIFY_LIST(post("/v1/db/findpaging/_find/fields", R"({"equalsMap":{"group":"g"},"limit":0})"), QStringList(), 23);
    VERIFY_LIST(post("/v1/db/findpaging/_find/tags", R"({"limit":0})"), QStringList(), 23);
    VERIFY_LIST(post("/v1/db/findpaging/_find/fields", R"({"limit":1000})"), ids, 23);
}

void TestHttpApi::findTags_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QStringList>("ids");
    const QStringList live = {"t1", "t2", "t3", "t4", "t5", "t6"};
    QTest::newRow("allOf one") << QByteArray(R"({"allOf":["red"]})") << QStringList{"t1", "t3", "t4", "t6"};
    QTest::newRow("allOf trimmed") << QByteArray(R"({"allOf":[" red  "]})") << QStringList{"t1", "t3", "t4", "t6"};
    QTest::newRow("allOf two") << QByteArray(R"({"allOf":["red","fruit"]})") << QStringList{"t1"};
    // As in the original PeaceDatabase: tags compare ignoring case.
    QTest::newRow("allOf ignores case") << QByteArray(R"({"allOf":["Red"]})") << QStringList{"t1", "t3", "t4", "t6"};
    QTest::newRow("allOf upper case") << QByteArray(R"({"allOf":["RED","FRUIT"]})") << QStringList{"t1"};
    QTest::newRow("allOf one tag in two cases") << QByteArray(R"({"allOf":["red","rEd"]})") << QStringList{"t1", "t3", "t4", "t6"};
    QTest::newRow("allOf Unicode case folding") << QByteArray(R"({"allOf":["σοφια"]})") << QStringList{"t6"};
    QTest::newRow("anyOf ignores case") << QByteArray(R"({"anyOf":["GREEN","Veg"]})") << QStringList{"t2", "t3"};
    QTest::newRow("noneOf ignores case") << QByteArray(R"({"noneOf":["RED"]})") << QStringList{"t2", "t5"};
    QTest::newRow("allOf unknown tag") << QByteArray(R"({"allOf":["blue"]})") << QStringList{};
    QTest::newRow("anyOf") << QByteArray(R"({"anyOf":["green","veg"]})") << QStringList{"t2", "t3"};
    QTest::newRow("anyOf with unknown") << QByteArray(R"({"anyOf":["blue","green"]})") << QStringList{"t2"};
    QTest::newRow("noneOf") << QByteArray(R"({"noneOf":["fruit"]})") << QStringList{"t3", "t4", "t5", "t6"};
    QTest::newRow("allOf + noneOf") << QByteArray(R"({"allOf":["fruit"],"noneOf":["red"]})") << QStringList{"t2"};
    QTest::newRow("anyOf + noneOf") << QByteArray(R"({"anyOf":["red","green"],"noneOf":["veg"]})")
                                    << QStringList{"t1", "t2", "t4", "t6"};
    QTest::newRow("all three") << QByteArray(R"({"allOf":["fruit"],"anyOf":["red","green"],"noneOf":["green"]})")
                               << QStringList{"t1"};
    QTest::newRow("empty anyOf matches nothing") << QByteArray(R"({"anyOf":[]})") << QStringList{};
    QTest::newRow("empty allOf") << QByteArray(R"({"allOf":[]})") << live;
    QTest::newRow("null fields") << QByteArray(R"({"allOf":null,"anyOf":null,"noneOf":null})") << live;
    QTest::newRow("absent fields: all live") << QByteArray("{}") << live;
    QTest::newRow("deleted never matches") << QByteArray(R"({"allOf":["red","fruit","green","veg"]})") << QStringList{};
}

void TestHttpApi::findTags()
{
    QFETCH(QByteArray, query);
    QFETCH(QStringList, ids);
    VERIFY_LIST(post("/v1/db/tags/_find/tags", query), ids, ids.size());
}

void TestHttpApi::tagsAreStoredAsGiven()
{
    const TestHttpResponse response = get(docPath("tags", "t6"));
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("tags").toArray(), (QJsonArray{"Red", "ΣΟΦΙΑ", "RED"}));
    // Distinct tags ignoring case: red, fruit, green, veg and σοφια.
    const TestHttpResponse stats = get("/v1/db/tags/_stats");
    VERIFY_STATUS(stats, 200);
    QCOMPARE(stats.json().value("tagIndexCount").toInteger(), 5);
}

void TestHttpApi::findTagsErrors_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("allOf a string") << QByteArray(R"({"allOf":"red"})") << QStringLiteral("allOf");
    QTest::newRow("anyOf a number item") << QByteArray(R"({"anyOf":["red",1]})") << QStringLiteral("anyOf");
    QTest::newRow("noneOf an object") << QByteArray(R"({"noneOf":{}})") << QStringLiteral("noneOf");
    QTest::newRow("unknown key") << QByteArray(R"({"tags":["red"]})") << QStringLiteral("tags");
    QTest::newRow("limit over the max") << QByteArray(R"({"limit":1001})") << QStringLiteral("limit");
    QTest::newRow("skip fraction") << QByteArray(R"({"skip":1.5})") << QStringLiteral("skip");
    QTest::newRow("malformed JSON") << QByteArray("{") << QStringLiteral("JSON");
    QTest::newRow("empty body") << QByteArray() << QStringLiteral("empty");
}

void TestHttpApi::findTagsErrors()
{
    QFETCH(QByteArray, query);
    QFETCH(QString, fragment);
    VERIFY_ERROR(post("/v1/db/tags/_find/tags", query), 400, fragment, (QJsonObject{{"db", "tags"}}));
}

void TestHttpApi::search_data()
{
    QTest::addColumn<QByteArray>("query"); // the q parameter, as sent
    QTest::addColumn<QStringList>("ids");
    QTest::newRow("one word") << QByteArray("quick") << QStringList{"s1", "s2"};
    QTest::newRow("case-insensitive") << QByteArray("QUICK") << QStringList{"s1", "s2"};
    QTest::newRow("two words are AND ('+' is a space)") << QByteArray("quick+fox") << QStringList{"s1"};
    QTest::newRow("two words %20") << QByteArray("quick%20silver") << QStringList{"s2"};
    QTest::newRow("AND without a common doc") << QByteArray("silver+fox") << QStringList{};
    QTest::newRow("word in a data string") << QByteArray("walrus") << QStringList{"s2"};
    QTest::newRow("word in a nested data array") << QByteArray("needle") << QStringList{"s5"};
    QTest::newRow("word in the tags") << QByteArray("zebra") << QStringList{"s3"};
    QTest::newRow("one-letter words ignored") << QByteArray("a+quick+b") << QStringList{"s1", "s2"};
    QTest::newRow("punctuation separates") << QByteArray("quick,fox!") << QStringList{"s1"};
    QTest::newRow("diacritics ignored") << QByteArray("cafe+creme") << QStringList{"s4"};
    QTest::newRow("diacritics in the query") << TestHttpClient::encode(QStringLiteral("CAFÉ")) << QStringList{"s4"};
    QTest::newRow("cyrillic in content, upper case") << TestHttpClient::encode(QStringLiteral("ПРИВЕТ")) << QStringList{"s5"};
    QTest::newRow("cyrillic mixed case") << TestHttpClient::encode(QStringLiteral("бЫСТРАЯ лиса")) << QStringList{"s5"};
    QTest::newRow("cyrillic in a data string") << TestHttpClient::encode(QStringLiteral("москва")) << QStringList{"s5"};
    QTest::newRow("digits are words") << QByteArray("2024") << QStringList{"s7"};
    QTest::newRow("letters and digits") << QByteArray("v2") << QStringList{"s7"};
    QTest::newRow("deleted excluded") << QByteArray("ephemeral") << QStringList{};
    QTest::newRow("prefix is not a word") << QByteArray("qui") << QStringList{};
    QTest::newRow("no such word") << QByteArray("xylophone") << QStringList{};
    QTest::newRow("quoted word") << QByteArray("%22quick%22") << QStringList{"s1", "s2"};
    QTest::newRow("star suffix") << QByteArray("quick*") << QStringList{"s1", "s2"};
    QTest::newRow("minus prefix") << QByteArray("-quick") << QStringList{"s1", "s2"};
    QTest::newRow("column filter syntax") << QByteArray("text%3Aquick") << QStringList{};
    QTest::newRow("NEAR is a word") << QByteArray("NEAR(quick+fox)") << QStringList{};
}

void TestHttpApi::search()
{
    QFETCH(QByteArray, query);
    QFETCH(QStringList, ids);
    VERIFY_LIST(get("/v1/db/search/_search?q=" + query), ids, ids.size());
}

void TestHttpApi::searchSyntaxNeverFails_data()
{
    QTest::addColumn<QString>("q");
    for (const char *q : {"\"", "\"quick", "quick\"", "'", "*", "quick*fox", "-", "--", "+", "^quick", "NEAR", "NEAR(",
                          "quick NEAR/2 fox", "quick OR fox", "quick AND", "NOT quick", "(", ")", "()", "{quick}",
                          "text:", ":", "\\", "%", "_", "a AND b OR", "quick\"\"fox", "\xe2\x80\x8b"})
        QTest::newRow(q) << QString::fromUtf8(q);
}

void TestHttpApi::searchSyntaxNeverFails()
{
    QFETCH(QString, q);
    const TestHttpResponse response = get("/v1/db/search/_search?q=" + TestHttpClient::encode(q));
    VERIFY_STATUS(response, 200);
    QVERIFY2(response.json().value("total").isDouble() && response.json().value("items").isArray(), response.body.constData());
}

void TestHttpApi::searchRequestsAndUpdates()
{
    VERIFY_ERROR(get("/v1/db/search/_search"), 400, "q", (QJsonObject{{"db", "search"}}));
    VERIFY_ERROR(get("/v1/db/search/_search?skip=0"), 400, "q", (QJsonObject{{"db", "search"}}));
    VERIFY_ERROR(get("/v1/db/search/_search?q=quick&limit=1001"), 400, "limit", (QJsonObject{{"db", "search"}}));
    VERIFY_LIST(get("/v1/db/search/_search?q=quick&limit=1"), QStringList{"s1"}, 2);
    VERIFY_LIST(get("/v1/db/search/_search?q=quick&skip=1"), QStringList{"s2"}, 2);
    VERIFY_LIST(get("/v1/db/search/_search?q=quick&skip=2"), QStringList(), 2);
    VERIFY_LIST(get("/v1/db/search/_search?q=quick&limit=0"), QStringList(), 2);

    // An updated document is found by its new text only.
    VERIFY_STATUS(put("/v1/db/searchupdate"), 201);
    TestHttpResponse response = put(docPath("searchupdate", "u"), R"({"content":"original wording","tags":["oldtag"]})");
    VERIFY_STATUS(response, 200);
    VERIFY_LIST(get("/v1/db/searchupdate/_search?q=original"), QStringList{"u"}, 1);
    response = put(docPath("searchupdate", "u"),
                   R"({"rev":")" + response.json().value("rev").toString().toLatin1()
                       + R"(","content":"replacement text","data":{"k":"fresh value"},"tags":["newtag"]})");
    VERIFY_STATUS(response, 200);
    VERIFY_LIST(get("/v1/db/searchupdate/_search?q=original"), QStringList(), 0);
    VERIFY_LIST(get("/v1/db/searchupdate/_search?q=oldtag"), QStringList(), 0);
    VERIFY_LIST(get("/v1/db/searchupdate/_search?q=replacement"), QStringList{"u"}, 1);
    VERIFY_LIST(get("/v1/db/searchupdate/_search?q=fresh+value"), QStringList{"u"}, 1);
    VERIFY_LIST(get("/v1/db/searchupdate/_search?q=newtag"), QStringList{"u"}, 1);
    VERIFY_LIST(post("/v1/db/searchupdate/_find/tags", R"({"anyOf":["oldtag"]})"), QStringList(), 0);
    VERIFY_LIST(post("/v1/db/searchupdate/_find/tags", R"({"anyOf":["newtag"]})"), QStringList{"u"}, 1);
    // Deleted: found by nothing; recreated: found again.
    QString problem = remove("searchupdate", QStringLiteral("u"));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    VERIFY_LIST(get("/v1/db/searchupdate/_search?q=replacement"), QStringList(), 0);
    VERIFY_STATUS(put(docPath("searchupdate", "u"), R"({"content":"replacement again"})"), 200);
    VERIFY_LIST(get("/v1/db/searchupdate/_search?q=replacement"), QStringList{"u"}, 1);
    VERIFY_LIST(get("/v1/db/searchupdate/_search?q=fresh"), QStringList(), 0);
}

void TestHttpApi::unknownRoutes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::newRow("root") << QByteArray("GET") << QByteArray("/");
    QTest::newRow("/v1") << QByteArray("GET") << QByteArray("/v1");
    QTest::newRow("/v2/db") << QByteArray("GET") << QByteArray("/v2/db");
    QTest::newRow("unknown db action") << QByteArray("GET") << QByteArray("/v1/db/docs/_nothing");
    QTest::newRow("extra segment") << QByteArray("GET") << QByteArray("/v1/db/docs/docs/a/b");
    QTest::newRow("POST unknown") << QByteArray("POST") << QByteArray("/v1/things");
    QTest::newRow("_find without kind") << QByteArray("POST") << QByteArray("/v1/db/docs/_find");
}

void TestHttpApi::unknownRoutes()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    VERIFY_ERROR(m_client->request(method, path, method == "POST" ? QByteArray("{}") : QByteArray()), 404,
                 "unknown route", QJsonObject());
}

void TestHttpApi::wrongMethod_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QStringList>("allowed");
    QTest::newRow("PATCH db") << QByteArray("PATCH") << QByteArray("/v1/db/fields") << QStringList{"GET", "PUT", "DELETE", "HEAD"};
    QTest::newRow("POST db") << QByteArray("POST") << QByteArray("/v1/db/fields") << QStringList{"GET", "PUT", "DELETE", "HEAD"};
    QTest::newRow("POST doc") << QByteArray("POST") << QByteArray("/v1/db/fields/docs/alice") << QStringList{"GET", "PUT", "DELETE"};
    QTest::newRow("GET docs") << QByteArray("GET") << QByteArray("/v1/db/fields/docs") << QStringList{"POST"};
    QTest::newRow("GET _bulk_docs") << QByteArray("GET") << QByteArray("/v1/db/fields/_bulk_docs") << QStringList{"POST"};
    QTest::newRow("POST _all_docs") << QByteArray("POST") << QByteArray("/v1/db/fields/_all_docs") << QStringList{"GET"};
    QTest::newRow("GET _find/tags") << QByteArray("GET") << QByteArray("/v1/db/fields/_find/tags") << QStringList{"POST"};
    QTest::newRow("DELETE _search") << QByteArray("DELETE") << QByteArray("/v1/db/fields/_search") << QStringList{"GET"};
    QTest::newRow("PUT /v1/db") << QByteArray("PUT") << QByteArray("/v1/db") << QStringList{"GET"};
    QTest::newRow("DELETE /healthz") << QByteArray("DELETE") << QByteArray("/healthz") << QStringList{"GET"};
    QTest::newRow("GET kill") << QByteArray("GET") << QByteArray("/v1/_admin/kill") << QStringList{"POST"};
}

void TestHttpApi::wrongMethod()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QStringList, allowed);
    const qint64 seq = seqOf("fields");
    const TestHttpResponse response = m_client->request(method, path, method == "GET" || method == "DELETE" ? QByteArray() : QByteArray("{}"));
    VERIFY_ERROR(response, 405, "", QJsonObject());
    QStringList header = QString::fromLatin1(response.header("Allow")).split(QLatin1Char(','));
    for (QString &name : header)
        name = name.trimmed();
    header.sort();
    allowed.sort();
    QVERIFY2(header == allowed, qPrintable(QStringLiteral("Allow: %1").arg(QString::fromLatin1(response.header("Allow")))));
    QVERIFY(seq > 0);
    QCOMPARE(seqOf("fields"), seq);
    VERIFY_LIST(post("/v1/db/fields/_find/fields", "{}"), (QStringList{"alice", "bob", "carol"}), 3);
}

void TestHttpApi::adminNeedsToken_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("authorization"); // empty: no header
    QTest::newRow("config, no token") << QByteArray("GET") << QByteArray("/v1/_admin/config") << QByteArray();
    QTest::newRow("config, wrong token") << QByteArray("GET") << QByteArray("/v1/_admin/config") << QByteArray("Bearer wrong-token-0123456789");
    QTest::newRow("config, empty bearer") << QByteArray("GET") << QByteArray("/v1/_admin/config") << QByteArray("Bearer ");
    QTest::newRow("config, token as Basic") << QByteArray("GET") << QByteArray("/v1/_admin/config") << QByteArray("Basic TOKEN");
    QTest::newRow("config, token prefix") << QByteArray("GET") << QByteArray("/v1/_admin/config") << QByteArray("Bearer PREFIX");
    QTest::newRow("kill, no token") << QByteArray("POST") << QByteArray("/v1/_admin/kill") << QByteArray();
    QTest::newRow("kill, wrong token") << QByteArray("POST") << QByteArray("/v1/_admin/kill") << QByteArray("Bearer wrong-token-0123456789");
    QTest::newRow("kill, token + suffix") << QByteArray("POST") << QByteArray("/v1/_admin/kill") << QByteArray("Bearer TOKENx");
}

void TestHttpApi::adminNeedsToken()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, authorization);
    const QByteArray token = m_server->token();
    QVERIFY2(token.size() >= 16, token.constData());
    authorization.replace("TOKEN", token).replace("PREFIX", token.left(token.size() - 1));
    TestHttpClient::Headers headers;
    if (!authorization.isEmpty())
        headers.append({"Authorization", authorization});
    const TestHttpResponse response = m_client->request(method, path, method == "POST" ? QByteArray("{}") : QByteArray(), headers);
    VERIFY_ERROR(response, 401, authorization.isEmpty() ? "Authorization" : "", QJsonObject());
    QVERIFY2(!response.body.contains(token), response.body.constData());
    QTest::qWait(50); // a kill would have fired by now
    QVERIFY2(m_server->isRunning(), qPrintable(m_server->output()));
    VERIFY_STATUS(TestHttpClient(m_server->port()).get("/healthz"), 200);
    // A wrong token is audited (never the token itself); a missing one is not.
    const QString audit = QStringLiteral("audit: a wrong token: %1 %2 from 127.0.0.1: 401")
                              .arg(QString::fromLatin1(method), QString::fromLatin1(path));
    const QString output = m_server->output();
    if (!authorization.isEmpty())
        QVERIFY2(output.contains(audit), qPrintable(output.right(2000)));
    QVERIFY(!output.contains(QString::fromLatin1(token)));
}

void TestHttpApi::adminConfig()
{
    const TestHttpResponse response =
        m_client->request("GET", "/v1/_admin/config", {}, {{"Authorization", "Bearer " + m_server->token()}});
    VERIFY_STATUS(response, 200);
    // The scheme is case-insensitive (RFC 9110).
    for (const QByteArray scheme : {QByteArray("bearer "), QByteArray("BEARER "), QByteArray("bEaReR  ")}) {
        VERIFY_STATUS(m_client->request("GET", "/v1/_admin/config", {}, {{"Authorization", scheme + m_server->token()}}), 200);
    }
    const QJsonObject server = response.json().value("Server").toObject();
    QVERIFY2(server.value("MaxPageSize").toInteger() == 1000 && server.value("MaxBodyBytes").toInteger() > 4096,
             response.body.constData());
    QVERIFY2(!response.body.contains(m_server->token()), "the configuration shows the token itself");
}

void TestHttpApi::healthAndStats()
{
    VERIFY_STATUS(put("/v1/db/stats"), 201);
    TestHttpResponse response = get("/healthz");
    VERIFY_STATUS(response, 200);
    QJsonObject body = response.json();
    QCOMPARE(body.value("ok"), QJsonValue(true));
    QCOMPARE(body.value("status").toString(), QStringLiteral("ok"));
    QVERIFY2(!body.value("role").toString().isEmpty() && !body.value("version").toString().isEmpty(), response.body.constData());

    response = get("/v1/_stats");
    VERIFY_STATUS(response, 200);
    body = response.json();
    for (const char *field : {"requestsTotal", "pid", "uptimeMs", "databases", "lastSeq", "appliedSeq", "openConnections",
                              "commitBatches", "commitEntries", "averageBatchEntries", "lastBatchMs", "rssBytes",
                              "storageBytes"}) {
        QVERIFY2(body.value(QLatin1String(field)).isDouble(), qPrintable(QStringLiteral("%1 missing or not a number: %2")
                                                                              .arg(QLatin1String(field), QString::fromUtf8(response.body))));
    }
    QVERIFY2(body.value("role").isString() && !body.value("nodeId").toString().isEmpty(), response.body.constData());
    QCOMPARE(body.value("pid").toInteger(), m_server->pid());
    QVERIFY2(body.value("openConnections").toInteger() >= 1 && body.value("rssBytes").toInteger() > 0
                 && body.value("storageBytes").toInteger() > 0 && body.value("commitEntries").toInteger() > 0,
             response.body.constData());
    QVERIFY2(body.value("appliedSeq").toInteger() <= body.value("lastSeq").toInteger(), response.body.constData());
    const TestHttpResponse databases = get("/v1/db");
    QCOMPARE(body.value("databases").toInteger(), databases.json().value("total").toInteger());
    const qint64 requests = body.value("requestsTotal").toInteger();
    const qint64 lastSeq = body.value("lastSeq").toInteger();
    QVERIFY2(requests > 10, response.body.constData());

    VERIFY_STATUS(put(docPath("stats", "probe"), "{}"), 200);
    response = get("/v1/_stats");
    VERIFY_STATUS(response, 200);
    QVERIFY2(response.json().value("requestsTotal").toInteger() >= requests + 3, response.body.constData());
    QCOMPARE(response.json().value("lastSeq").toInteger(), lastSeq + 1);
}

void TestHttpApi::connectionHandling()
{
    VERIFY_STATUS(put("/v1/db/connections"), 201);
    // Keep-alive: two requests on one connection.
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), m_server->port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QByteArray answer = readUntil(socket, hasWholeAnswer);
    QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
    QVERIFY2(!answer.toLower().contains("connection: close"), answer.constData());
    QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
    // Connection: close is honoured: the answer says so and the server closes.
    socket.write("GET /v1/db/connections/_seq HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    answer = readUntil(socket, [&socket](const QByteArray &) { return socket.state() == QAbstractSocket::UnconnectedState; });
    QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
    QVERIFY2(answer.toLower().contains("\r\nconnection: close\r\n"), answer.constData());
    QVERIFY2(answer.contains("\"seq\""), answer.constData());
    if (socket.state() != QAbstractSocket::UnconnectedState)
        socket.waitForDisconnected(5000);
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);

    // Expect: 100-continue on a small body: 100 first, then the answer.
    QTcpSocket expecting;
    expecting.connectToHost(QStringLiteral("127.0.0.1"), m_server->port());
    QVERIFY(expecting.waitForConnected(5000));
    const QByteArray body = R"({"data":{"continued":true}})";
    expecting.write("PUT /v1/db/connections/docs/continued HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\n\r\n");
    answer = readUntil(expecting, [](const QByteArray &buffer) { return buffer.contains("\r\n\r\n"); });
    QVERIFY2(answer.startsWith("HTTP/1.1 100"), answer.constData());
    expecting.write(body);
    answer = readUntil(expecting, [](const QByteArray &buffer) { return hasWholeAnswer(buffer); });
    QVERIFY2(answer.startsWith("HTTP/1.1 200") && answer.contains("\"continued\":true"), answer.constData());

    // HEAD on a list route has no body either.
    const TestHttpResponse response = head("/v1/db/connections");
    VERIFY_STATUS(response, 200);
    QVERIFY(response.body.isEmpty());
}

void TestHttpApi::queryStringsAreFormDecoded()
{
    // The error context echoes the decoded query value: '+' is a space,
    // %2B a plus, %XX any byte of UTF-8.
    VERIFY_ERROR(get(docPath("fields", "alice") + "?rev=1-a+b"), 404, "not found",
                 (QJsonObject{{"id", "alice"}, {"rev", "1-a b"}}));
    VERIFY_ERROR(get(docPath("fields", "alice") + "?rev=1-a%2Bb"), 404, "not found",
                 (QJsonObject{{"id", "alice"}, {"rev", "1-a+b"}}));
    VERIFY_ERROR(get(docPath("fields", "alice") + "?rev=" + TestHttpClient::encode(QStringLiteral("1-ё"))), 404, "not found",
                 (QJsonObject{{"id", "alice"}, {"rev", QStringLiteral("1-ё")}}));
    VERIFY_ERROR(get("/v1/db/fields/_all_docs?limit=1+2"), 400, "'1 2'", (QJsonObject{{"db", "fields"}}));
    // Parameter names are decoded too (the tags fixture has one tombstone).
    VERIFY_LIST(get("/v1/db/tags/_all_docs?limit=0"), QStringList(), 7);
    VERIFY_LIST(get("/v1/db/tags/_all_docs?limit=0&include%44eleted=false"), QStringList(), 6);
    VERIFY_LIST(get("/v1/db/search/_search?%71=walrus"), QStringList{"s2"}, 1);
}

void TestHttpApi::limits()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile config(dir.filePath(QStringLiteral("config.json")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(R"({"Server":{"MaxBodyBytes":4096,"MaxHeaderBytes":2048,"MaxPageSize":50,"MaxBulkDocs":60,"MaxDatabases":3}})");
    config.close();
    ServerProcess server(dir.filePath(QStringLiteral("data")), {QStringLiteral("--config"), config.fileName()});
    QVERIFY2(server.start(), qPrintable(server.output()));
    TestHttpClient client(server.port());
    VERIFY_STATUS(client.put("/v1/db/lim"), 201);
    const auto seq = [&client] { return client.get("/v1/db/lim/_seq").json().value("seq").toInteger(-1); };

    // MaxDatabases 3: a fourth is refused (403, nothing created) until one
    // is dropped; an existing one is still "created": false.
    VERIFY_STATUS(client.put("/v1/db/lim2"), 201);
    VERIFY_STATUS(client.put("/v1/db/lim3"), 201);
    VERIFY_ERROR(client.put("/v1/db/lim4"), 403, "Server.MaxDatabases", (QJsonObject{{"db", "lim4"}}));
    VERIFY_STATUS(client.get("/v1/db/lim4"), 404);
    VERIFY_STATUS(client.put("/v1/db/lim3"), 200);
    VERIFY_STATUS(client.del("/v1/db/lim3"), 200);
    VERIFY_STATUS(client.put("/v1/db/lim4"), 201);
    VERIFY_STATUS(client.del("/v1/db/lim4"), 200);
    VERIFY_STATUS(client.del("/v1/db/lim2"), 200);

    // A body over MaxBodyBytes: 413, JSON error, connection closed, nothing stored.
    const auto bodyOfSize = [](int size) -> QByteArray {
        const QByteArray frame = R"({"data":{"pad":""}})";
        return QByteArray(R"({"data":{"pad":")") + QByteArray(size - frame.size(), 'x') + R"("}})";
    };
    TestHttpResponse response = client.put("/v1/db/lim/docs/big", bodyOfSize(5000));
    VERIFY_ERROR(response, 413, "4096", QJsonObject());
    QCOMPARE(response.header("Connection").toLower(), QByteArray("close"));
    VERIFY_STATUS(client.get("/v1/db/lim/docs/big"), 404);
    QCOMPARE(seq(), 0);
    // Exactly MaxBodyBytes is accepted.
    response = client.put("/v1/db/lim/docs/exact", bodyOfSize(4096));
    VERIFY_STATUS(response, 200);
    QCOMPARE(seq(), 1);

    // Expect: 100-continue with a too-large Content-Length: 413 at once,
    // before any of the body is sent.
    {
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), server.port());
        QVERIFY(socket.waitForConnected(5000));
        socket.write("PUT /v1/db/lim/docs/expect HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
        const QByteArray answer = readUntil(socket, hasWholeAnswer);
        QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.constData());
        QVERIFY2(answer.contains("\"ok\":false"), answer.constData());
    }

    // Chunked bodies: under the limit accepted, over it refused.
    const auto chunked = [](const QList<QByteArray> &chunks) -> QByteArray {
        QByteArray out;
        for (const QByteArray &chunk : chunks)
            out += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
        return out + "0\r\n\r\n";
    };
    const TestHttpClient::Headers chunkedHeader{{"Transfer-Encoding", "chunked"}};
    response = client.request("PUT", "/v1/db/lim/docs/chunked", chunked({R"({"data":{"part":)", R"("one"}})"}), chunkedHeader);
    VERIFY_STATUS(response, 200);
    response = client.get("/v1/db/lim/docs/chunked");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"part", "one"}}));
    QCOMPARE(seq(), 2);
    const QByteArray large = bodyOfSize(6000);
    response = client.request("PUT", "/v1/db/lim/docs/chunkedbig",
                              chunked({large.left(2000), large.mid(2000, 2000), large.mid(4000)}), chunkedHeader);
    VERIFY_ERROR(response, 413, "4096", QJsonObject());
    response = client.request("PUT", "/v1/db/lim/docs/chunkedbig", chunked({large}), chunkedHeader);
    VERIFY_ERROR(response, 413, "4096", QJsonObject());
    VERIFY_STATUS(client.get("/v1/db/lim/docs/chunkedbig"), 404);
    QCOMPARE(seq(), 2);

    // Headers over MaxHeaderBytes: 431.
    response = client.request("GET", "/v1/db/lim/_seq", {}, {{"X-Padding", QByteArray(3000, 'h')}});
    VERIFY_ERROR(response, 431, "2048", QJsonObject());
    QCOMPARE(response.header("Connection").toLower(), QByteArray("close"));
    response = client.request("GET", "/v1/db/lim/_seq", {}, {{"X-Padding", QByteArray(1500, 'h')}});
    VERIFY_STATUS(response, 200);

    // A fresh connection is served normally after all that.
    VERIFY_STATUS(TestHttpClient(server.port()).get("/healthz"), 200);

    // MaxPageSize 50: 51 is a 400 everywhere, 50 is fine.
    QJsonArray docs;
    for (int i = 0; i < 60; ++i)
        docs.append(QJsonObject{{"id", QStringLiteral("p%1").arg(i, 2, 10, QLatin1Char('0'))}, {"tags", QJsonArray{"t"}}});
    // MaxBulkDocs 60: 61 documents are refused whole, 60 are written.
    QJsonArray tooMany = docs;
    tooMany.append(QJsonObject{{"id", "p60"}});
    VERIFY_ERROR(client.post("/v1/db/lim/_bulk_docs", compact({{"docs", tooMany}})), 400, "at most 60", (QJsonObject{{"db", "lim"}}));
    QCOMPARE(seq(), 2);
    response = client.post("/v1/db/lim/_bulk_docs", compact({{"docs", docs}}));
    VERIFY_STATUS(response, 200);
    QCOMPARE(seq(), 62);
    VERIFY_ERROR(client.get("/v1/db/lim/_all_docs?limit=51"), 400, "limit", (QJsonObject{{"db", "lim"}}));
    VERIFY_ERROR(client.get("/v1/db/lim/_search?q=word&limit=51"), 400, "limit", (QJsonObject{{"db", "lim"}}));
    VERIFY_ERROR(client.get("/v1/db/lim/_changes?limit=51"), 400, "limit", (QJsonObject{{"db", "lim"}}));
    VERIFY_ERROR(client.post("/v1/db/lim/_find/fields", R"({"limit":51})"), 400, "limit", (QJsonObject{{"db", "lim"}}));
    VERIFY_ERROR(client.post("/v1/db/lim/_find/tags", R"({"limit":51})"), 400, "limit", (QJsonObject{{"db", "lim"}}));
    response = client.get("/v1/db/lim/_all_docs?limit=50");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("items").toArray().size(), 50);
    QCOMPARE(response.json().value("total").toInteger(), 62);
    response = client.post("/v1/db/lim/_find/tags", R"({"allOf":["t"],"limit":50,"skip":50})");
    VERIFY_LIST(response, (QStringList{"p50", "p51", "p52", "p53", "p54", "p55", "p56", "p57", "p58", "p59"}), 60);
    response = client.get("/v1/db/lim/_changes?since=0&limit=50");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("results").toArray().size(), 50);

    // Without a limit parameter the default page (100) must not turn into
    // a 400 when MaxPageSize is smaller.
    response = client.get("/v1/db/lim/_all_docs");
    QVERIFY2(response.status == 200, describe(response).constData());
    response = client.post("/v1/db/lim/_find/tags", "{}");
    QVERIFY2(response.status == 200, describe(response).constData());
    response = client.get("/v1/db/lim/_changes?since=0");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("results").toArray().size(), 50);

    response = client.request("GET", "/v1/_admin/config", {}, {{"Authorization", "Bearer " + server.token()}});
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("Server").toObject().value("MaxPageSize").toInteger(), 50);
    QCOMPARE(response.json().value("Server").toObject().value("MaxBodyBytes").toInteger(), 4096);
    QVERIFY2(server.isRunning(), qPrintable(server.output()));
}

void TestHttpApi::adminKill()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ServerProcess server(dir.path());
    QVERIFY2(server.start(), qPrintable(server.output()));
    TestHttpResponse response;
    QString rev;
    {
        TestHttpClient client(server.port());
        VERIFY_STATUS(client.put("/v1/db/k"), 201);
        response = client.put("/v1/db/k/docs/kept", R"({"data":{"acknowledged":true}})");
        VERIFY_STATUS(response, 200);
        rev = response.json().value("rev").toString();
        response = client.request("POST", "/v1/_admin/kill", {}, {{"Authorization", "Bearer " + server.token()}});
        VERIFY_STATUS(response, 202);
        QCOMPARE(response.json().value("ok"), QJsonValue(true));
    }
    QVERIFY2(QTest::qWaitFor([&server] { return !server.isRunning(); }, 10000), "the server is still running after kill");
    QVERIFY2(!TestHttpClient(server.port()).get("/healthz").status, "something still answers on the port");
    // The operator's action is in the audit log, with where it came from.
    QVERIFY2(server.output().contains(QLatin1String("audit: the cluster token: POST /v1/_admin/kill from 127.0.0.1: 202")),
             qPrintable(server.output()));

    ServerProcess restarted(dir.path());
    QVERIFY2(restarted.start(), qPrintable(restarted.output()));
    TestHttpClient client(restarted.port());
    response = client.get("/v1/db/k/docs/kept");
    VERIFY_STATUS(response, 200);
    QCOMPARE(response.json().value("rev").toString(), rev);
}

void TestHttpApi::concurrentUpdates()
{
    constexpr int kWriters = 16;
    constexpr int kRounds = 5;
    VERIFY_STATUS(put("/v1/db/race"), 201);
    TestHttpResponse response = put(docPath("race", "hot"), R"({"data":{"writer":-1}})");
    VERIFY_STATUS(response, 200);
    QString current = response.json().value("rev").toString();

    std::vector<std::unique_ptr<TestHttpClient>> clients;
    for (int i = 0; i < kWriters; ++i) {
        clients.push_back(std::make_unique<TestHttpClient>(m_server->port()));
        VERIFY_STATUS(clients.back()->get("/healthz"), 200); // connected before the race
    }
    for (int round = 0; round < kRounds; ++round) {
        QList<QByteArray> requests;
        for (int i = 0; i < kWriters; ++i) {
            const QByteArray body = compact({{"rev", current}, {"data", QJsonObject{{"writer", i}, {"round", round}}}});
            requests.append(clients[size_t(i)]->requestBytes("PUT", docPath("race", "hot"), body));
        }
        QString error;
        const QList<TestHttpResponse> responses = sendTogether(clients, requests, &error);
        QVERIFY2(responses.size() == kWriters, qPrintable(error));
        int winner = -1;
        for (int i = 0; i < kWriters; ++i) {
            const TestHttpResponse &answer = responses.at(i);
            if (answer.status == 200) {
                QVERIFY2(winner < 0, qPrintable(QStringLiteral("round %1: writers %2 and %3 both won").arg(round).arg(winner).arg(i)));
                winner = i;
            } else {
                VERIFY_ERROR(answer, 409, "conflict", (QJsonObject{{"db", "race"}, {"id", "hot"}}));
            }
        }
        QVERIFY2(winner >= 0, qPrintable(QStringLiteral("round %1: nobody won").arg(round)));
        const QJsonObject won = responses.at(winner).json();
        QCOMPARE(generationOf(won.value("rev").toString()), round + 2);
        response = get(docPath("race", "hot"));
        VERIFY_STATUS(response, 200);
        QCOMPARE(response.json(), won);
        QCOMPARE(response.json().value("data").toObject(), (QJsonObject{{"writer", winner}, {"round", round}}));
        current = won.value("rev").toString();
    }
    QCOMPARE(seqOf("race"), 1 + kRounds);

    // Concurrent deletes of the same rev: exactly one tombstone.
    QList<QByteArray> deletes;
    for (int i = 0; i < kWriters; ++i)
        deletes.append(clients[size_t(i)]->requestBytes("DELETE", docPath("race", "hot") + "?rev=" + current.toLatin1()));
    QString error;
    const QList<TestHttpResponse> deleted = sendTogether(clients, deletes, &error);
    QVERIFY2(deleted.size() == kWriters, qPrintable(error));
    int successes = 0;
    for (const TestHttpResponse &answer : deleted) {
        if (answer.status == 200)
            ++successes;
        else
            QVERIFY2(answer.status == 409, describe(answer).constData());
    }
    QCOMPARE(successes, 1);
    QCOMPARE(seqOf("race"), 2 + kRounds);
}

void TestHttpApi::concurrentCreates()
{
    constexpr int kWriters = 16;
    const TestHttpResponse created = put("/v1/db/race");
    QVERIFY2(created.status == 201 || created.status == 200, describe(created).constData());
    std::vector<std::unique_ptr<TestHttpClient>> clients;
    for (int i = 0; i < kWriters; ++i) {
        clients.push_back(std::make_unique<TestHttpClient>(m_server->port()));
        VERIFY_STATUS(clients.back()->get("/healthz"), 200);
    }
    for (int round = 0; round < 3; ++round) {
        const qint64 seq = seqOf("race");
        const QString id = QStringLiteral("fresh-%1").arg(round);
        QList<QByteArray> requests;
        for (int i = 0; i < kWriters; ++i) {
            // Half POST, half PUT without rev: all create the same new id.
            const QByteArray body = compact({{"id", id}, {"data", QJsonObject{{"writer", i}}}});
            requests.append(i % 2 ? clients[size_t(i)]->requestBytes("PUT", docPath("race", id), body)
                                  : clients[size_t(i)]->requestBytes("POST", "/v1/db/race/docs", body));
        }
        QString error;
        const QList<TestHttpResponse> responses = sendTogether(clients, requests, &error);
        QVERIFY2(responses.size() == kWriters, qPrintable(error));
        int winner = -1;
        for (int i = 0; i < kWriters; ++i) {
            const TestHttpResponse &answer = responses.at(i);
            if (answer.status == (i % 2 ? 200 : 201)) {
                QVERIFY2(winner < 0, qPrintable(QStringLiteral("%1: writers %2 and %3 both created it").arg(id).arg(winner).arg(i)));
                winner = i;
            } else {
                VERIFY_ERROR(answer, 409, "", (QJsonObject{{"db", "race"}}));
            }
        }
        QVERIFY2(winner >= 0, qPrintable(QStringLiteral("%1: nobody created it").arg(id)));
        const TestHttpResponse stored = get(docPath("race", id));
        VERIFY_STATUS(stored, 200);
        QCOMPARE(stored.json(), responses.at(winner).json());
        QCOMPARE(generationOf(stored.json().value("rev").toString()), 1);
        QCOMPARE(seqOf("race"), seq + 1);
    }
}

QTEST_GUILESS_MAIN(TestHttpApi)
#include "tst_httpapi.moc"
