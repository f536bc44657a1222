#include "GuardedTcpServer.h"

#include <QTcpSocket>

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

GuardedTcpServer::GuardedTcpServer(const ConnectionGuard::Limits &limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
    , m_maxConnections(connectionCap(limits.maxConnections))
{
}

void GuardedTcpServer::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new QTcpSocket(this);
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
}
