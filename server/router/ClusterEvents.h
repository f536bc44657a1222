// ClusterEvents: the router's record of what happened to the cluster —
// failures detected, candidates, promotions, fencing, rollbacks, first
// writes after a failover, members going down and up, operator actions —
// for GET /v1/_cluster/events and the console. Keeps the most recent
// `capacity` events in memory, numbered from 1 in order; each is also
// logged.
//
// Main thread; owned by the RouterApp.
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QStringList>

#include <deque>

#include "ShardHealth.h"

class ClusterEvents : public QObject
{
    Q_OBJECT

public:
    explicit ClusterEvents(int capacity = 1000, QObject *parent = nullptr);

    // `nodeUrl` names the member the event is about (empty: the shard). An
    // event of shard -1 is about the whole cluster (backups).
    void append(const ShardEvent &event, const QString &nodeUrl);
    // Events with id > since, oldest first, at most `limit`.
    QJsonArray since(qint64 since, int limit) const;
    qint64 lastId() const { return m_nextId - 1; }
    // Events recorded since start, by shard and kind (never trimmed).
    const QMap<std::pair<int, QString>, qint64> &counts() const { return m_counts; }

signals:
    void appended(const QJsonObject &event);

private:
    int m_capacity;
    qint64 m_nextId = 1;
    std::deque<QJsonObject> m_events;
    QMap<std::pair<int, QString>, qint64> m_counts;
};
