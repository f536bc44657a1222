#include "TrafficChartView.h"

#include <limits>

#include "TrafficHistory.h"

namespace {

double valueOf(const TrafficHistory::Point &point, TrafficChartView::Metric metric)
{
    switch (metric) {
    case TrafficChartView::Metric::Writes: return point.writesPerSecond;
    case TrafficChartView::Metric::Reads: return point.readsPerSecond;
    case TrafficChartView::Metric::Errors: return point.errorsPerSecond;
    case TrafficChartView::Metric::P99: return point.p99Ms;
    }
    return 0;
}

} // namespace

TrafficChartView::TrafficChartView(QWidget *parent)
    : LineChartView(parent)
{
    setMinimumHeight(220);
    setMetric(Metric::Writes);
}

void TrafficChartView::setMetric(Metric metric)
{
    m_metric = metric;
    switch (metric) {
    case Metric::Writes: setValueTitle(QStringLiteral("writes/s")); break;
    case Metric::Reads: setValueTitle(QStringLiteral("reads/s")); break;
    case Metric::Errors: setValueTitle(QStringLiteral("errors/s")); break;
    case Metric::P99: setValueTitle(QStringLiteral("p99 latency (ms)")); break;
    }
    setMinimumMaximum(metric == Metric::P99 ? 10 : 1);
    setP99ThresholdMs(m_p99ThresholdMs);
}

void TrafficChartView::setP99ThresholdMs(double milliseconds)
{
    m_p99ThresholdMs = milliseconds;
    if (m_metric == Metric::P99)
        setThreshold(milliseconds, QStringLiteral("threshold %1 ms").arg(milliseconds));
    else
        setThreshold(std::numeric_limits<double>::quiet_NaN(), QString());
}

void TrafficChartView::update(const TrafficHistory &history, qint64 nowMs)
{
    QList<Series> lines;
    qint64 oldestMs = nowMs;
    for (const int shard : history.shards()) {
        Series line{QStringLiteral("shard %1").arg(shard), color(shard), {}};
        for (const TrafficHistory::Point &point : history.points(shard)) {
            oldestMs = qMin(oldestMs, point.timeMs);
            line.points.append(QPointF(double(point.timeMs - nowMs) / 1000.0, valueOf(point, m_metric)));
        }
        lines.append(line);
    }
    setTimeSpan(double(qBound<qint64>(30000, nowMs - oldestMs, history.windowMs())) / 1000.0);
    setTitle(valueTitle() + QStringLiteral(" per shard"));
    setSeries(lines);
}
