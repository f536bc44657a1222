// HttpReply: the answer-to-be of one request, which a handler may send at
// once or later (a write is answered when it is durable).
//
// Holds the QHttpServerResponder together with a QPointer to its socket:
// QHttpServer deletes a socket when its client disconnects, and a responder
// writing to a deleted socket crashes the node. send() checks the guard and
// drops the answer when the client has gone. Shared (std::shared_ptr) between
// the route and the callbacks that finish it; main thread only. A reply
// dropped without an answer sends 500, so a client never waits forever.
#pragma once

#include <QHttpServerResponder>
#include <QPointer>
#include <QTcpSocket>

#include <functional>
#include <memory>

#include "HttpResponse.h"

class HttpReply
{
public:
    HttpReply(QHttpServerResponder &&responder, QTcpSocket *socket, bool headOnly, bool closeAfter,
              std::function<void(int status)> onSent);
    ~HttpReply();
    HttpReply(const HttpReply &) = delete;
    HttpReply &operator=(const HttpReply &) = delete;

    // Sends the answer (once; later calls are ignored). Without a body for
    // HEAD requests.
    void send(const HttpResponse &response);
    // Sends a file as the body, read and written in chunks as the client
    // takes them (never the whole file in memory); `headers` are added.
    // The file is removed afterwards when removeAfter is set.
    void sendFile(const QString &path, const QByteArray &contentType, const QList<QPair<QByteArray, QByteArray>> &headers,
                  bool removeAfter);
    // A header for whatever answer is sent later (send() or sendFile()).
    void addHeader(const QByteArray &name, const QByteArray &value) { m_headers.append({name, value}); }
    bool isSent() const { return m_sent; }
    bool isConnected() const { return m_socket && m_socket->state() == QAbstractSocket::ConnectedState; }

private:
    void writeResponse(const HttpResponse &response);

    QHttpServerResponder m_responder;
    QPointer<QTcpSocket> m_socket;
    bool m_headOnly;
    bool m_closeAfter;
    bool m_sent = false;
    std::function<void(int status)> m_onSent;
    QList<QPair<QByteArray, QByteArray>> m_headers; // added to the answer
};

using HttpReplyPtr = std::shared_ptr<HttpReply>;
