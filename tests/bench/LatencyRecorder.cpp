#include "LatencyRecorder.h"

#include <algorithm>
#include <cmath>

namespace {

// 2^kSubBucketBits buckets per power of two: relative bucket width < 1/128.
constexpr int kSubBucketBits = 7;
constexpr qint64 kSubBucketCount = qint64(1) << kSubBucketBits;
// Samples are clamped to 2^40 µs (about 12.7 days).
constexpr int kMaximumBits = 40;
constexpr qint64 kMaximumValue = (qint64(1) << kMaximumBits) - 1;
constexpr int kBucketCount = int(kSubBucketCount * (kMaximumBits - kSubBucketBits + 1));

int highestBit(qint64 value)
{
    int bit = 0;
    while (value >>= 1)
        ++bit;
    return bit;
}

} // namespace

LatencyRecorder::LatencyRecorder()
    : m_buckets(kBucketCount, 0)
{
}

void LatencyRecorder::record(qint64 microseconds)
{
    const qint64 value = std::clamp<qint64>(microseconds, 0, kMaximumValue);
    ++m_buckets[bucketIndex(value)];
    ++m_count;
    m_sum += value;
    m_maximum = std::max(m_maximum, value);
}

void LatencyRecorder::add(const LatencyRecorder &other)
{
    for (size_t i = 0; i < m_buckets.size(); ++i)
        m_buckets[i] += other.m_buckets[i];
    m_count += other.m_count;
    m_sum += other.m_sum;
    m_maximum = std::max(m_maximum, other.m_maximum);
}

double LatencyRecorder::mean() const
{
    return m_count == 0 ? 0.0 : double(m_sum) / double(m_count);
}

qint64 LatencyRecorder::percentile(double fraction) const
{
    if (m_count == 0)
        return 0;
    const qint64 rank = std::clamp<qint64>(qint64(std::ceil(fraction * double(m_count))), 1, m_count);
    qint64 seen = 0;
    for (int i = 0; i < kBucketCount; ++i) {
        seen += m_buckets[size_t(i)];
        if (seen >= rank)
            return std::min(bucketValue(i), m_maximum);
    }
    return m_maximum;
}

// Values below kSubBucketCount get a bucket each; above, a value with highest
// bit b lands in the group (b - kSubBucketBits + 1) at offset given by its next
// kSubBucketBits bits.
int LatencyRecorder::bucketIndex(qint64 microseconds)
{
    if (microseconds < kSubBucketCount)
        return int(microseconds);
    const int shift = highestBit(microseconds) - kSubBucketBits;
    const qint64 mantissa = microseconds >> shift; // in [kSubBucketCount, 2 * kSubBucketCount)
    return int(kSubBucketCount * (shift + 1) + (mantissa - kSubBucketCount));
}

// The middle of the value range covered by bucket `index`.
qint64 LatencyRecorder::bucketValue(int index)
{
    if (index < kSubBucketCount)
        return index;
    const int shift = index / int(kSubBucketCount) - 1;
    const qint64 mantissa = kSubBucketCount + index % kSubBucketCount;
    const qint64 lower = mantissa << shift;
    return lower + ((qint64(1) << shift) - 1) / 2;
}
