#include "GuardedTcpServer.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QTcpSocket>

Q_DECLARE_LOGGING_CATEGORY(lcTls)

#include <sys/resource.h>

namespace {

// Descriptors kept for the database, the log, peers and the supervisor.
constexpr rlim_t kReservedDescriptors = 128;

int connectionCap(int configured)
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return configured;
    const rlim_t usable = limit.rlim_cur > 2 * kReservedDescriptors ? limit.rlim_cur - kReservedDescriptors : limit.rlim_cur / 2;
    return int(qMin<rlim_t>(rlim_t(configured), usable));
}

} // namespace

GuardedTcpServer::GuardedTcpServer(const ConnectionGuard::Limits &limits, const std::optional<QSslConfiguration> &tls,
                                   QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
    , m_tls(tls)
    , m_maxConnections(connectionCap(limits.maxConnections))
{
}

void GuardedTcpServer::incomingConnection(qintptr socketDescriptor)
{
    QSslSocket *tlsSocket = m_tls ? new QSslSocket(this) : nullptr;
    QTcpSocket *socket = tlsSocket ? tlsSocket : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    const QString address = socket->peerAddress().toString();
    int &fromAddress = m_connectionsByAddress[address];
    if (m_openConnections >= m_maxConnections || fromAddress >= m_limits.maxConnectionsPerAddress) {
        const bool perAddress = m_openConnections < m_maxConnections;
        if (fromAddress == 0)
            m_connectionsByAddress.remove(address);
        if (tlsSocket) {
            // No handshake for a connection that is refused anyway.
            socket->abort();
            socket->deleteLater();
            ++m_refusedConnections;
            emit requestRefused(503);
            return;
        }
        const QByteArray body = perAddress ? "{\"ok\":false,\"error\":\"too many connections from this address\",\"status\":503}"
                                           : "{\"ok\":false,\"error\":\"too many connections\",\"status\":503}";
        socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nContent-Length: "
                      + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        socket->disconnectFromHost();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        if (socket->state() == QAbstractSocket::UnconnectedState)
            socket->deleteLater();
        ++m_refusedConnections;
        emit requestRefused(503);
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (tlsSocket) {
        tlsSocket->setSslConfiguration(*m_tls);
        connect(tlsSocket, &QSslSocket::errorOccurred, this, [this, tlsSocket, address](QAbstractSocket::SocketError error) {
            if (!tlsSocket->isEncrypted() && error != QAbstractSocket::RemoteHostClosedError)
                logHandshakeFailure(address, tlsSocket->errorString());
        });
    }
    auto *guard = new ConnectionGuard(socket, m_limits);
    connect(guard, &ConnectionGuard::refused, this, &GuardedTcpServer::requestRefused);
    ++m_openConnections;
    ++fromAddress;
    connect(socket, &QObject::destroyed, this, [this, address] {
        --m_openConnections;
        auto it = m_connectionsByAddress.find(address);
        if (it != m_connectionsByAddress.end() && --it.value() <= 0)
            m_connectionsByAddress.erase(it);
    });
    addPendingConnection(socket);
    if (tlsSocket)
        tlsSocket->startServerEncryption();
}

void GuardedTcpServer::logHandshakeFailure(const QString &peer, const QString &why)
{
    constexpr int kLinesPerWindow = 20;
    constexpr qint64 kWindowMs = 10000;
    if (!m_logWindow.isValid() || m_logWindow.elapsed() > kWindowMs) {
        if (m_suppressedLines > 0)
            qCWarning(lcTls, "%d more failed TLS handshakes were not logged", m_suppressedLines);
        m_logWindow.start();
        m_linesInWindow = 0;
        m_suppressedLines = 0;
    }
    if (++m_linesInWindow > kLinesPerWindow) {
        ++m_suppressedLines;
        return;
    }
    qCWarning(lcTls, "refused a TLS connection from %s: %s", qPrintable(peer), qPrintable(why));
}
