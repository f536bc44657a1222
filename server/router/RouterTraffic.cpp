#include "RouterTraffic.h"

#include <QString>

RouterTraffic::RouterTraffic(int shardCount)
{
    for (int shard = 0; shard < shardCount; ++shard) {
        for (const RouteClass routeClass : {RouteClass::Read, RouteClass::List, RouteClass::Write})
            m_counts.insert({shard, int(routeClass)}, Counts());
    }
}

void RouterTraffic::record(int shard, RouteClass routeClass, int status, qint64 elapsedNanoseconds)
{
    Counts &counts = m_counts[{shard, int(routeClass)}];
    ++counts.requests;
    if (isError(status))
        ++counts.errors;
    counts.latency.observe(double(elapsedNanoseconds) / 1e9);
}

RouteClass RouterTraffic::classOf(const QByteArray &method, const QByteArray &target)
{
    const qsizetype query = target.indexOf('?');
    const QByteArray path = query < 0 ? target : target.left(query);
    QStringList segments;
    for (const QByteArray &segment : path.split('/')) {
        if (!segment.isEmpty())
            segments.append(QString::fromUtf8(QByteArray::fromPercentEncoding(segment)));
    }
    return RouteClasses::classify(QString::fromLatin1(method), segments);
}

qint64 RouterTraffic::requests(int shard, RouteClass routeClass) const
{
    return m_counts.value({shard, int(routeClass)}).requests;
}

qint64 RouterTraffic::errors(int shard, RouteClass routeClass) const
{
    return m_counts.value({shard, int(routeClass)}).errors;
}

void RouterTraffic::write(PrometheusText *out) const
{
    using Type = PrometheusText::Type;
    const auto labels = [](const Key &key) {
        return PrometheusText::Labels{{QStringLiteral("shard"), QString::number(key.first)},
                                      {QStringLiteral("route"), RouteClasses::name(RouteClass(key.second))}};
    };
    for (auto it = m_counts.begin(); it != m_counts.end(); ++it) {
        out->add(QStringLiteral("peacedb_router_shard_requests_total"), Type::Counter,
                 QStringLiteral("Requests the router sent a shard for its clients, by route class (once per shard and "
                                "client request; redirects and member retries included in that one)."),
                 double(it->requests), labels(it.key()));
    }
    for (auto it = m_counts.begin(); it != m_counts.end(); ++it) {
        out->add(QStringLiteral("peacedb_router_shard_errors_total"), Type::Counter,
                 QStringLiteral("Of those, the ones the shard did not answer or answered 5xx (4xx are answers, not errors)."),
                 double(it->errors), labels(it.key()));
    }
    for (auto it = m_counts.begin(); it != m_counts.end(); ++it) {
        out->addHistogram(QStringLiteral("peacedb_router_shard_request_duration_seconds"),
                          QStringLiteral("Time from sending a shard its part of a client request to its outcome, errors included."),
                          it->latency, labels(it.key()));
    }
}
