#include "HttpServer.h"

#include "ApiRoutes.h"
#include "AuthTable.h"
#include "GuardedTcpServer.h"
#include "NameRules.h"

#include <QCryptographicHash>
#include <QHttpServerRequest>
#include <QLoggingCategory>
#include <QPointer>
#include <QTcpSocket>

Q_LOGGING_CATEGORY(lcAudit, "peacedb.audit")

HttpServer::HttpServer(QObject *parent)
    : QAbstractHttpServer(parent)
{
}

void HttpServer::addRoute(QHttpServerRequest::Method method, const QString &pattern, Access access, Handler handler)
{
    m_routes.append(Route{method, HttpRequest::decodeSegments(pattern), access, std::move(handler)});
}

void HttpServer::addApiRoute(QHttpServerRequest::Method method, const char *pattern, Handler handler)
{
    const Access need = ApiRoutes::need(HttpRequest::methodToString(method).toLatin1().constData(), pattern);
    addRoute(method, QString::fromLatin1(pattern), need, std::move(handler));
}

void HttpServer::addMemberRoute(QHttpServerRequest::Method method, const char *pattern, Handler handler)
{
    ApiRoutes::checkMemberRoute(HttpRequest::methodToString(method).toLatin1().constData(), pattern);
    addRoute(method, QString::fromLatin1(pattern), Access::Cluster, std::move(handler));
}

bool HttpServer::listenOn(const QHostAddress &address, quint16 port, const ConnectionGuard::Limits &limits,
                          QString *error, bool *addressInUse)
{
    auto *server = new GuardedTcpServer(limits, m_tls, this);
    if (!server->listen(address, port)) {
        *addressInUse = server->serverError() == QAbstractSocket::AddressInUseError;
        *error = *addressInUse ? QStringLiteral("%1 port %2 is already in use").arg(address.toString()).arg(port)
                               : QStringLiteral("cannot listen on %1 port %2: %3")
                                     .arg(address.toString())
                                     .arg(port)
                                     .arg(server->errorString());
        delete server;
        return false;
    }
    connect(server, &GuardedTcpServer::requestRefused, this, [this](int status) {
        ++m_requestsTotal;
        m_metrics.recordRefused(status);
    });
    bind(server);
    m_tcpServer = server;
    return true;
}

quint16 HttpServer::port() const
{
    return m_tcpServer ? m_tcpServer->serverPort() : 0;
}

void HttpServer::stopListening()
{
    if (m_tcpServer)
        m_tcpServer->close();
}

int HttpServer::openConnections() const
{
    return m_tcpServer ? m_tcpServer->openConnections() : 0;
}

bool HttpServer::matches(const Route &route, const QStringList &segments, QHash<QString, QString> *params) const
{
    if (route.segments.size() != segments.size())
        return false;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const QString &pattern = route.segments.at(i);
        if (pattern.startsWith(QLatin1Char('{')) && pattern.endsWith(QLatin1Char('}'))) {
            if (params)
                params->insert(pattern.mid(1, pattern.size() - 2), segments.at(i));
        } else if (pattern != segments.at(i)) {
            return false;
        }
    }
    return true;
}

void HttpServer::setToken(const QByteArray &token)
{
    m_token = token;
    m_tokenDigest = QCryptographicHash::hash(token, QCryptographicHash::Sha256);
}

bool HttpServer::isClusterToken(const QByteArray &secret) const
{
    // Compare digests, so the time taken says nothing about the token.
    return !m_token.isEmpty()
        && Credentials::constantTimeEquals(QCryptographicHash::hash(secret, QCryptographicHash::Sha256), m_tokenDigest);
}

void HttpServer::admit(Access need, const Handler &handler, HttpRequest request, const HttpReplyPtr &reply,
                       const AuditPtr &audit, const QString &peer)
{
    using AccessRules::Principal;
    const bool changes = request.method != QHttpServerRequest::Method::Get && request.method != QHttpServerRequest::Method::Head;
    audit->enabled = changes && (need == Access::Cluster || need == Access::Operator || need == Access::Admin)
        && !request.path.startsWith(QLatin1String("/v1/_replication/"));
    if (need == Access::None)
        return runAs(Principal::open(), need, handler, std::move(request), reply, audit);

    const Credentials::Presented credential = Credentials::parse(request.authorization);
    if (credential.scheme == Credentials::Presented::Scheme::Bearer && isClusterToken(credential.secret))
        return runAs(Principal::cluster(), need, handler, std::move(request), reply, audit);
    if (need == Access::Cluster || (!m_authenticator && need == Access::Operator)) {
        audit->enabled = !request.authorization.isEmpty(); // a wrong token, not a forgotten one
        audit->who = QStringLiteral("a wrong token");
        return reply->send(HttpResponse::error(Status::unauthorized(
            request.authorization.isEmpty() ? QStringLiteral("this endpoint needs \"Authorization: Bearer <token>\"")
                                            : QStringLiteral("wrong token"))));
    }
    if (!m_authenticator)
        return runAs(Principal::open(), need, handler, std::move(request), reply, audit);
    if (credential.scheme == Credentials::Presented::Scheme::None) {
        return reply->send(HttpResponse::error(Status::unauthorized(
            QStringLiteral("sign in: \"Authorization: Basic <user:password>\" or \"Authorization: Bearer <API key>\""))));
    }
    m_authenticator->authenticate(
        credential, peer,
        [self = QPointer<HttpServer>(this), need, handler, request = std::move(request), reply, audit](
            const Result<Principal> &principal) mutable {
            if (!self)
                return;
            if (!principal.isOk()) {
                HttpResponse refusal = HttpResponse::error(principal.status());
                if (principal.status().code() == Status::Code::TooManyRequests) {
                    refusal.withHeader("Retry-After",
                                       QByteArray::number(principal.status().details().value(QStringLiteral("retryAfterSeconds")).toInt()));
                }
                return reply->send(refusal);
            }
            self->runAs(principal.value(), need, handler, std::move(request), reply, audit);
        });
}

void HttpServer::runAs(const AccessRules::Principal &principal, Access need, const Handler &handler, HttpRequest request,
                       const HttpReplyPtr &reply, const AuditPtr &audit)
{
    audit->who = principal.describe();
    const auto db = request.params.constFind(QStringLiteral("db"));
    if (db != request.params.constEnd() && !principal.isCluster()) {
        const Status name = NameRules::checkDatabaseName(*db);
        if (!name.isOk())
            return reply->send(HttpResponse::error(name, request.errorContext()));
    }
    if (!AccessRules::allows(principal, need, db == request.params.constEnd() ? QString() : *db)) {
        audit->enabled = audit->enabled || need == Access::Operator || need == Access::Admin;
        return reply->send(HttpResponse::error(AccessRules::forbidden(principal, need, db == request.params.constEnd() ? QString() : *db)));
    }
    request.principal = principal;
    handler(request, reply);
}

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    ++m_requestsTotal;
    HttpRequest copy;
    copy.method = request.method();
    copy.methodName = HttpRequest::methodToString(copy.method);
    const QUrl url = request.url();
    copy.path = url.path(QUrl::FullyEncoded);
    bool validPath = true;
    copy.segments = HttpRequest::decodeSegments(copy.path, &validPath);
    copy.rawQuery = url.query(QUrl::FullyEncoded).toLatin1();
    bool validQuery = true;
    copy.query = HttpRequest::decodeQuery(copy.rawQuery, &validQuery);
    copy.body = request.body();
    copy.authorization = request.value(QByteArrayLiteral("authorization"));
    copy.closeConnection = request.value(QByteArrayLiteral("connection")).toLower() == "close";

    ++m_repliesInFlight;
    const RouteClass routeClass = RouteClasses::classify(copy.methodName, copy.segments);
    const QString peer = socket ? socket->peerAddress().toString() : QString();
    // Operator and admin actions are audited once their outcome is known.
    auto audit = std::make_shared<Audit>();
    QElapsedTimer started;
    started.start();
    auto reply = std::make_shared<HttpReply>(makeResponder(request, socket), socket,
                                             copy.method == QHttpServerRequest::Method::Head,
                                             copy.closeConnection || m_draining,
                                             [server = QPointer<HttpServer>(this), routeClass, started, audit, peer,
                                              method = copy.methodName, path = copy.path](int status) {
                                                 if (audit->enabled) {
                                                     qCInfo(lcAudit, "audit: %s: %s %s from %s: %d", qPrintable(audit->who),
                                                            qPrintable(method), qPrintable(path.left(200)), qPrintable(peer), status);
                                                 }
                                                 // A reply held past the server (a process ending
                                                 // with writes in flight) counts nowhere.
                                                 if (!server)
                                                     return;
                                                 server->m_metrics.record(routeClass, status, started.nsecsElapsed());
                                                 if (--server->m_repliesInFlight == 0)
                                                     emit server->repliesDrained();
                                             });

    if (m_draining) {
        reply->send(HttpResponse::error(Status::unavailable(QStringLiteral("the node is shutting down"))));
        return true;
    }

    if (!validPath || !validQuery) {
        reply->send(HttpResponse::error(
            Status::badRequest(validPath ? QStringLiteral("the query string is not valid UTF-8") : QStringLiteral("the request path is not valid UTF-8"))));
        return true;
    }

    QStringList allowed;
    for (const Route &route : m_routes) {
        if (!matches(route, copy.segments, nullptr))
            continue;
        if (route.method != copy.method) {
            allowed.append(HttpRequest::methodToString(route.method));
            continue;
        }
        matches(route, copy.segments, &copy.params);
        admit(route.access, route.handler, std::move(copy), reply, audit, peer);
        return true;
    }
    if (!allowed.isEmpty()) {
        allowed.removeDuplicates();
        reply->send(HttpResponse::error(Status::methodNotAllowed(QStringLiteral("method %1 is not allowed on %2; use %3")
                                                                      .arg(copy.methodName, copy.path,
                                                                           allowed.join(QStringLiteral(", ")))))
                        .withHeader("Allow", allowed.join(QStringLiteral(", ")).toLatin1()));
        return true;
    }
    reply->send(HttpResponse::error(Status::notFound(QStringLiteral("unknown route: %1 %2").arg(copy.methodName, copy.path))));
    return true;
}

void HttpServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // handleRequest answers every request (404 included); this is never reached.
    makeResponder(request, socket).write(QHttpServerResponder::StatusCode::NotFound);
}
