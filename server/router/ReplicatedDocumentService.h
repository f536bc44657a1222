// ReplicatedDocumentService: the client API served by the router over the
// shards' replica sets, through the ShardClient (which sends, follows the
// primary, applies the read preference and maps failures).
//
//  - Document requests go to the shard of their id; POST without an id gets
//    a new 32-hex id here.
//  - _bulk_docs is split by shard (one request per shard, in parallel) and
//    the results put back in the client's order.
//  - ReadQuorum > 1 (primary reads of a document): the newest of that many
//    members' answers (ShardClient::readNewest).
//  - Databases, _stats and _seq go to every shard (sums), lists
//    (_all_docs, _find/*, _search) are merged in id order with exact deep
//    paging (SortedMerge, pages fetched with "after"; every page of a shard
//    from the same member while it answers), _changes across shards
//    uses a composite cursor (ChangeCursor). Any shard missing from a
//    scatter-gather answer makes the whole answer a 503 naming it: rows are
//    never silently left out.
//
// Main thread; owned by the RouterApp.
#pragma once

#include <QByteArray>
#include <QObject>

#include <functional>

#include "HttpRequest.h"
#include "HttpResponse.h"
#include "ReadPreference.h"
#include "ShardClient.h"

class ReplicatedDocumentService : public QObject
{
    Q_OBJECT

public:
    using Respond = std::function<void(const HttpResponse &response)>;

    struct Settings
    {
        int readQuorum = 1;
        // For reads that name no readPreference.
        ReadPreference::Mode defaultReadPreference = ReadPreference::Mode::Primary;
        qint64 maxPageSize = 1000;
        qint64 maxBulkDocs = 1000;
    };

    ReplicatedDocumentService(const Settings &settings, ShardClient *shards, QObject *parent = nullptr);

    void listDatabases(const HttpRequest &request, Respond respond);
    void createDatabase(const HttpRequest &request, Respond respond);
    void deleteDatabase(const HttpRequest &request, Respond respond);
    void headDatabase(const HttpRequest &request, Respond respond);
    void databaseStats(const HttpRequest &request, Respond respond);
    void sequence(const HttpRequest &request, Respond respond);
    void getDocument(const HttpRequest &request, Respond respond);
    void putDocument(const HttpRequest &request, Respond respond);
    void deleteDocument(const HttpRequest &request, Respond respond);
    void postDocument(const HttpRequest &request, Respond respond);
    void bulkDocuments(const HttpRequest &request, Respond respond);
    void allDocuments(const HttpRequest &request, Respond respond);
    void findFields(const HttpRequest &request, Respond respond);
    void findTags(const HttpRequest &request, Respond respond);
    void search(const HttpRequest &request, Respond respond);
    void changes(const HttpRequest &request, Respond respond);

    qint64 forwardedTotal() const { return m_shards->forwardedTotal(); }

private:
    // The request's read preference: its readPreference, else the default.
    Result<ReadPreference> preferenceOf(const HttpRequest &request) const;
    void forwardDocument(const HttpRequest &request, bool write, Respond respond);
    void mergedList(const HttpRequest &request, const QByteArray &method, Respond respond);

    Settings m_settings;
    ShardClient *m_shards;
};
