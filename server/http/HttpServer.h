// HttpServer: PeaceDB's HTTP front: QHttpServer's connection handling and
// parser, with PeaceDB's own routing on top.
//
// Routes are "/v1/db/{db}/docs/{id}"-style patterns matched segment by
// segment on the decoded path (first match wins, so register literal routes
// before captures). A path that matches no pattern is a 404, a known path
// with another method a 405 with Allow. Every route says what it needs
// (AccessRules::Need), checked before the handler runs, so that nothing
// changes on a refusal: the cluster token ("Authorization: Bearer <token>")
// may do everything; other credentials go to the RequestAuthenticator (401
// for a missing or wrong one, 429 for an address that failed too often, 403
// for a principal without the role). Without one (authentication off) every
// client may do what needs no cluster token and no operator role. Only the cluster token may name a reserved database (a "{db}"
// capture starting with '_'). Every request that changes something through
// an operator, admin or token route (replication traffic aside) and every
// refused cluster token is written to the audit log (category
// peacedb.audit: who, method, path, client address, status), never a
// secret. Every connection goes through a
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
#include <QSslConfiguration>

#include <functional>
#include <optional>

#include "AccessRules.h"
#include "ConnectionGuard.h"
#include "HttpMetrics.h"
#include "HttpReply.h"
#include "HttpRequest.h"
#include "RequestAuthenticator.h"

class GuardedTcpServer;

class HttpServer : public QAbstractHttpServer
{
    Q_OBJECT

public:
    using Access = AccessRules::Need;
    using Handler = std::function<void(const HttpRequest &request, const HttpReplyPtr &reply)>;

    explicit HttpServer(QObject *parent = nullptr);

    void setToken(const QByteArray &token);
    // Serve HTTPS with `configuration` from the next listenOn() on.
    void setTls(const QSslConfiguration &configuration) { m_tls = configuration; }
    bool servesTls() const { return m_tls.has_value(); }
    // Client credentials are checked by `authenticator`; null: authentication off.
    void setAuthenticator(RequestAuthenticator *authenticator) { m_authenticator = authenticator; }
    void addRoute(QHttpServerRequest::Method method, const QString &pattern, Access access, Handler handler);
    // A route of the client and operator API, with the need ApiRoutes gives it.
    void addApiRoute(QHttpServerRequest::Method method, const char *pattern, Handler handler);
    // A route between the processes of a cluster (ApiRoutes::memberRoutes):
    // the cluster token only.
    void addMemberRoute(QHttpServerRequest::Method method, const char *pattern, Handler handler);

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
    struct Audit
    {
        bool enabled = false;
        QString who;
    };
    using AuditPtr = std::shared_ptr<Audit>;

    bool isClusterToken(const QByteArray &secret) const;
    // Finds who sent `request` and runs `handler` if they may.
    void admit(Access need, const Handler &handler, HttpRequest request, const HttpReplyPtr &reply, const AuditPtr &audit,
               const QString &peer);
    void runAs(const AccessRules::Principal &principal, Access need, const Handler &handler, HttpRequest request,
               const HttpReplyPtr &reply, const AuditPtr &audit);

    QList<Route> m_routes;
    QByteArray m_token;
    QByteArray m_tokenDigest; // SHA-256 of m_token
    std::optional<QSslConfiguration> m_tls;
    QPointer<RequestAuthenticator> m_authenticator;

    QPointer<GuardedTcpServer> m_tcpServer;
    bool m_draining = false;
    qint64 m_requestsTotal = 0;
    int m_repliesInFlight = 0;
    HttpMetrics m_metrics;
};
