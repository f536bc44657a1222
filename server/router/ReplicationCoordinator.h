// ReplicationCoordinator: the router's hands for failover. On PrimaryDown
// (from the HealthMonitor) it asks the chosen member to hold an election
// (POST /v1/_replication/promote {"term": T}): the member wins only with a
// majority of votes, so two routers racing never make two primaries in one
// term. It also carries out the operator's requests: promote a given member
// (refused for a member behind the most up-to-date one unless forced),
// step a primary down (and promote the best other member), kill a node.
// Every step lands in ClusterEvents through the shard's ShardHealth.
//
// Main thread; owned by the RouterApp; uses the HealthMonitor's shards and
// command connections.
#pragma once

#include <QJsonObject>
#include <QObject>

#include <functional>

#include "Status.h"

class ClusterEvents;
class HealthMonitor;

class ReplicationCoordinator : public QObject
{
    Q_OBJECT

public:
    // An operator request's outcome: HTTP status and JSON body.
    using Done = std::function<void(int status, const QJsonObject &body)>;

    ReplicationCoordinator(HealthMonitor *monitor, ClusterEvents *events, QObject *parent = nullptr);

    void promote(int shard, int member, bool force, Done done);
    void stepDown(int shard, Done done);
    void kill(int shard, int member, Done done);

private:
    void onPrimaryDown(int shard, int member, qint64 term);
    // Sends promote and reports the outcome to the shard's ShardHealth.
    // `transfer` only right after the primary stepped down (a hand-off: the
    // votes need not wait for its lease to run out).
    void runPromotion(int shard, int member, qint64 term, Done done, bool transfer = false);

    HealthMonitor *m_monitor;
    ClusterEvents *m_events;
};
