// PeerClient: requests from this node to one other member of its replica
// set, over a small pool of keep-alive HTTP/1.1 connections (one request in
// flight per connection, so up to maxConnections requests in flight), with
// the cluster token on every request. Requests beyond the pool wait in order.
//
// Main thread; owned by the ReplicationNode.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QUrl>
#include <QVector>

#include <deque>
#include <functional>

class HttpConnection;

class PeerClient : public QObject
{
    Q_OBJECT

public:
    // status 0: no answer (connection refused, timeout); `body` then says why.
    using Callback = std::function<void(int status, const QByteArray &body)>;

    PeerClient(const QUrl &url, const QByteArray &token, int maxConnections, int timeoutMs, QObject *parent = nullptr);

    void post(const QByteArray &path, const QByteArray &body, Callback done);
    void get(const QByteArray &path, Callback done);

private:
    struct Request
    {
        QByteArray method;
        QByteArray path;
        QByteArray body;
        Callback done;
    };
    struct Slot
    {
        HttpConnection *connection = nullptr;
        Callback done; // empty while idle
    };

    void dispatch();
    void finish(int slot, int status, const QByteArray &body);

    QUrl m_url;
    QByteArray m_headers;
    int m_maxConnections;
    int m_timeoutMs;
    QVector<Slot> m_slots;
    std::deque<Request> m_queue;
};
