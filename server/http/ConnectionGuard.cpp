#include "ConnectionGuard.h"

#include "JsonText.h"

#include <QTcpSocket>

#include <sys/socket.h>

#include <limits>

namespace {

constexpr int kLingerMs = 2000;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    default: return "Error";
    }
}

} // namespace

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, const Limits &limits)
    : QObject(socket)
    , m_socket(socket)
    , m_limits(limits)
    , m_framer(limits.framing)
{
    connect(m_socket, &QTcpSocket::readyRead, this, &ConnectionGuard::onReadyRead);
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(int(qMin<qint64>(limits.idleTimeoutMs, std::numeric_limits<int>::max())));
    connect(&m_idleTimer, &QTimer::timeout, this, &ConnectionGuard::onIdleTimeout);
    connect(m_socket, &QTcpSocket::bytesWritten, &m_idleTimer, qOverload<>(&QTimer::start));
    m_idleTimer.start();
    m_requestTimer.setSingleShot(true);
    connect(&m_requestTimer, &QTimer::timeout, this, [this] {
        const bool headers = m_phase == Phase::Headers;
        const qint64 limit = headers ? m_limits.headerTimeoutMs : m_limits.bodyTimeoutMs;
        refuse(408, QStringLiteral("the request's %1 did not arrive within %2 ms")
                        .arg(headers ? QStringLiteral("headers") : QStringLiteral("body"))
                        .arg(limit));
    });
}

void ConnectionGuard::trackRequestDeadline(bool requestCompleted)
{
    if (requestCompleted)
        m_phase = Phase::Idle; // a new request's deadline starts afresh
    const Phase now = m_framer.inHeaders() ? Phase::Headers : m_framer.inBody() ? Phase::Body : Phase::Idle;
    if (now == m_phase)
        return; // the deadline runs from the phase's first byte
    m_phase = now;
    if (now == Phase::Idle)
        m_requestTimer.stop();
    else
        m_requestTimer.start(int(qMin<qint64>(now == Phase::Headers ? m_limits.headerTimeoutMs : m_limits.bodyTimeoutMs,
                                               std::numeric_limits<int>::max())));
}

void ConnectionGuard::onReadyRead()
{
    m_idleTimer.start();
    if (m_refused) {
        drain();
        return;
    }
    const qint64 fresh = m_socket->bytesAvailable();
    if (fresh <= 0)
        return;
    const RequestFramer::Outcome outcome = m_framer.feed(m_socket->peek(fresh));
    for (int i = 0; i < outcome.continuesToSend; ++i)
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    if (outcome.refuseStatus != 0)
        return refuse(outcome.refuseStatus, outcome.reason);
    trackRequestDeadline(outcome.requestsCompleted > 0);
}

void ConnectionGuard::refuse(int status, const QString &reason)
{
    m_refused = true;
    m_requestTimer.stop();
    // Unhook QHttpServer (and this slot), then keep reading only to discard.
    disconnect(m_socket, &QTcpSocket::readyRead, nullptr, nullptr);
    connect(m_socket, &QTcpSocket::readyRead, this, &ConnectionGuard::drain);
    if (m_socket->isTransactionStarted())
        m_socket->rollbackTransaction();
    drain();

    const QByteArray body = "{\"ok\":false,\"error\":" + JsonText::quote(reason) + ",\"status\":" + QByteArray::number(status) + '}';
    m_socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
                    + "\r\nConnection: close\r\n\r\n" + body);
    m_socket->flush();
    // Half-close once the answer is out, so the client sees it even while it
    // is still sending; close for good after a short linger.
    const auto halfClose = [this] {
        if (m_socket->bytesToWrite() == 0 && m_socket->socketDescriptor() >= 0)
            ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    };
    connect(m_socket, &QTcpSocket::bytesWritten, this, halfClose);
    halfClose();
    m_idleTimer.stop();
    QTimer::singleShot(kLingerMs, this, [this] { m_socket->abort(); });
    emit refused(status);
}

void ConnectionGuard::drain()
{
    char buffer[64 * 1024];
    while (m_socket->read(buffer, sizeof buffer) > 0) {
    }
}

void ConnectionGuard::onIdleTimeout()
{
    if (m_refused)
        return;
    if (m_framer.isIdle() && m_socket->bytesToWrite() == 0)
        m_socket->disconnectFromHost();
    else
        m_idleTimer.start();
}
