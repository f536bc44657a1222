// Process test: clients that misbehave cannot hold a node's connections or
// crowd out other clients.
//
// - A request trickled a byte at a time (which re-arms the idle timer) is
//   answered 408 and closed once its headers take longer than
//   Server.HeaderTimeoutMs, or its body longer than Server.BodyTimeoutMs.
// - Connections from one address past Server.MaxConnectionsPerAddress, and
//   past what the process's file descriptor limit allows, get 503 and are
//   closed; /healthz from another address keeps answering, and the node
//   serves new connections once the crowd leaves.
// Clients connect from 127.0.0.x source addresses (plain sockets).
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>
#include <vector>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ServerProcess.h"
#include "TestHttpClient.h"

namespace {

// A non-blocking client socket bound to a chosen loopback source address.
class Client
{
public:
    ~Client()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }

    bool connectTo(quint16 port, const char *source = "127.0.0.1")
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (m_fd < 0)
            return false;
        sockaddr_in local = {};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, source, &local.sin_addr);
        sockaddr_in remote = {};
        remote.sin_family = AF_INET;
        remote.sin_port = htons(port);
        remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return ::bind(m_fd, reinterpret_cast<sockaddr *>(&local), sizeof local) == 0
            && ::connect(m_fd, reinterpret_cast<sockaddr *>(&remote), sizeof remote) == 0
            && ::fcntl(m_fd, F_SETFL, O_NONBLOCK) == 0;
    }

    bool send(const QByteArray &bytes) { return ::send(m_fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL) == bytes.size(); }

    // Reads what is there within waitMs; true once the peer closed.
    bool poll(int waitMs)
    {
        pollfd entry = {m_fd, POLLIN, 0};
        if (m_closed || ::poll(&entry, 1, waitMs) <= 0)
            return m_closed;
        char buffer[4096];
        for (;;) {
            const ssize_t got = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (got > 0) {
                m_received.append(buffer, got);
                continue;
            }
            if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                m_closed = true;
            return m_closed;
        }
    }

    const QByteArray &received() const { return m_received; }
    bool closed() const { return m_closed; }

private:
    int m_fd = -1;
    QByteArray m_received;
    bool m_closed = false;
};

QString healthProblem(quint16 port)
{
    TestHttpClient client(port);
    QElapsedTimer timer;
    timer.start();
    const TestHttpResponse health = client.get("/healthz");
    if (health.status != 200 || timer.elapsed() > 1000)
        return QStringLiteral("/healthz: %1 %2 after %3 ms").arg(health.status).arg(health.error).arg(timer.elapsed());
    return QString();
}

} // namespace

class TestSlowClients : public QObject
{
    Q_OBJECT

private slots:
    void trickledRequestsTimeOut_data()
    {
        QTest::addColumn<QByteArray>("start");
        QTest::addColumn<QByteArray>("trickle");
        QTest::addColumn<QByteArray>("phase");
        QTest::newRow("request line") << QByteArray("G") << QByteArray("ET /healthz HTTP/1.1\r\nHost: x\r\n") << QByteArray("headers");
        QTest::newRow("header block") << QByteArray("GET /healthz HTTP/1.1\r\n") << QByteArray("X-Slow: aaaaaaaaaaaaaaaaaaaa\r\n")
                                      << QByteArray("headers");
        QTest::newRow("body") << QByteArray("PUT /v1/db/slow/docs/a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
                              << QByteArray("{\"data\":{\"pad\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") << QByteArray("body");
    }
    void trickledRequestsTimeOut()
    {
        QFETCH(QByteArray, start);
        QFETCH(QByteArray, trickle);
        QFETCH(QByteArray, phase);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        ServerProcess server(dir.path());
        server.setEnvironment({QStringLiteral("PEACEDB_SERVER_IDLE_TIMEOUT_MS=2000"), QStringLiteral("PEACEDB_SERVER_HEADER_TIMEOUT_MS=1000"),
                               QStringLiteral("PEACEDB_SERVER_BODY_TIMEOUT_MS=1000")});
        QVERIFY2(server.start(), qPrintable(server.output()));
        QCOMPARE(TestHttpClient(server.port()).put("/v1/db/slow").status, 201);

        Client client;
        QVERIFY(client.connectTo(server.port()));
        QVERIFY(client.send(start));
        QElapsedTimer timer;
        timer.start();
        // A byte every 100 ms: far more often than the idle timeout.
        for (int i = 0; i < trickle.size() && !client.closed() && timer.elapsed() < 5000; ++i) {
            if (!client.send(trickle.mid(i, 1)))
                break;
            client.poll(100);
        }
        while (!client.closed() && timer.elapsed() < 5000)
            client.poll(100);
        QVERIFY2(client.closed(), "the node kept a trickling connection open for 5 s");
        QVERIFY2(timer.elapsed() < 2500, qPrintable(QStringLiteral("closed only after %1 ms").arg(timer.elapsed())));
        QVERIFY2(client.received().startsWith("HTTP/1.1 408 "), client.received().left(200).constData());
        QVERIFY2(client.received().contains(phase), client.received().constData());
        const QString problem = healthProblem(server.port());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(TestHttpClient(server.port()).get("/v1/db/slow/docs/a").status, 404);

        // A request that arrives in time, though slowly, is served.
        Client patient;
        QVERIFY(patient.connectTo(server.port()));
        const QByteArray whole = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        for (int i = 0; i < whole.size(); i += 10) {
            QVERIFY(patient.send(whole.mid(i, 10)));
            QThread::msleep(40);
        }
        QDeadlineTimer answered(5000);
        while (!patient.closed() && !answered.hasExpired())
            patient.poll(100);
        QVERIFY2(patient.received().startsWith("HTTP/1.1 200 "), patient.received().left(200).constData());
        QCOMPARE(server.terminate(), 0);
    }

    void connectionsFromOneAddressAreCapped()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        ServerProcess server(dir.path());
        server.setEnvironment({QStringLiteral("PEACEDB_SERVER_MAX_CONNECTIONS_PER_ADDRESS=50")});
        QVERIFY2(server.start(), qPrintable(server.output()));

        std::vector<std::unique_ptr<Client>> crowd;
        for (int i = 0; i < 80; ++i) {
            crowd.push_back(std::make_unique<Client>());
            QVERIFY(crowd.back()->connectTo(server.port(), "127.0.0.2"));
            QVERIFY(crowd.back()->send("G"));
        }
        QThread::msleep(300);
        int refused = 0;
        for (const std::unique_ptr<Client> &client : crowd) {
            client->poll(20);
            if (client->closed()) {
                QVERIFY2(client->received().startsWith("HTTP/1.1 503 ") && client->received().contains("Retry-After: 1"),
                         client->received().left(200).constData());
                ++refused;
            }
        }
        QCOMPARE(refused, 30);
        // Another address is served meanwhile.
        const QString problem = healthProblem(server.port());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        crowd.clear();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                Client again;
                return again.connectTo(server.port(), "127.0.0.2") && again.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    && !again.poll(500) && again.received().startsWith("HTTP/1.1 200 ");
            }(),
            5000);
        QCOMPARE(server.terminate(), 0);
    }

    void connectionsStayUnderTheDescriptorLimit()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("prlimit")).isEmpty())
            QFAIL("prlimit (util-linux) is missing");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        ServerProcess server(dir.path());
        // 300 descriptors: the node takes at most 300 - 128 connections.
        server.setWrapper({QStringLiteral("prlimit"), QStringLiteral("--nofile=300:300"), QStringLiteral("--")});
        QVERIFY2(server.start(), qPrintable(server.output()));
        std::vector<std::unique_ptr<Client>> crowd;
        for (int i = 0; i < 260; ++i) {
            crowd.push_back(std::make_unique<Client>());
            const QByteArray source = "127.0.0." + QByteArray::number(2 + i / 50);
            QVERIFY(crowd.back()->connectTo(server.port(), source.constData()));
        }
        QThread::msleep(300);
        int refused = 0;
        for (const std::unique_ptr<Client> &client : crowd) {
            client->poll(20);
            if (client->closed()) {
                QVERIFY2(client->received().startsWith("HTTP/1.1 503 "), client->received().left(200).constData());
                ++refused;
            }
        }
        QCOMPARE(refused, 260 - (300 - 128));
        QVERIFY2(server.isAlive(), qPrintable(server.output()));
        crowd.clear();
        QTRY_VERIFY_WITH_TIMEOUT(healthProblem(server.port()).isEmpty(), 5000);
        QCOMPARE(server.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSlowClients)
#include "tst_slowclients.moc"
