// TrafficChartView: every shard's traffic over the TrafficHistory's window,
// one line per shard (a LineChartView): writes/s, reads/s, errors/s or p99
// latency in ms, with the p99 threshold as a dashed line on the latency
// chart. Intervals without requests have no p99 (a gap). The x axis is
// seconds before now, as far back as points go (30 s at least). GUI thread;
// owned by its QWidget parent.
#pragma once

#include "LineChartView.h"

class TrafficHistory;

class TrafficChartView : public LineChartView
{
    Q_OBJECT

public:
    enum class Metric { Writes, Reads, Errors, P99 };

    explicit TrafficChartView(QWidget *parent = nullptr);

    void setMetric(Metric metric);
    Metric metric() const { return m_metric; }
    void setP99ThresholdMs(double milliseconds);
    void update(const TrafficHistory &history, qint64 nowMs);

private:
    Metric m_metric = Metric::Writes;
    double m_p99ThresholdMs = 100;
};
