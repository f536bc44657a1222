// ShardClient: the router's requests to the shards' replica sets, and what
// their answers (or their silence) mean for the router's client.
//
//  - To a shard's primary, as the HealthMonitor knows it (toPrimary): a 503
//    "not primary" naming another member is followed once and tells the
//    monitor who the primary is; a primary the monitor has not heard from
//    for FailoverTimeoutMs is not asked at all (the request fails at once,
//    nothing sent); an unanswered request makes the monitor unsure of the
//    primary; a 2xx answer to a write counts as the shard's first write
//    after a failover. Every request to a primary is reported to the
//    monitor while in flight (primaryRequestStarted/Ended).
//  - Reads under a read preference (readShard): primary reads go to the
//    primary as writes do; primaryPreferred and nearest go to the members
//    ReadRouting picks, one after another until one answers. The target
//    must not carry a readPreference: the mode's is added, so that the
//    member answers from its committed state. readNewest asks several
//    members (ReadQuorum > 1) and keeps the newest answer.
//  - To every shard in parallel (toEveryShard, readShards), answers in
//    shard order.
//  - Failure mapping: a shard that did not answer is a 503 naming it
//    (failure); a shard's own answer is relayed as the client's (relay);
//    read answers carry where their parts came from (ReadOrigins:
//    X-PeaceDB-Consistency, X-PeaceDB-Applied, X-PeaceDB-Stale-Shards,
//    X-PeaceDB-Lag-Ms) in place of the member's own (withOrigins).
//
// Every shard's part of a client request is counted in traffic()
// (RouterTraffic) where it starts: toPrimary, readShard's member reads and
// readNewest; a "not primary" redirect or the next member tried for a read
// are part of the same count.
//
// Writes never go anywhere but to the primary. Requests carry the cluster
// token: the router checks each client itself, then speaks for it.
//
// Main thread; owned by the RouterApp; uses the HealthMonitor for routing.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QVector>

#include <functional>
#include <optional>

#include "HttpClientPool.h"
#include "HttpResponse.h"
#include "ReadOrigins.h"
#include "ReadPreference.h"
#include "RouterTraffic.h"

class HealthMonitor;

class ShardClient : public QObject
{
    Q_OBJECT

public:
    using Reply = std::function<void(const HttpClientReply &reply)>;
    // One answer per shard, in shard order.
    using Gathered = std::function<void(const QVector<HttpClientReply> &replies)>;
    // A read's answer and the member that gave it (-1: none was asked).
    using ShardRead = std::function<void(const HttpClientReply &reply, int member)>;
    // One read answer per shard, in shard order, and where they came from.
    using GatheredReads = std::function<void(const QVector<HttpClientReply> &replies, const ReadOrigins &origins)>;
    using Respond = std::function<void(const HttpResponse &response)>;

    struct Settings
    {
        qint64 requestTimeoutMs = 10000; // per request to a node
        int maxConnectionsPerNode = 64;
        QByteArray token; // the cluster token, sent to the nodes
    };

    // The query parameter that carries a read preference.
    static constexpr const char *kReadPreference = "readPreference";

    ShardClient(const Settings &settings, HealthMonitor *monitor, QObject *parent = nullptr);

    int shardCount() const;
    // The shard a document id lives on (ShardPlacement).
    int shardOf(const QString &id) const;

    // Sends to the shard's primary; follows one "not primary" redirect.
    void toPrimary(int shard, const QByteArray &method, const QByteArray &target, const QByteArray &body, bool write,
                   Reply done);
    // The same request to every shard's primary, in parallel.
    void toEveryShard(const QByteArray &method, const QByteArray &target, const QByteArray &body, Gathered done);
    // One request to shard 0's primary, for the cluster's own data (the
    // users and keys in "_auth").
    void toSystemShard(const QByteArray &method, const QByteArray &target, const QByteArray &body, Reply done);

    // One read of `shard` under `mode`. Primary: toPrimary. Otherwise the
    // members ReadRouting::candidates() names (`pinned` first when it is
    // one of them), one after another while a member does not answer or
    // answers 5xx. REQUIRES: `target` carries no readPreference.
    void readShard(int shard, ReadPreference::Mode mode, const QByteArray &method, const QByteArray &target,
                   const QByteArray &body, int pinned, ShardRead done);
    // GET targets[i] from shard i under `mode`, in parallel.
    void readShards(ReadPreference::Mode mode, const QVector<QByteArray> &targets, GatheredReads done);
    // GET `target` from `count` members of `shard` (the primary first, then
    // members the health monitor reaches, then the rest); answers the one
    // that has applied the most, or 503 when not all of them answered.
    void readNewest(int shard, const QByteArray &target, int count, Respond respond);

    // What `member`'s answer for `shard` says about its freshness.
    ReadOrigins::Part originOf(int shard, int member, const HttpClientReply &reply) const;

    qint64 forwardedTotal() const { return m_forwardedTotal; }
    // Per shard and route class: requests, errors, latency (GET /metrics).
    const RouterTraffic &traffic() const { return m_traffic; }

    // The node's answer as the client's (status, body, and the headers that matter).
    static HttpResponse relay(const HttpClientReply &reply);
    // 503 naming `shard` for a node that did not answer; the node's own
    // answer otherwise.
    static HttpResponse failure(int shard, const HttpClientReply &reply);
    // The first answer in `replies` (one per shard) whose status is not in
    // `okStatuses`, as the client's answer; nullopt when all are fine.
    static std::optional<HttpResponse> firstFailure(const QVector<HttpClientReply> &replies, const QList<int> &okStatuses);
    // `response` with the headers of `origins` in place of any it had.
    static HttpResponse withOrigins(HttpResponse response, const ReadOrigins &origins);
    // Whether a header is one of those ReadOrigins sets.
    static bool isOriginHeader(const QByteArray &name);
    // "/v1/db/<db>", percent-encoded.
    static QByteArray databasePath(const QString &db);
    // `path?rawQuery` without its readPreference parameters.
    static QByteArray withoutReadPreference(const QString &path, const QByteArray &rawQuery);

private:
    HttpClientPool *pool(int shard, int member) const;
    void toPrimary(int shard, const QByteArray &method, const QByteArray &target, const QByteArray &body, bool write,
                   Reply done, bool redirected);
    void readMembers(int shard, const QVector<int> &members, int index, const QByteArray &method, const QByteArray &target,
                     const QByteArray &body, ShardRead done);

    HealthMonitor *m_monitor;
    Settings m_settings;
    mutable QVector<QVector<HttpClientPool *>> m_pools; // [shard][member id], made when first needed
    qint64 m_forwardedTotal = 0;
    RouterTraffic m_traffic;
};
