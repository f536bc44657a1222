#include "HttpConnection.h"

#include "PeerAddressBook.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcTls, "peacedb.tls")

namespace {

// Refuse to buffer a status line, header or chunk-size line longer than this.
constexpr qsizetype kMaxLineLength = 64 * 1024;

// A TCP connect to a live peer on a LAN takes milliseconds; one that has not
// completed after a second (a lost SYN is resent only after one) is given up
// and tried again, with the peer's name looked up anew.
constexpr int kConnectTimeoutMs = 1000;

QString describeSocketError(QAbstractSocket::SocketError error, const QTcpSocket &socket)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return QStringLiteral("connection refused");
    case QAbstractSocket::RemoteHostClosedError:
        return QStringLiteral("connection closed by server");
    case QAbstractSocket::HostNotFoundError:
        return QStringLiteral("host not found");
    case QAbstractSocket::NetworkError:
        return QStringLiteral("network error");
    default:
        return socket.errorString();
    }
}

bool containsToken(QByteArrayView value, QByteArrayView token)
{
    return value.toByteArray().toLower().contains(token);
}

QSslConfiguration &clientTls()
{
    static QSslConfiguration configuration = [] {
        QSslConfiguration defaults = QSslConfiguration::defaultConfiguration();
        defaults.setProtocol(QSsl::TlsV1_2OrLater);
        defaults.setPeerVerifyMode(QSslSocket::VerifyPeer);
        return defaults;
    }();
    return configuration;
}

} // namespace

void HttpConnection::setTlsConfiguration(const QSslConfiguration &configuration)
{
    clientTls() = configuration;
}

QSslConfiguration HttpConnection::tlsConfiguration()
{
    return clientTls();
}

HttpConnection::HttpConnection(const QString &host, quint16 port, const QByteArray &fixedHeaders,
                               int timeoutMs, QObject *parent, bool tls)
    : QObject(parent)
    , m_tls(tls)
    , m_host(host)
    , m_port(port)
    , m_fixedHeaders(fixedHeaders)
{
    if (m_tls) {
        m_socket.setSslConfiguration(clientTls());
        connect(&m_socket, &QSslSocket::encrypted, this, &HttpConnection::onEncrypted);
    }
    m_timeoutTimer.setSingleShot(true);
    m_timeoutTimer.setInterval(timeoutMs);
    connect(&m_timeoutTimer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    m_connectTimer.setSingleShot(true);
    m_connectTimer.setInterval(qMin(timeoutMs, kConnectTimeoutMs));
    connect(&m_connectTimer, &QTimer::timeout, this, &HttpConnection::onConnectTimeout);
    connect(&m_socket, &QTcpSocket::connected, this, &HttpConnection::onConnected);
    connect(&m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(&m_socket, &QTcpSocket::errorOccurred, this, &HttpConnection::onErrorOccurred);
}

void HttpConnection::sendRequest(const QByteArray &method, const QByteArray &target, const QByteArray &body)
{
    Q_ASSERT(!m_busy);
    m_requestHead.clear();
    m_requestHead.reserve(method.size() + target.size() + m_fixedHeaders.size() + 80);
    m_requestHead += method;
    m_requestHead += ' ';
    m_requestHead += target;
    m_requestHead += " HTTP/1.1\r\n";
    m_requestHead += m_fixedHeaders;
    if (!body.isEmpty())
        m_requestHead += "Content-Type: application/json\r\n";
    if (!body.isEmpty() || method != "GET") {
        m_requestHead += "Content-Length: ";
        m_requestHead += QByteArray::number(body.size());
        m_requestHead += "\r\n";
    }
    m_requestHead += "\r\n";
    m_requestBody = body;

    m_busy = true;
    m_reused = m_socket.state() == QAbstractSocket::ConnectedState;
    m_retried = false;
    resetParser();
    m_latencyTimer.start();
    m_timeoutTimer.start();
    writeRequest();
}

void HttpConnection::writeRequest()
{
    if (m_socket.state() != QAbstractSocket::ConnectedState || (m_tls && !m_socket.isEncrypted())) {
        // Connect from the event loop, not here: this may run inside a signal
        // of m_socket, whose clean-up after that signal would cancel the new
        // connection. onConnected() then writes the request.
        QMetaObject::invokeMethod(this, &HttpConnection::connectSocket, Qt::QueuedConnection);
        return;
    }
    m_socket.write(m_requestHead);
    if (!m_requestBody.isEmpty())
        m_socket.write(m_requestBody);
}

void HttpConnection::connectSocket()
{
    if (!m_busy || m_socket.state() != QAbstractSocket::UnconnectedState)
        return;
    m_connectTimer.start();
    // The peer's last known address, without waiting on DNS; the name
    // itself only when it was never resolved yet. TLS checks the
    // certificate against the name either way.
    const std::optional<QHostAddress> address = PeerAddressBook::instance().address(m_host);
    const QString target = address ? address->toString() : m_host;
    if (m_tls)
        m_socket.connectToHostEncrypted(target, m_port, m_host);
    else
        m_socket.connectToHost(target, m_port);
}

void HttpConnection::onConnectTimeout()
{
    if (!m_busy || m_socket.state() == QAbstractSocket::ConnectedState)
        return;
    PeerAddressBook::instance().connectFailed(m_host);
    failRequest(QStringLiteral("no connection within %1 ms").arg(m_connectTimer.interval()));
}

void HttpConnection::onConnected()
{
    m_connectTimer.stop();
    m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_busy && !m_tls)
        writeRequest();
}

void HttpConnection::onEncrypted()
{
    m_tlsFailureLogged = false;
    if (m_busy)
        writeRequest();
}

void HttpConnection::onReadyRead()
{
    m_buffer += m_socket.readAll();
    if (!m_busy) {
        // Nothing was asked: unsolicited bytes cannot belong to any answer.
        m_buffer.clear();
        return;
    }
    parse();
}

void HttpConnection::onErrorOccurred(QAbstractSocket::SocketError error)
{
    if (!m_busy) {
        // An idle keep-alive connection went away; the next request reconnects.
        m_socket.abort();
        m_buffer.clear();
        emit closedWhileIdle();
        return;
    }
    if (error == QAbstractSocket::RemoteHostClosedError) {
        if (m_state == ParseState::BodyUntilClose) {
            m_body = m_buffer.mid(m_parsePosition);
            completeResponse();
            return;
        }
        // The server may close an idle keep-alive connection just as a request
        // goes out on it: retry once on a fresh connection.
        const bool nothingReceived = m_state == ParseState::StatusLine && m_buffer.isEmpty();
        if (m_reused && nothingReceived && !m_retried) {
            m_retried = true;
            m_socket.abort();
            writeRequest();
            return;
        }
    }
    if (m_tls && !m_socket.isEncrypted() && error != QAbstractSocket::ConnectionRefusedError) {
        const QString reason = QStringLiteral("TLS handshake with %1:%2 failed: %3").arg(m_host).arg(m_port).arg(m_socket.errorString());
        if (!m_tlsFailureLogged)
            qCWarning(lcTls, "%s", qPrintable(reason));
        m_tlsFailureLogged = true;
        m_socket.abort();
        return failRequest(reason);
    }
    if (m_socket.state() != QAbstractSocket::ConnectedState)
        PeerAddressBook::instance().connectFailed(m_host);
    failRequest(describeSocketError(error, m_socket), error == QAbstractSocket::ConnectionRefusedError);
}

void HttpConnection::onTimeout()
{
    if (!m_busy)
        return;
    if (m_socket.state() != QAbstractSocket::ConnectedState)
        PeerAddressBook::instance().connectFailed(m_host);
    failRequest(QStringLiteral("timeout"));
}

void HttpConnection::parse()
{
    QByteArrayView line;
    for (;;) {
        switch (m_state) {
        case ParseState::StatusLine:
            if (!takeLine(&line))
                return;
            if (!parseStatusLine(line)) {
                failRequest(QStringLiteral("invalid HTTP status line"));
                return;
            }
            m_state = ParseState::Headers;
            break;
        case ParseState::Headers:
            if (!takeLine(&line))
                return;
            if (!line.isEmpty()) {
                parseHeader(line);
            } else if (!finishHeaders()) {
                return;
            }
            break;
        case ParseState::Body:
            if (m_buffer.size() - m_parsePosition < m_remaining)
                return;
            m_body = m_buffer.mid(m_parsePosition, m_remaining);
            completeResponse();
            return;
        case ParseState::ChunkSize: {
            if (!takeLine(&line))
                return;
            const qsizetype extension = line.indexOf(';');
            bool ok = false;
            m_remaining = (extension < 0 ? line : line.first(extension)).trimmed().toLongLong(&ok, 16);
            if (!ok || m_remaining < 0) {
                failRequest(QStringLiteral("invalid chunk size"));
                return;
            }
            m_state = m_remaining == 0 ? ParseState::ChunkTrailer : ParseState::ChunkData;
            break;
        }
        case ParseState::ChunkData:
            if (m_buffer.size() - m_parsePosition < m_remaining + 2)
                return;
            if (QByteArrayView(m_buffer).sliced(m_parsePosition + m_remaining, 2) != "\r\n") {
                failRequest(QStringLiteral("invalid chunk"));
                return;
            }
            m_body.append(m_buffer.constData() + m_parsePosition, m_remaining);
            m_parsePosition += m_remaining + 2;
            m_state = ParseState::ChunkSize;
            break;
        case ParseState::ChunkTrailer:
            if (!takeLine(&line))
                return;
            if (line.isEmpty()) {
                completeResponse();
                return;
            }
            break;
        case ParseState::BodyUntilClose:
            return;
        }
    }
}

bool HttpConnection::takeLine(QByteArrayView *line)
{
    const qsizetype end = m_buffer.indexOf("\r\n", m_parsePosition);
    if (end < 0) {
        if (m_buffer.size() - m_parsePosition > kMaxLineLength)
            failRequest(QStringLiteral("HTTP line too long"));
        return false;
    }
    *line = QByteArrayView(m_buffer.constData() + m_parsePosition, end - m_parsePosition);
    m_parsePosition = end + 2;
    return true;
}

bool HttpConnection::parseStatusLine(QByteArrayView line)
{
    // "HTTP/1.1 200 OK"
    if (line.size() < 12 || !line.startsWith("HTTP/1.") || line.at(8) != ' ')
        return false;
    bool ok = false;
    m_statusCode = line.sliced(9, 3).toInt(&ok);
    m_closeAfterResponse = line.at(7) == '0';
    return ok && m_statusCode >= 100;
}

void HttpConnection::parseHeader(QByteArrayView line)
{
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return;
    const QByteArrayView name = line.first(colon);
    const QByteArrayView value = line.sliced(colon + 1).trimmed();
    m_headers.append({name.toByteArray(), value.toByteArray()});
    if (name.compare("Content-Length", Qt::CaseInsensitive) == 0) {
        bool ok = false;
        const qint64 length = value.toLongLong(&ok);
        m_contentLength = ok && length >= 0 ? length : -1;
    } else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
        m_chunked = containsToken(value, "chunked");
    } else if (name.compare("Connection", Qt::CaseInsensitive) == 0) {
        if (containsToken(value, "close"))
            m_closeAfterResponse = true;
        else if (containsToken(value, "keep-alive"))
            m_closeAfterResponse = false;
    }
}

// Chooses how the body is framed once the empty line after the headers was
// read. Returns false when parsing must stop (response complete or failed).
bool HttpConnection::finishHeaders()
{
    if (m_statusCode < 200) {
        // An interim 1xx answer: the real one follows.
        m_buffer.remove(0, m_parsePosition);
        resetParser();
        return true;
    }
    if (m_chunked) {
        m_state = ParseState::ChunkSize;
    } else if (m_contentLength >= 0) {
        m_state = ParseState::Body;
        m_remaining = m_contentLength;
    } else if (m_statusCode == 204 || m_statusCode == 304) {
        completeResponse();
        return false;
    } else {
        m_state = ParseState::BodyUntilClose;
        m_closeAfterResponse = true;
    }
    return true;
}

void HttpConnection::completeResponse()
{
    const int statusCode = m_statusCode;
    const QByteArray body = std::move(m_body);
    m_lastHeaders = std::move(m_headers);
    m_timeoutTimer.stop();
    m_busy = false;
    m_buffer.clear();
    if (m_closeAfterResponse)
        m_socket.abort();
    resetParser();
    emit responseReceived(statusCode, body, m_latencyTimer.nsecsElapsed());
}

void HttpConnection::failRequest(const QString &reason, bool refused)
{
    m_lastFailureRefused = refused;
    m_timeoutTimer.stop();
    m_connectTimer.stop();
    m_busy = false;
    m_socket.abort();
    m_buffer.clear();
    resetParser();
    emit requestFailed(reason);
}

void HttpConnection::resetParser()
{
    m_parsePosition = 0;
    m_state = ParseState::StatusLine;
    m_statusCode = 0;
    m_contentLength = -1;
    m_remaining = 0;
    m_chunked = false;
    m_closeAfterResponse = false;
    m_body.clear();
    m_headers.clear();
}
