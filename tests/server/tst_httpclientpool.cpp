// HttpClientPool against a peer that accepts connections and never answers
// (a stalled member): requests fail after the timeout, requests that waited
// for a connection that long fail instead of being sent late, and the wait
// queue is bounded; failures always arrive from the event loop; a connect
// nobody answers is given up after a second; a server closing an idle
// connection is reported.
#include <QElapsedTimer>
#include <QHostAddress>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include "HttpClientPool.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

class TestHttpClientPool : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        QVERIFY(m_peer.listen(QHostAddress::LocalHost, 0));
        // Accept and keep every connection, read nothing back.
        connect(&m_peer, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_peer.nextPendingConnection())
                socket->setParent(&m_peer);
        });
    }
    void cleanup() { m_peer.close(); }

    void queuedRequestsTimeOutWithTheRest()
    {
        const QUrl url(QStringLiteral("http://127.0.0.1:%1").arg(m_peer.serverPort()));
        HttpClientPool pool(url, QByteArray(), 1, 300);
        QElapsedTimer clock;
        clock.start();
        QList<std::pair<qint64, HttpClientReply>> replies;
        for (int i = 0; i < 5; ++i)
            pool.get("/slow", [&](const HttpClientReply &reply) { replies.append({clock.elapsed(), reply}); });
        QCOMPARE(pool.queued(), 4);
        QTRY_COMPARE_WITH_TIMEOUT(replies.size(), 5, 5000);
        // The first is sent and times out; the others waited about as long
        // for the connection and fail then, unsent, rather than 300 ms
        // apiece (1.5 s in all).
        for (const auto &[atMs, reply] : replies) {
            QCOMPARE(reply.status, 0);
            QVERIFY2(atMs >= 250 && atMs < 1000, qPrintable(QStringLiteral("failed after %1 ms: %2").arg(atMs).arg(reply.error)));
        }
        QVERIFY2(replies.last().second.error.contains(QLatin1String("waited")), qPrintable(replies.last().second.error));
        QCOMPARE(pool.queued(), 0);
    }

    // A port nothing listens on refuses the connection, and the reply says
    // so (the router takes it as evidence that a member's process is gone);
    // a request that times out on a live connection is not a refusal.
    void aRefusedConnectionIsToldApartFromATimeout()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close();
        HttpClientPool refusing(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), QByteArray(), 1, 2000);
        std::optional<HttpClientReply> refused;
        refusing.get("/", [&](const HttpClientReply &reply) { refused = reply; });
        QTRY_VERIFY_WITH_TIMEOUT(refused.has_value(), 5000);
        QCOMPARE(refused->status, 0);
        QVERIFY2(refused->refused, qPrintable(refused->error));

        HttpClientPool silent(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_peer.serverPort())), QByteArray(), 1, 300);
        std::optional<HttpClientReply> timedOut;
        silent.get("/slow", [&](const HttpClientReply &reply) { timedOut = reply; });
        QTRY_VERIFY_WITH_TIMEOUT(timedOut.has_value(), 5000);
        QCOMPARE(timedOut->status, 0);
        QVERIFY2(!timedOut->refused, qPrintable(timedOut->error));
    }

    void theWaitQueueIsBounded()
    {
        const QUrl url(QStringLiteral("http://127.0.0.1:%1").arg(m_peer.serverPort()));
        HttpClientPool pool(url, QByteArray(), 1, 10000);
        int answered = 0;
        for (int i = 0; i < 1 + HttpClientPool::kMaxQueued; ++i)
            pool.get("/slow", [&answered](const HttpClientReply &) { ++answered; });
        QCOMPARE(pool.queued(), HttpClientPool::kMaxQueued);
        HttpClientReply refused;
        bool called = false;
        pool.get("/one-more", [&](const HttpClientReply &reply) {
            called = true;
            refused = reply;
        });
        QVERIFY(!called); // never from inside get()
        QTRY_VERIFY(called);
        QCOMPARE(refused.status, 0);
        QVERIFY2(refused.error.contains(QLatin1String("already wait")), qPrintable(refused.error));
        QCOMPARE(pool.queued(), HttpClientPool::kMaxQueued);
        QCOMPARE(answered, 0);
    }

    // A connect that is not answered at all (SYNs dropped: a peer whose
    // address vanished) is given up after about a second, not the whole
    // request timeout, so a retry can go to where the peer is now.
    void anUnansweredConnectFailsWithinASecond()
    {
        // A listening socket whose accept queue is full and never drained:
        // the kernel drops further SYNs, so connects to it hang.
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        QVERIFY(listener >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
        QCOMPARE(::listen(listener, 0), 0);
        socklen_t length = sizeof address;
        QCOMPARE(::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length), 0);
        const quint16 port = ntohs(address.sin_port);
        QList<QTcpSocket *> fillers;
        for (int i = 0; i < 4; ++i) {
            auto *filler = new QTcpSocket(this);
            filler->connectToHost(QHostAddress::LocalHost, port);
            fillers.append(filler);
        }
        QTest::qWait(300);

        HttpClientPool pool(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), QByteArray(), 1, 10000);
        QElapsedTimer clock;
        clock.start();
        std::optional<HttpClientReply> reply;
        qint64 failedAtMs = -1;
        pool.get("/", [&](const HttpClientReply &answer) {
            reply = answer;
            failedAtMs = clock.elapsed();
        });
        QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 5000);
        qDeleteAll(fillers);
        ::close(listener);
        QCOMPARE(reply->status, 0);
        QVERIFY2(reply->error.contains(QLatin1String("no connection within 1000 ms")), qPrintable(reply->error));
        QVERIFY2(failedAtMs >= 900 && failedAtMs < 3000, qPrintable(QStringLiteral("failed after %1 ms").arg(failedAtMs)));
    }

    // A server closing a keep-alive connection between requests is reported
    // (the router polls a primary at once when that happens: a killed
    // process's connections close); a request that fails is not such a close.
    void anIdleConnectionClosedByTheServerIsReported()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QList<QPointer<QTcpSocket>> accepted;
        connect(&server, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *socket = server.nextPendingConnection()) {
                accepted.append(socket);
                connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                    socket->readAll();
                    socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                });
            }
        });
        HttpClientPool pool(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort())), QByteArray(), 1, 2000);
        QSignalSpy closed(&pool, &HttpClientPool::idleConnectionClosed);
        std::optional<HttpClientReply> reply;
        pool.get("/", [&](const HttpClientReply &answer) { reply = answer; });
        QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 5000);
        QCOMPARE(reply->status, 200);
        QTest::qWait(50);
        QCOMPARE(closed.size(), 0);
        QCOMPARE(accepted.size(), 1);
        accepted.first()->close();
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);

        HttpClientPool silent(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_peer.serverPort())), QByteArray(), 1, 300);
        QSignalSpy silentClosed(&silent, &HttpClientPool::idleConnectionClosed);
        std::optional<HttpClientReply> timedOut;
        silent.get("/slow", [&](const HttpClientReply &answer) { timedOut = answer; });
        QTRY_VERIFY_WITH_TIMEOUT(timedOut.has_value(), 5000);
        QCOMPARE(timedOut->status, 0);
        QTest::qWait(50);
        QCOMPARE(silentClosed.size(), 0);
    }

private:
    QTcpServer m_peer;
};

QTEST_GUILESS_MAIN(TestHttpClientPool)
#include "tst_httpclientpool.moc"
