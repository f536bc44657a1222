// LagChartView: one shard's replication lag over the history's window, one
// line per member, in entries or in ms (a LineChartView). The x axis is
// seconds before now, as far back as samples go (30 s at least); a member
// without a lag report has a gap. GUI thread; owned by its QWidget parent.
#pragma once

#include "LineChartView.h"

class LagHistory;

class LagChartView : public LineChartView
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
    int m_shard = 0;
    Metric m_metric = Metric::Entries;
};
