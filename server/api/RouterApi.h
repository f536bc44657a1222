// RouterApi: the routes of peacedb-server --role router — the client API
// (the same paths and answers as a node's DocumentApi, served by the
// ReplicatedDocumentService over the shards) and the router's own
// /healthz and /v1/_stats. Thin: parse, call, answer.
//
// Main thread; owned by the RouterApp.
#pragma once

#include <QElapsedTimer>

#include "HttpServer.h"

class HealthMonitor;
class ReplicatedDocumentService;

class RouterApi
{
public:
    RouterApi(ReplicatedDocumentService *service, HealthMonitor *monitor, HttpServer *http);

    void registerRoutes(HttpServer &server);

private:
    void health(const HttpRequest &request, const HttpReplyPtr &reply);
    void stats(const HttpRequest &request, const HttpReplyPtr &reply);

    ReplicatedDocumentService *m_service;
    HealthMonitor *m_monitor;
    HttpServer *m_http;
    QElapsedTimer m_uptime;
};
