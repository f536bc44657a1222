// TestHttpClient: a small blocking HTTP/1.1 client for tests, on one
// keep-alive QTcpSocket (reconnects when the server closes).
//
// Paths are sent exactly as given (percent-encode them yourself), so tests
// control every byte on the wire. Test thread only.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QSslConfiguration>
#include <QTcpSocket>

#include <memory>
#include <optional>

struct TestHttpResponse
{
    int status = 0;                       // 0: no answer (see error)
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QString error;

    QJsonObject json() const;
    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
    // "STATUS ERROR BODY" (the body's first 400 bytes), for failure messages.
    QString describe() const;
};

class TestHttpClient
{
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    explicit TestHttpClient(quint16 port, const QString &host = QStringLiteral("127.0.0.1"));

    TestHttpResponse request(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                             const Headers &headers = {}, int timeoutMs = 15000);

    TestHttpResponse get(const QByteArray &path) { return request("GET", path); }
    TestHttpResponse put(const QByteArray &path, const QByteArray &body = {}) { return request("PUT", path, body); }
    TestHttpResponse post(const QByteArray &path, const QByteArray &body) { return request("POST", path, body); }
    TestHttpResponse del(const QByteArray &path) { return request("DELETE", path); }

    // Sends raw bytes and reads one answer (for malformed-request tests).
    TestHttpResponse raw(const QByteArray &bytes, bool headRequest = false, int timeoutMs = 15000);

    // The bytes request() sends for these arguments.
    QByteArray requestBytes(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                            const Headers &headers = {}) const;
    // Writes bytes (connecting first if needed) and waits until they are
    // sent, without reading an answer, so a test can act while a request is
    // in flight; read the answer later with receive(). False (with *error)
    // if it cannot connect or the bytes do not leave within timeoutMs.
    bool send(const QByteArray &bytes, QString *error = nullptr, int timeoutMs = 15000);
    // Reads the next answer on the connection.
    TestHttpResponse receive(bool headRequest = false, int timeoutMs = 15000);

    static QByteArray encode(const QString &segment); // percent-encodes one path segment
    // Connects from this local address (e.g. "127.0.0.7") from the next
    // connection on, so a test can be several clients.
    void setLocalAddress(const QString &address) { m_localAddress = address; m_socket.reset(); }
    // Speaks HTTPS with `configuration` (CA, client certificate) from the
    // next connection on; a failed handshake is an answer with status 0 and
    // the reason in `error`.
    void setTls(const QSslConfiguration &configuration) { m_tls = configuration; m_socket.reset(); }
    // The default TLS of every client made afterwards (none: plain HTTP).
    static void setDefaultTls(const std::optional<QSslConfiguration> &configuration);
    // Headers every request carries unless it names them itself (e.g. the
    // credentials of a cluster that requires them).
    static void setDefaultHeaders(const Headers &headers);

private:
    static Headers &defaultHeaders();
    bool ensureConnected(QString *error);
    bool writeAll(const QByteArray &bytes, int timeoutMs); // false if bytes remain unsent
    TestHttpResponse readResponse(bool headRequest, int timeoutMs);

    QString m_host;
    QString m_localAddress;
    std::optional<QSslConfiguration> m_tls;
    quint16 m_port;
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_buffer;
};
