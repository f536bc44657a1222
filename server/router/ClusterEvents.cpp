#include "ClusterEvents.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcCluster, "peacedb.cluster")

ClusterEvents::ClusterEvents(int capacity, QObject *parent)
    : QObject(parent)
    , m_capacity(qMax(1, capacity))
{
}

void ClusterEvents::append(const ShardEvent &event, const QString &nodeUrl)
{
    QJsonObject object{{QStringLiteral("id"), m_nextId++},
                       {QStringLiteral("timeMs"), QDateTime::currentMSecsSinceEpoch()},
                       {QStringLiteral("kind"), event.kind},
                       {QStringLiteral("term"), event.term},
                       {QStringLiteral("count"), event.count},
                       {QStringLiteral("message"), event.message}};
    // A cluster-wide event (a backup) names no shard.
    if (event.shard >= 0)
        object.insert(QStringLiteral("shard"), event.shard);
    if (event.member >= 0) {
        object.insert(QStringLiteral("member"), event.member);
        object.insert(QStringLiteral("node"), nodeUrl);
    }
    if (event.shard < 0)
        qCInfo(lcCluster, "cluster: %s: %s", qPrintable(event.kind), qPrintable(event.message));
    else if (event.term > 0)
        qCInfo(lcCluster, "shard %d term %lld: %s: %s", event.shard, event.term, qPrintable(event.kind), qPrintable(event.message));
    else
        qCInfo(lcCluster, "shard %d: %s: %s", event.shard, qPrintable(event.kind), qPrintable(event.message));
    ++m_counts[{event.shard, event.kind}];
    m_events.push_back(object);
    while (int(m_events.size()) > m_capacity)
        m_events.pop_front();
    emit appended(object);
}

QJsonArray ClusterEvents::since(qint64 since, int limit) const
{
    QJsonArray out;
    for (const QJsonObject &event : m_events) {
        if (event.value(QStringLiteral("id")).toInteger() <= since)
            continue;
        if (out.size() >= limit)
            break;
        out.append(event);
    }
    return out;
}
