// ShardCopy: one shard's part of a cluster backup (ClusterBackup), in
// phases:
//
//   1. commit-point: asks every member for GET /v1/_replication/state until
//      a readable primary answers (BackupSource); its commitSeq is the commit point
//      (BackupSource::commitPoint) — every write acknowledged before the
//      backup began is at or below it;
//   2. choosing: asks again until a member has applied the commit point
//      (BackupSource::choose: a replica by preference, so the primary's
//      disk and thread are spared — the primary only once no replica has
//      got there within replicaWaitMs);
//   3. snapshotting, copying: GET /v1/_replication/snapshot from that
//      member, which makes a consistent copy at the seq it has applied
//      (SnapshotFile::create, one SQLite read transaction; its writes go on)
//      and streams it; the bytes go into the target file as they arrive,
//      written on a thread of its own (ChunkWriter) so a slow disk never
//      holds up the router's event loop and its health checks;
//   4. checking: on a thread of its own, the file is read back
//      (BackupFiles::inspect): its SHA-256, and the seq, term and database
//      positions it reflects — the ones the member announced, and not below
//      the commit point.
//   Then done, or failed with the reason.
//
// Phases 1 and 2 ask every kPollIntervalMs and give up after waitTimeoutMs
// each. A copy in progress fails when no byte arrives for transferTimeoutMs;
// a member whose copy failed is passed over and phase 2 begins again, at
// most kMaxAttempts failed copies in all; one that answered 503 (busy with
// another snapshot) is asked again and uses up no attempt, phase 2's wait
// bounding it. A file that cannot be written, or a file system without room
// for the copy (its Content-Length plus a reserve), fails the copy at once.
//
// Main thread; owned by its ClusterBackup; uses the HealthMonitor's command
// connections for the state requests.
#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>

#include "BackupManifest.h"
#include "BackupSource.h"
#include "Status.h"

class ChunkWriter;
class HealthMonitor;
class QNetworkAccessManager;
class QNetworkReply;

class ShardCopy : public QObject
{
    Q_OBJECT

public:
    enum class Phase { CommitPoint, Choosing, Snapshotting, Copying, Checking, Done, Failed };
    static constexpr int kPollIntervalMs = 100;
    static constexpr int kMaxAttempts = 3;

    struct Settings
    {
        int shard = 0;
        QString path;              // the file to write
        QByteArray token;
        qint64 waitTimeoutMs = 15000;
        // How long phase 2 waits for a replica before it takes the primary.
        qint64 replicaWaitMs = 5000;
        int transferTimeoutMs = 600000;
    };

    ShardCopy(HealthMonitor *monitor, const Settings &settings, QObject *parent = nullptr);
    ~ShardCopy() override;

    void start();
    Phase phase() const { return m_phase; }
    static QString phaseName(Phase phase);
    // REQUIRES: phase() == Done. The manifest's entry for this shard.
    const BackupManifest::Shard &result() const { return m_result; }
    QString error() const { return m_error; }
    qint64 bytesCopied() const { return m_bytesCopied; }
    // The snapshot's size once its download began; 0 before.
    qint64 bytesExpected() const { return m_bytesExpected; }
    // GET /v1/_cluster/backup's view of this shard.
    QJsonObject status() const;

signals:
    // Once, when the copy is done or has failed.
    void ended();

private:
    void askMembers(const std::function<void(const BackupSource::Answers &)> &done);
    void onAnswers(const BackupSource::Answers &answers);
    void retryLater(const QString &why);
    void download(int member);
    void readReply();
    void onDownloaded();
    void afterDownload(int status, QString failure, qint64 seq, qint64 term, const Status &written);
    void check(qint64 seq, qint64 term);
    void fail(const QString &error);
    void enter(Phase phase);

    HealthMonitor *m_monitor;
    Settings m_settings;
    Phase m_phase = Phase::CommitPoint;
    QElapsedTimer m_phaseClock;
    QTimer m_retry;
    QString m_waiting;            // why the last round did not move on
    qint64 m_commitPoint = -1;
    QSet<int> m_failedMembers;    // passed over: their copy failed
    QString m_lastFailure;
    int m_attempts = 0;           // failed copies, busy answers aside
    int m_busyAnswers = 0;        // 503s: each waits kPollIntervalMs
    QString m_writeError;         // the target file refused a write (or has no room): fatal
    QByteArray m_errorBody;       // the start of an error answer's body
    int m_member = -1;
    QString m_memberRole;         // its role when it was chosen
    QNetworkAccessManager *m_network;
    QPointer<QNetworkReply> m_reply;
    std::unique_ptr<ChunkWriter> m_writer; // the target file, written on a thread of its own
    qint64 m_bytesCopied = 0;
    qint64 m_bytesExpected = 0;
    BackupManifest::Shard m_result;
    QString m_error;
};
