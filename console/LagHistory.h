// LagHistory: each member's replication lag over the last minutes, sampled
// from the router's status answers, for the console's lag chart.
//
// record() appends one sample per member (a member the primary reports no
// lag for — an unknown or dead primary — gets no sample, so the chart shows
// a gap) and drops samples older than the window. Pure data: time comes in
// as a number. Any thread, but not shared; owned by its user.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>

class LagHistory
{
public:
    struct Sample
    {
        qint64 timeMs = 0;
        qint64 lagEntries = 0;
        qint64 lagMs = 0;
    };

    explicit LagHistory(qint64 windowMs = 5 * 60 * 1000);

    void record(qint64 nowMs, const QJsonObject &status);
    void clear();

    qint64 windowMs() const { return m_windowMs; }
    int shardCount() const { return m_shardCount; }
    // Members of `shard` seen so far, in member order.
    QList<int> members(int shard) const;
    QString memberName(int shard, int member) const;
    QList<Sample> samples(int shard, int member) const;

private:
    using Key = QPair<int, int>;

    qint64 m_windowMs;
    int m_shardCount = 0;
    QMap<Key, QList<Sample>> m_samples;
    QMap<Key, QString> m_names;
};
