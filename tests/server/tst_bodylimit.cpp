// Process test: "Bodies over a configurable limit (default 16 MiB) are
// refused with 413 without buffering them; a 200 MB upload must not raise
// the node's RSS by more than ~32 MB".
//
// Streams 200 MB bodies (Content-Length and chunked) at a real
// peacedb-server with the default limit from a plain non-blocking socket (so
// the client keeps sending after the node has answered and half-closed, the
// way a careless client does), measures the node's peak RSS growth (VmHWM,
// reset before each upload) and checks the 413 JSON answer. Also
// Expect: 100-continue, and the exact boundary with a small configured
// limit. The node must keep serving after each refusal.
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ServerProcess.h"
#include "TestHttpClient.h"

namespace {

constexpr qint64 kMiB = 1024 * 1024;
constexpr qint64 kDefaultLimit = 16 * kMiB;
constexpr qint64 kUploadBytes = 200000000;
constexpr int kSmallLimit = 64 * 1024;

// A non-blocking TCP client on a plain socket: unlike QTcpSocket it can
// keep sending after the peer has half-closed. Test thread only.
class RawConnection
{
public:
    ~RawConnection()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }

    bool connectTo(quint16 port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address = {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
            return false;
        return ::fcntl(m_fd, F_SETFL, O_NONBLOCK) == 0;
    }

    // Sends what the socket takes within waitMs; the count, or -1 on an
    // error (see error()).
    qint64 sendSome(const char *data, qint64 size, int waitMs)
    {
        pollfd entry = {m_fd, POLLOUT, 0};
        if (::poll(&entry, 1, waitMs) <= 0)
            return 0;
        const ssize_t sent = ::send(m_fd, data, size_t(size), MSG_NOSIGNAL);
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            m_error = QString::fromLocal8Bit(std::strerror(errno));
            return -1;
        }
        return qMax<qint64>(0, sent);
    }

    bool sendAll(const QByteArray &bytes, int timeoutMs = 10000)
    {
        QDeadlineTimer deadline(timeoutMs);
        qint64 done = 0;
        while (done < bytes.size() && !deadline.hasExpired()) {
            const qint64 sent = sendSome(bytes.constData() + done, bytes.size() - done, 100);
            if (sent < 0)
                return false;
            done += sent;
        }
        return done == bytes.size();
    }

    // Appends what arrives within waitMs to received(); notes the end of
    // the stream and resets.
    void receive(int waitMs)
    {
        pollfd entry = {m_fd, POLLIN, 0};
        if (m_eof || ::poll(&entry, 1, waitMs) <= 0)
            return;
        char buffer[16384];
        for (;;) {
            const ssize_t got = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (got > 0) {
                m_received.append(buffer, got);
                continue;
            }
            if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                m_eof = true;
                if (got < 0)
                    m_error = QString::fromLocal8Bit(std::strerror(errno));
            }
            return;
        }
    }

    // Reads until a whole answer (headers + Content-Length body) is there,
    // the stream ends or timeoutMs passes.
    void receiveAnswer(int timeoutMs)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!hasWholeAnswer() && !m_eof && !deadline.hasExpired())
            receive(50);
    }

    bool hasWholeAnswer() const
    {
        const qsizetype end = m_received.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        if (m_received.startsWith("HTTP/1.1 100 "))
            return m_received.indexOf("\r\n\r\n", end + 4) >= 0 && m_received.size() >= end + 4 + bodyLength(end + 4);
        return m_received.size() >= end + 4 + bodyLength(0);
    }

    const QByteArray &received() const { return m_received; }
    bool atEnd() const { return m_eof; }
    QString error() const { return m_error; }

private:
    qint64 bodyLength(qsizetype from) const
    {
        const QByteArray lower = m_received.mid(from).toLower();
        const qsizetype at = lower.indexOf("\r\ncontent-length:");
        if (at < 0)
            return 0;
        const qsizetype eol = lower.indexOf("\r\n", at + 2);
        return lower.mid(at + 17, eol - at - 17).trimmed().toLongLong();
    }

    int m_fd = -1;
    QByteArray m_received;
    bool m_eof = false;
    QString m_error;
};

struct ParsedAnswer
{
    int status = 0;
    QByteArray headers;
    QJsonObject json;
};

// The last answer in `bytes` (after any "100 Continue").
ParsedAnswer parseAnswer(const QByteArray &bytes)
{
    ParsedAnswer out;
    QByteArray rest = bytes;
    while (rest.startsWith("HTTP/1.1 100 ") && rest.contains("\r\n\r\n"))
        rest = rest.mid(rest.indexOf("\r\n\r\n") + 4);
    const qsizetype end = rest.indexOf("\r\n\r\n");
    if (!rest.startsWith("HTTP/1.1 ") || end < 0)
        return out;
    out.status = rest.mid(9, 3).toInt();
    out.headers = rest.left(end).toLower();
    out.json = QJsonDocument::fromJson(rest.mid(end + 4)).object();
    return out;
}

struct UploadResult
{
    QByteArray answer;
    qint64 bodyBytesSent = 0;
    qint64 sentWhenAnswered = -1; // body bytes sent when the answer was first seen
    QString sendError;            // why sending stopped early, if it did
    qint64 baselineRss = 0;
    qint64 peakRss = 0;           // VmHWM after the upload
    qint64 sampledPeakRss = 0;    // largest RSS seen while sampling
    qint64 milliseconds = 0;
};

// Sends `head`, then a body of kUploadBytes (chunked in 64 KiB chunks or
// plain), reading answers all the while, until it is all sent or the node
// breaks the connection; then waits for the answer. Holds at most one chunk
// of the body in memory.
UploadResult upload(ServerProcess &server, const QByteArray &head, bool chunked)
{
    UploadResult result;
    result.baselineRss = server.residentBytes();
    server.resetPeakResidentBytes();
    QElapsedTimer timer;
    timer.start();

    RawConnection connection;
    if (!connection.connectTo(server.port()) || !connection.sendAll(head)) {
        result.sendError = QStringLiteral("cannot send the headers: ") + connection.error();
        return result;
    }
    constexpr qint64 kChunk = 64 * 1024;
    const QByteArray data(kChunk, 'a');
    const QByteArray fullFrame = QByteArray::number(kChunk, 16) + "\r\n" + data + "\r\n";
    QDeadlineTimer deadline(60000);
    QElapsedTimer sampling;
    sampling.start();
    while (result.bodyBytesSent < kUploadBytes && !deadline.hasExpired()) {
        const qint64 piece = qMin(kChunk, kUploadBytes - result.bodyBytesSent);
        const QByteArray frame = !chunked ? data.left(piece)
                                 : piece == kChunk ? fullFrame
                                                   : QByteArray::number(piece, 16) + "\r\n" + data.left(piece) + "\r\n";
        qint64 done = 0;
        while (done < frame.size() && !deadline.hasExpired()) {
            const qint64 sent = connection.sendSome(frame.constData() + done, frame.size() - done, 100);
            if (sent < 0)
                break;
            done += sent;
            connection.receive(0);
        }
        if (done < frame.size()) {
            result.sendError = connection.error();
            break;
        }
        result.bodyBytesSent += piece;
        connection.receive(0);
        if (result.sentWhenAnswered < 0 && !connection.received().isEmpty())
            result.sentWhenAnswered = result.bodyBytesSent;
        if (sampling.elapsed() >= 10) {
            result.sampledPeakRss = qMax(result.sampledPeakRss, server.residentBytes());
            sampling.restart();
        }
    }
    if (chunked && result.sendError.isEmpty())
        connection.sendAll("0\r\n\r\n", 1000);
    connection.receiveAnswer(10000);
    result.answer = connection.received();
    result.peakRss = server.peakResidentBytes();
    result.sampledPeakRss = qMax(result.sampledPeakRss, server.residentBytes());
    result.milliseconds = timer.elapsed();
    return result;
}

QString megabytes(qint64 bytes)
{
    return QString::number(double(bytes) / 1e6, 'f', 1) + QStringLiteral(" MB");
}

// A document whose JSON is exactly `size` bytes.
QByteArray documentOfSize(qint64 size)
{
    const QByteArray prefix = R"({"data":{"pad":")";
    const QByteArray suffix = R"("}})";
    return prefix + QByteArray(size - prefix.size() - suffix.size(), 'x') + suffix;
}

QByteArray chunkedBody(const QByteArray &body)
{
    // Uneven chunks, so the limit is reached by the sum, not by one chunk.
    QByteArray out;
    for (qsizetype at = 0; at < body.size(); at += 10000) {
        const QByteArray piece = body.mid(at, 10000);
        out += QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n";
    }
    return out + "0\r\n\r\n";
}

QString healthProblem(quint16 port)
{
    TestHttpClient client(port);
    QElapsedTimer timer;
    timer.start();
    const TestHttpResponse health = client.request("GET", "/healthz", {}, {}, 5000);
    if (health.status != 200 || timer.elapsed() > 2000)
        return QStringLiteral("/healthz: %1 %2 after %3 ms").arg(health.status).arg(health.error).arg(timer.elapsed());
    static int probes = 0;
    const QByteArray path = "/v1/db/limits/docs/probe-" + QByteArray::number(++probes);
    const TestHttpResponse written = client.request("PUT", path, R"({"data":{"n":1}})", {}, 5000);
    if (written.status != 200)
        return QStringLiteral("PUT %1: %2 %3 %4").arg(QString::fromLatin1(path)).arg(written.status).arg(written.error, QString::fromUtf8(written.body));
    return QString();
}

} // namespace

class TestBodyLimit : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_defaultDir.isValid());
        QVERIFY(m_smallDir.isValid());
        m_default = std::make_unique<ServerProcess>(m_defaultDir.path());
        QVERIFY2(m_default->start(), qPrintable(m_default->output()));
        QFile config(m_smallDir.filePath(QStringLiteral("config.json")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(QByteArray(R"({"Server":{"MaxBodyBytes":)") + QByteArray::number(kSmallLimit) + "}}");
        config.close();
        m_small = std::make_unique<ServerProcess>(m_smallDir.filePath(QStringLiteral("data")),
                                                  QStringList{QStringLiteral("--config"), config.fileName()});
        QVERIFY2(m_small->start(), qPrintable(m_small->output()));
        for (ServerProcess *server : {m_default.get(), m_small.get()}) {
            TestHttpClient client(server->port());
            QCOMPARE(client.put("/v1/db/limits").status, 201);
        }
        QVERIFY2(m_default->peakResidentBytes() > 0, "cannot read VmHWM from /proc/PID/status");
        if (!m_default->resetPeakResidentBytes())
            qWarning("cannot reset VmHWM (/proc/PID/clear_refs): the peak includes the node's start-up");
    }

    void hugeUploadIsRefusedWithoutBuffering_data()
    {
        QTest::addColumn<bool>("chunked");
        QTest::addColumn<qint64>("allowedGrowth");
        QTest::newRow("Content-Length: 200000000") << false << qint64(32 * kMiB);
        // QHttpServer 6.4 holds a chunked body that is still under the limit
        // in memory twice before the guard refuses it.
        QTest::newRow("chunked, 200 MB") << true << qint64(2 * kDefaultLimit + 16 * kMiB);
    }
    void hugeUploadIsRefusedWithoutBuffering()
    {
        QFETCH(bool, chunked);
        QFETCH(qint64, allowedGrowth);
        const QByteArray head = "PUT /v1/db/limits/docs/huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                + (chunked ? QByteArray("Transfer-Encoding: chunked\r\n")
                                           : "Content-Length: " + QByteArray::number(kUploadBytes) + "\r\n")
                                + "\r\n";
        const UploadResult result = upload(*m_default, head, chunked);
        const qint64 growth = qMax(result.peakRss, result.sampledPeakRss) - result.baselineRss;
        qInfo("%s: sent %s of the body in %lld ms (answer seen after %s; sending stopped by: %s); node RSS %s before, "
              "peak %s (VmHWM) / %s (sampled): growth %s",
              chunked ? "chunked" : "Content-Length", qPrintable(megabytes(result.bodyBytesSent)), result.milliseconds,
              qPrintable(megabytes(result.sentWhenAnswered)),
              result.sendError.isEmpty() ? "nothing" : qPrintable(result.sendError), qPrintable(megabytes(result.baselineRss)),
              qPrintable(megabytes(result.peakRss)), qPrintable(megabytes(result.sampledPeakRss)), qPrintable(megabytes(growth)));

        const ParsedAnswer answer = parseAnswer(result.answer);
        QVERIFY2(answer.status == 413, qPrintable(QStringLiteral("answer: '%1', send error: %2")
                                                      .arg(QString::fromLatin1(result.answer.left(300)), result.sendError)));
        QVERIFY2(answer.headers.contains("content-type: application/json"), answer.headers.constData());
        QCOMPARE(answer.json.value(QStringLiteral("ok")), QJsonValue(false));
        QVERIFY2(answer.json.value(QStringLiteral("error")).toString().contains(QString::number(kDefaultLimit)),
                 qPrintable(QJsonDocument(answer.json).toJson()));
        QVERIFY2(!result.answer.contains("100 Continue"), result.answer.left(300).constData());
        QVERIFY2(result.baselineRss > 0 && result.peakRss > 0, "no RSS figures from /proc");
        QVERIFY2(growth < allowedGrowth, qPrintable(QStringLiteral("the node's RSS grew by %1 (allowed: %2)")
                                                        .arg(megabytes(growth), megabytes(allowedGrowth))));

        QVERIFY2(m_default->isAlive(), qPrintable(QStringLiteral("the node died: ") + m_default->output()));
        const QString problem = healthProblem(m_default->port());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        TestHttpClient client(m_default->port());
        QCOMPARE(client.get("/v1/db/limits/docs/huge").status, 404);
    }

    void expectContinue_data()
    {
        QTest::addColumn<qint64>("declared");
        QTest::addColumn<int>("status");
        QTest::newRow("too large: 413 at once, no 100") << kUploadBytes << 413;
        QTest::newRow("one byte over the limit") << kDefaultLimit + 1 << 413;
        QTest::newRow("acceptable: 100, then the answer") << qint64(0) << 200;
    }
    void expectContinue()
    {
        QFETCH(qint64, declared);
        QFETCH(int, status);
        const QByteArray body = R"({"data":{"expect":true}})";
        const qint64 length = declared ? declared : body.size();
        RawConnection connection;
        QVERIFY(connection.connectTo(m_default->port()));
        QVERIFY(connection.sendAll("PUT /v1/db/limits/docs/expect HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                                   "Content-Length: " + QByteArray::number(length) + "\r\n\r\n"));
        // Send no body before the node has said something.
        QDeadlineTimer deadline(5000);
        while (!connection.received().contains("\r\n\r\n") && !connection.atEnd() && !deadline.hasExpired())
            connection.receive(50);
        const QByteArray first = connection.received();
        if (status == 413) {
            QVERIFY2(first.startsWith("HTTP/1.1 413 "), first.left(200).constData());
            connection.receiveAnswer(5000);
            QVERIFY2(!connection.received().contains("100 Continue"), connection.received().left(300).constData());
            QCOMPARE(parseAnswer(connection.received()).json.value(QStringLiteral("ok")), QJsonValue(false));
        } else {
            QVERIFY2(first.startsWith("HTTP/1.1 100 Continue\r\n\r\n"), first.left(200).constData());
            QVERIFY(connection.sendAll(body));
            connection.receiveAnswer(5000);
            const ParsedAnswer answer = parseAnswer(connection.received());
            QVERIFY2(answer.status == status, connection.received().left(300).constData());
        }
        const QString problem = healthProblem(m_default->port());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void configuredLimitBoundary_data()
    {
        QTest::addColumn<qint64>("size");
        QTest::addColumn<bool>("chunked");
        QTest::addColumn<int>("status");
        QTest::newRow("exactly the limit") << qint64(kSmallLimit) << false << 200;
        QTest::newRow("one byte more") << qint64(kSmallLimit + 1) << false << 413;
        QTest::newRow("chunked, exactly the limit") << qint64(kSmallLimit) << true << 200;
        QTest::newRow("chunked, one byte more") << qint64(kSmallLimit + 1) << true << 413;
    }
    void configuredLimitBoundary()
    {
        QFETCH(qint64, size);
        QFETCH(bool, chunked);
        QFETCH(int, status);
        const QByteArray id = "boundary-" + QByteArray::number(size) + (chunked ? "-chunked" : "");
        const QByteArray body = documentOfSize(size);
        QCOMPARE(body.size(), size);
        RawConnection connection;
        QVERIFY(connection.connectTo(m_small->port()));
        const QByteArray request = "PUT /v1/db/limits/docs/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (chunked ? QByteArray("Transfer-Encoding: chunked\r\n\r\n" + chunkedBody(body))
                           : QByteArray("Content-Length: " + QByteArray::number(size) + "\r\n\r\n" + body));
        connection.sendAll(request); // may fail once the node has refused and closed
        connection.receiveAnswer(5000);
        const ParsedAnswer answer = parseAnswer(connection.received());
        QVERIFY2(answer.status == status, connection.received().left(300).constData());
        if (status == 413) {
            QVERIFY2(answer.json.value(QStringLiteral("error")).toString().contains(QString::number(kSmallLimit)),
                     qPrintable(QJsonDocument(answer.json).toJson()));
        }
        TestHttpClient client(m_small->port());
        const TestHttpResponse read = client.get("/v1/db/limits/docs/" + id);
        QCOMPARE(read.status, status == 200 ? 200 : 404);
        const QString problem = healthProblem(m_small->port());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // Requests the node's framer and Qt's parser could frame differently:
    // refused whole, the hidden request never runs, and a body streamed
    // behind them is not buffered.
    // Each head declares a body (LEN bytes) that only one of the node's two
    // parsers (its framer, Qt's) would see; the hidden request in that body
    // used to run unchecked. Refused whole now, the hidden request never
    // runs, and 200 MB streamed behind such a head is not buffered.
    void smuggledRequestsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<int>("status");
        const QByteArray start = "PUT /v1/db/limits/docs/smuggler HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        QTest::newRow("Content-Length folded into another header") << start + "X-Note: a\r\n Content-Length: LEN\r\n\r\n" << 400;
        QTest::newRow("folded Content-Length value") << start + "Content-Length:\r\n LEN\r\n\r\n" << 400;
        QByteArray many = start + "Content-Length: LEN\r\n";
        for (int i = 0; i < 100; ++i)
            many += "X-" + QByteArray::number(i) + ": 1\r\n";
        QTest::newRow("101 header fields") << many + "\r\n" << 431;
        QTest::newRow("field over 8 KiB") << start + "X-Long: " + QByteArray(9000, 'a') + "\r\nContent-Length: LEN\r\n\r\n" << 431;
        QTest::newRow("space before the colon") << start + "Content-Length : LEN\r\n\r\n" << 400;
        QTest::newRow("bare LF") << QByteArray("PUT /v1/db/limits/docs/smuggler HTTP/1.1\nHost: 127.0.0.1\nContent-Length: LEN\n\n") << 400;
        QTest::newRow("LF CRLF") << start + "Content-Length: LEN\n\r\n" << 400;
        QTest::newRow("chunked after gzip") << start + "Transfer-Encoding: gzip, chunked\r\n\r\n" << 400;
    }
    void smuggledRequestsAreRefused()
    {
        QFETCH(QByteArray, head);
        QFETCH(int, status);
        static int round = 0;
        const QByteArray database = "smuggled" + QByteArray::number(++round);
        const QByteArray hidden = "PUT /v1/db/" + database + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
        RawConnection connection;
        QVERIFY(connection.connectTo(m_default->port()));
        connection.sendAll(QByteArray(head).replace("LEN", QByteArray::number(hidden.size())) + hidden);
        connection.receiveAnswer(5000);
        QDeadlineTimer closing(5000);
        while (!connection.atEnd() && !closing.hasExpired())
            connection.receive(50);
        const ParsedAnswer answer = parseAnswer(connection.received());
        QVERIFY2(answer.status == status, connection.received().left(300).constData());
        QCOMPARE(answer.json.value(QStringLiteral("ok")), QJsonValue(false));
        QVERIFY2(connection.atEnd(), "the node kept the connection open after refusing it");
        QCOMPARE(connection.received().count("HTTP/1.1 "), 1);
        TestHttpClient client(m_default->port());
        QCOMPARE(client.get("/v1/db/" + database).status, 404);

        const UploadResult result = upload(*m_default, QByteArray(head).replace("LEN", QByteArray::number(kUploadBytes)), false);
        const qint64 growth = qMax(result.peakRss, result.sampledPeakRss) - result.baselineRss;
        qInfo("sent %s behind the headers; node RSS growth %s", qPrintable(megabytes(result.bodyBytesSent)),
              qPrintable(megabytes(growth)));
        QCOMPARE(parseAnswer(result.answer).status, status);
        QVERIFY2(growth < 32 * kMiB, qPrintable(QStringLiteral("the node's RSS grew by %1").arg(megabytes(growth))));
        const QString problem = healthProblem(m_default->port());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // Requests refused before they were parsed show in /metrics.
    void refusalsAreCounted()
    {
        TestHttpClient client(m_default->port());
        const TestHttpResponse metrics = client.get("/metrics");
        QCOMPARE(metrics.status, 200);
        for (const char *code : {"400", "413", "431"}) {
            const QByteArray series = QByteArray("peacedb_http_requests_total{route=\"other\",code=\"") + code + "\"} ";
            const qsizetype at = metrics.body.indexOf(series);
            QVERIFY2(at >= 0, series.constData());
            const qsizetype end = metrics.body.indexOf('\n', at);
            QVERIFY2(metrics.body.mid(at + series.size(), end - at - series.size()).toDouble() >= 1, series.constData());
        }
    }

    void cleanupTestCase()
    {
        QCOMPARE(m_default->terminate(), 0);
        QCOMPARE(m_small->terminate(), 0);
    }

private:
    QTemporaryDir m_defaultDir;
    QTemporaryDir m_smallDir;
    std::unique_ptr<ServerProcess> m_default;
    std::unique_ptr<ServerProcess> m_small;
};

QTEST_GUILESS_MAIN(TestBodyLimit)
#include "tst_bodylimit.moc"
