// ApiRoutes: every route a client, an operator or the console may call, with
// what it needs (AccessRules::Need) — the one table the servers register
// their routes from and the access tests are generated from — and, apart,
// the member-only routes (replication, the launcher's supervisor), which
// need the cluster token. docs/openapi.json describes exactly these routes
// (tst_openapi checks both ways). Pure; any thread.
#pragma once

#include <QString>
#include <QVector>

#include "AccessRules.h"

namespace ApiRoutes {

struct Route
{
    const char *method;  // "GET", "PUT", ...
    const char *pattern; // "/v1/db/{db}/docs/{id}"
    AccessRules::Need need;
    bool router;         // served by a router
    bool node;           // served by a node (standalone or member; in
                         // memberRoutes(): replica set members only)
    bool launcher = false; // served by peacedb-cluster's supervisor endpoint
};

// The client and operator API.
const QVector<Route> &all();
// The need of a listed route; aborts for a route missing from the table
// (a programming error, caught by every test that starts a server).
AccessRules::Need need(const char *method, const char *pattern);

// The routes between the processes of a cluster: replication (members) and
// the launcher's supervisor endpoint; each needs Need::Cluster.
const QVector<Route> &memberRoutes();
// Aborts unless `method pattern` is one of memberRoutes() (as need()).
void checkMemberRoute(const char *method, const char *pattern);

} // namespace ApiRoutes
