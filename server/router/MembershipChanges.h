// MembershipChanges: the router's operator requests that change a shard's
// members online (docs/replication.md, "Membership changes"), carried out
// through the shard's primary (POST /v1/_replication/members):
//
//   add(url)            the URL joins as a learner; the primary makes it a
//                       voter once it has caught up. Answers 202 once the
//                       change is in the primary's log, with the new id.
//   remove(member)      a member leaves. Removing the primary hands it off
//                       first (the coordinator's step-down), then asks the
//                       new primary; a lost hand-off (another member's
//                       election won, its candidate stopped answering) is
//                       tried again once the shard has a primary, while
//                       another member could take over, for up to three
//                       command timeouts (30 s by default). One removal
//                       at a time per shard. Answers 202 once the change
//                       is in the log.
//   replace(member,url) add url, wait until it is a voter (it caught up),
//                       then remove member — a job that runs after the 202,
//                       shown by status() and in the timeline
//                       (member-replace-started, -finished, -failed).
//
// One change at a time per shard: the primary refuses a second while one is
// uncommitted (409), and a replacement in progress refuses any other (409).
// A primary that is changing (503, no answer) is asked again until
// kRetryMs. Safety rests with the members' rules, not with this class.
//
// Main thread; owned by the RouterApp; uses the HealthMonitor's shards and
// command connections and the ReplicationCoordinator's step-down.
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <optional>
#include <vector>

#include "ReplicationCoordinator.h"

class ClusterEvents;
class HealthMonitor;

class MembershipChanges : public QObject
{
    Q_OBJECT

public:
    using Done = ReplicationCoordinator::Done;
    // How long a change is retried while the primary changes.
    static constexpr qint64 kRetryMs = 15000;

    // replaceTimeoutMs: how long a replacement waits for its new member to
    // catch up.
    MembershipChanges(HealthMonitor *monitor, ReplicationCoordinator *coordinator, ClusterEvents *events,
                      qint64 replaceTimeoutMs, QObject *parent = nullptr);

    void add(int shard, const QString &url, Done done);
    void remove(int shard, int member, Done done);
    void replace(int shard, int member, const QString &url, Done done);
    // The shard's replacement in progress or the last one; empty if none.
    QJsonObject status(int shard) const;

private:
    struct Replacement
    {
        int from = -1;
        int to = -1;
        QString url;
        QString state; // "catching-up", "removing", "done", "failed"
        QString error;
        qint64 startedMs = 0;
        bool running() const { return state == QLatin1String("catching-up") || state == QLatin1String("removing"); }
    };

    // Sends `change` to the shard's primary, again while it answers 503 or
    // not at all, until `deadlineMs`.
    void propose(int shard, const QJsonObject &change, qint64 deadlineMs, Done done);
    // Removes `member`; the primary is handed off first, again while the
    // hand-off is lost, until deadlineMs. The first form refuses a second
    // removal on the shard while one runs.
    void proposeRemoval(int shard, int member, Done done);
    void proposeRemoval(int shard, int member, qint64 deadlineMs, Done done);
    void checkReplacements();
    void finishReplacement(int shard, const QString &state, const QString &error);
    void event(int shard, const QString &kind, int member, const QString &message);

    HealthMonitor *m_monitor;
    ReplicationCoordinator *m_coordinator;
    ClusterEvents *m_events;
    QSet<int> m_removals; // shards with a removal running
    qint64 m_replaceTimeoutMs;
    std::vector<std::optional<Replacement>> m_replacements; // by shard
    QTimer m_timer;
};
