#include "TrafficHistory.h"

#include <QString>

#include <algorithm>
#include <cmath>
#include <limits>

#include "PrometheusScrape.h"

namespace {

const QString kRequests = QStringLiteral("peacedb_router_shard_requests_total");
const QString kErrors = QStringLiteral("peacedb_router_shard_errors_total");
const QString kBuckets = QStringLiteral("peacedb_router_shard_request_duration_seconds_bucket");
const QString kShard = QStringLiteral("shard");
const QString kRoute = QStringLiteral("route");

double boundOf(const QString &le)
{
    return le == QLatin1String("+Inf") ? std::numeric_limits<double>::infinity() : le.toDouble();
}

} // namespace

TrafficHistory::TrafficHistory(qint64 windowMs)
    : m_windowMs(windowMs)
{
}

QMap<int, TrafficHistory::Counters> TrafficHistory::countersOf(const PrometheusScrape &scrape)
{
    QMap<int, Counters> counters;
    QMap<int, QMap<double, double>> buckets;
    for (const PrometheusScrape::Sample &sample : scrape.samples()) {
        bool ok = false;
        const int shard = sample.labels.value(kShard).toInt(&ok);
        if (!ok)
            continue;
        const QString route = sample.labels.value(kRoute);
        if (sample.name == kRequests) {
            Counters &shardCounters = counters[shard];
            if (route == QLatin1String("write"))
                shardCounters.writes += sample.value;
            else if (route == QLatin1String("read") || route == QLatin1String("list"))
                shardCounters.reads += sample.value;
        } else if (sample.name == kErrors) {
            counters[shard].errors += sample.value;
        } else if (sample.name == kBuckets) {
            buckets[shard][boundOf(sample.labels.value(QStringLiteral("le")))] += sample.value;
        }
    }
    for (auto it = buckets.cbegin(); it != buckets.cend(); ++it) {
        Buckets &latency = counters[it.key()].latency;
        for (auto bucket = it->cbegin(); bucket != it->cend(); ++bucket)
            latency.append({bucket.key(), bucket.value()});
    }
    return counters;
}

TrafficHistory::Counters TrafficHistory::increase(const Counters &current, const Counters &previous)
{
    bool reset = current.writes < previous.writes || current.reads < previous.reads || current.errors < previous.errors
        || current.latency.size() != previous.latency.size();
    for (qsizetype i = 0; !reset && i < current.latency.size(); ++i)
        reset = current.latency.at(i).first != previous.latency.at(i).first || current.latency.at(i).second < previous.latency.at(i).second;
    if (reset)
        return current;
    Counters delta{current.writes - previous.writes, current.reads - previous.reads, current.errors - previous.errors, {}};
    for (qsizetype i = 0; i < current.latency.size(); ++i)
        delta.latency.append({current.latency.at(i).first, current.latency.at(i).second - previous.latency.at(i).second});
    return delta;
}

void TrafficHistory::record(qint64 nowMs, const PrometheusScrape &scrape)
{
    const QMap<int, Counters> current = countersOf(scrape);
    const double seconds = double(nowMs - m_lastMs) / 1000.0;
    for (auto it = current.cbegin(); it != current.cend(); ++it) {
        const auto previous = m_last.constFind(it.key());
        if (previous == m_last.cend() || seconds <= 0)
            continue;
        const Counters delta = increase(it.value(), previous.value());
        m_points[it.key()].append(Point{nowMs, delta.writes / seconds, delta.reads / seconds, delta.errors / seconds,
                                        quantile(0.99, delta.latency) * 1000.0});
    }
    m_last = current;
    m_lastMs = nowMs;
    for (auto it = m_points.begin(); it != m_points.end();) {
        QList<Point> &points = it.value();
        points.erase(points.begin(), std::find_if(points.begin(), points.end(),
                                                  [this, nowMs](const Point &point) { return point.timeMs >= nowMs - m_windowMs; }));
        if (points.isEmpty() || !m_last.contains(it.key()))
            it = m_points.erase(it);
        else
            ++it;
    }
}

void TrafficHistory::clear()
{
    m_last.clear();
    m_points.clear();
    m_lastMs = 0;
}

const TrafficHistory::Point *TrafficHistory::latest(int shard) const
{
    const auto it = m_points.constFind(shard);
    return it == m_points.cend() || it->isEmpty() ? nullptr : &it->last();
}

double TrafficHistory::quantile(double q, const Buckets &buckets)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (buckets.isEmpty() || buckets.last().second <= 0)
        return nan;
    const double rank = q * buckets.last().second;
    qsizetype bucket = 0;
    while (bucket < buckets.size() - 1 && buckets.at(bucket).second < rank)
        ++bucket;
    if (std::isinf(buckets.at(bucket).first))
        return bucket > 0 ? buckets.at(bucket - 1).first : nan;
    const double start = bucket > 0 ? buckets.at(bucket - 1).first : 0;
    const double below = bucket > 0 ? buckets.at(bucket - 1).second : 0;
    const double inBucket = buckets.at(bucket).second - below;
    if (inBucket <= 0)
        return buckets.at(bucket).first;
    return start + (buckets.at(bucket).first - start) * (rank - below) / inBucket;
}
