// ClusterApi: the router's operator endpoints, all behind the cluster token:
//
//   GET  /v1/_cluster/status                      every shard and member
//   GET  /v1/_cluster/events?since=ID&limit=N      what happened, oldest first
//   POST /v1/_cluster/shards/{id}/promote {"node": NAME|URL|INDEX, "force": bool}
//   POST /v1/_cluster/shards/{id}/stepdown
//   POST /v1/_cluster/nodes/{node}/kill           node: "shard<S>-node<M>" or its URL
//   POST   /v1/_cluster/shards/{id}/members {"url": URL}            add a member
//   DELETE /v1/_cluster/shards/{id}/members/{node}                  remove one
//   POST   /v1/_cluster/shards/{id}/members/{node}/replace {"url"}  replace one
//          (node: a member id, "shard<S>-node<M>" or its URL; MembershipChanges)
//
// Thin: parse, call the HealthMonitor / ReplicationCoordinator, answer.
// Main thread; owned by the RouterApp.
#pragma once

#include <optional>
#include <utility>

#include "HttpServer.h"

class ClusterEvents;
class HealthMonitor;
class MembershipChanges;
class ReplicationCoordinator;

class ClusterApi
{
public:
    ClusterApi(HealthMonitor *monitor, ReplicationCoordinator *coordinator, MembershipChanges *changes, ClusterEvents *events);

    void registerRoutes(HttpServer &server);

private:
    void status(const HttpRequest &request, const HttpReplyPtr &reply);
    void events(const HttpRequest &request, const HttpReplyPtr &reply);
    void promote(const HttpRequest &request, const HttpReplyPtr &reply);
    void stepDown(const HttpRequest &request, const HttpReplyPtr &reply);
    void kill(const HttpRequest &request, const HttpReplyPtr &reply);
    void addMember(const HttpRequest &request, const HttpReplyPtr &reply);
    void removeMember(const HttpRequest &request, const HttpReplyPtr &reply);
    void replaceMember(const HttpRequest &request, const HttpReplyPtr &reply);
    // The member a request names (a member id, a name such as shard0-node1,
    // or a URL) in `shard`; -1 if none.
    int memberOf(int shard, const QJsonValue &node) const;
    // The {"url"} of a request's body (the only field); answers 400 and
    // returns an empty string if it has none.
    QString urlOf(const HttpRequest &request, const HttpReplyPtr &reply) const;
    // The shard {id} and member {node} of the path; answers 404 (and returns
    // nullopt) when either is none.
    std::optional<std::pair<int, int>> pathMember(const HttpRequest &request, const HttpReplyPtr &reply) const;
    // The {id} of the path as a shard index; answers 404 and returns -1 if it is none.
    int shardOf(const HttpRequest &request, const HttpReplyPtr &reply) const;

    HealthMonitor *m_monitor;
    ReplicationCoordinator *m_coordinator;
    MembershipChanges *m_changes;
    ClusterEvents *m_events;
};
