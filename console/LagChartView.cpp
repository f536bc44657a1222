#include "LagChartView.h"

#include "LagHistory.h"

LagChartView::LagChartView(QWidget *parent)
    : LineChartView(parent)
{
    setMinimumHeight(220);
    setMinimumMaximum(5);
    setMetric(Metric::Entries);
}

void LagChartView::setShard(int shard)
{
    m_shard = shard;
}

void LagChartView::setMetric(Metric metric)
{
    m_metric = metric;
    setValueTitle(metric == Metric::Entries ? QStringLiteral("lag (entries)") : QStringLiteral("lag (ms)"));
}

void LagChartView::update(const LagHistory &history, qint64 nowMs)
{
    const QList<int> members = history.members(m_shard);
    QList<Series> lines;
    qint64 oldestMs = nowMs;
    for (int index = 0; index < members.size(); ++index) {
        Series line{history.memberName(m_shard, members[index]), color(index), {}};
        for (const LagHistory::Sample &sample : history.samples(m_shard, members[index])) {
            const double value = m_metric == Metric::Entries ? double(sample.lagEntries) : double(sample.lagMs);
            oldestMs = qMin(oldestMs, sample.timeMs);
            line.points.append(QPointF(double(sample.timeMs - nowMs) / 1000.0, value));
        }
        lines.append(line);
    }
    // The axis spans what has been recorded (at least 30 s), up to the window.
    setTimeSpan(double(qBound<qint64>(30000, nowMs - oldestMs, history.windowMs())) / 1000.0);
    setTitle(QStringLiteral("Shard %1 replication lag").arg(m_shard));
    setSeries(lines);
}
