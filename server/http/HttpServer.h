// HttpServer: PeaceDB's HTTP front: QHttpServer's connection handling and
// parser, with PeaceDB's own routing on top.
//
// Routes are "/v1/db/{db}/docs/{id}"-style patterns matched segment by
// segment on the decoded path (first match wins, so register literal routes
// before captures). A path that matches no pattern is a 404, a known path
// with another method a 405 with Allow; routes marked Access::Token need
// "Authorization: Bearer <cluster token>" (401 otherwise, before the handler
// runs, so nothing changes); every request to such a route that changes
// something (replication traffic aside) and every refused token is written
// to the audit log (category peacedb.audit: method, path, client address,
// status), never the token itself. Every connection goes through a
// GuardedTcpServer, which refuses oversized requests before they are
// buffered. While draining (shutdown) every new request gets 503. Every
// answer is counted by route class and status, with its latency (metrics()).
//
// Main thread. Owned by the ServerApp.
#pragma once

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QPointer>

#include <functional>

#include "ConnectionGuard.h"
#include "HttpMetrics.h"
#include "HttpReply.h"
#include "HttpRequest.h"

class GuardedTcpServer;

class HttpServer : public QAbstractHttpServer
{
    Q_OBJECT

public:
    enum class Access { Public, Token };
    using Handler = std::function<void(const HttpRequest &request, const HttpReplyPtr &reply)>;

    explicit HttpServer(QObject *parent = nullptr);

    void setToken(const QByteArray &token) { m_token = token; }
    void addRoute(QHttpServerRequest::Method method, const QString &pattern, Access access, Handler handler);

    // Listens on host:port (port 0: any free port). On failure returns false
    // and sets *error to a sentence naming the address and the reason.
    bool listenOn(const QHostAddress &address, quint16 port, const ConnectionGuard::Limits &limits, QString *error,
                  bool *addressInUse);
    quint16 port() const;
    // Stops accepting connections; open connections stay.
    void stopListening();
    // Answers every new request with 503 "shutting down".
    void setDraining(bool draining) { m_draining = draining; }

    qint64 requestsTotal() const { return m_requestsTotal; }
    int repliesInFlight() const { return m_repliesInFlight; }
    int openConnections() const;
    // Every answer sent, by route class and status, with its latency.
    const HttpMetrics &metrics() const { return m_metrics; }

signals:
    void repliesDrained();

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct Route
    {
        QHttpServerRequest::Method method;
        QStringList segments; // "{name}" captures one segment
        Access access;
        Handler handler;
    };

    bool matches(const Route &route, const QStringList &segments, QHash<QString, QString> *params) const;
    bool authorized(const QByteArray &authorization) const;

    QList<Route> m_routes;
    QByteArray m_token;

    QPointer<GuardedTcpServer> m_tcpServer;
    bool m_draining = false;
    qint64 m_requestsTotal = 0;
    int m_repliesInFlight = 0;
    HttpMetrics m_metrics;
};
