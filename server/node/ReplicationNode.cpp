#include "ReplicationNode.h"

#include "DocumentReader.h"
#include "ReadPool.h"
#include "RequestLimits.h"
#include "GroupCommitter.h"
#include "JsonText.h"
#include "HttpClientPool.h"
#include "SnapshotFile.h"
#include "BackgroundTask.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QNetworkRequest>

Q_LOGGING_CATEGORY(lcReplication, "peacedb.replication")

namespace {

constexpr int kMaxEvents = 200;
// Log reads (appends, /wal) waiting for the log-read thread, at most.
constexpr int kMaxQueuedLogReads = 16;

// The HTTP status of a driver's refusal of a member request.
int httpStatus(const Status &status)
{
    switch (status.code()) {
    case Status::Code::StorageFailure: return 503;
    case Status::Code::BadRequest: return 400;
    case Status::Code::Internal: return 500;
    default: return 409;
    }
}

QByteArray errorJson(const Status &status)
{
    QJsonObject body{{QStringLiteral("ok"), false}, {QStringLiteral("error"), status.message()}};
    const QJsonObject &details = status.details();
    for (auto it = details.begin(); it != details.end(); ++it)
        body.insert(it.key(), it.value());
    return JsonText::compact(body);
}

QString eventKindName(ReplicationCore::Event::Kind kind)
{
    using Kind = ReplicationCore::Event::Kind;
    switch (kind) {
    case Kind::BecamePrimary: return QStringLiteral("promoted");
    case Kind::BecameCandidate: return QStringLiteral("candidate");
    case Kind::BecameReplica: return QStringLiteral("stepped-down");
    case Kind::TermAdopted: return QStringLiteral("term");
    case Kind::ElectionLost: return QStringLiteral("election-lost");
    case Kind::LeaseLost: return QStringLiteral("lease-lost");
    case Kind::LeaseRegained: return QStringLiteral("lease-regained");
    case Kind::RolledBack: return QStringLiteral("rolled-back");
    case Kind::CommittedConflict: return QStringLiteral("conflict");
    case Kind::CaughtUp: return QStringLiteral("caught-up");
    case Kind::MemberReset: return QStringLiteral("member-reset");
    case Kind::MemberAdded: return QStringLiteral("member-added");
    case Kind::LearnerCaughtUp: return QStringLiteral("learner-caught-up");
    case Kind::MemberRemoved: return QStringLiteral("member-removed");
    }
    return QStringLiteral("unknown");
}

// The memberships a data file holds, for the driver: the applied one (the
// configuration file's, `initial`, until a change was applied), then the
// Configure entries of the log past it.
QVector<ReplicationCore::Configuration> configurations(const QVector<StoredMembership> &stored, const QStringList &initial)
{
    QVector<ReplicationCore::Configuration> out;
    for (const StoredMembership &each : stored) {
        Result<Membership> membership = Membership::fromJson(each.json);
        if (!membership.isOk()) {
            // Written by this program from a parsed membership: only a
            // damaged file gets here.
            qCCritical(lcReplication, "the membership at seq %lld in the data file is unreadable (%s): ignored", each.seq,
                       qPrintable(membership.status().message()));
            continue;
        }
        if (out.isEmpty() && !each.applied)
            out.append(ReplicationCore::Configuration{0, Membership::initial(initial)});
        out.append(ReplicationCore::Configuration{each.seq, std::move(membership).value()});
    }
    if (out.isEmpty())
        out.append(ReplicationCore::Configuration{0, Membership::initial(initial)});
    return out;
}

} // namespace

// The driver's storage: the group committer, and the log-read thread for
// entries no longer in memory.
class ReplicationNode::Store : public ReplicationDriver::LogStore
{
public:
    Store(GroupCommitter *committer, ReadPool *reads)
        : m_committer(committer)
        , m_reads(reads)
    {
    }
    quint64 submit(const LogWrite &write) override { return m_committer->submit(write); }
    void commitThrough(qint64 seq) override { m_committer->commitThrough(seq); }
    bool isIdle() const override { return m_committer->isIdle(); }
    qint64 durableSeq() const override { return m_committer->durableSeq(); }
    qint64 appliedSeq() const override { return m_committer->appliedSeq(); }
    qint64 queuedEntries() const override { return m_committer->queuedEntries(); }
    qint64 queuedBytes() const override { return m_committer->queuedBytes(); }
    bool readEntries(qint64 from, qint64 to, qint64 maxBytes, ReadDone done) override
    {
        return m_reads->submit<QVector<LogEntry>>(
            [from, to, maxBytes](DocumentReader &reader) { return reader.logEntries(from, to, to - from + 1, maxBytes); },
            std::move(done));
    }

private:
    GroupCommitter *m_committer;
    ReadPool *m_reads;
};

// The driver's transport: HTTP to the other members' replication endpoints.
class ReplicationNode::Peers : public ReplicationDriver::Transport
{
public:
    explicit Peers(ReplicationNode *node)
        : m_node(node)
    {
    }
    void sendAppend(int member, const AppendRequest &request, std::function<void(const Result<AppendResponse> &)> done) override
    {
        m_node->post(member, QByteArrayLiteral("/v1/_replication/replicate"), request.toJson(),
                     [done = std::move(done)](int status, const QByteArray &body) {
                         done(status == 200 ? AppendResponse::fromJson(body)
                                            : Result<AppendResponse>(Status::unavailable(QString::fromUtf8(body))));
                     });
    }
    void sendVote(int member, const VoteRequest &request, std::function<void(const Result<VoteResponse> &)> done) override
    {
        m_node->post(member, QByteArrayLiteral("/v1/_replication/vote"), request.toJson(),
                     [done = std::move(done)](int status, const QByteArray &body) {
                         done(status == 200 ? VoteResponse::fromJson(body)
                                            : Result<VoteResponse>(Status::unavailable(QString::fromUtf8(body))));
                     });
    }
    void requestPromotion(int member, qint64 term, std::function<void(const Status &)> done) override
    {
        m_node->post(member, QByteArrayLiteral("/v1/_replication/promote"),
                     JsonText::compact(QJsonObject{{QStringLiteral("term"), term}, {QStringLiteral("transfer"), true}}),
                     [done = std::move(done)](int status, const QByteArray &body) {
                         done(status == 200 ? Status::ok()
                                            : Status::conflict(QStringLiteral("%1 %2").arg(status).arg(QString::fromUtf8(body.left(200)))));
                     });
    }
    void probe(int member, std::function<void(const Result<ReplicationRules::PeerSummary> &)> done) override
    {
        HttpClientPool *peer = m_node->peer(member);
        if (!peer)
            return done(Status::unavailable(QStringLiteral("member %1 has no known URL").arg(member)));
        peer->get(QByteArrayLiteral("/v1/_replication/state"), [done = std::move(done)](const HttpClientReply &reply) {
            if (reply.status != 200)
                return done(Status::unavailable(reply.status ? QString::fromUtf8(reply.body.left(200)) : reply.error));
            const QJsonObject state = QJsonDocument::fromJson(reply.body).object();
            ReplicationRules::PeerSummary summary;
            summary.term = state.value(QStringLiteral("term")).toInteger();
            summary.lastSeq = state.value(QStringLiteral("lastSeq")).toInteger();
            summary.primary = state.value(QStringLiteral("role")).toString() == QLatin1String("primary");
            done(summary);
        });
    }

private:
    ReplicationNode *m_node;
};

ReplicationNode::ReplicationNode(const Settings &settings, GroupCommitter *committer, DocumentReader *reader, QObject *parent)
    : CommitLog(parent)
    , m_settings(settings)
    , m_committer(committer)
    , m_reader(reader)
{
    m_clock.start();
    const Result<qint64> rolledBack = reader->rolledBackCount();
    m_rolledBack = rolledBack.isOk() ? rolledBack.value() : 0;
    ReadPool::Options logReads;
    logReads.path = settings.databasePath;
    logReads.storage = settings.storageOptions;
    logReads.threads = 1;
    logReads.maxQueued = kMaxQueuedLogReads;
    m_logReadPool = std::make_unique<ReadPool>(logReads);
    m_store = std::make_unique<Store>(committer, m_logReadPool.get());
    m_transport = std::make_unique<Peers>(this);

    ReplicationDriver::Settings driver;
    driver.shardId = settings.shardId;
    driver.self = settings.self;
    driver.core = settings.core;
    driver.maxPendingWrites = settings.maxPendingWrites;
    driver.maxPendingWriteBytes = settings.maxPendingWriteBytes;
    driver.entryCacheBytes = settings.entryCacheBytes;
    driver.maxLoadedRanges = kMaxQueuedLogReads;
    driver.bootstrap = settings.bootstrap;
    ReplicationDriver::Observer observer;
    observer.event = [this](const ReplicationCore::Event &event) { recordEvent(event); };
    observer.cut = [this](qint64 fromSeq) { emit cut(fromSeq); };
    observer.committed = [this](qint64 seq) { emit committed(seq); };
    observer.applied = [this](qint64 seq) { emit applied(seq); };
    observer.abandoned = [this](const Status &reason, qint64 lastKeptSeq) { emit abandoned(reason, lastKeptSeq); };
    observer.fetchSnapshot = [this](int leader) { fetchSnapshot(leader); };
    observer.storageFailed = [this](const QString &) { m_ticker.stop(); };
    m_driver = std::make_unique<ReplicationDriver>(
        driver,
        ReplicationDriver::Initial{committer->initialHardState(), committer->initialTermHistory(), committer->appliedSeq(),
                                   configurations(committer->initialMemberships(), settings.members)},
        m_store.get(), m_transport.get(), [this] { return now(); }, observer);

    connect(m_committer, &GroupCommitter::durable, this,
            [this](qint64 lastSeq, qint64 appliedSeq, quint64 ticket) { m_driver->durable(lastSeq, appliedSeq, ticket); });
    connect(m_committer, &GroupCommitter::compacted, this, [this](qint64 seq, qint64) { m_driver->compacted(seq); });
    connect(m_committer, &GroupCommitter::failed, this, [this](const Status &status) { onStorageFailed(status); });
    m_ticker.setInterval(int(qBound(qint64(10), settings.core.heartbeatIntervalMs / 4, qint64(50))));
    connect(&m_ticker, &QTimer::timeout, this, [this] { m_driver->tick(); });
}

ReplicationNode::~ReplicationNode()
{
    m_driver.reset(); // answers pending promotions
}

void ReplicationNode::start()
{
    // Snapshot files of an earlier run (it may have ended in the middle of
    // a transfer or install) are never used again.
    QDir dataDir(m_settings.dataDir);
    for (const QString &leftover : dataDir.entryList({QStringLiteral("snapshot-in.sqlite*"), QStringLiteral("snapshot-out*.sqlite*")}, QDir::Files))
        dataDir.remove(leftover);
    m_ticker.start();
}

std::pair<qint64, qint64> ReplicationNode::appliedPosition() const
{
    const qint64 seq = m_committer->appliedSeq();
    return {m_driver->core().log().termAt(seq).value_or(0), seq};
}

qint64 ReplicationNode::commitSeq() const
{
    return m_driver->core().commitSeq();
}

QString ReplicationNode::primaryUrl() const
{
    const int leader = m_driver->core().leader();
    if (leader < 0)
        return QString();
    const QString url = urlOf(leader);
    return url.isEmpty() ? m_leaderUrl : url;
}

QString ReplicationNode::urlOf(int id) const
{
    if (id == m_settings.self)
        return m_settings.selfUrl;
    const QString url = m_driver->core().membership().urlOf(id);
    return url.isEmpty() ? m_driver->core().committedMembership().urlOf(id) : url;
}

HttpClientPool *ReplicationNode::peer(int id)
{
    if (id == m_settings.self)
        return nullptr;
    if (HttpClientPool *known = m_peers.value(id))
        return known;
    const QString url = urlOf(id);
    if (url.isEmpty())
        return nullptr;
    auto *pool = new HttpClientPool(QUrl(url), m_settings.token, int(m_settings.core.maxInflight + 1),
                                    int(qMax(m_settings.core.requestTimeoutMs, m_settings.core.electionTimeoutMs)), this);
    m_peers.insert(id, pool);
    return pool;
}

Status ReplicationNode::writable() const
{
    return withPrimary(m_driver->writable());
}

Status ReplicationNode::readable() const
{
    return withPrimary(m_driver->readable());
}

Status ReplicationNode::withPrimary(Status status) const
{
    // Tell a client that reached a replica where the primary is.
    if (!status.isOk() && m_driver->core().role() != ReplicationCore::Role::Primary && m_driver->storageFailure().isEmpty()) {
        const QString primary = primaryUrl();
        status = status.withDetail(QStringLiteral("primary"), primary.isEmpty() ? QJsonValue() : QJsonValue(primary));
    }
    return status;
}

std::optional<qint64> ReplicationNode::termAt(qint64 seq) const
{
    return m_driver->core().log().termAt(seq);
}

Status ReplicationNode::append(QVector<LogEntry> &entries)
{
    return m_driver->propose(entries);
}

void ReplicationNode::post(int member, const QByteArray &path, const QByteArray &body,
                           std::function<void(int, const QByteArray &)> done)
{
    HttpClientPool *to = peer(member);
    if (!to) {
        // Answered later, as a network failure would be: the driver's
        // callbacks never run inside its own calls.
        QTimer::singleShot(0, this, [member, done = std::move(done)] {
            done(0, QStringLiteral("member %1 has no known URL").arg(member).toUtf8());
        });
        return;
    }
    to->post(path, body, [done = std::move(done)](const HttpClientReply &reply) {
        done(reply.status, reply.status ? reply.body : reply.error.toUtf8());
    });
}

void ReplicationNode::onStorageFailed(const Status &status)
{
    m_driver->storageFailed(status);
}

void ReplicationNode::recordEvent(const ReplicationCore::Event &coreEvent)
{
    QJsonObject event{{QStringLiteral("timeMs"), QDateTime::currentMSecsSinceEpoch()},
                      {QStringLiteral("kind"), eventKindName(coreEvent.kind)},
                      {QStringLiteral("term"), coreEvent.term},
                      {QStringLiteral("shard"), m_settings.shardId},
                      {QStringLiteral("member"), m_settings.self},
                      {QStringLiteral("node"), m_settings.selfUrl}};
    if (coreEvent.count)
        event.insert(QStringLiteral("count"), coreEvent.count);
    if (coreEvent.peer >= 0) {
        event.insert(QStringLiteral("peer"), coreEvent.peer);
        const QString peerUrl = urlOf(coreEvent.peer);
        if (!peerUrl.isEmpty())
            event.insert(QStringLiteral("peerNode"), peerUrl);
    }
    if (!coreEvent.detail.isEmpty())
        event.insert(QStringLiteral("detail"), coreEvent.detail);
    m_events.append(event);
    ++m_eventCounts[eventKindName(coreEvent.kind)];
    while (m_events.size() > kMaxEvents)
        m_events.removeFirst();
    if (coreEvent.kind == ReplicationCore::Event::Kind::RolledBack)
        m_rolledBack += coreEvent.count;
    qCInfo(lcReplication, "shard %d term %lld: %s%s", m_settings.shardId, coreEvent.term,
           qPrintable(eventKindName(coreEvent.kind)),
           qPrintable(coreEvent.count ? QStringLiteral(" %1 entries").arg(coreEvent.count) : QString()));
    emit this->event(event);
}

void ReplicationNode::handleAppend(const QByteArray &body, const Respond &respond)
{
    if (const QString failure = m_driver->storageFailure(); !failure.isEmpty())
        return respond(503, errorJson(Status::storageFailure(failure)));
    const Result<AppendRequest> request = AppendRequest::fromJson(body);
    if (!request.isOk())
        return respond(400, errorJson(request.status()));
    if (!request->leaderUrl.isEmpty())
        m_leaderUrl = request->leaderUrl;
    m_driver->receiveAppend(request.value(), [respond](const Result<AppendResponse> &answer) {
        if (answer.isOk())
            respond(200, answer->toJson());
        else
            respond(httpStatus(answer.status()), errorJson(answer.status()));
    });
}

void ReplicationNode::handleVote(const QByteArray &body, const Respond &respond)
{
    if (const QString failure = m_driver->storageFailure(); !failure.isEmpty())
        return respond(503, errorJson(Status::storageFailure(failure)));
    const Result<VoteRequest> request = VoteRequest::fromJson(body);
    if (!request.isOk())
        return respond(400, errorJson(request.status()));
    m_driver->receiveVote(request.value(), [respond](const Result<VoteResponse> &answer) {
        if (answer.isOk())
            respond(200, answer->toJson());
        else
            respond(httpStatus(answer.status()), errorJson(answer.status()));
    });
}

void ReplicationNode::promote(qint64 term, bool transfer, const Respond &respond)
{
    m_driver->promote(term, transfer, [respond](const Status &status, qint64 standingFor) {
        if (status.isOk()) {
            respond(200, JsonText::compact(QJsonObject{{QStringLiteral("ok"), true},
                                                       {QStringLiteral("term"), standingFor},
                                                       {QStringLiteral("role"), QStringLiteral("primary")}}));
        } else {
            respond(status.code() == Status::Code::StorageFailure ? 503 : 409, errorJson(status));
        }
    });
}

void ReplicationNode::stepDown(const Respond &respond)
{
    const bool wasPrimary = m_driver->stepDown();
    respond(200, JsonText::compact(QJsonObject{{QStringLiteral("ok"), true},
                                               {QStringLiteral("term"), m_driver->core().term()},
                                               {QStringLiteral("role"), ReplicationCore::roleName(m_driver->core().role())},
                                               {QStringLiteral("wasPrimary"), wasPrimary}}));
}

void ReplicationNode::changeMembership(const QByteArray &body, const Respond &respond)
{
    const QJsonDocument document = QJsonDocument::fromJson(body);
    const QJsonObject request = document.object();
    const Membership &current = m_driver->core().membership();
    Result<Membership> next = Status::badRequest(QStringLiteral("membership change: give {\"add\": url} or {\"remove\": id}"));
    if (!document.isObject() || request.size() != 1) {
        // the error above
    } else if (request.value(QStringLiteral("add")).isString()) {
        next = current.withLearner(request.value(QStringLiteral("add")).toString());
    } else if (request.value(QStringLiteral("remove")).isDouble()) {
        const double id = request.value(QStringLiteral("remove")).toDouble();
        next = id >= 0 && id < kMaxMemberIndex && id == double(int(id))
            ? current.without(int(id))
            : Result<Membership>(Status::badRequest(QStringLiteral("membership change: remove needs a member id")));
    }
    if (!next.isOk())
        return respond(next.status().code() == Status::Code::BadRequest ? 400 : next.status().code() == Status::Code::NotFound ? 404 : 409,
                       errorJson(next.status()));
    const Result<qint64> seq = m_driver->proposeMembership(next.value());
    if (!seq.isOk()) {
        const Status status = withPrimary(seq.status());
        const int code = status.code() == Status::Code::BadRequest ? 400
            : status.code() == Status::Code::Conflict              ? 409
                                                                   : 503;
        return respond(code, errorJson(status));
    }
    respond(202, JsonText::compact(QJsonObject{{QStringLiteral("ok"), true},
                                               {QStringLiteral("seq"), seq.value()},
                                               {QStringLiteral("term"), m_driver->core().term()},
                                               {QStringLiteral("membership"), next->toJsonObject()}}));
}

void ReplicationNode::handOff(qint64 timeoutMs, const HandOffDone &done)
{
    m_driver->handOff(timeoutMs, done);
}

void ReplicationNode::handleWal(qint64 since, qint64 limit, const Respond &respond)
{
    const ReplicationCore &core = m_driver->core();
    if (since < core.log().compactedSeq()) {
        return respond(410, errorJson(Status::notFound(QStringLiteral("entries after %1 were compacted away (the log starts at %2); "
                                                                      "fetch /v1/_replication/snapshot")
                                                           .arg(since)
                                                           .arg(core.log().firstSeq()))));
    }
    const qint64 durable = m_committer->durableSeq();
    const qint64 count = qMax<qint64>(0, qMin(limit, durable - since));
    const qint64 commitSeq = core.commitSeq();
    const auto answer = [respond, durable, commitSeq](const Result<QVector<LogEntry>> &loaded) {
        if (!loaded.isOk())
            return respond(503, errorJson(loaded.status()));
        QByteArray body = "{\"lastSeq\":" + QByteArray::number(durable) + ",\"commitSeq\":" + QByteArray::number(commitSeq)
            + ",\"entries\":[";
        for (qsizetype i = 0; i < loaded->size(); ++i) {
            if (i)
                body.append(',');
            body.append(loaded->at(i).toJson());
        }
        body.append("]}");
        respond(200, body);
    };
    if (count == 0)
        return answer(QVector<LogEntry>());
    // Durable entries, read on the log-read thread.
    const qint64 from = since + 1;
    const qint64 to = since + count;
    const bool queued = m_logReadPool->submit<QVector<LogEntry>>(
        [from, to, count](DocumentReader &reader) { return reader.logEntries(from, to, count, kMaxAppendBytes); }, answer);
    if (!queued)
        respond(503, errorJson(Status::unavailable(QStringLiteral("too many log reads queued; retry"))));
}

void ReplicationNode::makeSnapshot(const SnapshotReady &ready)
{
    if (m_snapshotBusy)
        return ready(Status::unavailable(QStringLiteral("a snapshot is already being made or installed; retry")), QString(), 0, 0);
    m_snapshotBusy = true;
    const QString database = m_settings.databasePath;
    // One file per snapshot: the previous one may still be streaming.
    const QString target = QDir(m_settings.dataDir).filePath(QStringLiteral("snapshot-out-%1.sqlite").arg(++m_snapshotsMade));
    BackgroundTask::run<Result<SnapshotFile::Info>>(
        this, [database, target] { return SnapshotFile::create(database, target); },
        [this, ready, target](const Result<SnapshotFile::Info> &info) {
            m_snapshotBusy = false;
            if (!info.isOk())
                return ready(info.status(), QString(), 0, 0);
            ready(Status::ok(), target, info->seq, info->term);
        });
}

void ReplicationNode::fetchSnapshot(int leader)
{
    const QString leaderUrl = urlOf(leader).isEmpty() ? m_leaderUrl : urlOf(leader);
    if (m_snapshotBusy || leader < 0 || leaderUrl.isEmpty())
        return;
    m_snapshotBusy = true;
    const QString path = QDir(m_settings.dataDir).filePath(QStringLiteral("snapshot-in.sqlite"));
    auto file = std::make_shared<QFile>(path);
    if (!file->open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        qCWarning(lcReplication, "cannot write %s: %s", qPrintable(path), qPrintable(file->errorString()));
        m_snapshotBusy = false;
        return;
    }
    qCInfo(lcReplication, "shard %d: fetching a snapshot from %s", m_settings.shardId, qPrintable(leaderUrl));
    QNetworkRequest request(QUrl(leaderUrl + QStringLiteral("/v1/_replication/snapshot")));
    request.setRawHeader(QByteArrayLiteral("Authorization"), "Bearer " + m_settings.token);
    request.setTransferTimeout(600000);
    QNetworkReply *reply = m_network.get(request);
    connect(reply, &QNetworkReply::readyRead, this, [reply, file] { file->write(reply->readAll()); });
    connect(reply, &QNetworkReply::finished, this, [this, reply, file, path] {
        reply->deleteLater();
        file->write(reply->readAll());
        const bool ok = file->flush() && reply->error() == QNetworkReply::NoError
                && reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200;
        file->close();
        if (!ok) {
            qCWarning(lcReplication, "snapshot download failed: %s", qPrintable(reply->errorString()));
            m_snapshotBusy = false;
            return;
        }
        installSnapshot(path);
    });
}

void ReplicationNode::installSnapshot(const QString &path)
{
    const QString nodeId = m_settings.nodeId;
    BackgroundTask::run<Result<SnapshotFile::Info>>(
        this, [path, nodeId] { return SnapshotFile::prepareInstall(path, nodeId); },
        [this, path](const Result<SnapshotFile::Info> &info) {
            const auto giveUp = [this, path](const QString &why) {
                qCWarning(lcReplication, "shard %d: not installing the snapshot: %s", m_settings.shardId, qPrintable(why));
                QFile::remove(path);
                m_snapshotBusy = false;
            };
            if (!info.isOk())
                return giveUp(info.status().message());
            // What this member has applied is committed; a snapshot from
            // before it would take it back.
            if (info->seq < m_committer->appliedSeq()) {
                return giveUp(QStringLiteral("it reflects seq %1, older than the %2 this member has applied")
                                  .arg(info->seq)
                                  .arg(m_committer->appliedSeq()));
            }
            // Swap the files while nothing has the database open. Answers
            // held for writes the stopped committer drops are never sent.
            m_ticker.stop();
            m_driver->beginSnapshotInstall();
            m_committer->stop();
            m_reader->close();
            if (m_readPool)
                m_readPool->suspend();
            m_logReadPool->suspend();
            const QString database = m_settings.databasePath;
            const ReplicationCore &core = m_driver->core();
            Status status = SnapshotFile::finishInstall(path, database, HardState{core.term(), core.votedFor(), core.isVoter()});
            if (status.isOk())
                status = SnapshotFile::swapInto(path, database);
            const Status swapped = status;
            if (status.isOk())
                status = m_committer->start();
            if (status.isOk())
                status = m_reader->open(database, m_settings.storageOptions);
            if (m_readPool)
                m_readPool->resume();
            m_logReadPool->resume();
            m_snapshotBusy = false;
            if (!status.isOk()) {
                // Stopping the committer dropped queued writes the core
                // counts: only a restart, which rereads the log, is safe.
                if (!swapped.isOk()) {
                    QFile::remove(path);
                    m_committer->start();
                    m_reader->open(database, m_settings.storageOptions);
                }
                onStorageFailed(Status::storageFailure(QStringLiteral("installing a snapshot failed: %1").arg(status.message())));
                return;
            }
            // The snapshot's membership, as the restarted committer read it.
            const QVector<ReplicationCore::Configuration> installed =
                configurations(m_committer->initialMemberships(), m_settings.members);
            m_driver->snapshotInstalled(info->seq, info->term, installed.first().membership);
            QJsonObject event{{QStringLiteral("timeMs"), QDateTime::currentMSecsSinceEpoch()},
                              {QStringLiteral("kind"), QStringLiteral("snapshot-installed")},
                              {QStringLiteral("term"), core.term()},
                              {QStringLiteral("shard"), m_settings.shardId},
                              {QStringLiteral("member"), m_settings.self},
                              {QStringLiteral("node"), m_settings.selfUrl},
                              {QStringLiteral("count"), info->seq}};
            m_events.append(event);
            emit this->event(event);
            qCInfo(lcReplication, "shard %d: installed a snapshot at seq %lld (%lld bytes)", m_settings.shardId, info->seq, info->bytes);
            emit applied(m_committer->appliedSeq());
            m_ticker.start();
        });
}

QJsonObject ReplicationNode::state() const
{
    const qint64 nowMs = now();
    const qint64 wallNow = QDateTime::currentMSecsSinceEpoch();
    const ReplicationCore &core = m_driver->core();
    const bool primary = core.role() == ReplicationCore::Role::Primary;
    QJsonArray members;
    for (const Membership::Member &each : core.membership().members()) {
        const int member = each.id;
        QJsonObject info{{QStringLiteral("index"), member},
                         {QStringLiteral("url"), each.url},
                         {QStringLiteral("voter"), each.voter},
                         {QStringLiteral("self"), member == m_settings.self}};
        if (primary) {
            const ReplicationCore::Progress &progress = core.progress(member);
            const qint64 matchSeq = member == m_settings.self ? core.durableSeq() : progress.matchSeq;
            const qint64 lagEntries = qMax<qint64>(0, core.lastSeq() - matchSeq);
            // How old the oldest entry the member does not hold is (at
            // least the oldest cached one when that is older still).
            qint64 lagMs = 0;
            const std::optional<qint64> oldest = lagEntries > 0 ? m_driver->timestampOf(matchSeq + 1) : std::nullopt;
            if (oldest) {
                const qint64 stamp = *oldest;
                lagMs = stamp > 0 ? qMax<qint64>(0, wallNow - stamp) : 0;
            }
            const qint64 contact = member == m_settings.self ? nowMs : progress.lastContactMs;
            // A member not heard from in this term: what it holds is unknown,
            // not zero.
            const bool known = member == m_settings.self || contact >= 0;
            info.insert(QStringLiteral("matchSeq"), known ? QJsonValue(matchSeq) : QJsonValue());
            info.insert(QStringLiteral("lagEntries"), known ? QJsonValue(lagEntries) : QJsonValue());
            info.insert(QStringLiteral("lagMs"), known ? QJsonValue(lagMs) : QJsonValue());
            info.insert(QStringLiteral("lastContactAgeMs"), contact < 0 ? QJsonValue() : QJsonValue(nowMs - contact));
            const bool recovering = member != m_settings.self && (progress.recovering || !progress.voter);
            info.insert(QStringLiteral("state"), ReplicationRules::syncStateName(ReplicationRules::classifyLag(
                                                     nowMs, contact, lagMs, m_settings.failoverTimeoutMs,
                                                     m_settings.maxReplicationLagMs, recovering)));
            if (member != m_settings.self) {
                info.insert(QStringLiteral("inflight"), progress.inflight);
                info.insert(QStringLiteral("snapshotNeeded"), progress.snapshotNeeded);
            }
        }
        members.append(info);
    }
    const QString primaryAddress = primaryUrl();
    const Status canWrite = writable();
    const Status canRead = readable();
    return QJsonObject{
        {QStringLiteral("nodeId"), m_settings.nodeId},
        {QStringLiteral("shard"), m_settings.shardId},
        {QStringLiteral("member"), m_settings.self},
        {QStringLiteral("self"), m_settings.selfUrl},
        {QStringLiteral("role"), ReplicationCore::roleName(core.role())},
        {QStringLiteral("term"), core.term()},
        {QStringLiteral("votedFor"), core.votedFor() < 0 ? QJsonValue() : QJsonValue(core.votedFor())},
        {QStringLiteral("leader"), core.leader() < 0 ? QJsonValue() : QJsonValue(core.leader())},
        {QStringLiteral("primary"), primaryAddress.isEmpty() ? QJsonValue() : QJsonValue(primaryAddress)},
        {QStringLiteral("lastSeq"), core.lastSeq()},
        {QStringLiteral("lastTerm"), core.lastTerm()},
        {QStringLiteral("voter"), core.isVoter()},
        {QStringLiteral("commitSeq"), core.commitSeq()},
        {QStringLiteral("appliedSeq"), m_committer->appliedSeq()},
        {QStringLiteral("durableSeq"), m_committer->durableSeq()},
        {QStringLiteral("compactedSeq"), core.log().compactedSeq()},
        {QStringLiteral("lease"), core.hasLease(nowMs)},
        {QStringLiteral("writable"), canWrite.isOk()},
        {QStringLiteral("writableReason"), canWrite.isOk() ? QJsonValue() : QJsonValue(canWrite.message())},
        {QStringLiteral("readable"), canRead.isOk()},
        {QStringLiteral("storageFailure"), m_driver->storageFailure().isEmpty() ? QJsonValue() : QJsonValue(m_driver->storageFailure())},
        {QStringLiteral("lastPrimaryContactAgeMs"),
         core.lastLeaderContactMs() < 0 ? QJsonValue() : QJsonValue(nowMs - core.lastLeaderContactMs())},
        {QStringLiteral("rolledBack"), m_rolledBack},
        {QStringLiteral("logReads"), m_driver->logReads()},
        {QStringLiteral("pid"), qint64(QCoreApplication::applicationPid())},
        {QStringLiteral("uptimeMs"), nowMs},
        {QStringLiteral("members"), members},
        // The membership in force here (its Configure entry's seq; 0: the
        // configuration file's), and whether it is committed yet.
        {QStringLiteral("membership"), core.membership().toJsonObject()},
        {QStringLiteral("membershipSeq"), core.membershipSeq()},
        {QStringLiteral("membershipPending"), core.membershipChangePending()},
        {QStringLiteral("events"), m_events},
    };
}
