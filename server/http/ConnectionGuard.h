// ConnectionGuard: enforces the request limits of one client connection
// before QHttpServer buffers anything.
//
// QHttpServer 6.4 has no body-size limit and keeps a whole request body in
// memory (about twice). The guard's readyRead slot is connected before
// QHttpServer's (GuardedTcpServer attaches it before handing the socket
// over), so it sees every new byte first: QHttpServer reads everything the
// socket holds on each readyRead, hence bytesAvailable() at that moment is
// exactly the bytes that arrived since the last one. It feeds them to a
// RequestFramer; on a refusal it unhooks QHttpServer from the socket, answers
// 413/431/400 itself with "Connection: close", discards whatever the client
// still sends and closes the connection after a short linger (so the client
// can read the answer). It also answers "Expect: 100-continue", closes
// connections that stay idle between requests for idleTimeoutMs, and
// answers 408 and closes when a request's header block takes longer than
// headerTimeoutMs, or its body longer than bodyTimeoutMs, to arrive (a
// trickle of bytes keeps no connection open).
//
// Lives on the socket's thread (the main thread); a child of the socket.
#pragma once

#include <QObject>
#include <QTimer>

#include "RequestFramer.h"

class QTcpSocket;

class ConnectionGuard : public QObject
{
    Q_OBJECT

public:
    struct Limits
    {
        RequestFramer::Limits framing;
        qint64 idleTimeoutMs = 120000;
        qint64 headerTimeoutMs = 10000;
        qint64 bodyTimeoutMs = 60000;
        // Open connections, in all and from one client address (the
        // process's also stays under its file descriptor limit).
        int maxConnections = 4096;
        int maxConnectionsPerAddress = 512;
    };

    // REQUIRES: no other readyRead slot is connected to socket yet.
    ConnectionGuard(QTcpSocket *socket, const Limits &limits);

signals:
    // A request was refused before QHttpServer saw it; `status` is the answer.
    void refused(int status);

private:
    void onReadyRead();
    void refuse(int status, const QString &reason);
    void drain();
    void onIdleTimeout();
    void trackRequestDeadline(bool requestCompleted);

    QTcpSocket *m_socket;
    Limits m_limits;
    RequestFramer m_framer;
    QTimer m_idleTimer;
    QTimer m_requestTimer; // runs while a request's headers, then its body, arrive
    enum class Phase { Idle, Headers, Body } m_phase = Phase::Idle;
    bool m_refused = false;
};
