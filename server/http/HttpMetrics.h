// HttpMetrics: what an HttpServer has answered — requests by route class
// (RouteClass) and HTTP status, and answer latency by route class (from the
// request being read to its answer being written) — for GET /metrics.
//
// Main thread; owned by its HttpServer.
#pragma once

#include <QMap>
#include <QVector>

#include <utility>

#include "LatencyHistogram.h"
#include "PrometheusText.h"
#include "RouteClass.h"

class HttpMetrics
{
public:
    HttpMetrics();

    void record(RouteClass routeClass, int status, qint64 elapsedNanoseconds);
    // A request the connection guard refused before it was parsed (400, 413,
    // 431): counted under route class "other", with no latency sample.
    void recordRefused(int status);
    // peacedb_http_requests_total{route,code} and
    // peacedb_http_request_duration_seconds{route}.
    void write(PrometheusText *out) const;

private:
    QMap<std::pair<int, int>, qint64> m_answers; // (route class, status) -> count
    QVector<LatencyHistogram> m_latency;         // by route class
};
