// ReplicatedDocumentService: the client API served by the router over the
// shards' replica sets.
//
//  - A document lives on shard (MurmurHash3_x86_32(utf8(id), 0x9747b28c) &
//    0x7FFFFFFF) % ShardCount (ShardPlacement). Its requests go to the
//    shard's primary as the HealthMonitor knows it; a 503 "not primary"
//    naming another primary is followed once. A shard that does not answer
//    is a 503 naming the shard. POST without an id gets a new 32-hex id here.
//  - _bulk_docs is split by shard (one request per shard, in parallel) and
//    the results put back in the client's order.
//  - Reads follow the read preference (?readPreference=, else
//    Settings::defaultReadPreference): primary reads go to the primary as
//    writes do; primaryPreferred and nearest go to the members
//    ReadRouting picks, one after another until one answers, so a shard
//    whose primary is down or cut off still answers from the committed
//    state of its most up-to-date reachable member. Each answer says where
//    its parts came from (ReadOrigins: X-PeaceDB-Consistency,
//    X-PeaceDB-Applied, and for possibly stale answers
//    X-PeaceDB-Stale-Shards and X-PeaceDB-Lag-Ms). Writes never go
//    anywhere but to the primary.
//  - ReadQuorum > 1 (primary reads of a document): that many members are
//    asked (the primary first) and the answer of the one that has applied
//    the most is returned (X-PeaceDB-Applied: term-seq).
//  - Databases, _stats and _seq go to every shard (sums), lists
//    (_all_docs, _find/*, _search) are merged in id order with exact deep
//    paging (SortedMerge, pages fetched with "after"; every page of a shard
//    from the same member while it answers), _changes across shards
//    uses a composite cursor (ChangeCursor). Any shard missing from a
//    scatter-gather answer makes the whole answer a 503 naming it: rows are
//    never silently left out.
//
// Main thread; owned by the RouterApp; uses the HealthMonitor for routing.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QVector>

#include <functional>

#include "HttpRequest.h"
#include "HttpResponse.h"
#include "ReadOrigins.h"
#include "ReadPreference.h"

class HealthMonitor;
class HttpClientPool;
struct HttpClientReply;

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
        qint64 requestTimeoutMs = 10000; // per request to a node
        int maxConnectionsPerNode = 64;
        qint64 maxPageSize = 1000;
        qint64 maxBulkDocs = 1000;
        // Sent to the nodes: the router checks each client itself, then
        // speaks for it with the cluster token.
        QByteArray token;
    };

    ReplicatedDocumentService(const Settings &settings, HealthMonitor *monitor, QObject *parent = nullptr);

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

    // One request to shard 0's primary, for the cluster's own data (the
    // users and keys in "_auth"), sent with the cluster token.
    void toSystemShard(const QByteArray &method, const QByteArray &target, const QByteArray &body,
                       std::function<void(const HttpClientReply &reply)> done);

    qint64 forwardedTotal() const { return m_forwardedTotal; }

private:
    using Reply = std::function<void(const HttpClientReply &reply)>;
    // One answer per shard, in shard order.
    using Gathered = std::function<void(const QVector<HttpClientReply> &replies)>;
    // A read's answer and the member that gave it (-1: none was asked).
    using ShardRead = std::function<void(const HttpClientReply &reply, int member)>;
    // One read answer per shard, in shard order, and where they came from.
    using GatheredReads = std::function<void(const QVector<HttpClientReply> &replies, const ReadOrigins &origins)>;

    HttpClientPool *pool(int shard, int member);
    // Sends to the shard's primary; follows one "not primary" redirect. A
    // 2xx answer to a write counts as the shard's first write after a failover.
    void toPrimary(int shard, const QByteArray &method, const QByteArray &target, const QByteArray &body, bool write,
                   Reply done, bool redirected = false);
    void toEveryShard(const QByteArray &method, const QByteArray &target, const QByteArray &body, Gathered done);
    // The request's read preference: its readPreference, else the default.
    Result<ReadPreference> preferenceOf(const HttpRequest &request) const;
    // One read of `shard` under `mode`. Primary: toPrimary. Otherwise the
    // members ReadRouting::candidates() names (`pinned` first when it is
    // one of them), one after another while a member does not answer or
    // answers 5xx. `target` must not carry a readPreference: the mode's is
    // added, so that the member answers from its committed state.
    void readShard(int shard, ReadPreference::Mode mode, const QByteArray &method, const QByteArray &target,
                   const QByteArray &body, int pinned, ShardRead done);
    void readMembers(int shard, const QVector<int> &members, int index, const QByteArray &method, const QByteArray &target,
                     const QByteArray &body, ShardRead done);
    // targets[i] (no readPreference) to shard i under `mode`, in parallel.
    void readShards(ReadPreference::Mode mode, const QVector<QByteArray> &targets, GatheredReads done);
    // What `member`'s answer for `shard` says about its freshness.
    ReadOrigins::Part originOf(int shard, int member, const HttpClientReply &reply) const;
    // `response` with the headers of `origins` in place of any it had.
    static HttpResponse withOrigins(HttpResponse response, const ReadOrigins &origins);
    // targets[i] to shard i, in parallel.
    void toShards(const QByteArray &method, const QVector<QByteArray> &targets, Gathered done, const QByteArray &body = {});
    // The node's answer as the client's (status, body, and the headers that matter).
    static HttpResponse relay(const HttpClientReply &reply);
    // 503 naming `shard` for a node that did not answer; the node's own
    // answer otherwise.
    HttpResponse failure(int shard, const HttpClientReply &reply) const;
    // The first answer in `replies` that is not `okStatus`-like, as the
    // client's answer; nullopt when all are fine.
    std::optional<HttpResponse> firstFailure(const QVector<HttpClientReply> &replies, const QList<int> &okStatuses) const;
    void forwardDocument(const HttpRequest &request, bool write, Respond respond);
    void readFromMembers(int shard, const QByteArray &target, Respond respond);
    void mergedList(const HttpRequest &request, const QByteArray &method, Respond respond);

    Settings m_settings;
    HealthMonitor *m_monitor;
    QVector<QVector<HttpClientPool *>> m_pools; // [shard][member]
    qint64 m_forwardedTotal = 0;
};
