// HttpClientPool: requests from this process to one HTTP server (another
// member of a replica set, a shard's node seen from the router), over a pool
// of keep-alive HTTP/1.1 connections — one request in flight per connection,
// so up to maxConnections at once; further requests wait in order. The
// wait is bounded: at most kMaxQueued requests wait (more fail at once),
// and one that waited most of timeoutMs for a connection fails instead of
// being sent late (a failure is a reply with status 0, always delivered from the
// event loop, never inside request()). A non-empty token is sent as
// "Authorization: Bearer <token>" on every request.
//
// Main thread (or the thread it lives on); owned by its QObject parent.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QUrl>
#include <QVector>

#include <deque>
#include <functional>

class HttpConnection;

struct HttpClientReply
{
    int status = 0;    // 0: no answer (connection refused, timeout); `error` says why
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QString error;
    // No answer because the peer's host refused the connection: it is up,
    // but nothing listens on the port.
    bool refused = false;

    bool answered() const { return status != 0; }
    // The first header of that name (case-insensitive), or empty.
    QByteArray header(QByteArrayView name) const;
};

class HttpClientPool : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(const HttpClientReply &reply)>;
    static constexpr int kMaxQueued = 1024;

    HttpClientPool(const QUrl &url, const QByteArray &token, int maxConnections, int timeoutMs, QObject *parent = nullptr);

    QUrl url() const { return m_url; }
    void request(const QByteArray &method, const QByteArray &target, const QByteArray &body, Callback done);
    void get(const QByteArray &target, Callback done) { request(QByteArrayLiteral("GET"), target, QByteArray(), std::move(done)); }
    void post(const QByteArray &target, const QByteArray &body, Callback done)
    {
        request(QByteArrayLiteral("POST"), target, body, std::move(done));
    }
    // Requests waiting for a free connection.
    int queued() const { return int(m_queue.size()); }

signals:
    // The server closed one of the idle connections (HttpConnection::closedWhileIdle).
    void idleConnectionClosed();

private:
    struct Request
    {
        QByteArray method;
        QByteArray target;
        QByteArray body;
        Callback done;
        qint64 queuedAtMs = 0;
    };
    struct Slot
    {
        HttpConnection *connection = nullptr;
        Callback done; // empty while idle
    };

    void dispatch();
    void finish(int slot, HttpClientReply reply);
    void failLater(Callback done, const QString &reason);

    QUrl m_url;
    QByteArray m_headers;
    int m_maxConnections;
    int m_timeoutMs;
    QVector<Slot> m_slots;
    std::deque<Request> m_queue;
    QElapsedTimer m_clock;
};
