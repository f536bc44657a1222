#include "HttpServer.h"

#include "GuardedTcpServer.h"

#include <QCryptographicHash>
#include <QHttpServerRequest>
#include <QLoggingCategory>
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

bool HttpServer::listenOn(const QHostAddress &address, quint16 port, const ConnectionGuard::Limits &limits,
                          QString *error, bool *addressInUse)
{
    auto *server = new GuardedTcpServer(limits, this);
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

bool HttpServer::authorized(const QByteArray &authorization) const
{
    // The scheme is case-insensitive (RFC 9110, section 11.1).
    const qsizetype space = authorization.indexOf(' ');
    if (m_token.isEmpty() || space < 0 || QByteArrayView(authorization).first(space).compare("bearer", Qt::CaseInsensitive) != 0)
        return false;
    // Compare digests, so the time taken says nothing about the token.
    const QByteArray given = QCryptographicHash::hash(authorization.mid(space + 1).trimmed(), QCryptographicHash::Sha256);
    const QByteArray expected = QCryptographicHash::hash(m_token, QCryptographicHash::Sha256);
    unsigned char difference = 0;
    for (qsizetype i = 0; i < expected.size(); ++i)
        difference |= static_cast<unsigned char>(given.at(i) ^ expected.at(i));
    return difference == 0;
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
    // Operator actions (token routes that change something) are audited
    // once their outcome is known.
    auto audit = std::make_shared<bool>(false);
    QElapsedTimer started;
    started.start();
    auto reply = std::make_shared<HttpReply>(makeResponder(request, socket), socket,
                                             copy.method == QHttpServerRequest::Method::Head,
                                             copy.closeConnection || m_draining,
                                             [this, routeClass, started, audit, peer, method = copy.methodName, path = copy.path](int status) {
                                                 m_metrics.record(routeClass, status, started.nsecsElapsed());
                                                 if (*audit) {
                                                     qCInfo(lcAudit, "audit: %s %s from %s %s: %d", qPrintable(method), qPrintable(path.left(200)),
                                                            qPrintable(peer), status == 401 ? "with a wrong token" : "with the cluster token",
                                                            status);
                                                 }
                                                 if (--m_repliesInFlight == 0)
                                                     emit repliesDrained();
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
        if (route.access == Access::Token) {
            if (!authorized(copy.authorization)) {
                *audit = !copy.authorization.isEmpty(); // a wrong token, not a forgotten one
                reply->send(HttpResponse::error(Status::unauthorized(
                    copy.authorization.isEmpty() ? QStringLiteral("this endpoint needs \"Authorization: Bearer <token>\"")
                                                 : QStringLiteral("wrong token"))));
                return true;
            }
            *audit = copy.method != QHttpServerRequest::Method::Get && copy.method != QHttpServerRequest::Method::Head
                && !copy.path.startsWith(QLatin1String("/v1/_replication/"));
        }
        route.handler(copy, reply);
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
