#include "LagHistory.h"

#include <QJsonArray>

LagHistory::LagHistory(qint64 windowMs)
    : m_windowMs(windowMs)
{
}

void LagHistory::record(qint64 nowMs, const QJsonObject &status)
{
    const QJsonArray shards = status.value(QStringLiteral("shards")).toArray();
    m_shardCount = int(shards.size());
    for (int shard = 0; shard < shards.size(); ++shard) {
        const QJsonArray members = shards.at(shard).toObject().value(QStringLiteral("members")).toArray();
        for (int member = 0; member < members.size(); ++member) {
            const QJsonObject info = members.at(member).toObject();
            const Key key{shard, member};
            m_names.insert(key, info.value(QStringLiteral("name")).toString());
            QList<Sample> &samples = m_samples[key];
            const QJsonValue entries = info.value(QStringLiteral("lagEntries"));
            if (!entries.isUndefined() && !entries.isNull())
                samples.append(Sample{nowMs, entries.toInteger(), info.value(QStringLiteral("lagMs")).toInteger()});
        }
    }
    for (auto it = m_samples.begin(); it != m_samples.end();) {
        QList<Sample> &samples = it.value();
        qsizetype old = 0;
        while (old < samples.size() && samples[old].timeMs < nowMs - m_windowMs)
            ++old;
        samples.remove(0, old);
        if (it.key().first >= m_shardCount) {
            m_names.remove(it.key());
            it = m_samples.erase(it);
        } else {
            ++it;
        }
    }
}

void LagHistory::clear()
{
    m_samples.clear();
    m_names.clear();
    m_shardCount = 0;
}

QList<int> LagHistory::members(int shard) const
{
    QList<int> result;
    for (auto it = m_names.cbegin(); it != m_names.cend(); ++it) {
        if (it.key().first == shard)
            result.append(it.key().second);
    }
    return result;
}

QString LagHistory::memberName(int shard, int member) const
{
    return m_names.value(Key{shard, member});
}

QList<LagHistory::Sample> LagHistory::samples(int shard, int member) const
{
    return m_samples.value(Key{shard, member});
}
