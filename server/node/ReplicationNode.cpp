#include "ReplicationNode.h"

#include "DocumentReader.h"
#include "ReadPool.h"
#include "RequestLimits.h"
#include "GroupCommitter.h"
#include "JsonText.h"
#include "HttpClientPool.h"
#include "SnapshotFile.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>

Q_LOGGING_CATEGORY(lcReplication, "peacedb.replication")

namespace {

constexpr qint64 kCacheEntries = 50000;
constexpr int kMaxEvents = 200;
// Ranges read back from disk and not yet sent, at most (each up to
// kMaxAppendBytes).
constexpr int kMaxLoadedRanges = 16;

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
    }
    return QStringLiteral("unknown");
}

// Runs `work` on a thread of its own and `done` with its result on the
// receiver's thread.
template <typename T>
void runInBackground(QObject *receiver, std::function<T()> work, std::function<void(const T &)> done)
{
    auto result = std::make_shared<std::optional<T>>();
    QThread *thread = QThread::create([work, result] { *result = work(); });
    QObject::connect(thread, &QThread::finished, receiver, [thread, result, done] {
        done(**result);
        thread->deleteLater();
    });
    thread->start();
}

} // namespace

ReplicationNode::ReplicationNode(const Settings &settings, GroupCommitter *committer, DocumentReader *reader, QObject *parent)
    : CommitLog(parent)
    , m_settings(settings)
    , m_committer(committer)
    , m_reader(reader)
    , m_core(coreOptions(settings.core, this), committer->initialHardState(), committer->initialTermHistory(),
             committer->appliedSeq(), 0)
{
    m_clock.start();
    const Result<qint64> rolledBack = reader->rolledBackCount();
    m_rolledBack = rolledBack.isOk() ? rolledBack.value() : 0;
    connect(m_committer, &GroupCommitter::durable, this, &ReplicationNode::onDurable);
    connect(m_committer, &GroupCommitter::compacted, this, &ReplicationNode::onCompacted);
    connect(m_committer, &GroupCommitter::failed, this, &ReplicationNode::onStorageFailed);
    for (int member = 0; member < settings.members.size(); ++member) {
        m_peers.append(member == settings.self ? nullptr
                                               : new HttpClientPool(QUrl(settings.members.at(member)), settings.token,
                                                                settings.core.maxInflight + 1,
                                                                int(qMax(settings.core.requestTimeoutMs, settings.core.electionTimeoutMs)),
                                                                this));
    }
    m_ticker.setInterval(int(qBound(qint64(10), settings.core.heartbeatIntervalMs / 4, qint64(50))));
    connect(&m_ticker, &QTimer::timeout, this, &ReplicationNode::tick);
    m_promotionTimeout.setSingleShot(true);
    connect(&m_promotionTimeout, &QTimer::timeout, this,
            [this] { resolvePromotions(false, QStringLiteral("no majority of votes before the election timed out")); });
    m_handOffTimeout.setSingleShot(true);
    connect(&m_handOffTimeout, &QTimer::timeout, this,
            [this] { finishHandOff(false, QStringLiteral("no replica caught up and won an election in time")); });
    connect(&m_handOffPoll, &QTimer::timeout, this, &ReplicationNode::checkHandOff);
    ReadPool::Options logReads;
    logReads.path = settings.databasePath;
    logReads.storage = settings.storageOptions;
    logReads.threads = 1;
    logReads.maxQueued = kMaxLoadedRanges;
    m_logReadPool = std::make_unique<ReadPool>(logReads);
}

ReplicationNode::~ReplicationNode()
{
    resolvePromotions(false, QStringLiteral("the node is shutting down"));
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
    return {m_core.log().termAt(seq).value_or(0), seq};
}

QString ReplicationNode::primaryUrl() const
{
    const int leader = m_core.leader();
    return leader >= 0 && leader < m_settings.members.size() ? m_settings.members.at(leader) : QString();
}

Status ReplicationNode::writable() const
{
    const Status status = readable();
    if (!status.isOk())
        return status;
    // Every uncommitted entry sits in the cache with a held answer for its
    // client; entries committed by the replicas may still wait for this
    // member's disk in the committer's queue.
    return RequestLimits::checkPendingWrites(
        qMax(m_core.lastSeq() - m_core.commitSeq(), m_committer->queuedEntries()),
        qMax(m_cacheBytes - m_settings.entryCacheBytes, m_committer->queuedBytes()), m_settings.maxPendingWrites,
        m_settings.maxPendingWriteBytes);
}

std::optional<qint64> ReplicationNode::termAt(qint64 seq) const
{
    return m_core.log().termAt(seq);
}

Status ReplicationNode::readable() const
{
    if (!m_storageFailure.isEmpty())
        return Status::storageFailure(m_storageFailure);
    if (m_core.role() != ReplicationCore::Role::Primary) {
        const QString primary = primaryUrl();
        return Status::unavailable(QStringLiteral("not primary"))
            .withDetail(QStringLiteral("primary"), primary.isEmpty() ? QJsonValue() : QJsonValue(primary));
    }
    if (!m_core.hasLease(now())) {
        return Status::unavailable(
            QStringLiteral("no quorum: this primary has not heard from a majority of its replica set for %1 ms; writes and "
                           "linearizable reads are refused")
                .arg(m_settings.core.failoverTimeoutMs));
    }
    if (m_committer->appliedSeq() < m_core.termStartSeq())
        return Status::unavailable(QStringLiteral("the new primary has not yet committed and applied the first entry of its "
                                                  "term (until then it may lack writes its predecessor acknowledged); retry"));
    return Status::ok();
}

Status ReplicationNode::append(QVector<LogEntry> &entries)
{
    const Status status = writable();
    if (!status.isOk())
        return status;
    // Cached before the core sees them: it sizes its appends to the
    // replicas (fitEntries) while proposing.
    for (LogEntry &entry : entries)
        entry.term = m_core.term();
    cacheAppend(entries);
    const Status proposed = m_core.propose(entries, now());
    if (!proposed.isOk() && !entries.isEmpty())
        cacheTruncate(entries.first().seq);
    processReady();
    return proposed;
}

void ReplicationNode::tick()
{
    m_core.tick(now());
    maybeBootstrap();
    processReady();
}

bool ReplicationNode::isBrandNew() const
{
    return m_core.lastSeq() == 0 && m_core.role() == ReplicationCore::Role::Replica && m_core.lastLeaderContactMs() < 0;
}

void ReplicationNode::maybeBootstrap()
{
    if (!m_settings.bootstrap || m_bootstrapProbing || !isBrandNew()
        || (m_lastBootstrapMs >= 0 && now() - m_lastBootstrapMs < m_settings.core.electionTimeoutMs)) {
        return;
    }
    m_lastBootstrapMs = now();
    struct Probe
    {
        int pending = 0;
        int empty = 1; // this member
        qint64 maxTerm = 0;
        QString withData;
    };
    auto probe = std::make_shared<Probe>();
    probe->pending = int(m_settings.members.size()) - 1;
    probe->maxTerm = m_core.term();
    const auto decide = [this, probe] {
        m_bootstrapProbing = false;
        if (!probe->withData.isEmpty()) {
            m_settings.bootstrap = false;
            qCInfo(lcReplication, "shard %d: %s already holds data, so this is not a new replica set: not electing "
                                  "this member; a promotion (coordinator or operator) elects the primary",
                   m_settings.shardId, qPrintable(probe->withData));
            return;
        }
        if (!isBrandNew() || probe->empty < ReplicationRules::majority(int(m_settings.members.size())))
            return; // tried again after the election timeout
        qCInfo(lcReplication, "shard %d: %d of %d members are up and empty: electing this member for term %lld",
               m_settings.shardId, probe->empty, int(m_settings.members.size()), probe->maxTerm + 1);
        m_core.campaign(probe->maxTerm + 1, now());
        processReady();
    };
    if (probe->pending == 0)
        return decide();
    m_bootstrapProbing = true;
    for (int member = 0; member < m_settings.members.size(); ++member) {
        if (member == m_settings.self)
            continue;
        m_peers.at(member)->get(QByteArrayLiteral("/v1/_replication/state"), [this, probe, member, decide](const HttpClientReply &reply) {
            const int status = reply.status;
            const QByteArray &body = reply.body;
            if (status == 200) {
                const QJsonObject state = QJsonDocument::fromJson(body).object();
                if (state.value(QStringLiteral("lastSeq")).toInteger() > 0
                    || state.value(QStringLiteral("role")).toString() == QLatin1String("primary")) {
                    probe->withData = m_settings.members.at(member);
                } else {
                    ++probe->empty;
                }
                probe->maxTerm = qBound(probe->maxTerm, state.value(QStringLiteral("term")).toInteger(), kMaxTerm);
            }
            if (--probe->pending == 0)
                decide();
        });
    }
}

void ReplicationNode::processReady()
{
    if (m_core.leader() != m_lastLeader) {
        m_lastLeader = m_core.leader();
        if (m_lastLeader >= 0)
            ++m_leaderChanges;
    }
    while (m_core.hasReady()) {
        ReplicationCore::Ready ready = m_core.takeReady();
        for (const ReplicationCore::Event &event : ready.events)
            recordEvent(event);
        if (ready.truncateFrom) {
            cacheTruncate(*ready.truncateFrom);
            forgetLoadedEntries();
            emit cut(*ready.truncateFrom);
        }
        if (!ready.append.isEmpty())
            cacheAppend(ready.append);

        quint64 ticket = 0;
        if (ready.hardState || ready.truncateFrom || !ready.append.isEmpty()) {
            GroupCommitter::LogWrite write;
            write.truncateFromSeq = ready.truncateFrom.value_or(0);
            write.hardState = ready.hardState;
            write.entries = ready.append;
            write.commitThroughSeq = m_core.commitSeq();
            ticket = m_committer->submit(write);
        } else if (ready.commitSeq) {
            m_committer->commitThrough(*ready.commitSeq);
        }

        std::vector<std::function<void()>> held;
        for (const OutgoingMessage &message : ready.afterPersist)
            send(message, &held);
        if (!held.empty()) {
            // Nothing written by this Ready: its promises still need what is
            // already on its way to the disk.
            if (ticket == 0 && !m_committer->isIdle())
                ticket = m_committer->submit(GroupCommitter::LogWrite());
            if (ticket == 0 || ticket <= m_completedTicket) {
                for (const auto &sendNow : held)
                    sendNow();
            } else {
                m_held.push_back(HeldMessages{ticket, std::move(held)});
            }
        }
        for (const OutgoingMessage &message : ready.messages)
            send(message, nullptr);
        if (ready.fetchSnapshot)
            fetchSnapshot(int(*ready.fetchSnapshot));
    }
    m_prefetched.clear();
}

void ReplicationNode::send(const OutgoingMessage &message, std::vector<std::function<void()>> *held)
{
    std::function<void()> action;
    switch (message.kind) {
    case OutgoingMessage::Kind::Append:
        sendAppend(message);
        return;
    case OutgoingMessage::Kind::Vote:
        action = [this, message] { sendVote(message); };
        break;
    case OutgoingMessage::Kind::AppendResponse:
    case OutgoingMessage::Kind::VoteResponse: {
        if (!m_currentResponder)
            return;
        const QByteArray json = message.kind == OutgoingMessage::Kind::AppendResponse ? message.appendResponse.toJson()
                                                                                     : message.voteResponse.toJson();
        Respond respond = std::move(m_currentResponder);
        m_currentResponder = nullptr;
        action = [respond, json] { respond(200, json); };
        break;
    }
    }
    if (held)
        held->push_back(std::move(action));
    else
        action();
}

void ReplicationNode::post(int member, const QByteArray &path, const QByteArray &body,
                           std::function<void(int, const QByteArray &)> done)
{
    m_peers.at(member)->post(path, body, [done = std::move(done)](const HttpClientReply &reply) {
        done(reply.status, reply.status ? reply.body : reply.error.toUtf8());
    });
}

void ReplicationNode::sendAppend(const OutgoingMessage &message)
{
    AppendRequest request = message.append;
    const int member = message.to;
    if (request.entryCount > 0) {
        const qint64 from = request.prevSeq + 1;
        QVector<LogEntry> prepared = from < cacheFirstSeq() ? m_loaded.take(from) : m_prefetched.take(from);
        Result<QVector<LogEntry>> loaded = Status::unavailable(QStringLiteral("log entries %1.. are not loaded").arg(from));
        if (prepared.size() >= request.entryCount)
            loaded = prepared.mid(0, request.entryCount);
        else if (from >= cacheFirstSeq())
            loaded = cachedEntries(from, request.entryCount);
        if (loaded.isOk() && loaded->size() != request.entryCount)
            loaded = Status::unavailable(QStringLiteral("log entries changed while an append was prepared"));
        if (!loaded.isOk()) {
            qCWarning(lcReplication, "cannot send entries %lld.. to member %d: %s", from, member,
                      qPrintable(loaded.status().message()));
            m_core.requestFailed(member, now());
            return;
        }
        request.entries = std::move(loaded).value();
    }
    const qint64 term = request.term;
    const qint64 sentMs = now();
    post(member, QByteArrayLiteral("/v1/_replication/replicate"), request.toJson(), [this, member, term, sentMs](int status, const QByteArray &body) {
        const Result<AppendResponse> response =
            status == 200 ? AppendResponse::fromJson(body) : Result<AppendResponse>(Status::unavailable(QString::fromUtf8(body)));
        if (response.isOk() && response->from == member)
            m_core.receive(response.value(), now(), sentMs);
        else if (m_core.term() == term) // an older term's request is no longer counted in flight
            m_core.requestFailed(member, now());
        processReady();
    });
}

void ReplicationNode::sendVote(const OutgoingMessage &message)
{
    post(message.to, QByteArrayLiteral("/v1/_replication/vote"), message.vote.toJson(), [this](int status, const QByteArray &body) {
        if (status != 200)
            return;
        const Result<VoteResponse> response = VoteResponse::fromJson(body);
        if (response.isOk()) {
            m_core.receive(response.value(), now());
            processReady();
        }
    });
}

ReplicationCore::Options ReplicationNode::coreOptions(ReplicationCore::Options options, ReplicationNode *node)
{
    options.fitEntries = [node](qint64 from, qint64 count) { return node->fitEntries(from, count); };
    return options;
}

qint64 ReplicationNode::cacheFirstSeq() const
{
    return m_cache.empty() ? m_core.lastSeq() + 1 : m_cache.front().seq;
}

Result<QVector<LogEntry>> ReplicationNode::cachedEntries(qint64 from, qint64 count)
{
    QVector<LogEntry> out;
    const qint64 to = from + count - 1;
    qint64 bytes = 0;
    for (qint64 seq = from; seq <= to; ++seq) {
        if (m_cache.empty() || seq < m_cache.front().seq || seq > m_cache.back().seq)
            break;
        const LogEntry &entry = m_cache.at(size_t(seq - m_cache.front().seq));
        bytes += entry.approximateJsonBytes();
        if (bytes > kMaxAppendBytes && !out.isEmpty())
            break; // a prefix is as good as the whole range: the core sends what fits
        out.append(entry);
    }
    if (out.isEmpty() || out.first().seq != from)
        return Status::unavailable(QStringLiteral("log entries %1..%2 are not in memory").arg(from).arg(to));
    return out;
}

qint64 ReplicationNode::fitEntries(qint64 from, qint64 count)
{
    const qint64 cacheFirst = cacheFirstSeq();
    if (from >= cacheFirst) {
        Result<QVector<LogEntry>> cached = cachedEntries(from, count);
        if (!cached.isOk())
            return count; // sending them fails, and the core hears of it
        const qint64 fit = cached->size();
        m_prefetched.insert(from, std::move(cached).value());
        return fit;
    }
    // Older entries come from disk, read on the log-read thread; the core
    // sends them once they are here (loadEntries ticks it).
    const auto loaded = m_loaded.constFind(from);
    if (loaded != m_loaded.constEnd()) {
        if (isCurrent(*loaded))
            return qMin<qint64>(loaded->size(), count);
        m_loaded.erase(loaded);
    }
    loadEntries(from, qMin(from + count - 1, cacheFirst - 1));
    return 0;
}

bool ReplicationNode::isCurrent(const QVector<LogEntry> &entries) const
{
    // Log matching: equal terms at the first and last seq mean equal entries
    // in between (and none of them compacted away).
    return !entries.isEmpty() && m_core.log().termAt(entries.first().seq) == entries.first().term
        && m_core.log().termAt(entries.last().seq) == entries.last().term && entries.first().seq > m_core.log().compactedSeq();
}

void ReplicationNode::loadEntries(qint64 from, qint64 to)
{
    if (m_loading.contains(from) || to < from)
        return;
    if (m_loaded.size() + m_loading.size() >= kMaxLoadedRanges)
        m_loaded.clear(); // ranges nobody took (a member moved on); bounded memory
    const quint64 generation = m_loadGeneration;
    const qint64 count = to - from + 1;
    const bool queued = m_logReadPool->submit<QVector<LogEntry>>(
        [from, to, count](DocumentReader &reader) { return reader.logEntries(from, to, count, kMaxAppendBytes); },
        [this, from, generation](const Result<QVector<LogEntry>> &loaded) {
            if (generation != m_loadGeneration)
                return;
            m_loading.remove(from);
            if (!loaded.isOk() || loaded->isEmpty() || loaded->first().seq != from) {
                if (m_lastLoadWarningMs < 0 || now() - m_lastLoadWarningMs >= 1000) {
                    m_lastLoadWarningMs = now();
                    qCWarning(lcReplication, "shard %d: cannot read log entries %lld.. for a replica: %s", m_settings.shardId, from,
                              qPrintable(loaded.isOk() ? QStringLiteral("not on disk") : loaded.status().message()));
                }
                return;
            }
            ++m_logReadsDone;
            m_loaded.insert(from, loaded.value());
            // The appends that waited for them.
            m_core.tick(now());
            processReady();
        });
    if (queued)
        m_loading.insert(from);
}

void ReplicationNode::forgetLoadedEntries()
{
    ++m_loadGeneration;
    m_loaded.clear();
    m_loading.clear();
}

void ReplicationNode::cacheAppend(const QVector<LogEntry> &entries)
{
    for (const LogEntry &entry : entries) {
        if (!m_cache.empty() && entry.seq >= m_cache.front().seq && entry.seq <= m_cache.back().seq) {
            if (m_cache.at(size_t(entry.seq - m_cache.front().seq)).term == entry.term)
                continue; // a primary caches its proposals before the core hands them out
            cacheTruncate(entry.seq);
        }
        if (!m_cache.empty() && entry.seq != m_cache.back().seq + 1) {
            m_cache.clear();
            m_cacheBytes = 0;
        }
        m_cache.push_back(entry);
        m_cacheBytes += entry.body.size();
    }
    // Entries may leave the cache once they can be read back from disk.
    const qint64 durable = m_committer->durableSeq();
    while (!m_cache.empty() && m_cache.front().seq <= durable
           && (qint64(m_cache.size()) > kCacheEntries || m_cacheBytes > m_settings.entryCacheBytes)) {
        m_cacheBytes -= m_cache.front().body.size();
        m_cache.pop_front();
    }
}

void ReplicationNode::cacheTruncate(qint64 fromSeq)
{
    while (!m_cache.empty() && m_cache.back().seq >= fromSeq) {
        m_cacheBytes -= m_cache.back().body.size();
        m_cache.pop_back();
    }
}

void ReplicationNode::onDurable(qint64 lastSeq, qint64 appliedSeq, quint64 ticket)
{
    m_completedTicket = qMax(m_completedTicket, ticket);
    m_core.persisted(lastSeq, now());
    while (!m_held.empty() && m_held.front().ticket <= m_completedTicket) {
        const HeldMessages held = std::move(m_held.front());
        m_held.pop_front();
        for (const auto &sendNow : held.sends)
            sendNow();
    }
    emit applied(appliedSeq);
    processReady();
}

void ReplicationNode::onCompacted(qint64 seq, qint64 term)
{
    Q_UNUSED(term);
    m_core.compacted(seq);
}

void ReplicationNode::onStorageFailed(const Status &status, bool fatal, qint64 lastDurableSeq)
{
    Q_UNUSED(fatal);
    Q_UNUSED(lastDurableSeq);
    // The core's view of the log now runs ahead of the disk: this node can
    // no longer take part safely until it restarts and rereads its log.
    m_storageFailure = QStringLiteral("the node stopped replicating after a storage failure (%1); restart it").arg(status.message());
    qCCritical(lcReplication, "%s", qPrintable(m_storageFailure));
    // Answers held for writes that did not become durable are never sent
    // (dropping them answers their requests with an error): a later batch
    // that succeeds must not release them.
    m_held.clear();
    m_core.stepDown(now());
    m_ticker.stop();
    processReady();
    emit abandoned(Status::storageFailure(m_storageFailure), m_committer->appliedSeq());
}

void ReplicationNode::recordEvent(const ReplicationCore::Event &coreEvent)
{
    using Kind = ReplicationCore::Event::Kind;
    QJsonObject event{{QStringLiteral("timeMs"), QDateTime::currentMSecsSinceEpoch()},
                      {QStringLiteral("kind"), eventKindName(coreEvent.kind)},
                      {QStringLiteral("term"), coreEvent.term},
                      {QStringLiteral("shard"), m_settings.shardId},
                      {QStringLiteral("member"), m_settings.self},
                      {QStringLiteral("node"), m_settings.members.at(m_settings.self)}};
    if (coreEvent.count)
        event.insert(QStringLiteral("count"), coreEvent.count);
    if (coreEvent.peer >= 0) {
        event.insert(QStringLiteral("peer"), coreEvent.peer);
        event.insert(QStringLiteral("peerNode"), m_settings.members.value(coreEvent.peer));
    }
    if (!coreEvent.detail.isEmpty())
        event.insert(QStringLiteral("detail"), coreEvent.detail);
    m_events.append(event);
    ++m_eventCounts[eventKindName(coreEvent.kind)];
    while (m_events.size() > kMaxEvents)
        m_events.removeFirst();
    qCInfo(lcReplication, "shard %d term %lld: %s%s", m_settings.shardId, coreEvent.term,
           qPrintable(eventKindName(coreEvent.kind)),
           qPrintable(coreEvent.count ? QStringLiteral(" %1 entries").arg(coreEvent.count) : QString()));
    emit this->event(event);

    switch (coreEvent.kind) {
    case Kind::BecamePrimary:
        m_wasPrimary = true;
        resolvePromotions(true, QString());
        break;
    case Kind::BecameReplica:
    case Kind::TermAdopted:
        if (m_wasPrimary && m_core.role() != ReplicationCore::Role::Primary) {
            m_wasPrimary = false;
            // The commit point when the role was lost, not after the message
            // that deposed it (which may have cut this primary's tail and
            // committed a newer primary's entries at the same seqs).
            emit abandoned(Status::unavailable(QStringLiteral("this node is no longer the primary")), coreEvent.commitSeq);
        }
        if (m_core.role() == ReplicationCore::Role::Replica)
            resolvePromotions(false, QStringLiteral("the election ended without this node as primary (term %1)").arg(m_core.term()));
        break;
    case Kind::ElectionLost:
        resolvePromotions(false, coreEvent.detail);
        break;
    case Kind::RolledBack:
        m_rolledBack += coreEvent.count;
        break;
    default:
        break;
    }
}

void ReplicationNode::resolvePromotions(bool won, const QString &why)
{
    if (m_promotions.empty())
        return;
    m_promotionTimeout.stop();
    const auto promotions = std::move(m_promotions);
    m_promotions.clear();
    for (const auto &[term, respond] : promotions) {
        if (won && m_core.term() == term) {
            respond(200, JsonText::compact(QJsonObject{{QStringLiteral("ok"), true},
                                                       {QStringLiteral("term"), term},
                                                       {QStringLiteral("role"), QStringLiteral("primary")}}));
        } else {
            respond(409, errorJson(Status::conflict(why.isEmpty() ? QStringLiteral("the election was lost") : why)));
        }
    }
}

void ReplicationNode::handleAppend(const QByteArray &body, const Respond &respond)
{
    // A member whose storage failed no longer knows what its log holds: it
    // must not acknowledge anything until it restarts and rereads it.
    if (!m_storageFailure.isEmpty())
        return respond(503, errorJson(Status::storageFailure(m_storageFailure)));
    const Result<AppendRequest> request = AppendRequest::fromJson(body);
    if (!request.isOk())
        return respond(400, errorJson(request.status()));
    if (const Status refused = m_core.checkAppend(request.value()); !refused.isOk()) {
        qCWarning(lcReplication, "shard %d term %lld: refused an append: %s", m_settings.shardId, m_core.term(),
                  qPrintable(refused.message()));
        return respond(refused.code() == Status::Code::BadRequest ? 400 : 409, errorJson(refused));
    }
    m_currentResponder = respond;
    m_core.receive(request.value(), now());
    processReady();
    if (m_currentResponder) {
        m_currentResponder = nullptr;
        respond(500, errorJson(Status::internal(QStringLiteral("the append produced no answer"))));
    }
}

void ReplicationNode::handleVote(const QByteArray &body, const Respond &respond)
{
    if (!m_storageFailure.isEmpty())
        return respond(503, errorJson(Status::storageFailure(m_storageFailure)));
    const Result<VoteRequest> request = VoteRequest::fromJson(body);
    if (!request.isOk())
        return respond(400, errorJson(request.status()));
    if (request->candidate < 0 || request->candidate >= m_settings.members.size() || request->candidate == m_settings.self)
        return respond(400, errorJson(Status::badRequest(QStringLiteral("vote: candidate %1 is not another member").arg(request->candidate))));
    m_currentResponder = respond;
    m_core.receive(request.value(), now());
    processReady();
    if (m_currentResponder) {
        m_currentResponder = nullptr;
        respond(500, errorJson(Status::internal(QStringLiteral("the vote produced no answer"))));
    }
}

void ReplicationNode::promote(qint64 term, bool transfer, const Respond &respond)
{
    if (!m_storageFailure.isEmpty())
        return respond(503, errorJson(Status::storageFailure(m_storageFailure)));
    if (term == 0)
        term = m_core.term() + 1;
    const Status status = m_core.campaign(term, now(), transfer);
    if (!status.isOk())
        return respond(409, errorJson(status));
    if (m_core.role() == ReplicationCore::Role::Primary && m_core.term() == term && !m_core.hasReady()) {
        respond(200, JsonText::compact(QJsonObject{{QStringLiteral("ok"), true},
                                                   {QStringLiteral("term"), term},
                                                   {QStringLiteral("role"), QStringLiteral("primary")}}));
        return;
    }
    m_promotions.emplace_back(term, respond);
    // An election may first wait up to FailoverTimeoutMs for leases to run out.
    m_promotionTimeout.start(int(m_settings.core.failoverTimeoutMs + m_settings.core.electionTimeoutMs + 500));
    processReady();
}

void ReplicationNode::stepDown(const Respond &respond)
{
    const bool wasPrimary = m_core.role() == ReplicationCore::Role::Primary;
    m_core.stepDown(now());
    processReady();
    respond(200, JsonText::compact(QJsonObject{{QStringLiteral("ok"), true},
                                               {QStringLiteral("term"), m_core.term()},
                                               {QStringLiteral("role"), ReplicationCore::roleName(m_core.role())},
                                               {QStringLiteral("wasPrimary"), wasPrimary}}));
}

void ReplicationNode::handOff(qint64 timeoutMs, const HandOffDone &done)
{
    if (m_core.role() != ReplicationCore::Role::Primary)
        return done(false, QStringLiteral("not the primary"));
    if (m_settings.members.size() < 2)
        return done(false, QStringLiteral("no other member"));
    m_handOffDone = done;
    qCInfo(lcReplication, "shard %d term %lld: handing off: waiting for a replica to hold seq %lld", m_settings.shardId,
           m_core.term(), m_core.lastSeq());
    m_handOffTimeout.start(int(timeoutMs));
    m_handOffPoll.start(2);
    checkHandOff();
}

void ReplicationNode::checkHandOff()
{
    if (!m_handOffDone || !m_handOffPoll.isActive())
        return;
    if (m_core.role() != ReplicationCore::Role::Primary)
        return finishHandOff(false, QStringLiteral("stepped down before a replica caught up"));
    // The replica that holds the whole log and answered most recently.
    int successor = -1;
    for (int member = 0; member < m_settings.members.size(); ++member) {
        if (member == m_settings.self)
            continue;
        const ReplicationCore::Progress &progress = m_core.progress(member);
        if (progress.matchSeq < m_core.lastSeq())
            continue;
        if (successor < 0 || progress.lastContactMs > m_core.progress(successor).lastContactMs)
            successor = member;
    }
    if (successor < 0)
        return;
    m_handOffPoll.stop();
    const qint64 term = m_core.term() + 1;
    qCInfo(lcReplication, "shard %d term %lld: handing off: member %d holds seq %lld; stepping down and asking it to stand for "
                          "term %lld",
           m_settings.shardId, m_core.term(), successor, m_core.lastSeq(), term);
    m_core.stepDown(now());
    processReady();
    post(successor, QByteArrayLiteral("/v1/_replication/promote"),
         JsonText::compact(QJsonObject{{QStringLiteral("term"), term}, {QStringLiteral("transfer"), true}}),
         [this, successor, term](int status, const QByteArray &body) {
             if (status == 200)
                 finishHandOff(true, QStringLiteral("member %1 is primary for term %2").arg(successor).arg(term));
             else
                 finishHandOff(false, QStringLiteral("member %1 did not win term %2: %3 %4")
                                          .arg(successor)
                                          .arg(term)
                                          .arg(status)
                                          .arg(QString::fromUtf8(body.left(200))));
         });
}

void ReplicationNode::finishHandOff(bool handedOff, const QString &detail)
{
    if (!m_handOffDone)
        return;
    m_handOffPoll.stop();
    m_handOffTimeout.stop();
    const HandOffDone done = std::move(m_handOffDone);
    m_handOffDone = nullptr;
    done(handedOff, detail);
}

void ReplicationNode::handleWal(qint64 since, qint64 limit, const Respond &respond)
{
    if (since < m_core.log().compactedSeq()) {
        return respond(410, errorJson(Status::notFound(QStringLiteral("entries after %1 were compacted away (the log starts at %2); "
                                                                      "fetch /v1/_replication/snapshot")
                                                           .arg(since)
                                                           .arg(m_core.log().firstSeq()))));
    }
    const qint64 durable = m_committer->durableSeq();
    const qint64 count = qMax<qint64>(0, qMin(limit, durable - since));
    const qint64 commitSeq = m_core.commitSeq();
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
    runInBackground<Result<SnapshotFile::Info>>(
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
    if (m_snapshotBusy || leader < 0 || leader >= m_settings.members.size())
        return;
    m_snapshotBusy = true;
    const QString path = QDir(m_settings.dataDir).filePath(QStringLiteral("snapshot-in.sqlite"));
    auto file = std::make_shared<QFile>(path);
    if (!file->open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        qCWarning(lcReplication, "cannot write %s: %s", qPrintable(path), qPrintable(file->errorString()));
        m_snapshotBusy = false;
        return;
    }
    qCInfo(lcReplication, "shard %d: fetching a snapshot from %s", m_settings.shardId, qPrintable(m_settings.members.at(leader)));
    QNetworkRequest request(QUrl(m_settings.members.at(leader) + QStringLiteral("/v1/_replication/snapshot")));
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
    runInBackground<Result<SnapshotFile::Info>>(
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
            m_held.clear();
            m_committer->stop();
            m_reader->close();
            if (m_readPool)
                m_readPool->suspend();
            m_logReadPool->suspend();
            forgetLoadedEntries();
            const QString database = m_settings.databasePath;
            Status status = SnapshotFile::finishInstall(path, database, HardState{m_core.term(), m_core.votedFor(), m_core.isVoter()});
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
                onStorageFailed(Status::storageFailure(QStringLiteral("installing a snapshot failed: %1").arg(status.message())), true,
                                m_committer->durableSeq());
                return;
            }
            m_cache.clear();
            m_cacheBytes = 0;
            // Entries past this member's commit point may differ from the
            // snapshot's: they are gone with the old file.
            emit cut(m_core.commitSeq() + 1);
            m_core.snapshotInstalled(info->seq, info->term, now());
            QJsonObject event{{QStringLiteral("timeMs"), QDateTime::currentMSecsSinceEpoch()},
                              {QStringLiteral("kind"), QStringLiteral("snapshot-installed")},
                              {QStringLiteral("term"), m_core.term()},
                              {QStringLiteral("shard"), m_settings.shardId},
                              {QStringLiteral("member"), m_settings.self},
                              {QStringLiteral("node"), m_settings.members.at(m_settings.self)},
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
    const bool primary = m_core.role() == ReplicationCore::Role::Primary;
    QJsonArray members;
    for (int member = 0; member < m_settings.members.size(); ++member) {
        QJsonObject info{{QStringLiteral("index"), member},
                         {QStringLiteral("url"), m_settings.members.at(member)},
                         {QStringLiteral("self"), member == m_settings.self}};
        if (primary) {
            const ReplicationCore::Progress &progress = m_core.progress(member);
            const qint64 matchSeq = member == m_settings.self ? m_core.durableSeq() : progress.matchSeq;
            const qint64 lagEntries = qMax<qint64>(0, m_core.lastSeq() - matchSeq);
            // How old the oldest entry the member does not hold is (at
            // least the oldest cached one when that is older still).
            qint64 lagMs = 0;
            if (lagEntries > 0 && !m_cache.empty() && matchSeq + 1 <= m_cache.back().seq) {
                const qint64 first = qMax(matchSeq + 1, m_cache.front().seq);
                const qint64 stamp = m_cache.at(size_t(first - m_cache.front().seq)).timestampMs;
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
                                                     nowMs, contact, lagMs, m_settings.core.failoverTimeoutMs,
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
    return QJsonObject{
        {QStringLiteral("nodeId"), m_settings.nodeId},
        {QStringLiteral("shard"), m_settings.shardId},
        {QStringLiteral("member"), m_settings.self},
        {QStringLiteral("self"), m_settings.members.at(m_settings.self)},
        {QStringLiteral("role"), ReplicationCore::roleName(m_core.role())},
        {QStringLiteral("term"), m_core.term()},
        {QStringLiteral("votedFor"), m_core.votedFor() < 0 ? QJsonValue() : QJsonValue(m_core.votedFor())},
        {QStringLiteral("leader"), m_core.leader() < 0 ? QJsonValue() : QJsonValue(m_core.leader())},
        {QStringLiteral("primary"), primaryAddress.isEmpty() ? QJsonValue() : QJsonValue(primaryAddress)},
        {QStringLiteral("lastSeq"), m_core.lastSeq()},
        {QStringLiteral("lastTerm"), m_core.lastTerm()},
        {QStringLiteral("voter"), m_core.isVoter()},
        {QStringLiteral("commitSeq"), m_core.commitSeq()},
        {QStringLiteral("appliedSeq"), m_committer->appliedSeq()},
        {QStringLiteral("durableSeq"), m_committer->durableSeq()},
        {QStringLiteral("compactedSeq"), m_core.log().compactedSeq()},
        {QStringLiteral("lease"), m_core.hasLease(nowMs)},
        {QStringLiteral("writable"), canWrite.isOk()},
        {QStringLiteral("writableReason"), canWrite.isOk() ? QJsonValue() : QJsonValue(canWrite.message())},
        {QStringLiteral("storageFailure"), m_storageFailure.isEmpty() ? QJsonValue() : QJsonValue(m_storageFailure)},
        {QStringLiteral("lastPrimaryContactAgeMs"),
         m_core.lastLeaderContactMs() < 0 ? QJsonValue() : QJsonValue(nowMs - m_core.lastLeaderContactMs())},
        {QStringLiteral("rolledBack"), m_rolledBack},
        {QStringLiteral("logReads"), m_logReadsDone},
        {QStringLiteral("pid"), qint64(QCoreApplication::applicationPid())},
        {QStringLiteral("uptimeMs"), nowMs},
        {QStringLiteral("members"), members},
        {QStringLiteral("events"), m_events},
    };
}
