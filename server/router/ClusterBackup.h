// ClusterBackup: the router's online backup of the whole cluster
// (POST /v1/_cluster/backup; docs/backup.md). One at a time per router.
//
// start(target):
//   1. refuses (Conflict) while a backup runs, (Forbidden) a target outside
//      the backup root (Server.BackupRoot; none: backups are off), and
//      (BadRequest) one that is not a missing or empty directory in an
//      existing one (BackupFiles::backupTarget) — before anything is
//      written;
//   2. creates <target>.partial-<id> beside it and copies every shard into
//      it at once, one ShardCopy each (a member that holds the shard's
//      commit point, a replica by preference); writes go on meanwhile;
//   3. when every shard is copied: writes the manifest (BackupFiles), makes
//      every file durable and renames the directory to `target`, so a
//      directory under the target's name is always a complete backup;
//   4. if any shard fails, stops the others and deletes the partial
//      directory.
// Events in the router's timeline: backup-started, backup-shard-copied (one
// per shard: member, seq, term), backup-finished or backup-failed.
// status() is GET /v1/_cluster/backup: the running backup, or the last one.
//
// Main thread; owned by the RouterApp. A backup still running when it is
// destroyed (the router stops) is abandoned and its partial directory
// deleted.
#pragma once

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>

#include <memory>
#include <vector>

#include "Result.h"

class ClusterEvents;
class HealthMonitor;
class ShardCopy;

class ClusterBackup : public QObject
{
    Q_OBJECT

public:
    struct Settings
    {
        QByteArray token;
        QString root;                    // Server.BackupRoot; empty: off
        qint64 waitTimeoutMs = 15000;    // ShardCopy::Settings
        int transferTimeoutMs = 600000;
    };

    ClusterBackup(HealthMonitor *monitor, ClusterEvents *events, const Settings &settings, QObject *parent = nullptr);
    ~ClusterBackup() override;

    // The new backup's status(), or why none was started.
    Result<QJsonObject> start(const QString &target);
    QJsonObject status() const;

private:
    enum class State { None, Running, Finished, Failed };

    void onShardEnded(int shard);
    void publish();
    void finish(const QString &error);
    void abandon();

    HealthMonitor *m_monitor;
    ClusterEvents *m_events;
    Settings m_settings;
    State m_state = State::None;
    QString m_id;
    QString m_target;
    QString m_partial;
    QDateTime m_startedAt;
    QDateTime m_finishedAt;
    QElapsedTimer m_clock;
    qint64 m_elapsedMs = 0;
    bool m_publishing = false;
    QString m_error;
    qint64 m_bytes = 0;
    std::vector<std::unique_ptr<ShardCopy>> m_copies;
    QVector<QJsonObject> m_finalShards; // the shards' last status, once over
};
