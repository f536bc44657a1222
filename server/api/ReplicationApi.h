// ReplicationApi: a replica set member's internal endpoints (all need the
// cluster token; see docs/replication.md):
//
//   GET  /v1/_replication/state       role, term, log position, members, events
//   POST /v1/_replication/replicate   append entries (from the primary)
//   POST /v1/_replication/vote        a candidate asks for a vote
//   POST /v1/_replication/promote     {"term": T, "transfer": bool} (both
//                                     optional): become primary; transfer only
//                                     after the primary stepped down (hand-off)
//   POST /v1/_replication/stepdown    stop being primary
//   GET  /v1/_replication/wal?since=S&limit=N   log entries after S
//   GET  /v1/_replication/snapshot    a consistent copy of the database
//
// Thin routes over ReplicationNode. Main thread; does not own the node.
#pragma once

#include "HttpServer.h"

class ReplicationNode;

class ReplicationApi
{
public:
    explicit ReplicationApi(ReplicationNode *node);

    void registerRoutes(HttpServer &server);

private:
    ReplicationNode *m_node;
};
