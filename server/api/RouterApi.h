// RouterApi: the routes of peacedb-server --role router — the client API
// (the same paths and answers as a node's DocumentApi, answered over the
// shards by the router's handlers: RouterDatabaseHandlers,
// RouterDocumentHandlers, RouterListHandlers) and the router's own
// /healthz and /v1/_stats. Its route table (routes()) is the one place
// that says which handler answers which route.
//
// Main thread; owned by the RouterApp.
#pragma once

#include <QElapsedTimer>
#include <QVector>

#include "HttpServer.h"
#include "ReadPreference.h"
#include "RouterDatabaseHandlers.h"
#include "RouterDocumentHandlers.h"
#include "RouterListHandlers.h"
#include "ShardClient.h"

class HealthMonitor;

class RouterApi
{
public:
    using Respond = ShardClient::Respond;
    using Handler = std::function<void(const HttpRequest &request, Respond respond)>;

    struct Settings
    {
        int readQuorum = 1;
        // For reads that name no readPreference.
        ReadPreference::Mode defaultReadPreference = ReadPreference::Mode::Primary;
        qint64 maxPageSize = 1000;
        qint64 maxBulkDocs = 1000;
    };

    struct Route
    {
        QHttpServerRequest::Method method;
        const char *pattern;
        Handler handler;
    };

    RouterApi(ShardClient *shards, const Settings &settings, HealthMonitor *monitor, HttpServer *http);

    // The router's route table: every route it serves and its handler.
    QVector<Route> routes();
    void registerRoutes(HttpServer &server);

private:
    void health(const HttpRequest &request, Respond respond);
    void stats(const HttpRequest &request, Respond respond);

    ShardClient *m_shards;
    HealthMonitor *m_monitor;
    HttpServer *m_http;
    RouterDatabaseHandlers m_databases;
    RouterDocumentHandlers m_documents;
    RouterListHandlers m_lists;
    QElapsedTimer m_uptime;
};
