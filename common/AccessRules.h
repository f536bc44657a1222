// AccessRules: who may do what — the roles a user or API key holds, what
// each route needs, and the decision between them.
//
// A role is one of
//   "admin"             everything: create and drop databases, manage users
//                       and keys, the operator API, and every database;
//   "writer:<pattern>"  read and write the databases the pattern matches;
//   "reader:<pattern>"  read them.
// A pattern is a database name ("orders"), "*" (every database) or a prefix
// followed by "*" ("logs-*"). Reserved databases (names starting with '_')
// are matched by no pattern.
//
// A route needs one of the Need values. The cluster token (Principal::Kind
// Cluster) may do everything; with authentication off every client is an
// Open principal, which may do everything but what needs the cluster token
// (Cluster, Operator).
// Pure; any thread.
#pragma once

#include <QJsonValue>
#include <QString>
#include <QStringList>

#include "Result.h"
#include "Status.h"

namespace AccessRules {

enum class Need {
    None,          // public: /healthz, /metrics
    Cluster,       // the cluster token only: replication, the supervisor
    Authenticated, // any valid credential: /v1/_stats, /v1/_session
    ReadAll,       // read every database: listing the databases
    Read,          // read the request's database
    Write,         // write the request's database
    Admin,         // create and drop databases, users and keys
    Operator,      // the operator API (cluster status, promotions, kills):
                   // the admin role, or the cluster token when
                   // authentication is off
};

struct Principal
{
    enum class Kind { Cluster, Open, User, Key };
    Kind kind = Kind::Open;
    QString name;      // user name, key id, "cluster" or "anonymous"
    QStringList roles; // User and Key only

    static Principal cluster() { return {Kind::Cluster, QStringLiteral("cluster"), {}}; }
    static Principal open() { return {Kind::Open, QStringLiteral("anonymous"), {}}; }
    bool isCluster() const { return kind == Kind::Cluster; }
    // "user alice", "key 3f2a...", "the cluster token", "anonymous".
    QString describe() const;
};

constexpr int kMaxRoles = 64;

// Ok for a well-formed role; 400 naming it otherwise.
Status checkRole(const QString &role);
// A JSON array of distinct roles (at most kMaxRoles), checked, sorted.
Result<QStringList> parseRoles(const QJsonValue &value);
bool patternMatches(QStringView pattern, QStringView database);

// Whether `principal` may do what `need` asks on `database` (empty for
// needs that name none).
bool allows(const Principal &principal, Need need, QStringView database);
// The 403 for a principal that may not: names who, and the role missing.
Status forbidden(const Principal &principal, Need need, QStringView database);

} // namespace AccessRules
