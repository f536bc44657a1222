// GuardedTcpServer: the listening socket under QHttpServer, which attaches a
// ConnectionGuard to each accepted connection before QHttpServer sees it,
// and turns on TCP_NODELAY (small JSON answers must not wait for Nagle).
// It caps open connections (Limits::maxConnections, and no closer than 128
// to the process's file descriptor limit) and those from one client
// address (Limits::maxConnectionsPerAddress): a connection past a cap gets
// 503 with Retry-After and is closed, so one client cannot crowd out the
// others, the health checks or the replication traffic.
//
// Lives on the main thread; parented to the HttpServer by bind().
#pragma once

#include <QHash>
#include <QTcpServer>

#include "ConnectionGuard.h"

class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    GuardedTcpServer(const ConnectionGuard::Limits &limits, QObject *parent = nullptr);

    int openConnections() const { return m_openConnections; }
    int maxConnections() const { return m_maxConnections; }
    qint64 refusedConnections() const { return m_refusedConnections; }

signals:
    void requestRefused(int status);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    ConnectionGuard::Limits m_limits;
    int m_maxConnections;
    int m_openConnections = 0;
    qint64 m_refusedConnections = 0;
    QHash<QString, int> m_connectionsByAddress;
};
