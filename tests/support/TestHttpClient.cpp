#include "TestHttpClient.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QSslSocket>
#include <QJsonDocument>
#include <QUrl>

QString TestHttpResponse::describe() const
{
    return QStringLiteral("%1 %2 %3").arg(status).arg(error, QString::fromUtf8(body.left(400)));
}

QJsonObject TestHttpResponse::json() const
{
    return QJsonDocument::fromJson(body).object();
}

TestHttpClient::TestHttpClient(quint16 port, const QString &host)
    : m_host(host)
    , m_port(port)
{
}

QByteArray TestHttpClient::encode(const QString &segment)
{
    return QUrl::toPercentEncoding(segment);
}

namespace {

std::optional<QSslConfiguration> &defaultTls()
{
    static std::optional<QSslConfiguration> configuration;
    return configuration;
}

} // namespace

TestHttpClient::Headers &TestHttpClient::defaultHeaders()
{
    static Headers headers;
    return headers;
}

void TestHttpClient::setDefaultHeaders(const Headers &headers)
{
    defaultHeaders() = headers;
}

void TestHttpClient::setDefaultTls(const std::optional<QSslConfiguration> &configuration)
{
    defaultTls() = configuration;
}

bool TestHttpClient::ensureConnected(QString *error)
{
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState)
        return true;
    if (!m_tls)
        m_tls = defaultTls();
    QSslSocket *tls = m_tls ? new QSslSocket : nullptr;
    m_socket.reset(tls ? tls : new QTcpSocket);
    m_buffer.clear();
    if (!m_localAddress.isEmpty() && !m_socket->bind(QHostAddress(m_localAddress), 0)) {
        *error = m_socket->errorString();
        return false;
    }
    if (tls) {
        tls->setSslConfiguration(*m_tls);
        tls->connectToHostEncrypted(m_host, m_port);
        if (!tls->waitForEncrypted(5000)) {
            *error = QStringLiteral("TLS: ") + tls->errorString();
            m_socket.reset();
            return false;
        }
        return true;
    }
    m_socket->connectToHost(m_host, m_port);
    if (!m_socket->waitForConnected(5000)) {
        *error = m_socket->errorString();
        return false;
    }
    return true;
}

TestHttpResponse TestHttpClient::request(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                                         const Headers &headers, int timeoutMs)
{
    return raw(requestBytes(method, path, body, headers), method == "HEAD", timeoutMs);
}

QByteArray TestHttpClient::requestBytes(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                                        const Headers &headers) const
{
    QByteArray bytes = method + ' ' + path + " HTTP/1.1\r\nHost: " + m_host.toLatin1() + ':' + QByteArray::number(m_port)
            + "\r\n";
    bool hasLength = false;
    QList<QByteArray> given;
    for (const auto &[name, value] : headers) {
        bytes += name + ": " + value + "\r\n";
        given.append(name.toLower());
        if (name.toLower() == "content-length" || name.toLower() == "transfer-encoding")
            hasLength = true;
    }
    for (const auto &[name, value] : defaultHeaders()) {
        if (!given.contains(name.toLower()))
            bytes += name + ": " + value + "\r\n";
    }
    if (!hasLength && (!body.isEmpty() || method == "PUT" || method == "POST"))
        bytes += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    bytes += "\r\n" + body;
    return bytes;
}

TestHttpResponse TestHttpClient::raw(const QByteArray &bytes, bool headRequest, int timeoutMs)
{
    TestHttpResponse response;
    if (!ensureConnected(&response.error))
        return response;
    writeAll(bytes, timeoutMs);
    return readResponse(headRequest, timeoutMs);
}

bool TestHttpClient::send(const QByteArray &bytes, QString *error, int timeoutMs)
{
    QString failure;
    if (!ensureConnected(&failure)) {
        if (error)
            *error = failure;
        return false;
    }
    if (!writeAll(bytes, timeoutMs)) {
        if (error)
            *error = QStringLiteral("%1 bytes not sent after %2 ms").arg(m_socket->bytesToWrite()).arg(timeoutMs);
        return false;
    }
    return true;
}

TestHttpResponse TestHttpClient::receive(bool headRequest, int timeoutMs)
{
    if (!m_socket) {
        TestHttpResponse response;
        response.error = QStringLiteral("not connected: nothing was sent");
        return response;
    }
    return readResponse(headRequest, timeoutMs);
}

bool TestHttpClient::writeAll(const QByteArray &bytes, int timeoutMs)
{
    m_socket->write(bytes);
    while (m_socket->bytesToWrite() > 0) {
        if (!m_socket->waitForBytesWritten(timeoutMs))
            return false;
    }
    return true;
}

TestHttpResponse TestHttpClient::readResponse(bool headRequest, int timeoutMs)
{
    TestHttpResponse response;
    QDeadlineTimer deadline(timeoutMs);
    qsizetype headerEnd = -1;
    qint64 contentLength = -1;
    bool chunked = false;
    bool closeAfter = false;
    while (!deadline.hasExpired()) {
        m_buffer += m_socket->readAll();
        if (headerEnd < 0) {
            headerEnd = m_buffer.indexOf("\r\n\r\n");
            if (headerEnd >= 0) {
                const QList<QByteArray> lines = m_buffer.left(headerEnd).split('\n');
                const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
                response.status = statusLine.size() > 1 ? statusLine.at(1).toInt() : 0;
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const qsizetype colon = lines.at(i).indexOf(':');
                    if (colon > 0)
                        response.headers.insert(lines.at(i).left(colon).trimmed().toLower(), lines.at(i).mid(colon + 1).trimmed());
                }
                if (response.status == 100) {
                    m_buffer.remove(0, headerEnd + 4);
                    headerEnd = -1;
                    response = TestHttpResponse();
                    continue;
                }
                contentLength = headRequest ? 0 : response.header("content-length").toLongLong();
                chunked = !headRequest && response.header("transfer-encoding").toLower().contains("chunked");
                closeAfter = response.header("connection").toLower() == "close";
            }
        }
        if (headerEnd >= 0 && !chunked && m_buffer.size() >= headerEnd + 4 + contentLength) {
            response.body = m_buffer.mid(headerEnd + 4, contentLength);
            m_buffer.remove(0, headerEnd + 4 + contentLength);
            if (closeAfter)
                m_socket.reset();
            return response;
        }
        if (m_socket->state() != QAbstractSocket::ConnectedState && m_socket->bytesAvailable() == 0) {
            response.error = QStringLiteral("connection closed");
            if (headerEnd >= 0)
                response.body = m_buffer.mid(headerEnd + 4);
            m_socket.reset();
            m_buffer.clear();
            return response;
        }
        m_socket->waitForReadyRead(qMax<qint64>(1, qMin<qint64>(100, deadline.remainingTime())));
    }
    response.error = QStringLiteral("timeout");
    m_socket.reset();
    m_buffer.clear();
    return response;
}
