// HttpConnection: a minimal HTTP/1.1 client on one keep-alive QTcpSocket with
// at most one request in flight (no pipelining). It parses answers
// incrementally (Content-Length, chunked or read-until-close bodies),
// reconnects when the server closed the connection and reports each request's
// outcome with its latency. Used by peacedb-bench and by replica set
// members talking to each other (PeerClient): unlike QNetworkAccessManager
// it turns Nagle off (small requests must not wait for delayed ACKs) and
// leaves connection pooling to its owner. With `tls` it speaks HTTPS,
// checking the server's certificate (and host name) with the process's TLS
// client configuration (setTlsConfiguration(): the configured CA, and this
// process's own certificate for servers that ask for one); a failed
// handshake fails the request with the reason and is logged once per
// connection until one succeeds. Lives on its owner's thread; owned by its
// QObject parent.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>

class HttpConnection : public QObject
{
    Q_OBJECT

public:
    // `fixedHeaders` are complete header lines ("Name: value\r\n") sent with
    // every request, at least Host.
    HttpConnection(const QString &host, quint16 port, const QByteArray &fixedHeaders,
                   int timeoutMs, QObject *parent = nullptr, bool tls = false);

    // How every HttpConnection of this process checks HTTPS servers; set
    // once at start-up, before any connection (main thread).
    static void setTlsConfiguration(const QSslConfiguration &configuration);
    // That configuration, for this process's other HTTPS clients
    // (QNetworkAccessManager downloads).
    static QSslConfiguration tlsConfiguration();

    bool isBusy() const { return m_busy; }
    // Sends a request; the connection must not be busy. A non-empty body is
    // sent as application/json.
    void sendRequest(const QByteArray &method, const QByteArray &target, const QByteArray &body);

    // The header lines of the answer being reported by responseReceived
    // (name as sent, value trimmed).
    const QList<QPair<QByteArray, QByteArray>> &responseHeaders() const { return m_lastHeaders; }
    // Whether the failure requestFailed reports is a refused connection.
    bool lastFailureRefused() const { return m_lastFailureRefused; }

signals:
    void responseReceived(int statusCode, const QByteArray &body, qint64 latencyNs);
    void requestFailed(const QString &reason);
    // The server closed (or reset) the connection while no request was out:
    // its idle timeout, or its process ending (the kernel closes a killed
    // process's connections).
    void closedWhileIdle();

private:
    enum class ParseState { StatusLine, Headers, Body, ChunkSize, ChunkData, ChunkTrailer, BodyUntilClose };

    void writeRequest();
    void connectSocket();
    void onConnected();
    void onEncrypted();
    void onReadyRead();
    void onErrorOccurred(QAbstractSocket::SocketError error);
    void onTimeout();
    void onConnectTimeout();
    void parse();
    bool takeLine(QByteArrayView *line);
    bool parseStatusLine(QByteArrayView line);
    void parseHeader(QByteArrayView line);
    bool finishHeaders();
    void completeResponse();
    void failRequest(const QString &reason, bool refused = false);
    void resetParser();

    QSslSocket m_socket;
    const bool m_tls;
    bool m_tlsFailureLogged = false;
    QTimer m_timeoutTimer;
    // Connecting gets a shorter bound than the whole request: a peer that
    // moved to another address leaves connects to the old one unanswered,
    // and each such connect would hold its request for the full timeout.
    QTimer m_connectTimer;
    QElapsedTimer m_latencyTimer;
    const QString m_host;
    const quint16 m_port;
    const QByteArray m_fixedHeaders;

    QByteArray m_requestHead;
    QByteArray m_requestBody;
    bool m_busy = false;
    // The request went out on a connection that had served earlier ones.
    bool m_reused = false;
    bool m_retried = false;
    bool m_lastFailureRefused = false;

    QByteArray m_buffer;
    qsizetype m_parsePosition = 0;
    ParseState m_state = ParseState::StatusLine;
    int m_statusCode = 0;
    qint64 m_contentLength = -1;
    qint64 m_remaining = 0;
    bool m_chunked = false;
    bool m_closeAfterResponse = false;
    QByteArray m_body;
    QList<QPair<QByteArray, QByteArray>> m_headers;
    QList<QPair<QByteArray, QByteArray>> m_lastHeaders;
};
