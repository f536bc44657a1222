// RouterDocumentHandlers: the router's document routes, forwarded to the
// shard the document id lives on (ShardClient::shardOf).
//
//  - Writes (PUT, DELETE, POST) go to the shard's primary. POST without an
//    id gets a new 32-hex id here, since the shard comes from the id.
//  - Reads follow the read preference (?readPreference=, else the
//    default); with ReadQuorum > 1, primary reads ask that many members and
//    answer the newest (ShardClient::readNewest).
//  - _bulk_docs is checked as a whole first (nothing reaches a shard when
//    it would be refused as a whole), split by shard (one request per
//    shard, in parallel) and the results put back in the client's order; a
//    shard that refuses or does not answer gives each of its documents an
//    error naming it.
//
// Main thread; owned by the RouterApi.
#pragma once

#include "HttpRequest.h"
#include "ReadPreference.h"
#include "ShardClient.h"

class RouterDocumentHandlers
{
public:
    using Respond = ShardClient::Respond;

    struct Settings
    {
        int readQuorum = 1;
        // For reads that name no readPreference.
        ReadPreference::Mode defaultReadPreference = ReadPreference::Mode::Primary;
        qint64 maxBulkDocs = 1000;
    };

    RouterDocumentHandlers(ShardClient *shards, const Settings &settings);

    void get(const HttpRequest &request, Respond respond);
    void put(const HttpRequest &request, Respond respond);
    void remove(const HttpRequest &request, Respond respond);
    void post(const HttpRequest &request, Respond respond);
    void bulk(const HttpRequest &request, Respond respond);

private:
    void forward(const HttpRequest &request, bool write, Respond respond);

    ShardClient *m_shards;
    Settings m_settings;
};
