// TrafficHistory: each shard's traffic over the last minutes — writes/s,
// reads/s (read and list route classes), errors/s and p99 latency — made
// from successive scrapes of the router's GET /metrics (RouterTraffic's
// peacedb_router_shard_requests_total, _errors_total and
// _request_duration_seconds), for the console's traffic chart and the
// topology's flags.
//
// record() turns the counters' increase since the previous scrape into one
// point per shard, stamped at the scrape's time:
//  - rates are the increase divided by the time between the two scrapes;
//    a scrape the console missed (router unreachable) only makes the next
//    interval longer: its rates are the average over it, nothing is lost
//    or counted twice;
//  - p99 comes from the increase of the latency buckets (every route class
//    together), interpolated within its bucket as Prometheus's
//    histogram_quantile() does (quantile()); NaN when the interval saw no
//    request;
//  - a counter reset (a router restart): when any counter of a shard went
//    down, the shard's current values are its increase (the counters
//    started from zero within the interval), as Prometheus's rate() does;
//  - a shard seen for the first time gets its first point at the next
//    scrape. Points older than the window are dropped.
//
// Pure data: time comes in as a number, the scrape as parsed text. Any
// thread, but not shared; owned by its user.
#pragma once

#include <QList>
#include <QMap>
#include <QPair>

class PrometheusScrape;

class TrafficHistory
{
public:
    struct Point
    {
        qint64 timeMs = 0;
        double writesPerSecond = 0;
        double readsPerSecond = 0;
        double errorsPerSecond = 0;
        double p99Ms = 0; // NaN: no request in the interval
    };
    // (upper bound, cumulative count), ascending; the last bound is +Inf.
    using Buckets = QList<QPair<double, double>>;

    explicit TrafficHistory(qint64 windowMs = 5 * 60 * 1000);

    void record(qint64 nowMs, const PrometheusScrape &scrape);
    void clear();

    qint64 windowMs() const { return m_windowMs; }
    // Shards seen in the last scrape, ascending.
    QList<int> shards() const { return m_last.keys(); }
    QList<Point> points(int shard) const { return m_points.value(shard); }
    // The shard's newest point; nullptr if it has none.
    const Point *latest(int shard) const;

    // The q-quantile (0..1) of the observations counted in `buckets`, linearly
    // interpolated within the bucket that holds it (the first bucket starts at
    // 0); the highest finite bound when it falls in the +Inf bucket; NaN
    // when there are no observations.
    static double quantile(double q, const Buckets &buckets);

private:
    // One shard's counters in one scrape, every route class summed.
    struct Counters
    {
        double writes = 0;
        double reads = 0;
        double errors = 0;
        Buckets latency; // seconds
    };

    static QMap<int, Counters> countersOf(const PrometheusScrape &scrape);
    // `current` minus `previous`; `current` itself after a reset.
    static Counters increase(const Counters &current, const Counters &previous);

    qint64 m_windowMs;
    qint64 m_lastMs = 0;
    QMap<int, Counters> m_last;
    QMap<int, QList<Point>> m_points;
};
