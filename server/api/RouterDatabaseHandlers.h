// RouterDatabaseHandlers: the router's database routes, answered by every
// shard. PUT and DELETE go to every shard's primary (a database exists on
// every shard or is being repaired by repeating the PUT); GET /v1/db is the
// union of the shards' lists; a database's stats and _seq are the sums of
// the shards' (a database missing from some shards is a 503 that says to
// repeat the PUT); HEAD answers the stats' status. Any shard that does not
// answer makes the whole answer a 503 naming it.
//
// Main thread; owned by the RouterApi.
#pragma once

#include "HttpRequest.h"
#include "ReadPreference.h"
#include "ShardClient.h"

class RouterDatabaseHandlers
{
public:
    using Respond = ShardClient::Respond;

    RouterDatabaseHandlers(ShardClient *shards, ReadPreference::Mode defaultReadPreference);

    void list(const HttpRequest &request, Respond respond);
    void create(const HttpRequest &request, Respond respond);
    void remove(const HttpRequest &request, Respond respond);
    void head(const HttpRequest &request, Respond respond);
    void stats(const HttpRequest &request, Respond respond);
    void sequence(const HttpRequest &request, Respond respond);

private:
    ShardClient *m_shards;
    ReadPreference::Mode m_defaultReadPreference;
};
