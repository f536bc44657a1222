#include "RouterApi.h"

#include "HealthMonitor.h"
#include "NodeApi.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace {

using Method = QHttpServerRequest::Method;

// `call` of `handlers` as a route's handler.
template <typename Handlers>
RouterApi::Handler handlerOf(Handlers *handlers, void (Handlers::*call)(const HttpRequest &, RouterApi::Respond))
{
    return [handlers, call](const HttpRequest &request, RouterApi::Respond respond) { (handlers->*call)(request, std::move(respond)); };
}

} // namespace

RouterApi::RouterApi(ShardClient *shards, const Settings &settings, HealthMonitor *monitor, HttpServer *http)
    : m_shards(shards)
    , m_monitor(monitor)
    , m_http(http)
    , m_databases(shards, settings.defaultReadPreference)
    , m_documents(shards, RouterDocumentHandlers::Settings{settings.readQuorum, settings.defaultReadPreference, settings.maxBulkDocs})
    , m_lists(shards, RouterListHandlers::Settings{settings.defaultReadPreference, settings.maxPageSize})
{
    m_uptime.start();
}

QVector<RouterApi::Route> RouterApi::routes()
{
    return {
        {Method::Get, "/healthz", handlerOf(this, &RouterApi::health)},
        {Method::Get, "/v1/_stats", handlerOf(this, &RouterApi::stats)},
        {Method::Get, "/v1/db", handlerOf(&m_databases, &RouterDatabaseHandlers::list)},
        {Method::Put, "/v1/db/{db}", handlerOf(&m_databases, &RouterDatabaseHandlers::create)},
        {Method::Delete, "/v1/db/{db}", handlerOf(&m_databases, &RouterDatabaseHandlers::remove)},
        {Method::Head, "/v1/db/{db}", handlerOf(&m_databases, &RouterDatabaseHandlers::head)},
        {Method::Get, "/v1/db/{db}", handlerOf(&m_databases, &RouterDatabaseHandlers::stats)},
        {Method::Post, "/v1/db/{db}/docs", handlerOf(&m_documents, &RouterDocumentHandlers::post)},
        {Method::Get, "/v1/db/{db}/docs/{id}", handlerOf(&m_documents, &RouterDocumentHandlers::get)},
        {Method::Put, "/v1/db/{db}/docs/{id}", handlerOf(&m_documents, &RouterDocumentHandlers::put)},
        {Method::Delete, "/v1/db/{db}/docs/{id}", handlerOf(&m_documents, &RouterDocumentHandlers::remove)},
        {Method::Post, "/v1/db/{db}/_bulk_docs", handlerOf(&m_documents, &RouterDocumentHandlers::bulk)},
        {Method::Get, "/v1/db/{db}/_all_docs", handlerOf(&m_lists, &RouterListHandlers::allDocuments)},
        {Method::Get, "/v1/db/{db}/_changes", handlerOf(&m_lists, &RouterListHandlers::changes)},
        {Method::Post, "/v1/db/{db}/_find/fields", handlerOf(&m_lists, &RouterListHandlers::findFields)},
        {Method::Post, "/v1/db/{db}/_find/tags", handlerOf(&m_lists, &RouterListHandlers::findTags)},
        {Method::Get, "/v1/db/{db}/_search", handlerOf(&m_lists, &RouterListHandlers::search)},
        {Method::Get, "/v1/db/{db}/_seq", handlerOf(&m_databases, &RouterDatabaseHandlers::sequence)},
        {Method::Get, "/v1/db/{db}/_stats", handlerOf(&m_databases, &RouterDatabaseHandlers::stats)},
    };
}

void RouterApi::registerRoutes(HttpServer &server)
{
    for (const Route &route : routes()) {
        server.addApiRoute(route.method, route.pattern, [handler = route.handler](const HttpRequest &request, const HttpReplyPtr &reply) {
            handler(request, [reply](const HttpResponse &response) { reply->send(response); });
        });
    }
}

void RouterApi::health(const HttpRequest &, Respond respond)
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
    respond(HttpResponse::json(starting ? 503 : 200, body));
}

void RouterApi::stats(const HttpRequest &, Respond respond)
{
    respond(HttpResponse::json(200, QJsonObject{{QStringLiteral("role"), QStringLiteral("router")},
                                                {QStringLiteral("version"), QStringLiteral(PEACEDB_VERSION)},
                                                {QStringLiteral("pid"), qint64(QCoreApplication::applicationPid())},
                                                {QStringLiteral("uptimeMs"), m_uptime.elapsed()},
                                                {QStringLiteral("requestsTotal"), m_http->requestsTotal()},
                                                {QStringLiteral("forwardedTotal"), m_shards->forwardedTotal()},
                                                {QStringLiteral("openConnections"), m_http->openConnections()},
                                                {QStringLiteral("shards"), m_monitor->shardCount()},
                                                {QStringLiteral("rssBytes"), NodeApi::residentBytes()}}));
}
