// GuardedTcpServer: the listening socket under QHttpServer, which attaches a
// ConnectionGuard to each accepted connection before QHttpServer sees it,
// and turns on TCP_NODELAY (small JSON answers must not wait for Nagle).
//
// Lives on the main thread; parented to the HttpServer by bind().
#pragma once

#include <QTcpServer>

#include "ConnectionGuard.h"

class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    GuardedTcpServer(const ConnectionGuard::Limits &limits, QObject *parent = nullptr);

    int openConnections() const { return m_openConnections; }

signals:
    void requestRefused(int status);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    ConnectionGuard::Limits m_limits;
    int m_openConnections = 0;
};
