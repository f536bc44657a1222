// Process test: "a client that disconnects before its write is acknowledged
// must not crash or wedge the node".
//
// Against one real peacedb-server: many rounds of PUT, POST and _bulk_docs
// (small and multi-megabyte bodies) whose client goes away right after
// sending, half-way through the body, or while the answer is pending (with a
// FIN or a RST); garbage bytes, incomplete requests and 200 connections
// dropped at once. After each scenario the node must still run, answer
// /healthz and a normal write quickly, and every abandoned write must be all
// or nothing: a document (or every document of a bulk) exists with its first
// rev and the body that was sent, or it does not exist at all; a request
// whose body was cut off changes nothing. At the end the node must still stop
// cleanly on SIGTERM (no reply to a vanished client left counted in flight).
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>
#include <vector>

#include <sys/socket.h>

#include "ServerProcess.h"
#include "TestHttpClient.h"

namespace {

const QByteArray kDb = "dc";
constexpr int kRefused = -1;
constexpr int kIncomplete = 0;

enum class Kind { Put, Post, BulkSmall, BulkLarge };
enum class Leave { CloseAfterSending, ResetAfterSending, ResetHalfWay, ResetWhileAnswerPending };

// One abandoned request: the documents it carried and whether all of its
// bytes were sent.
struct Group
{
    QString tag;
    QStringList ids;
    bool complete = true;
};

std::unique_ptr<QTcpSocket> connectTo(quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket->waitForConnected(5000))
        return nullptr;
    return socket;
}

bool writeAll(QTcpSocket &socket, const QByteArray &bytes)
{
    socket.write(bytes);
    QDeadlineTimer deadline(15000);
    while (socket.bytesToWrite() > 0) {
        if (deadline.hasExpired() || !socket.waitForBytesWritten(int(qMax<qint64>(1, deadline.remainingTime()))))
            return false;
    }
    return true;
}

// Closes with a RST (SO_LINGER 0): whatever is unsent is dropped.
void reset(QTcpSocket &socket)
{
    const struct linger immediately = {1, 0};
    if (socket.socketDescriptor() >= 0)
        ::setsockopt(int(socket.socketDescriptor()), SOL_SOCKET, SO_LINGER, &immediately, sizeof immediately);
    socket.abort();
}

QJsonObject document(const QString &id, const QString &tag, int padding)
{
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("data"), QJsonObject{{QStringLiteral("marker"), tag},
                                                            {QStringLiteral("pad"), QString(padding, QLatin1Char('p'))}}},
                       {QStringLiteral("tags"), QJsonArray{QStringLiteral("abandoned"), tag}}};
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray requestBytes(const QByteArray &method, const QByteArray &path, const QByteArray &body)
{
    return method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

} // namespace

class TestClientDisconnect : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dataDir.isValid());
        m_server = std::make_unique<ServerProcess>(m_dataDir.path());
        QVERIFY2(m_server->start(), qPrintable(m_server->output()));
        TestHttpClient client(m_server->port());
        QCOMPARE(client.put("/v1/db/" + kDb).status, 201);
    }

    void abandonedWrites_data()
    {
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<Leave>("leave");
        QTest::addColumn<int>("rounds");
        const QList<QPair<const char *, Kind>> kinds = {
            {"PUT", Kind::Put}, {"POST", Kind::Post}, {"bulk 20", Kind::BulkSmall}, {"bulk 3000", Kind::BulkLarge}};
        const QList<QPair<const char *, Leave>> leaves = {{"FIN after sending", Leave::CloseAfterSending},
                                                          {"RST after sending", Leave::ResetAfterSending},
                                                          {"RST half-way through the body", Leave::ResetHalfWay},
                                                          {"RST while the answer is pending", Leave::ResetWhileAnswerPending}};
        for (const auto &[kindName, kind] : kinds) {
            for (const auto &[leaveName, leave] : leaves)
                QTest::addRow("%s, %s", kindName, leaveName) << kind << leave << (kind == Kind::BulkLarge ? 3 : 25);
        }
    }
    void abandonedWrites()
    {
        QFETCH(Kind, kind);
        QFETCH(Leave, leave);
        QFETCH(int, rounds);
        for (int round = 0; round < rounds; ++round) {
            Group group;
            group.tag = QStringLiteral("g%1").arg(m_groups.size());
            QByteArray bytes;
            switch (kind) {
            case Kind::Put:
                group.ids = {group.tag + QStringLiteral("-doc")};
                bytes = requestBytes("PUT", "/v1/db/" + kDb + "/docs/" + group.ids.first().toUtf8(),
                                     compact(document(group.ids.first(), group.tag, 200)));
                break;
            case Kind::Post:
                group.ids = {group.tag + QStringLiteral("-doc")};
                bytes = requestBytes("POST", "/v1/db/" + kDb + "/docs", compact(document(group.ids.first(), group.tag, 200)));
                break;
            case Kind::BulkSmall:
            case Kind::BulkLarge: {
                const int count = kind == Kind::BulkSmall ? 20 : 3000;
                QJsonArray docs;
                for (int i = 0; i < count; ++i) {
                    group.ids.append(QStringLiteral("%1-%2").arg(group.tag).arg(i));
                    docs.append(document(group.ids.last(), group.tag, 600));
                }
                bytes = requestBytes("POST", "/v1/db/" + kDb + "/_bulk_docs", compact(QJsonObject{{QStringLiteral("docs"), docs}}));
                break;
            }
            }

            std::unique_ptr<QTcpSocket> socket = connectTo(m_server->port());
            QVERIFY2(socket, qPrintable(m_server->isAlive() ? QStringLiteral("cannot connect to the node")
                                                            : QStringLiteral("the node died: ") + m_server->output()));
            switch (leave) {
            case Leave::CloseAfterSending:
                QVERIFY(writeAll(*socket, bytes));
                socket->disconnectFromHost();
                break;
            case Leave::ResetAfterSending:
                QVERIFY(writeAll(*socket, bytes));
                reset(*socket);
                break;
            case Leave::ResetHalfWay: {
                const qsizetype headerEnd = bytes.indexOf("\r\n\r\n") + 4;
                group.complete = false;
                QVERIFY(writeAll(*socket, bytes.left(headerEnd + (bytes.size() - headerEnd) / 2)));
                QThread::msleep(2);
                reset(*socket);
                break;
            }
            case Leave::ResetWhileAnswerPending:
                QVERIFY(writeAll(*socket, bytes));
                QThread::msleep(QRandomGenerator::global()->bounded(1, kind == Kind::BulkLarge ? 200 : 20));
                reset(*socket);
                break;
            }
            m_groups.append(group);
        }
        QVERIFY2(m_server->isAlive(), qPrintable(QStringLiteral("the node died: ") + m_server->output()));
        const QString health = checkHealthy();
        QVERIFY2(health.isEmpty(), qPrintable(health));
    }

    void abandonedWritesAreAllOrNothing()
    {
        QVERIFY(!m_groups.isEmpty());
        const QString settled = waitUntilSettled();
        QVERIFY2(settled.isEmpty(), qPrintable(settled));
        TestHttpClient client(m_server->port());
        int landed = 0;
        int cut = 0;
        for (const Group &group : std::as_const(m_groups)) {
            const TestHttpResponse found =
                client.post("/v1/db/" + kDb + "/_find/tags",
                            compact(QJsonObject{{QStringLiteral("allOf"), QJsonArray{group.tag}}, {QStringLiteral("limit"), 0}}));
            QVERIFY2(found.status == 200, found.body.constData());
            const qint64 total = found.json().value(QStringLiteral("total")).toInteger(-1);
            if (!group.complete) {
                ++cut;
                QVERIFY2(total == 0, qPrintable(QStringLiteral("%1: a request cut off half-way stored %2 document(s)").arg(group.tag).arg(total)));
                continue;
            }
            QVERIFY2(total == 0 || total == group.ids.size(),
                     qPrintable(QStringLiteral("%1: %2 of %3 documents stored (must be all or nothing)").arg(group.tag).arg(total).arg(group.ids.size())));
            if (total == 0)
                continue;
            ++landed;
            for (const QString &id : group.ids.mid(0, 20)) {
                const TestHttpResponse read = client.get("/v1/db/" + kDb + "/docs/" + id.toUtf8());
                const QJsonObject json = read.json();
                QVERIFY2(read.status == 200 && json.value(QStringLiteral("rev")).toString().startsWith(QLatin1String("1-"))
                             && json.value(QStringLiteral("data")).toObject().value(QStringLiteral("marker")).toString() == group.tag,
                         qPrintable(id + QStringLiteral(": ") + QString::fromUtf8(read.body.left(300))));
            }
        }
        qInfo("%d abandoned requests: %d stored, %d cut off half-way (none stored), %d not stored", int(m_groups.size()), landed,
              cut, int(m_groups.size()) - landed - cut);
    }

    void garbageAndIncompleteRequests_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        // > 0: that answer; kRefused: a 4xx answer or the connection closed
        // within 5 s; kIncomplete: the node may wait for the rest.
        QTest::addColumn<int>("expectedStatus");
        QByteArray garbage(4096, Qt::Uninitialized);
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(garbage.data()), garbage.size() / 4);
        QTest::newRow("random bytes") << garbage << kRefused;
        QTest::newRow("random bytes, then an end of headers") << garbage + "\r\n\r\n" << kRefused;
        QTest::newRow("zero bytes") << QByteArray(1024, '\0') + "\r\n\r\n" << kRefused;
        QTest::newRow("not HTTP") << QByteArray("HELLO there\r\n\r\n") << kRefused;
        QTest::newRow("request line cut off") << QByteArray("PUT /v1/db/dc/docs/x HT") << kIncomplete;
        QTest::newRow("headers cut off") << QByteArray("PUT /v1/db/dc/docs/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len") << kIncomplete;
        QTest::newRow("body cut off") << QByteArray("PUT /v1/db/dc/docs/cut HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{\"data\":{") << kIncomplete;
        QTest::newRow("chunked body cut off")
            << QByteArray("POST /v1/db/dc/docs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"id\":\"chunkcut\",") << kIncomplete;
        QTest::newRow("bad chunk size") << QByteArray("POST /v1/db/dc/docs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << 400;
        QTest::newRow("negative Content-Length") << QByteArray("PUT /v1/db/dc/docs/neg HTTP/1.1\r\nContent-Length: -5\r\n\r\n") << 400;
        QTest::newRow("headers too large") << "GET /healthz HTTP/1.1\r\nX-Big: " + QByteArray(100 * 1024, 'b') + "\r\n\r\n" << 431;
    }
    void garbageAndIncompleteRequests()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, expectedStatus);
        std::unique_ptr<QTcpSocket> socket = connectTo(m_server->port());
        QVERIFY(socket);
        socket->write(bytes);
        socket->waitForBytesWritten(5000);
        if (expectedStatus == kIncomplete) {
            // Whatever it answers (or not), give it a moment to act on the bytes.
            socket->waitForReadyRead(100);
        } else {
            QByteArray answer;
            QDeadlineTimer deadline(5000);
            while (!answer.contains("\r\n\r\n") && !deadline.hasExpired() && socket->state() == QAbstractSocket::ConnectedState) {
                socket->waitForReadyRead(100);
                answer += socket->readAll();
            }
            answer += socket->readAll();
            if (expectedStatus == kRefused) {
                const bool closed = socket->state() != QAbstractSocket::ConnectedState;
                QVERIFY2(answer.startsWith("HTTP/1.1 4") || (answer.isEmpty() && closed),
                         qPrintable(QStringLiteral("neither a 4xx answer nor a closed connection within 5 s: '%1'")
                                        .arg(QString::fromLatin1(answer.left(200)))));
            } else {
                QVERIFY2(answer.startsWith(QByteArray("HTTP/1.1 " + QByteArray::number(expectedStatus))), answer.left(200).constData());
            }
        }
        socket->abort();
        QVERIFY2(m_server->isAlive(), qPrintable(QStringLiteral("the node died: ") + m_server->output()));
        const QString health = checkHealthy();
        QVERIFY2(health.isEmpty(), qPrintable(health));
        TestHttpClient client(m_server->port());
        for (const QByteArray id : {"x", "cut", "chunkcut", "neg"})
            QCOMPARE(client.get("/v1/db/" + kDb + "/docs/" + id).status, 404);
    }

    void manyConnectionsDroppedAtOnce()
    {
        constexpr int kConnections = 200;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < kConnections; ++i) {
            sockets.push_back(std::make_unique<QTcpSocket>());
            sockets.back()->connectToHost(QStringLiteral("127.0.0.1"), m_server->port());
        }
        QStringList written;
        for (int i = 0; i < kConnections; ++i) {
            QTcpSocket &socket = *sockets.at(size_t(i));
            QVERIFY2(socket.waitForConnected(5000), qPrintable(QStringLiteral("connection %1: %2").arg(i).arg(socket.errorString())));
            const QString id = QStringLiteral("many-%1").arg(i);
            const QByteArray body = compact(document(id, QStringLiteral("many"), 100));
            if (i % 3 == 1) {
                socket.write(requestBytes("PUT", "/v1/db/" + kDb + "/docs/" + id.toUtf8(), body));
                written.append(id);
            } else if (i % 3 == 2) {
                socket.write(requestBytes("PUT", "/v1/db/" + kDb + "/docs/" + id.toUtf8(), body).left(60));
            }
            socket.flush();
        }
        QThread::msleep(20);
        for (int i = 0; i < kConnections; ++i) {
            if (i % 2)
                reset(*sockets.at(size_t(i)));
            else
                sockets.at(size_t(i))->abort();
        }
        sockets.clear();

        QVERIFY2(m_server->isAlive(), qPrintable(QStringLiteral("the node died: ") + m_server->output()));
        const QString health = checkHealthy();
        QVERIFY2(health.isEmpty(), qPrintable(health));

        // The node lets go of every dropped connection.
        TestHttpClient client(m_server->port());
        qint64 open = -1;
        QDeadlineTimer deadline(10000);
        while (!deadline.hasExpired()) {
            open = client.get("/v1/_stats").json().value(QStringLiteral("openConnections")).toInteger(-1);
            if (open >= 0 && open <= 2)
                break;
            QThread::msleep(50);
        }
        QVERIFY2(open >= 0 && open <= 2, qPrintable(QStringLiteral("%1 connections still open 10 s after 200 were dropped").arg(open)));

        const QString settled = waitUntilSettled();
        QVERIFY2(settled.isEmpty(), qPrintable(settled));
        int stored = 0;
        for (int i = 0; i < kConnections; ++i) {
            const QString id = QStringLiteral("many-%1").arg(i);
            const TestHttpResponse read = client.get("/v1/db/" + kDb + "/docs/" + id.toUtf8());
            if (!written.contains(id)) {
                QVERIFY2(read.status == 404, qPrintable(id + QStringLiteral(" was never sent whole, yet: ") + QString::fromUtf8(read.body.left(200))));
                continue;
            }
            QVERIFY2(read.status == 404 || (read.status == 200 && read.json().value(QStringLiteral("rev")).toString().startsWith(QLatin1String("1-"))),
                     qPrintable(id + QStringLiteral(": ") + QString::number(read.status) + QLatin1Char(' ') + QString::fromUtf8(read.body.left(200))));
            stored += read.status == 200 ? 1 : 0;
        }
        qInfo("%d of %d complete PUTs on dropped connections were stored", stored, int(written.size()));
    }

    // Runs last: every abandoned reply has been accounted for, so the node
    // drains at once instead of waiting for its shutdown timeout.
    void stopsCleanlyAfterwards()
    {
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(m_server->terminate(15000), 0);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QStringLiteral("SIGTERM took %1 ms").arg(timer.elapsed())));
        QVERIFY2(m_server->output().contains(QLatin1String("stopped at seq")), qPrintable(m_server->output()));
    }

private:
    // Empty if the node answers /healthz and a write + read within 2 s each.
    QString checkHealthy()
    {
        TestHttpClient client(m_server->port());
        QElapsedTimer timer;
        timer.start();
        const TestHttpResponse health = client.request("GET", "/healthz", {}, {}, 5000);
        if (health.status != 200)
            return QStringLiteral("/healthz: %1 %2 %3").arg(health.status).arg(health.error, QString::fromUtf8(health.body));
        if (timer.elapsed() > 2000)
            return QStringLiteral("/healthz took %1 ms").arg(timer.elapsed());
        const QString id = QStringLiteral("probe-%1").arg(m_probes++);
        timer.restart();
        const TestHttpResponse written = client.request("PUT", "/v1/db/" + kDb + "/docs/" + id.toUtf8(),
                                                        compact(document(id, QStringLiteral("probe"), 10)), {}, 5000);
        if (written.status != 200)
            return QStringLiteral("PUT %1: %2 %3 %4").arg(id).arg(written.status).arg(written.error, QString::fromUtf8(written.body));
        const TestHttpResponse read = client.request("GET", "/v1/db/" + kDb + "/docs/" + id.toUtf8(), {}, {}, 5000);
        if (read.status != 200 || read.json().value(QStringLiteral("rev")) != written.json().value(QStringLiteral("rev")))
            return QStringLiteral("GET %1: %2 %3").arg(id).arg(read.status).arg(QString::fromUtf8(read.body));
        if (timer.elapsed() > 2000)
            return QStringLiteral("a write and a read took %1 ms").arg(timer.elapsed());
        return QString();
    }

    // Waits until no abandoned write is still on its way: the log stops
    // growing and a write acknowledged after that is the last one.
    QString waitUntilSettled()
    {
        TestHttpClient client(m_server->port());
        qint64 previous = -1;
        QDeadlineTimer deadline(20000);
        while (!deadline.hasExpired()) {
            const QJsonObject stats = client.get("/v1/_stats").json();
            const qint64 seq = stats.value(QStringLiteral("lastSeq")).toInteger(-1);
            if (seq >= 0 && seq == previous && seq == stats.value(QStringLiteral("appliedSeq")).toInteger(-1))
                return checkHealthy();
            previous = seq;
            QThread::msleep(300);
        }
        return QStringLiteral("the log did not stop growing within 20 s");
    }

    QTemporaryDir m_dataDir;
    std::unique_ptr<ServerProcess> m_server;
    QList<Group> m_groups;
    int m_probes = 0;
};

QTEST_GUILESS_MAIN(TestClientDisconnect)
#include "tst_clientdisconnect.moc"
