// LagChartView: a Qt Charts line chart of one shard's replication lag over
// the history's window, one line per member, in entries or in ms. The x axis
// is seconds before now, as far back as samples go (30 s at least). update() replaces the points of the existing lines,
// so the chart does not flicker. GUI thread; owned by its QWidget parent.
#pragma once

#include <QtCharts/QChartView>

#include <QList>

class LagHistory;
class QLineSeries;
class QValueAxis;

class LagChartView : public QChartView
{
    Q_OBJECT

public:
    enum class Metric { Entries, Milliseconds };

    explicit LagChartView(QWidget *parent = nullptr);

    void setShard(int shard);
    int shard() const { return m_shard; }
    void setMetric(Metric metric);
    void update(const LagHistory &history, qint64 nowMs);

private:
    QLineSeries *seriesFor(int index);

    int m_shard = 0;
    Metric m_metric = Metric::Entries;
    QList<QLineSeries *> m_series;
    QValueAxis *m_timeAxis;
    QValueAxis *m_lagAxis;
};
