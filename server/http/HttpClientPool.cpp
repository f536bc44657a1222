#include "HttpClientPool.h"

#include "HttpConnection.h"
#include "PeerAddressBook.h"

#include <QTimer>

QByteArray HttpClientReply::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return QByteArray();
}

HttpClientPool::HttpClientPool(const QUrl &url, const QByteArray &token, int maxConnections, int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_headers("Host: " + url.host().toUtf8() + ':' + QByteArray::number(url.port(80)) + "\r\n"
                + (token.isEmpty() ? QByteArray() : "Authorization: Bearer " + token + "\r\n"))
    , m_maxConnections(qMax(1, maxConnections))
    , m_timeoutMs(timeoutMs)
{
    m_clock.start();
    // Resolve the peer's name now, so the first request (a vote in an
    // election, perhaps) need not wait on DNS.
    PeerAddressBook::instance().address(url.host());
}

void HttpClientPool::request(const QByteArray &method, const QByteArray &target, const QByteArray &body, Callback done)
{
    if (int(m_queue.size()) >= kMaxQueued) {
        return failLater(std::move(done), QStringLiteral("%1 requests already wait for a connection to %2")
                                              .arg(m_queue.size())
                                              .arg(m_url.toString()));
    }
    m_queue.push_back(Request{method, target, body, std::move(done), m_clock.elapsed()});
    dispatch();
}

void HttpClientPool::failLater(Callback done, const QString &reason)
{
    QTimer::singleShot(0, this, [done = std::move(done), reason] {
        if (done)
            done(HttpClientReply{0, QByteArray(), {}, reason, false});
    });
}

void HttpClientPool::dispatch()
{
    while (!m_queue.empty()) {
        int free = -1;
        for (int i = 0; i < m_slots.size(); ++i) {
            if (!m_slots.at(i).done) {
                free = i;
                break;
            }
        }
        if (free < 0) {
            if (m_slots.size() >= m_maxConnections)
                return;
            const bool tls = m_url.scheme() == QLatin1String("https");
            auto *connection = new HttpConnection(m_url.host(), quint16(m_url.port(tls ? 443 : 80)), m_headers, m_timeoutMs, this, tls);
            free = int(m_slots.size());
            m_slots.append(Slot{connection, {}});
            connect(connection, &HttpConnection::responseReceived, this, [this, free, connection](int status, const QByteArray &body, qint64) {
                finish(free, HttpClientReply{status, body, connection->responseHeaders(), QString(), false});
            });
            connect(connection, &HttpConnection::requestFailed, this,
                    [this, free, connection](const QString &reason) {
                        finish(free, HttpClientReply{0, QByteArray(), {}, reason, connection->lastFailureRefused()});
                    });
            connect(connection, &HttpConnection::closedWhileIdle, this, &HttpClientPool::idleConnectionClosed);
        }
        Request request = std::move(m_queue.front());
        m_queue.pop_front();
        const qint64 waitedMs = m_clock.elapsed() - request.queuedAtMs;
        // Most of its timeout gone (timers may fire a little early): it
        // would be answered too late to help its caller.
        if (waitedMs >= m_timeoutMs * 9 / 10) {
            failLater(std::move(request.done),
                      QStringLiteral("waited %1 ms for a connection to %2").arg(waitedMs).arg(m_url.toString()));
            continue;
        }
        m_slots[free].done = std::move(request.done);
        m_slots[free].connection->sendRequest(request.method, request.target, request.body);
    }
}

void HttpClientPool::finish(int slot, HttpClientReply reply)
{
    const Callback done = std::move(m_slots[slot].done);
    m_slots[slot].done = nullptr;
    if (done)
        done(reply);
    dispatch();
}
