#include "ShardCopy.h"

#include "BackgroundTask.h"
#include "BackupFiles.h"
#include "ChunkWriter.h"
#include "HealthMonitor.h"
#include "HttpClientPool.h"
#include "HttpConnection.h"
#include "JsonText.h"

#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QStorageInfo>

#include <memory>

namespace {

// Bytes a download may hold in memory before they are written.
constexpr qint64 kReadBufferBytes = 4 * 1024 * 1024;
// Free space a copy leaves on the backup's file system beyond its own size.
constexpr qint64 kFreeSpaceReserveBytes = 64 * 1024 * 1024;
// Bytes handed to the file's writer thread and not yet written, above which
// the download waits for the disk.
constexpr qint64 kMaxQueuedBytes = 16 * 1024 * 1024;
// Of an error answer's body, what goes into the failure's reason.
constexpr qsizetype kErrorBodyBytes = 300;

qint64 headerNumber(const QNetworkReply *reply, const char *name)
{
    bool ok = false;
    const qint64 value = reply->rawHeader(name).toLongLong(&ok);
    return ok ? value : -1;
}

} // namespace

ShardCopy::ShardCopy(HealthMonitor *monitor, const Settings &settings, QObject *parent)
    : QObject(parent)
    , m_monitor(monitor)
    , m_settings(settings)
    , m_network(new QNetworkAccessManager(this))
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, [this] { askMembers([this](const BackupSource::Answers &answers) { onAnswers(answers); }); });
}

ShardCopy::~ShardCopy()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
}

QString ShardCopy::phaseName(Phase phase)
{
    switch (phase) {
    case Phase::CommitPoint: return QStringLiteral("commit-point");
    case Phase::Choosing: return QStringLiteral("choosing");
    case Phase::Snapshotting: return QStringLiteral("snapshotting");
    case Phase::Copying: return QStringLiteral("copying");
    case Phase::Checking: return QStringLiteral("checking");
    case Phase::Done: return QStringLiteral("done");
    case Phase::Failed: return QStringLiteral("failed");
    }
    return QString();
}

void ShardCopy::start()
{
    enter(Phase::CommitPoint);
    m_retry.start(0);
}

void ShardCopy::enter(Phase phase)
{
    m_phase = phase;
    m_phaseClock.start();
}

void ShardCopy::askMembers(const std::function<void(const BackupSource::Answers &)> &done)
{
    // Slots by member id; only the members in force are asked.
    const ShardHealth &health = m_monitor->shard(m_settings.shard);
    auto answers = std::make_shared<BackupSource::Answers>(health.size());
    auto pending = std::make_shared<int>(health.membership().size());
    const QPointer<ShardCopy> self(this);
    for (int member : health.membership().ids()) {
        m_monitor->commands(m_settings.shard, member)
            ->get(QByteArrayLiteral("/v1/_replication/state"), [self, answers, pending, member, done](const HttpClientReply &reply) {
                if (reply.status == 200) {
                    const Result<QJsonObject> body = JsonText::parseObject(reply.body);
                    const Result<MemberStatus> status = body.isOk() ? MemberStatus::fromJson(body.value()) : body.status();
                    if (status.isOk())
                        (*answers)[member] = status.value();
                }
                if (--*pending == 0 && self)
                    done(*answers);
            });
    }
}

void ShardCopy::onAnswers(const BackupSource::Answers &answers)
{
    if (m_phase == Phase::CommitPoint) {
        const std::optional<qint64> point = BackupSource::commitPoint(answers);
        if (!point)
            return retryLater(QStringLiteral("no member answers as a primary holding its lease with its term begun, so the commit point is unknown"));
        m_commitPoint = *point;
        enter(Phase::Choosing);
    }
    BackupSource::Answers candidates = answers;
    for (const int member : std::as_const(m_failedMembers))
        candidates[member].reset();
    const int member = BackupSource::choose(candidates, m_commitPoint, m_phaseClock.elapsed() < m_settings.replicaWaitMs);
    if (member < 0) {
        return retryLater(QStringLiteral("no member has applied the commit point %1%2")
                              .arg(m_commitPoint)
                              .arg(m_lastFailure.isEmpty() ? QString() : QStringLiteral(" (last copy: %1)").arg(m_lastFailure)));
    }
    m_memberRole = candidates.at(member)->role;
    download(member);
}

void ShardCopy::retryLater(const QString &why)
{
    m_waiting = why;
    if (m_phaseClock.elapsed() >= m_settings.waitTimeoutMs)
        return fail(QStringLiteral("shard %1: %2 after %3 ms").arg(m_settings.shard).arg(why).arg(m_phaseClock.elapsed()));
    m_retry.start(kPollIntervalMs);
}

void ShardCopy::download(int member)
{
    m_member = member;
    m_errorBody.clear();
    m_bytesCopied = 0;
    m_bytesExpected = 0;
    m_writer = std::make_unique<ChunkWriter>();
    const Status opened = m_writer->open(m_settings.path);
    if (!opened.isOk())
        return fail(QStringLiteral("shard %1: %2").arg(m_settings.shard).arg(opened.message()));
    connect(m_writer.get(), &ChunkWriter::drained, this, &ShardCopy::readReply);
    const QString url = m_monitor->layout(m_settings.shard).members.at(member);
    QNetworkRequest request(QUrl(url + QStringLiteral("/v1/_replication/snapshot")));
    request.setRawHeader(QByteArrayLiteral("Authorization"), "Bearer " + m_settings.token);
    request.setTransferTimeout(m_settings.transferTimeoutMs);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (request.url().scheme() == QLatin1String("https"))
        request.setSslConfiguration(HttpConnection::tlsConfiguration());
    ++m_attempts;
    enter(Phase::Snapshotting);
    m_reply = m_network->get(request);
    m_reply->setReadBufferSize(kReadBufferBytes);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, [this] {
        if (m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
            return;
        m_bytesExpected = qMax<qint64>(0, headerNumber(m_reply, "Content-Length"));
        // Refused before a byte is written rather than by a full disk
        // half-way (shards copied at once each count their own size).
        const QStorageInfo storage(QFileInfo(m_settings.path).absolutePath());
        if (storage.isValid() && storage.bytesAvailable() < m_bytesExpected + kFreeSpaceReserveBytes) {
            m_writeError = QStringLiteral("not enough free space: the copy needs %1 bytes and %2 more are kept free, but %3 has %4 "
                                          "bytes available")
                               .arg(m_bytesExpected)
                               .arg(kFreeSpaceReserveBytes)
                               .arg(storage.rootPath())
                               .arg(storage.bytesAvailable());
            m_reply->abort();
            return;
        }
        enter(Phase::Copying);
    });
    connect(m_reply, &QNetworkReply::readyRead, this, &ShardCopy::readReply);
    connect(m_reply, &QNetworkReply::finished, this, &ShardCopy::onDownloaded);
}

void ShardCopy::readReply()
{
    if (!m_reply || !m_writer)
        return;
    if (m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200) {
        // An error answer: its reason, for the failure's message.
        m_errorBody += m_reply->readAll().left(kErrorBodyBytes - m_errorBody.size());
        return;
    }
    if (m_writer->failed()) {
        m_reply->abort();
        return;
    }
    // A disk slower than the network: the bytes wait in the reply (at most
    // kReadBufferBytes) and then in the member's socket, until drained().
    if (m_writer->queuedBytes() >= kMaxQueuedBytes)
        return;
    const QByteArray chunk = m_reply->readAll();
    if (chunk.isEmpty())
        return;
    m_writer->write(chunk);
    m_bytesCopied += chunk.size();
}

void ShardCopy::onDownloaded()
{
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // An aborted reply is closed: nothing is left to read.
    const QByteArray rest = reply->isOpen() ? reply->readAll() : QByteArray();
    if (status == 200 && reply->error() == QNetworkReply::NoError && !m_writer->failed()) {
        m_writer->write(rest);
        m_bytesCopied += rest.size();
    }
    if (status != 200)
        m_errorBody += rest.left(kErrorBodyBytes - m_errorBody.size());
    QString failure;
    if (status == 0)
        failure = reply->errorString();
    else if (status != 200)
        failure = QStringLiteral("answered %1: %2").arg(status).arg(QString::fromUtf8(m_errorBody));
    else if (reply->error() != QNetworkReply::NoError || m_bytesCopied != m_bytesExpected)
        failure = QStringLiteral("sent %1 of %2 bytes: %3").arg(m_bytesCopied).arg(m_bytesExpected).arg(reply->errorString());
    const qint64 seq = headerNumber(reply, "X-PeaceDB-Snapshot-Seq");
    const qint64 term = headerNumber(reply, "X-PeaceDB-Snapshot-Term");
    // Once every byte is in the file (or the file failed).
    m_writer->close([this, status, failure, seq, term](const Status &written) {
        m_writer.release()->deleteLater(); // its own callback is running
        afterDownload(status, failure, seq, term, written);
    });
}

void ShardCopy::afterDownload(int status, QString failure, qint64 seq, qint64 term, const Status &written)
{
    const QString node = HealthMonitor::nodeName(m_settings.shard, m_member);
    if (!m_writeError.isEmpty() || !written.isOk()) {
        // The backup's disk, not the member: no other member would do better.
        return fail(QStringLiteral("shard %1: %2")
                        .arg(m_settings.shard)
                        .arg(m_writeError.isEmpty() ? written.message() : QStringLiteral("cannot write %1: %2").arg(m_settings.path, m_writeError)));
    }
    if (failure.isEmpty() && (seq < m_commitPoint || term < 0))
        failure = QStringLiteral("sent a snapshot at seq %1, before the commit point %2").arg(seq).arg(m_commitPoint);
    if (!failure.isEmpty()) {
        m_lastFailure = QStringLiteral("%1 %2").arg(node, failure);
        // A member busy with another snapshot (503) failed nothing: it is
        // asked again without using up an attempt, for as long as the
        // phases wait in all.
        if (status == 503) {
            --m_attempts;
            if (++m_busyAnswers * qint64(kPollIntervalMs) > m_settings.waitTimeoutMs)
                return fail(QStringLiteral("shard %1: every member able to give the copy stayed busy (503) for %2 ms; the last: %3")
                                .arg(m_settings.shard)
                                .arg(m_busyAnswers * kPollIntervalMs)
                                .arg(m_lastFailure));
        }
        if (m_attempts >= kMaxAttempts)
            return fail(QStringLiteral("shard %1: %2 copies failed; the last: %3").arg(m_settings.shard).arg(m_attempts).arg(m_lastFailure));
        // Another member, or this one again shortly (a 503: it was busy).
        if (status != 503)
            m_failedMembers.insert(m_member);
        m_member = -1;
        enter(Phase::Choosing);
        return retryLater(QStringLiteral("copying failed"));
    }
    check(seq, term);
}

void ShardCopy::check(qint64 seq, qint64 term)
{
    enter(Phase::Checking);
    const QString path = m_settings.path;
    BackgroundTask::run<Result<BackupFiles::Inspected>>(
        this, [path] { return BackupFiles::inspect(path); },
        [this, seq, term](const Result<BackupFiles::Inspected> &inspected) {
            if (!inspected.isOk())
                return fail(QStringLiteral("shard %1: the copy of %2 is not usable: %3")
                                .arg(m_settings.shard)
                                .arg(HealthMonitor::nodeName(m_settings.shard, m_member), inspected.status().message()));
            const SnapshotFile::Info &info = inspected->info;
            if (info.seq != seq || info.term != term) {
                return fail(QStringLiteral("shard %1: the copy reflects seq %2 of term %3, but %4 announced seq %5 of term %6")
                                .arg(m_settings.shard)
                                .arg(info.seq)
                                .arg(info.term)
                                .arg(HealthMonitor::nodeName(m_settings.shard, m_member))
                                .arg(seq)
                                .arg(term));
            }
            m_result.shard = m_settings.shard;
            m_result.file = BackupManifest::fileName(m_settings.shard);
            m_result.bytes = info.bytes;
            m_result.sha256 = inspected->sha256;
            m_result.member = m_member;
            m_result.node = HealthMonitor::nodeName(m_settings.shard, m_member);
            m_result.url = m_monitor->layout(m_settings.shard).members.at(m_member);
            m_result.term = info.term;
            m_result.seq = info.seq;
            m_result.commitPoint = m_commitPoint;
            m_result.databases = info.databases;
            enter(Phase::Done);
            emit ended();
        });
}

void ShardCopy::fail(const QString &error)
{
    m_error = error;
    enter(Phase::Failed);
    emit ended();
}

QJsonObject ShardCopy::status() const
{
    QJsonObject out{{QStringLiteral("shard"), m_settings.shard}, {QStringLiteral("state"), phaseName(m_phase)}};
    if (m_commitPoint >= 0)
        out.insert(QStringLiteral("commitPoint"), m_commitPoint);
    if (m_member >= 0) {
        out.insert(QStringLiteral("member"), m_member);
        out.insert(QStringLiteral("node"), HealthMonitor::nodeName(m_settings.shard, m_member));
        out.insert(QStringLiteral("role"), m_memberRole);
        out.insert(QStringLiteral("bytesCopied"), m_bytesCopied);
        out.insert(QStringLiteral("bytes"), m_bytesExpected);
    }
    if (m_phase == Phase::Done) {
        out.insert(QStringLiteral("seq"), m_result.seq);
        out.insert(QStringLiteral("term"), m_result.term);
    }
    if (m_phase == Phase::CommitPoint || m_phase == Phase::Choosing) {
        if (!m_waiting.isEmpty())
            out.insert(QStringLiteral("waiting"), m_waiting);
    }
    if (m_phase == Phase::Failed)
        out.insert(QStringLiteral("error"), m_error);
    return out;
}
