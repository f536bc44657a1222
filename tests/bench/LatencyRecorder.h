// LatencyRecorder: a log-linear latency histogram (exact below 128 µs, < 0.4 %
// error above) that records a sample with two array increments and answers
// percentiles at the end of a run. A plain value type used on the main thread;
// BenchResult owns one per operation.
#pragma once

#include <QtGlobal>

#include <vector>

class LatencyRecorder
{
public:
    LatencyRecorder();

    void record(qint64 microseconds);
    void add(const LatencyRecorder &other);

    qint64 count() const { return m_count; }
    qint64 maximum() const { return m_maximum; }
    double mean() const;
    // Smallest recorded latency (µs, to within the bucket precision) that at
    // least `fraction` (0..1] of the samples do not exceed; 0 when empty.
    qint64 percentile(double fraction) const;

private:
    static int bucketIndex(qint64 microseconds);
    static qint64 bucketValue(int index);

    std::vector<qint64> m_buckets;
    qint64 m_count = 0;
    qint64 m_sum = 0;
    qint64 m_maximum = 0;
};
