#include "PeerClient.h"

#include "HttpConnection.h"

PeerClient::PeerClient(const QUrl &url, const QByteArray &token, int maxConnections, int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_headers("Host: " + url.host().toUtf8() + ':' + QByteArray::number(url.port()) + "\r\nAuthorization: Bearer " + token
                + "\r\n")
    , m_maxConnections(qMax(1, maxConnections))
    , m_timeoutMs(timeoutMs)
{
}

void PeerClient::post(const QByteArray &path, const QByteArray &body, Callback done)
{
    m_queue.push_back(Request{QByteArrayLiteral("POST"), path, body, std::move(done)});
    dispatch();
}

void PeerClient::get(const QByteArray &path, Callback done)
{
    m_queue.push_back(Request{QByteArrayLiteral("GET"), path, QByteArray(), std::move(done)});
    dispatch();
}

void PeerClient::dispatch()
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
            auto *connection = new HttpConnection(m_url.host(), quint16(m_url.port()), m_headers, m_timeoutMs, this);
            free = int(m_slots.size());
            m_slots.append(Slot{connection, {}});
            connect(connection, &HttpConnection::responseReceived, this,
                    [this, free](int status, const QByteArray &body, qint64) { finish(free, status, body); });
            connect(connection, &HttpConnection::requestFailed, this,
                    [this, free](const QString &reason) { finish(free, 0, reason.toUtf8()); });
        }
        Request request = std::move(m_queue.front());
        m_queue.pop_front();
        m_slots[free].done = std::move(request.done);
        m_slots[free].connection->sendRequest(request.method, request.path, request.body);
    }
}

void PeerClient::finish(int slot, int status, const QByteArray &body)
{
    const Callback done = std::move(m_slots[slot].done);
    m_slots[slot].done = nullptr;
    if (done)
        done(status, body);
    dispatch();
}
