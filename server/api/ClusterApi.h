// ClusterApi: the router's operator endpoints, all behind the cluster token:
//
//   GET  /v1/_cluster/status                      every shard and member
//   GET  /v1/_cluster/events?since=ID&limit=N      what happened, oldest first
//   POST /v1/_cluster/shards/{id}/promote {"node": NAME|URL|INDEX, "force": bool}
//   POST /v1/_cluster/shards/{id}/stepdown
//   POST /v1/_cluster/nodes/{node}/kill           node: "shard<S>-node<M>" or its URL
//
// Thin: parse, call the HealthMonitor / ReplicationCoordinator, answer.
// Main thread; owned by the RouterApp.
#pragma once

#include "HttpServer.h"

class ClusterEvents;
class HealthMonitor;
class ReplicationCoordinator;

class ClusterApi
{
public:
    ClusterApi(HealthMonitor *monitor, ReplicationCoordinator *coordinator, ClusterEvents *events);

    void registerRoutes(HttpServer &server);

private:
    void status(const HttpRequest &request, const HttpReplyPtr &reply);
    void events(const HttpRequest &request, const HttpReplyPtr &reply);
    void promote(const HttpRequest &request, const HttpReplyPtr &reply);
    void stepDown(const HttpRequest &request, const HttpReplyPtr &reply);
    void kill(const HttpRequest &request, const HttpReplyPtr &reply);
    // The {id} of the path as a shard index; answers 404 and returns -1 if it is none.
    int shardOf(const HttpRequest &request, const HttpReplyPtr &reply) const;

    HealthMonitor *m_monitor;
    ReplicationCoordinator *m_coordinator;
    ClusterEvents *m_events;
};
