// RouterTraffic: what the shards answered the router on its clients'
// behalf — per shard and route class (read, list, write): requests, errors
// and latency — for GET /metrics (the console's traffic view reads them).
//
// One request is one shard's part of one client request, counted once when
// its outcome is known: after a "not primary" redirect was followed and
// after the other members were tried for a read, so the outcome is what the
// router got from the shard, not each attempt. A client request that goes
// to every shard (database create/drop/list, lists, _stats, _changes)
// counts once per shard; a deep page of a merged list that needs more than
// one page from a shard counts each page asked for. The router's own reads
// of the users and API keys on shard 0 (ShardClient::toSystemShard, every
// health check interval) count too: they are requests that shard must
// answer.
//
// An error is no answer at all (refused, timed out, a silent primary the
// router fails fast on) or a 5xx. A 4xx is an answer (404 missing
// document, 409 conflict) and is not an error. The latency is the time from
// the first attempt to the outcome, errors included.
//
// The route class comes from the request the router sends to the shard
// (RouteClasses::classify on its method and path), so it is the same as
// the class of the client request in peacedb_http_requests_total.
//
// Main thread; owned by the ShardClient, which calls track() where a
// shard's part of a request starts.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QMap>
#include <QVector>

#include <utility>

#include "HttpClientPool.h"
#include "LatencyHistogram.h"
#include "PrometheusText.h"
#include "RouteClass.h"

class RouterTraffic
{
public:
    explicit RouterTraffic(int shardCount);

    // `done` wrapped so that its first call records one request to `shard`
    // (its outcome: the first argument's status, 0 for no answer) timed
    // from now. `Done` is a std::function whose first parameter is an
    // HttpClientReply or HttpResponse; the others are passed on.
    template <typename Done>
    Done track(int shard, const QByteArray &method, const QByteArray &target, Done done)
    {
        QElapsedTimer timer;
        timer.start();
        const RouteClass routeClass = classOf(method, target);
        return Done([this, shard, routeClass, timer, done = std::move(done)](const auto &outcome, auto &&...rest) {
            record(shard, routeClass, outcome.status, timer.nsecsElapsed());
            done(outcome, std::forward<decltype(rest)>(rest)...);
        });
    }

    // One request to `shard`: `status` 0 when there was no answer.
    void record(int shard, RouteClass routeClass, int status, qint64 elapsedNanoseconds);

    static bool isError(int status) { return status == 0 || status >= 500; }
    // "GET" and "/v1/db/a/docs/b?x=1" -> read.
    static RouteClass classOf(const QByteArray &method, const QByteArray &target);

    qint64 requests(int shard, RouteClass routeClass) const;
    qint64 errors(int shard, RouteClass routeClass) const;

    // peacedb_router_shard_requests_total{shard,route},
    // peacedb_router_shard_errors_total{shard,route} and
    // peacedb_router_shard_request_duration_seconds{shard,route}: every
    // shard with read, list and write from the start (zeros), other classes
    // once seen.
    void write(PrometheusText *out) const;

private:
    struct Counts
    {
        qint64 requests = 0;
        qint64 errors = 0;
        LatencyHistogram latency = LatencyHistogram();
    };
    using Key = std::pair<int, int>; // (shard, route class)

    QMap<Key, Counts> m_counts;
};
