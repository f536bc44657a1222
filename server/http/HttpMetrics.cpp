#include "HttpMetrics.h"

#include <iterator>

HttpMetrics::HttpMetrics()
    : m_latency(int(std::size(RouteClasses::all)))
{
}

void HttpMetrics::record(RouteClass routeClass, int status, qint64 elapsedNanoseconds)
{
    ++m_answers[{int(routeClass), status}];
    m_latency[int(routeClass)].observe(double(elapsedNanoseconds) / 1e9);
}

void HttpMetrics::recordRefused(int status)
{
    ++m_answers[{int(RouteClass::Other), status}];
}

void HttpMetrics::write(PrometheusText *out) const
{
    using Type = PrometheusText::Type;
    const QString requestsHelp = QStringLiteral("HTTP requests answered, by route class and status code.");
    for (auto it = m_answers.begin(); it != m_answers.end(); ++it) {
        out->add(QStringLiteral("peacedb_http_requests_total"), Type::Counter, requestsHelp, double(it.value()),
                 {{QStringLiteral("route"), RouteClasses::name(RouteClass(it.key().first))},
                  {QStringLiteral("code"), QString::number(it.key().second)}});
    }
    for (const RouteClass routeClass : RouteClasses::all) {
        out->addHistogram(QStringLiteral("peacedb_http_request_duration_seconds"),
                          QStringLiteral("Time from a request read to its answer written, by route class."),
                          m_latency.at(int(routeClass)), {{QStringLiteral("route"), RouteClasses::name(routeClass)}});
    }
}
