// ApiRoutes: every route a client, an operator or the console may call, with
// what it needs (AccessRules::Need) — the one table the servers register
// their routes from and the access tests are generated from. Member-only
// routes (replication, the launcher's supervisor) need the cluster token and
// are not listed. Pure; any thread.
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
    bool node;           // served by a node (standalone or member)
};

const QVector<Route> &all();
// The need of a listed route; aborts for a route missing from the table
// (a programming error, caught by every test that starts a server).
AccessRules::Need need(const char *method, const char *pattern);

} // namespace ApiRoutes
