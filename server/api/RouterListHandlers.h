// RouterListHandlers: the router's list routes, answered by every shard
// and merged. _all_docs, _find/fields, _find/tags and _search are merged
// in id order with exact deep paging (SortedMerge: pages fetched with
// "after", never clamped per shard; every page of a shard from the same
// member while it answers); _changes across shards uses a composite cursor
// (ChangeCursor). Reads follow the read preference (?readPreference=, else
// the default), and each answer says where its parts came from
// (ReadOrigins). Any shard missing from an answer makes the whole answer a
// 503 naming it: rows are never silently left out.
//
// Main thread; owned by the RouterApi.
#pragma once

#include "HttpRequest.h"
#include "ReadPreference.h"
#include "ShardClient.h"

class RouterListHandlers
{
public:
    using Respond = ShardClient::Respond;

    struct Settings
    {
        // For reads that name no readPreference.
        ReadPreference::Mode defaultReadPreference = ReadPreference::Mode::Primary;
        qint64 maxPageSize = 1000;
    };

    RouterListHandlers(ShardClient *shards, const Settings &settings);

    void allDocuments(const HttpRequest &request, Respond respond);
    void findFields(const HttpRequest &request, Respond respond);
    void findTags(const HttpRequest &request, Respond respond);
    void search(const HttpRequest &request, Respond respond);
    void changes(const HttpRequest &request, Respond respond);

private:
    // A list from every shard, merged: the client's query (GET) or body
    // (POST) with each shard's own limit and after.
    void mergedList(const HttpRequest &request, const QByteArray &method, Respond respond);

    ShardClient *m_shards;
    Settings m_settings;
};
