// HealthMonitor: the router's watch over every shard's replica set. Every
// HealthCheckIntervalMs (a QTimer) it asks each member for
// GET /v1/_replication/state (one poll in flight per member, on a
// connection of its own), feeds the answers — or their absence — to the
// shard's ShardHealth, and reports PrimaryDown(shard) with the member to
// promote when ShardHealth decides so (the ReplicationCoordinator acts on
// it). It also tells where each shard's writes go now (primaryUrl), learning
// from "not primary" answers too. Members are ids of the shard's
// Membership: the configuration file's until the primary reports another
// (a membership change), from then on the primary's — new members are
// polled, removed ones no longer.
//
// Main thread; owned by the RouterApp. Owns one ShardHealth and two
// HttpClientPools (polls; commands such as promote) per member.
#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QVector>

#include <memory>

#include "ServerConfig.h"
#include "ShardHealth.h"

class ClusterEvents;
class HttpClientPool;

class HealthMonitor : public QObject
{
    Q_OBJECT

public:
    struct Settings
    {
        QVector<ShardLayout> shards;
        QByteArray token;
        qint64 intervalMs = 3000;
        qint64 failoverTimeoutMs = 5000;
        qint64 maxReplicationLagMs = 10000;
        bool automaticFailover = true;
        // Where the membership each shard's primary reported is kept
        // (membership-shard<N>.json), so that a restarted router knows the
        // members even when those of its configuration file are gone. Empty:
        // nowhere.
        QString stateDir;
    };

    HealthMonitor(const Settings &settings, ClusterEvents *events, QObject *parent = nullptr);
    ~HealthMonitor() override;

    void start();
    qint64 now() const { return m_clock.elapsed(); }
    qint64 failoverTimeoutMs() const { return m_settings.failoverTimeoutMs; }
    // How long a command to a member (promote, step down, kill) may take:
    // a promotion waits for its election.
    qint64 commandTimeoutMs() const { return qMax(qint64(10000), m_settings.failoverTimeoutMs * 2); }
    bool automaticFailover() const { return m_settings.automaticFailover; }

    int shardCount() const { return int(m_shards.size()); }
    // The configuration file's layout, with the URL of every member id seen
    // since (removed members keep theirs).
    const ShardLayout &layout(int shard) const { return m_settings.shards.at(shard); }
    QString memberUrl(int shard, int member) const { return layout(shard).members.value(member); }
    // The primary's last membership change is not committed yet.
    bool membershipPending(int shard) const { return m_shards.at(shard).membershipPending; }
    ShardHealth &shard(int shard) { return *m_shards.at(shard).health; }
    const ShardHealth &shard(int shard) const { return *m_shards.at(shard).health; }
    // The member index of `url` in `shard`, or -1.
    int memberOf(int shard, const QString &url) const;
    // "shard<S>-node<M>" (the launcher's names) or a member URL -> (shard, member).
    std::optional<std::pair<int, int>> findNode(const QString &nameOrUrl) const;
    static QString nodeName(int shard, int member);

    QString primaryUrl(int shard) const;
    void primaryHinted(int shard, const QString &url);
    void writeAcknowledged(int shard);
    // A request to the shard's primary got no answer, or one saying it is
    // not primary without naming another (it is handing off, or gone): poll
    // the shard's members now instead of at the next interval, so a new
    // primary is known in milliseconds rather than up to an interval later.
    // At most once per kUrgentPollSpacingMs per shard.
    void primaryUnsure(int shard);
    static constexpr qint64 kUrgentPollSpacingMs = 50;
    // Requests forwarded to a shard's primary, from when they leave until
    // they are answered or fail. A primary that answers none of them for
    // kSlowPrimaryMs (a container that vanished with its address: nothing
    // refuses the connection, it times out) makes the shard be polled as by
    // primaryUnsure(), so the next request may go to a new primary already.
    void primaryRequestStarted(int shard);
    void primaryRequestEnded(int shard);
    static constexpr qint64 kSlowPrimaryMs = 250;
    // A refused poll of the primary is repeated after this long.
    static constexpr int kRefusedRepollMs = 20;

    HttpClientPool *commands(int shard, int member) const;
    // Decides for `shard` now and reports what ShardHealth recorded.
    void evaluate(int shard);
    void flushEvents(int shard);

    // Every shard and member as GET /v1/_cluster/status shows them.
    QJsonObject status() const;

signals:
    void primaryDown(int shard, int member, qint64 term);

private:
    struct MemberLink
    {
        HttpClientPool *polls = nullptr;
        HttpClientPool *commands = nullptr;
        bool polling = false;
    };
    struct Shard
    {
        std::unique_ptr<ShardHealth> health;
        QVector<MemberLink> members;
        qint64 lastUrgentPollMs = -1;
        int primaryRequests = 0;           // in flight
        bool membershipPending = false;    // the primary's last change is not committed yet
        qint64 lastPrimaryProgressMs = -1; // one started with none in flight, or one ended
    };

    void poll();
    void pollMember(int shard, int member);
    // The member closed the idle connection polls go over. If it is the
    // primary, the shard is polled at once, as by primaryUnsure(): a process
    // that ends — killed, crashed — has its connections closed by the kernel
    // at that moment, and its host refuses new ones until its address goes
    // too (a container's goes with it, after which connects only time out).
    // A poll now turns that window into the refusals ShardHealth fails over
    // on, where the next interval's poll could come too late and wait out
    // FailoverTimeoutMs; the other members' fresh answers come in before the
    // second refusal, so a primary that handed off before it exited is
    // known as such (no needless promotion).
    void pollConnectionClosed(int shard, int member);
    // The primary's membership: links for new members, the ShardHealth's.
    void learnMembership(int shard, const MemberStatus &primary);
    void ensureLinks(int shard, int member, const QString &url);
    QString membershipPath(int shard) const;
    void checkSlowPrimaries();

    Settings m_settings;
    ClusterEvents *m_events;
    QElapsedTimer m_clock;
    QTimer m_timer;
    QTimer m_slowPrimaryTimer;
    std::vector<Shard> m_shards;
};
