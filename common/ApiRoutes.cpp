#include "ApiRoutes.h"

#include <cstring>

namespace ApiRoutes {

const QVector<Route> &all()
{
    using Need = AccessRules::Need;
    static const QVector<Route> routes{
        {"GET", "/healthz", Need::None, true, true},
        {"GET", "/metrics", Need::None, true, true},
        {"GET", "/v1/_openapi.json", Need::None, true, true, true},
        {"GET", "/v1/_stats", Need::Authenticated, true, true},
        {"GET", "/v1/_session", Need::Authenticated, true, true},
        {"GET", "/v1/db", Need::ReadAll, true, true},
        {"PUT", "/v1/db/{db}", Need::Admin, true, true},
        {"DELETE", "/v1/db/{db}", Need::Admin, true, true},
        {"HEAD", "/v1/db/{db}", Need::Read, true, true},
        {"GET", "/v1/db/{db}", Need::Read, true, true},
        {"POST", "/v1/db/{db}/docs", Need::Write, true, true},
        {"GET", "/v1/db/{db}/docs/{id}", Need::Read, true, true},
        {"PUT", "/v1/db/{db}/docs/{id}", Need::Write, true, true},
        {"DELETE", "/v1/db/{db}/docs/{id}", Need::Write, true, true},
        {"POST", "/v1/db/{db}/_bulk_docs", Need::Write, true, true},
        {"GET", "/v1/db/{db}/_all_docs", Need::Read, true, true},
        {"GET", "/v1/db/{db}/_changes", Need::Read, true, true},
        {"POST", "/v1/db/{db}/_find/fields", Need::Read, true, true},
        {"POST", "/v1/db/{db}/_find/tags", Need::Read, true, true},
        {"GET", "/v1/db/{db}/_search", Need::Read, true, true},
        {"GET", "/v1/db/{db}/_seq", Need::Read, true, true},
        {"GET", "/v1/db/{db}/_stats", Need::Read, true, true},
        {"GET", "/v1/_users", Need::Admin, true, true},
        {"PUT", "/v1/_users/{name}", Need::Admin, true, true},
        {"DELETE", "/v1/_users/{name}", Need::Admin, true, true},
        {"GET", "/v1/_keys", Need::Admin, true, true},
        {"POST", "/v1/_keys", Need::Admin, true, true},
        {"DELETE", "/v1/_keys/{id}", Need::Admin, true, true},
        {"GET", "/v1/_cluster/status", Need::Operator, true, false},
        {"GET", "/v1/_cluster/events", Need::Operator, true, false},
        {"POST", "/v1/_cluster/shards/{id}/promote", Need::Operator, true, false},
        {"POST", "/v1/_cluster/shards/{id}/stepdown", Need::Operator, true, false},
        {"POST", "/v1/_cluster/nodes/{node}/kill", Need::Operator, true, false},
        {"POST", "/v1/_cluster/shards/{id}/members", Need::Operator, true, false},
        {"DELETE", "/v1/_cluster/shards/{id}/members/{node}", Need::Operator, true, false},
        {"POST", "/v1/_cluster/shards/{id}/members/{node}/replace", Need::Operator, true, false},
        {"POST", "/v1/_cluster/backup", Need::Operator, true, false},
        {"GET", "/v1/_cluster/backup", Need::Operator, true, false},
        {"GET", "/v1/_admin/config", Need::Operator, false, true},
        {"POST", "/v1/_admin/kill", Need::Operator, false, true},
    };
    return routes;
}

AccessRules::Need need(const char *method, const char *pattern)
{
    for (const Route &route : all()) {
        if (std::strcmp(route.method, method) == 0 && std::strcmp(route.pattern, pattern) == 0)
            return route.need;
    }
    qFatal("route %s %s is missing from ApiRoutes", method, pattern);
}

const QVector<Route> &memberRoutes()
{
    using Need = AccessRules::Need;
    static const QVector<Route> routes{
        {"GET", "/v1/_replication/state", Need::Cluster, false, true},
        {"POST", "/v1/_replication/replicate", Need::Cluster, false, true},
        {"POST", "/v1/_replication/vote", Need::Cluster, false, true},
        {"POST", "/v1/_replication/promote", Need::Cluster, false, true},
        {"POST", "/v1/_replication/stepdown", Need::Cluster, false, true},
        {"POST", "/v1/_replication/members", Need::Cluster, false, true},
        {"GET", "/v1/_replication/wal", Need::Cluster, false, true},
        {"GET", "/v1/_replication/snapshot", Need::Cluster, false, true},
        {"GET", "/v1/_supervisor/nodes", Need::Cluster, false, false, true},
        {"POST", "/v1/_supervisor/nodes/{name}/start", Need::Cluster, false, false, true},
        {"POST", "/v1/_supervisor/nodes/{name}/stop", Need::Cluster, false, false, true},
        {"POST", "/v1/_supervisor/shards/{shard}/members", Need::Cluster, false, false, true},
        {"POST", "/v1/_supervisor/nodes/{name}/remove", Need::Cluster, false, false, true},
    };
    return routes;
}

void checkMemberRoute(const char *method, const char *pattern)
{
    for (const Route &route : memberRoutes()) {
        if (std::strcmp(route.method, method) == 0 && std::strcmp(route.pattern, pattern) == 0)
            return;
    }
    qFatal("member route %s %s is missing from ApiRoutes", method, pattern);
}

} // namespace ApiRoutes
