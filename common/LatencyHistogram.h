// LatencyHistogram: counts of durations in fixed, cumulative buckets (the
// Prometheus histogram model): for each upper bound, how many observations
// were at most that long; plus their count and sum.
//
// Bounds are in seconds, ascending; an implicit +Inf bucket holds everything.
// Value type; not thread-safe (one owner, one thread).
#pragma once

#include <QVector>

class LatencyHistogram
{
public:
    // 0.5 ms .. 10 s: from a cached read to a write waiting out its timeout.
    static QVector<double> defaultBounds();

    explicit LatencyHistogram(QVector<double> bounds = defaultBounds());

    void observe(double seconds);

    const QVector<double> &bounds() const { return m_bounds; }
    // Observations <= bounds()[i] (cumulative); index bounds().size() is +Inf.
    qint64 cumulativeCount(int index) const;
    qint64 count() const { return m_count; }
    double sum() const { return m_sum; }

private:
    QVector<double> m_bounds;
    QVector<qint64> m_counts; // per bucket, not cumulative; last: above every bound
    qint64 m_count = 0;
    double m_sum = 0;
};
