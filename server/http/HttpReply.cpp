#include "HttpReply.h"

#include "Status.h"

#include <QFile>

HttpReply::HttpReply(QHttpServerResponder &&responder, QTcpSocket *socket, bool headOnly, bool closeAfter,
                     std::function<void(int status)> onSent)
    : m_responder(std::move(responder))
    , m_socket(socket)
    , m_headOnly(headOnly)
    , m_closeAfter(closeAfter)
    , m_onSent(std::move(onSent))
{
}

HttpReply::~HttpReply()
{
    if (!m_sent)
        send(HttpResponse::error(Status::internal(QStringLiteral("the request ended without an answer"))));
}

void HttpReply::send(const HttpResponse &response)
{
    if (m_sent)
        return;
    m_sent = true;
    writeResponse(response);
    // Last: the callback may end the process (a shutdown waiting for this
    // very answer), so the answer must already be in the socket.
    if (m_onSent)
        m_onSent(response.status);
}

void HttpReply::writeResponse(const HttpResponse &response)
{
    if (!isConnected())
        return;
    using StatusCode = QHttpServerResponder::StatusCode;
    m_responder.writeStatusLine(static_cast<StatusCode>(response.status));
    if (!response.contentType.isEmpty())
        m_responder.writeHeader(QByteArrayLiteral("Content-Type"), response.contentType);
    m_responder.writeHeader(QByteArrayLiteral("Content-Length"), QByteArray::number(response.body.size()));
    for (const auto &[name, value] : response.headers)
        m_responder.writeHeader(name, value);
    for (const auto &[name, value] : std::as_const(m_headers))
        m_responder.writeHeader(name, value);
    if (m_closeAfter)
        m_responder.writeHeader(QByteArrayLiteral("Connection"), QByteArrayLiteral("close"));
    m_responder.writeBody(m_headOnly ? QByteArray() : response.body);
    if (m_closeAfter)
        m_socket->disconnectFromHost();
}

void HttpReply::sendFile(const QString &path, const QByteArray &contentType,
                         const QList<QPair<QByteArray, QByteArray>> &headers, bool removeAfter)
{
    if (m_sent)
        return;
    auto file = std::make_shared<QFile>(path);
    if (!file->open(QIODevice::ReadOnly)) {
        send(HttpResponse::error(Status::internal(QStringLiteral("cannot read %1: %2").arg(path, file->errorString()))));
        return;
    }
    m_sent = true;
    if (!isConnected()) {
        if (removeAfter)
            QFile::remove(path);
        if (m_onSent)
            m_onSent(200);
        return;
    }
    m_responder.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    m_responder.writeHeader(QByteArrayLiteral("Content-Type"), contentType);
    m_responder.writeHeader(QByteArrayLiteral("Content-Length"), QByteArray::number(file->size()));
    for (const auto &[name, value] : headers + m_headers)
        m_responder.writeHeader(name, value);
    m_responder.writeBody(QByteArray());
    // Keep at most a few chunks queued in the socket; refill as they leave.
    constexpr qint64 kChunk = 256 * 1024;
    QPointer<QTcpSocket> socket = m_socket;
    auto pump = std::make_shared<std::function<void()>>();
    *pump = [socket, file, path, removeAfter]() {
        if (!socket || socket->state() != QAbstractSocket::ConnectedState) {
            file->close();
            if (removeAfter)
                QFile::remove(path);
            return;
        }
        while (socket->bytesToWrite() < 4 * kChunk && !file->atEnd())
            socket->write(file->read(kChunk));
        if (file->atEnd() && file->isOpen()) {
            file->close();
            if (removeAfter)
                QFile::remove(path);
        }
    };
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, [pump] { (*pump)(); });
    QObject::connect(socket, &QObject::destroyed, [file, path, removeAfter] {
        if (file->isOpen() && removeAfter) {
            file->close();
            QFile::remove(path);
        }
    });
    (*pump)();
    if (m_onSent)
        m_onSent(200);
}
