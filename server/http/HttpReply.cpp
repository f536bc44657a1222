#include "HttpReply.h"

#include "Status.h"

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
    if (m_closeAfter)
        m_responder.writeHeader(QByteArrayLiteral("Connection"), QByteArrayLiteral("close"));
    m_responder.writeBody(m_headOnly ? QByteArray() : response.body);
    if (m_closeAfter)
        m_socket->disconnectFromHost();
}
