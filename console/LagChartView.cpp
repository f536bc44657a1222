#include "LagChartView.h"

#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include "LagHistory.h"

namespace {

const QList<QColor> kColors{QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28), QColor(0x2c, 0xa0, 0x2c),
                            QColor(0x94, 0x67, 0xbd), QColor(0xff, 0x7f, 0x0e)};

} // namespace

LagChartView::LagChartView(QWidget *parent)
    : QChartView(parent)
    , m_timeAxis(new QValueAxis(this))
    , m_lagAxis(new QValueAxis(this))
{
    auto *chart = new QChart();
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_timeAxis->setTitleText(QStringLiteral("seconds ago"));
    m_timeAxis->setLabelFormat(QStringLiteral("%d"));
    m_lagAxis->setLabelFormat(QStringLiteral("%d"));
    m_lagAxis->setMin(0);
    chart->addAxis(m_timeAxis, Qt::AlignBottom);
    chart->addAxis(m_lagAxis, Qt::AlignLeft);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(220);
    setMetric(Metric::Entries);
}

void LagChartView::setShard(int shard)
{
    m_shard = shard;
}

void LagChartView::setMetric(Metric metric)
{
    m_metric = metric;
    m_lagAxis->setTitleText(metric == Metric::Entries ? QStringLiteral("lag (entries)") : QStringLiteral("lag (ms)"));
}

QLineSeries *LagChartView::seriesFor(int index)
{
    while (m_series.size() <= index) {
        auto *series = new QLineSeries(chart());
        QPen pen(kColors.at(m_series.size() % kColors.size()));
        pen.setWidth(2);
        series->setPen(pen);
        chart()->addSeries(series);
        series->attachAxis(m_timeAxis);
        series->attachAxis(m_lagAxis);
        m_series.append(series);
    }
    return m_series.at(index);
}

void LagChartView::update(const LagHistory &history, qint64 nowMs)
{
    const QList<int> members = history.members(m_shard);
    double maximum = 0;
    qint64 oldestMs = nowMs;
    for (int index = 0; index < members.size(); ++index) {
        QLineSeries *series = seriesFor(index);
        const QString name = history.memberName(m_shard, members[index]);
        if (series->name() != name)
            series->setName(name);
        QList<QPointF> points;
        for (const LagHistory::Sample &sample : history.samples(m_shard, members[index])) {
            const double value = m_metric == Metric::Entries ? double(sample.lagEntries) : double(sample.lagMs);
            maximum = qMax(maximum, value);
            oldestMs = qMin(oldestMs, sample.timeMs);
            points.append(QPointF(double(sample.timeMs - nowMs) / 1000.0, value));
        }
        series->replace(points);
        series->setVisible(true);
    }
    for (qsizetype index = members.size(); index < m_series.size(); ++index)
        m_series[index]->setVisible(false);
    // The axis spans what has been recorded (at least 30 s), up to the window.
    const qint64 spanMs = qBound<qint64>(30000, nowMs - oldestMs, history.windowMs());
    m_timeAxis->setRange(-double(spanMs) / 1000.0, 0);
    m_timeAxis->applyNiceNumbers();
    m_lagAxis->setRange(0, maximum < 5 ? 5 : maximum * 1.1);
    m_lagAxis->applyNiceNumbers();
    chart()->setTitle(QStringLiteral("Shard %1 replication lag").arg(m_shard));
}
