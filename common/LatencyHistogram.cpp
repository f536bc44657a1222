#include "LatencyHistogram.h"

#include <algorithm>

QVector<double> LatencyHistogram::defaultBounds()
{
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

LatencyHistogram::LatencyHistogram(QVector<double> bounds)
    : m_bounds(std::move(bounds))
    , m_counts(m_bounds.size() + 1, 0)
{
}

void LatencyHistogram::observe(double seconds)
{
    const auto bucket = std::lower_bound(m_bounds.begin(), m_bounds.end(), seconds);
    ++m_counts[int(bucket - m_bounds.begin())];
    ++m_count;
    m_sum += seconds;
}

qint64 LatencyHistogram::cumulativeCount(int index) const
{
    qint64 total = 0;
    for (int i = 0; i <= index && i < m_counts.size(); ++i)
        total += m_counts.at(i);
    return total;
}
