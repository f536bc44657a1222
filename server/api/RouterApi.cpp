#include "RouterApi.h"

#include "HealthMonitor.h"
#include "NodeApi.h"
#include "ReplicatedDocumentService.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace {

using Method = QHttpServerRequest::Method;

} // namespace

RouterApi::RouterApi(ReplicatedDocumentService *service, HealthMonitor *monitor, HttpServer *http)
    : m_service(service)
    , m_monitor(monitor)
    , m_http(http)
{
    m_uptime.start();
}

void RouterApi::registerRoutes(HttpServer &server)
{
    using Call = void (ReplicatedDocumentService::*)(const HttpRequest &, ReplicatedDocumentService::Respond);
    const auto route = [this, &server](Method method, const char *pattern, Call call) {
        server.addApiRoute(method, pattern,
                        [this, call](const HttpRequest &request, const HttpReplyPtr &reply) {
                            (m_service->*call)(request, [reply](const HttpResponse &response) { reply->send(response); });
                        });
    };
    server.addApiRoute(Method::Get, "/healthz",
                    [this](const HttpRequest &request, const HttpReplyPtr &reply) { health(request, reply); });
    server.addApiRoute(Method::Get, "/v1/_stats",
                    [this](const HttpRequest &request, const HttpReplyPtr &reply) { stats(request, reply); });
    route(Method::Get, "/v1/db", &ReplicatedDocumentService::listDatabases);
    route(Method::Put, "/v1/db/{db}", &ReplicatedDocumentService::createDatabase);
    route(Method::Delete, "/v1/db/{db}", &ReplicatedDocumentService::deleteDatabase);
    route(Method::Head, "/v1/db/{db}", &ReplicatedDocumentService::headDatabase);
    route(Method::Get, "/v1/db/{db}", &ReplicatedDocumentService::databaseStats);
    route(Method::Post, "/v1/db/{db}/docs", &ReplicatedDocumentService::postDocument);
    route(Method::Get, "/v1/db/{db}/docs/{id}", &ReplicatedDocumentService::getDocument);
    route(Method::Put, "/v1/db/{db}/docs/{id}", &ReplicatedDocumentService::putDocument);
    route(Method::Delete, "/v1/db/{db}/docs/{id}", &ReplicatedDocumentService::deleteDocument);
    route(Method::Post, "/v1/db/{db}/_bulk_docs", &ReplicatedDocumentService::bulkDocuments);
    route(Method::Get, "/v1/db/{db}/_all_docs", &ReplicatedDocumentService::allDocuments);
    route(Method::Get, "/v1/db/{db}/_changes", &ReplicatedDocumentService::changes);
    route(Method::Post, "/v1/db/{db}/_find/fields", &ReplicatedDocumentService::findFields);
    route(Method::Post, "/v1/db/{db}/_find/tags", &ReplicatedDocumentService::findTags);
    route(Method::Get, "/v1/db/{db}/_search", &ReplicatedDocumentService::search);
    route(Method::Get, "/v1/db/{db}/_seq", &ReplicatedDocumentService::sequence);
    route(Method::Get, "/v1/db/{db}/_stats", &ReplicatedDocumentService::databaseStats);
}

void RouterApi::health(const HttpRequest &, const HttpReplyPtr &reply)
{
    // "starting" (503) until it has heard from every shard, so that a
    // health check or `peacedb-cluster up` never takes a router that knows
    // nothing yet for a ready one; then "ok", or "degraded" with the shards
    // that have no primary now (200: the router itself is fine).
    const qint64 now = m_monitor->now();
    QJsonArray withoutPrimary;
    QJsonArray unknown;
    for (int shard = 0; shard < m_monitor->shardCount(); ++shard) {
        if (!m_monitor->shard(shard).isKnown(now))
            unknown.append(shard);
        else if (!m_monitor->shard(shard).hasServingPrimary(now))
            withoutPrimary.append(shard);
    }
    const bool starting = !unknown.isEmpty();
    const QString status = starting ? QStringLiteral("starting") : withoutPrimary.isEmpty() ? QStringLiteral("ok") : QStringLiteral("degraded");
    QJsonObject body{{QStringLiteral("ok"), !starting},
                     {QStringLiteral("status"), status},
                     {QStringLiteral("role"), QStringLiteral("router")},
                     {QStringLiteral("shards"), m_monitor->shardCount()},
                     {QStringLiteral("shardsWithoutPrimary"), withoutPrimary},
                     {QStringLiteral("version"), QStringLiteral(PEACEDB_VERSION)}};
    if (starting)
        body.insert(QStringLiteral("shardsNotHeardFrom"), unknown);
    reply->send(HttpResponse::json(starting ? 503 : 200, body));
}

void RouterApi::stats(const HttpRequest &, const HttpReplyPtr &reply)
{
    reply->send(HttpResponse::json(200, QJsonObject{{QStringLiteral("role"), QStringLiteral("router")},
                                                    {QStringLiteral("version"), QStringLiteral(PEACEDB_VERSION)},
                                                    {QStringLiteral("pid"), qint64(QCoreApplication::applicationPid())},
                                                    {QStringLiteral("uptimeMs"), m_uptime.elapsed()},
                                                    {QStringLiteral("requestsTotal"), m_http->requestsTotal()},
                                                    {QStringLiteral("forwardedTotal"), m_service->forwardedTotal()},
                                                    {QStringLiteral("openConnections"), m_http->openConnections()},
                                                    {QStringLiteral("shards"), m_monitor->shardCount()},
                                                    {QStringLiteral("rssBytes"), NodeApi::residentBytes()}}));
}
