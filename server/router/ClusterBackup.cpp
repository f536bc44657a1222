#include "ClusterBackup.h"

#include "BackgroundTask.h"
#include "BackupFiles.h"
#include "ClusterEvents.h"
#include "HealthMonitor.h"
#include "ShardCopy.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QRandomGenerator>

#include <cerrno>
#include <cstring>

#include <sys/stat.h>

namespace {

QString isoTime(const QDateTime &time)
{
    return time.toString(Qt::ISODateWithMs);
}

} // namespace

ClusterBackup::ClusterBackup(HealthMonitor *monitor, ClusterEvents *events, const Settings &settings, QObject *parent)
    : QObject(parent)
    , m_monitor(monitor)
    , m_events(events)
    , m_settings(settings)
{
}

ClusterBackup::~ClusterBackup()
{
    if (m_state == State::Running)
        abandon();
}

Result<QJsonObject> ClusterBackup::start(const QString &requested)
{
    if (m_state == State::Running) {
        return Status::conflict(QStringLiteral("backup %1 into %2 is running since %3; wait for it (GET /v1/_cluster/backup)")
                                    .arg(m_id, m_target, isoTime(m_startedAt)))
            .withDetail(QStringLiteral("id"), m_id);
    }
    const Result<QString> resolved = BackupFiles::backupTarget(m_settings.root, requested);
    if (!resolved.isOk())
        return resolved.status();
    const QString target = resolved.value();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString id = now.toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'-"))
                       + QString::number(QRandomGenerator::global()->bounded(0x10000), 16).rightJustified(4, QLatin1Char('0'));
    const QString partial = target + QStringLiteral(".partial-") + id;
    if (::mkdir(QFile::encodeName(partial).constData(), 0700) != 0) {
        return Status::storageFailure(QStringLiteral("cannot create %1: %2").arg(partial, QString::fromLocal8Bit(strerror(errno))));
    }

    m_state = State::Running;
    m_id = id;
    m_target = target;
    m_partial = partial;
    m_startedAt = now;
    m_finishedAt = QDateTime();
    m_clock.start();
    m_elapsedMs = 0;
    m_publishing = false;
    m_error.clear();
    m_bytes = 0;
    m_finalShards.clear();
    m_copies.clear();
    for (int shard = 0; shard < m_monitor->shardCount(); ++shard) {
        ShardCopy::Settings copy;
        copy.shard = shard;
        copy.path = QDir(partial).filePath(BackupManifest::fileName(shard));
        copy.token = m_settings.token;
        copy.waitTimeoutMs = m_settings.waitTimeoutMs;
        copy.transferTimeoutMs = m_settings.transferTimeoutMs;
        m_copies.push_back(std::make_unique<ShardCopy>(m_monitor, copy));
        connect(m_copies.back().get(), &ShardCopy::ended, this, [this, shard] { onShardEnded(shard); });
    }
    m_events->append(ShardEvent{m_monitor->now(), QStringLiteral("backup-started"), -1, -1, 0, m_monitor->shardCount(),
                                QStringLiteral("backup %1 of %2 shard(s) into %3").arg(id).arg(m_monitor->shardCount()).arg(target)},
                     QString());
    for (const std::unique_ptr<ShardCopy> &copy : m_copies)
        copy->start();
    return status();
}

void ClusterBackup::onShardEnded(int shard)
{
    if (m_state != State::Running)
        return;
    const ShardCopy &copy = *m_copies.at(size_t(shard));
    if (copy.phase() == ShardCopy::Phase::Failed)
        return finish(copy.error());
    const BackupManifest::Shard &result = copy.result();
    m_events->append(ShardEvent{m_monitor->now(), QStringLiteral("backup-shard-copied"), shard, result.member, result.term, result.seq,
                                QStringLiteral("shard %1 copied from %2 at seq %3 of term %4 (commit point %5, %6 bytes)")
                                    .arg(shard)
                                    .arg(result.node)
                                    .arg(result.seq)
                                    .arg(result.term)
                                    .arg(result.commitPoint)
                                    .arg(result.bytes)},
                     result.url);
    for (const std::unique_ptr<ShardCopy> &each : m_copies) {
        if (each->phase() != ShardCopy::Phase::Done)
            return;
    }
    publish();
}

void ClusterBackup::publish()
{
    m_publishing = true;
    BackupManifest manifest;
    manifest.id = m_id;
    manifest.startedAt = isoTime(m_startedAt);
    manifest.finishedAt = isoTime(QDateTime::currentDateTimeUtc());
    for (int shard = 0; shard < m_monitor->shardCount(); ++shard) {
        // The members in force (a restore starts them as a new set).
        ShardLayout layout{m_monitor->layout(shard).id, {}};
        for (const Membership::Member &member : m_monitor->shard(shard).membership().members())
            layout.members.append(member.url);
        manifest.layout.append(layout);
    }
    for (const std::unique_ptr<ShardCopy> &copy : m_copies)
        manifest.shards.append(copy->result());
    m_bytes = manifest.totalBytes();
    const QString partial = m_partial;
    const QString target = m_target;
    BackgroundTask::run<Status>(
        this,
        [partial, target, manifest] {
            const Status written = BackupFiles::writeManifest(partial, manifest);
            return written.isOk() ? BackupFiles::publish(partial, target) : written;
        },
        [this](const Status &published) { finish(published.isOk() ? QString() : published.message()); });
}

void ClusterBackup::finish(const QString &error)
{
    m_elapsedMs = m_clock.elapsed();
    m_finishedAt = QDateTime::currentDateTimeUtc();
    m_publishing = false;
    m_finalShards.clear();
    for (const std::unique_ptr<ShardCopy> &copy : m_copies)
        m_finalShards.append(copy->status());
    if (error.isEmpty()) {
        m_state = State::Finished;
        m_events->append(ShardEvent{m_monitor->now(), QStringLiteral("backup-finished"), -1, -1, 0, m_elapsedMs,
                                    QStringLiteral("backup %1 of %2 shard(s), %3 bytes, written to %4 in %5 ms")
                                        .arg(m_id)
                                        .arg(m_copies.size())
                                        .arg(m_bytes)
                                        .arg(m_target)
                                        .arg(m_elapsedMs)},
                         QString());
    } else {
        m_state = State::Failed;
        m_error = error;
        m_events->append(ShardEvent{m_monitor->now(), QStringLiteral("backup-failed"), -1, -1, 0, m_elapsedMs,
                                    QStringLiteral("backup %1 into %2 failed: %3").arg(m_id, m_target, error)},
                         QString());
    }
    // A copy may be the sender of the signal being handled.
    for (std::unique_ptr<ShardCopy> &copy : m_copies)
        copy.release()->deleteLater();
    m_copies.clear();
    // Gigabytes of copies go on a thread of their own, not the event loop.
    if (!error.isEmpty()) {
        const QString partial = m_partial;
        BackgroundTask::run<bool>(this, [partial] { return QDir(partial).removeRecursively(); }, [](const bool &) {});
    }
}

void ClusterBackup::abandon()
{
    m_copies.clear();
    // Once publishing, the directory is the publishing thread's.
    if (!m_publishing)
        QDir(m_partial).removeRecursively();
}

QJsonObject ClusterBackup::status() const
{
    if (m_state == State::None)
        return QJsonObject{{QStringLiteral("state"), QStringLiteral("none")}};
    const auto stateName = [this] {
        switch (m_state) {
        case State::Running: return QStringLiteral("running");
        case State::Finished: return QStringLiteral("finished");
        case State::Failed: return QStringLiteral("failed");
        case State::None: break;
        }
        return QStringLiteral("none");
    };
    QJsonArray shards;
    qint64 copied = 0;
    qint64 expected = 0;
    if (m_state == State::Running) {
        for (const std::unique_ptr<ShardCopy> &copy : m_copies) {
            shards.append(copy->status());
            copied += copy->bytesCopied();
            expected += copy->bytesExpected();
        }
    } else {
        for (const QJsonObject &shard : m_finalShards) {
            shards.append(shard);
            copied += shard.value(QStringLiteral("bytesCopied")).toInteger();
            expected += shard.value(QStringLiteral("bytes")).toInteger();
        }
    }
    QJsonObject out{{QStringLiteral("state"), stateName()},
                    {QStringLiteral("id"), m_id},
                    {QStringLiteral("to"), m_target},
                    {QStringLiteral("startedAt"), isoTime(m_startedAt)},
                    {QStringLiteral("elapsedMs"), m_state == State::Running ? m_clock.elapsed() : m_elapsedMs},
                    {QStringLiteral("bytesCopied"), copied},
                    {QStringLiteral("bytes"), expected},
                    {QStringLiteral("shards"), shards}};
    if (m_state == State::Running) {
        out.insert(QStringLiteral("partial"), m_partial);
        if (m_publishing)
            out.insert(QStringLiteral("publishing"), true);
    } else {
        out.insert(QStringLiteral("finishedAt"), isoTime(m_finishedAt));
    }
    if (m_state == State::Finished)
        out.insert(QStringLiteral("manifest"), QDir(m_target).filePath(BackupFiles::kManifest));
    if (m_state == State::Failed)
        out.insert(QStringLiteral("error"), m_error);
    return out;
}
