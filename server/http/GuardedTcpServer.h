// GuardedTcpServer: the listening socket under QHttpServer, which attaches a
// ConnectionGuard to each accepted connection before QHttpServer sees it,
// and turns on TCP_NODELAY (small JSON answers must not wait for Nagle).
// It caps open connections (Limits::maxConnections, and no closer than 128
// to the process's file descriptor limit) and those from one client
// address (Limits::maxConnectionsPerAddress): a connection past a cap gets
// 503 with Retry-After and is closed, so one client cannot crowd out the
// others, the health checks or the replication traffic.
//
// With a TLS configuration every connection is a QSslSocket that starts the
// server handshake at once; the guard then counts the decrypted bytes, so
// the early refusals are the same. A failed handshake (a client that does
// not trust this certificate, lacks a client certificate the configuration
// asks for, or speaks plain HTTP) closes the connection and is logged, at
// most 20 lines per 10 s; a connection past a cap is closed unanswered.
//
// Lives on the main thread; parented to the HttpServer by bind().
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QSslConfiguration>
#include <QTcpServer>

#include <optional>

#include "ConnectionGuard.h"

class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    GuardedTcpServer(const ConnectionGuard::Limits &limits, const std::optional<QSslConfiguration> &tls,
                     QObject *parent = nullptr);

    int openConnections() const { return m_openConnections; }
    int maxConnections() const { return m_maxConnections; }
    qint64 refusedConnections() const { return m_refusedConnections; }

signals:
    void requestRefused(int status);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void logHandshakeFailure(const QString &peer, const QString &why);

    ConnectionGuard::Limits m_limits;
    std::optional<QSslConfiguration> m_tls;
    QElapsedTimer m_logWindow;
    int m_linesInWindow = 0;
    int m_suppressedLines = 0;
    int m_maxConnections;
    int m_openConnections = 0;
    qint64 m_refusedConnections = 0;
    QHash<QString, int> m_connectionsByAddress;
};
