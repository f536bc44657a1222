#include "ReplicationDriver.h"

#include "RequestLimits.h"

#include <QLoggingCategory>

#include <limits>

Q_LOGGING_CATEGORY(lcDriver, "peacedb.replication")

ReplicationDriver::ReplicationDriver(const Settings &settings, const Initial &initial, LogStore *store, Transport *transport,
                                     std::function<qint64()> clock, Observer observer)
    : m_settings(settings)
    , m_store(store)
    , m_transport(transport)
    , m_clock(std::move(clock))
    , m_observer(std::move(observer))
    , m_core(coreOptions(settings, this), initial.hardState, initial.log, initial.appliedSeq, initial.configurations, m_clock())
    , m_alive(std::make_shared<bool>(true))
{
}

ReplicationDriver::~ReplicationDriver()
{
    m_alive.reset();
    resolvePromotions(Status::conflict(QStringLiteral("the node is shutting down")));
}

ReplicationCore::Options ReplicationDriver::coreOptions(const Settings &settings, ReplicationDriver *driver)
{
    ReplicationCore::Options options = settings.core;
    options.self = settings.self;
    options.fitEntries = [driver](qint64 from, qint64 count) { return driver->fitEntries(from, count); };
    return options;
}

// --- clients ---------------------------------------------------------------------

Status ReplicationDriver::readable() const
{
    if (!m_storageFailure.isEmpty())
        return Status::storageFailure(m_storageFailure);
    if (m_core.role() != ReplicationCore::Role::Primary)
        return Status::unavailable(QStringLiteral("not primary"));
    if (!m_core.hasLease(now())) {
        return Status::unavailable(
            QStringLiteral("no quorum: this primary has not heard from a majority of its replica set for %1 ms; writes and "
                           "linearizable reads are refused")
                .arg(m_settings.core.leaseMs));
    }
    if (m_store->appliedSeq() < m_core.termStartSeq())
        return Status::unavailable(QStringLiteral("the new primary has not yet committed and applied the first entry of its "
                                                  "term (until then it may lack writes its predecessor acknowledged); retry"));
    return Status::ok();
}

Status ReplicationDriver::writable() const
{
    const Status status = readable();
    if (!status.isOk())
        return status;
    // Every uncommitted entry sits in the cache with a held answer for its
    // client; entries committed by the replicas may still wait for this
    // member's disk in the store's queue.
    return RequestLimits::checkPendingWrites(qMax(m_core.lastSeq() - m_core.commitSeq(), m_store->queuedEntries()),
                                             qMax(m_cacheBytes - m_settings.entryCacheBytes, m_store->queuedBytes()),
                                             m_settings.maxPendingWrites, m_settings.maxPendingWriteBytes);
}

Status ReplicationDriver::propose(QVector<LogEntry> &entries)
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

Result<qint64> ReplicationDriver::proposeMembership(const Membership &next)
{
    if (!m_storageFailure.isEmpty())
        return Status::storageFailure(m_storageFailure);
    if (const Status status = m_core.checkMembershipChange(next, now()); !status.isOk())
        return status;
    LogEntry entry;
    entry.seq = m_core.lastSeq() + 1;
    entry.term = m_core.term();
    entry.op = LogEntry::Op::Configure;
    entry.body = next.toJson();
    QVector<LogEntry> entries{entry};
    cacheAppend(entries);
    const Status proposed = m_core.propose(entries, now());
    if (!proposed.isOk()) {
        cacheTruncate(entry.seq);
        return proposed;
    }
    qCInfo(lcDriver, "shard %d term %lld: membership change at seq %lld: %s", m_settings.shardId, m_core.term(), entry.seq,
           entry.body.constData());
    processReady();
    return entry.seq;
}

void ReplicationDriver::maybePromoteLearner()
{
    if (!m_settings.promoteLearners || m_core.role() != ReplicationCore::Role::Primary || m_core.membershipChangePending()
        || !readable().isOk()) {
        return;
    }
    for (const Membership::Member &member : m_core.membership().members()) {
        if (member.voter)
            continue;
        // Caught up: it holds every committed entry, is not rebuilding lost
        // storage, said it holds the committed log (its own voter flag), and
        // answered within the lease (a learner that stops answering would
        // become a voter nobody hears).
        const ReplicationCore::Progress &progress = m_core.progress(member.id);
        if (progress.matchSeq < m_core.commitSeq() || progress.recovering || !progress.voter || progress.lastContactMs < 0
            || now() - progress.lastContactMs > m_settings.core.leaseMs) {
            continue;
        }
        const Result<Membership> next = m_core.membership().withVoter(member.id);
        if (!next.isOk())
            continue;
        const Result<qint64> seq = proposeMembership(next.value());
        if (seq.isOk()) {
            qCInfo(lcDriver, "shard %d term %lld: learner %d holds the log through %lld: becoming a voter (seq %lld)",
                   m_settings.shardId, m_core.term(), member.id, progress.matchSeq, seq.value());
        }
        return;
    }
}

// --- the owner's events -------------------------------------------------------------

void ReplicationDriver::tick()
{
    if (!m_storageFailure.isEmpty())
        return;
    m_core.tick(now());
    if (m_promotionDeadlineMs >= 0 && now() >= m_promotionDeadlineMs)
        resolvePromotions(Status::conflict(QStringLiteral("no majority of votes before the election timed out")));
    if (m_handOffDone && m_handOffDeadlineMs >= 0 && now() >= m_handOffDeadlineMs)
        finishHandOff(false, QStringLiteral("no replica caught up and won an election in time"));
    maybeBootstrap();
    maybePromoteLearner();
    processReady();
}

void ReplicationDriver::durable(qint64 lastSeq, qint64 appliedSeq, quint64 ticket)
{
    m_completedTicket = qMax(m_completedTicket, ticket);
    if (m_pendingCutFrom > 0 && m_completedTicket >= m_pendingCutTicket)
        m_pendingCutFrom = 0;
    m_core.persisted(lastSeq, now());
    while (!m_held.empty() && m_held.front().ticket <= m_completedTicket) {
        const Held held = std::move(m_held.front());
        m_held.pop_front();
        for (const auto &sendNow : held.sends)
            sendNow();
    }
    if (m_observer.applied)
        m_observer.applied(appliedSeq);
    processReady();
}

void ReplicationDriver::compacted(qint64 seq)
{
    m_core.compacted(seq);
}

void ReplicationDriver::storageFailed(const Status &status)
{
    // The core's view of the log now runs ahead of the disk: this member
    // can no longer take part safely until it restarts and rereads its log.
    m_storageFailure = QStringLiteral("the node stopped replicating after a storage failure (%1); restart it").arg(status.message());
    qCCritical(lcDriver, "%s", qPrintable(m_storageFailure));
    // Answers held for writes that did not become durable are never sent
    // (dropping them answers their requests with an error): a later batch
    // that succeeds must not release them.
    m_held.clear();
    m_core.stepDown(now());
    if (m_observer.storageFailed)
        m_observer.storageFailed(m_storageFailure);
    processReady();
    if (m_observer.abandoned)
        m_observer.abandoned(Status::storageFailure(m_storageFailure), m_store->appliedSeq());
}

void ReplicationDriver::beginSnapshotInstall()
{
    // The store drops what it had queued: answers held for it are never sent.
    m_held.clear();
    forgetLoadedEntries();
}

void ReplicationDriver::snapshotInstalled(qint64 seq, qint64 term, const Membership &membership)
{
    m_cache.clear();
    m_cacheBytes = 0;
    m_pendingCutFrom = 0;
    // Entries past this member's commit point may differ from the
    // snapshot's: they are gone with the old file.
    if (m_observer.cut)
        m_observer.cut(m_core.commitSeq() + 1);
    m_core.snapshotInstalled(seq, term, membership, now());
}

// --- the Ready loop ---------------------------------------------------------------

void ReplicationDriver::processReady()
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
            // Until this cut is durable the store still holds the old
            // entries from there on: the new ones must stay in the cache.
            m_pendingCutFrom = m_pendingCutFrom > 0 ? qMin(m_pendingCutFrom, *ready.truncateFrom) : *ready.truncateFrom;
            m_pendingCutTicket = std::numeric_limits<quint64>::max();
            cacheTruncate(*ready.truncateFrom);
            forgetLoadedEntries();
            if (m_observer.cut)
                m_observer.cut(*ready.truncateFrom);
        }
        if (!ready.append.isEmpty())
            cacheAppend(ready.append);

        quint64 ticket = 0;
        if (ready.hardState || ready.truncateFrom || !ready.append.isEmpty()) {
            LogWrite write;
            write.truncateFromSeq = ready.truncateFrom.value_or(0);
            write.hardState = ready.hardState;
            write.entries = ready.append;
            write.commitThroughSeq = m_core.commitSeq();
            ticket = m_store->submit(write);
            if (write.truncateFromSeq > 0)
                m_pendingCutTicket = ticket;
        } else if (ready.commitSeq) {
            m_store->commitThrough(*ready.commitSeq);
        }

        std::vector<std::function<void()>> held;
        for (const OutgoingMessage &message : ready.afterPersist)
            send(message, &held);
        if (!held.empty()) {
            // Nothing written by this Ready: its promises still need what is
            // already on its way to the disk.
            if (ticket == 0 && !m_store->isIdle())
                ticket = m_store->submit(LogWrite());
            if (ticket == 0 || ticket <= m_completedTicket) {
                for (const auto &sendNow : held)
                    sendNow();
            } else {
                m_held.push_back(Held{ticket, std::move(held)});
            }
        }
        for (const OutgoingMessage &message : ready.messages)
            send(message, nullptr);
        if (ready.fetchSnapshot && m_observer.fetchSnapshot)
            m_observer.fetchSnapshot(int(*ready.fetchSnapshot));
    }
    m_prefetched.clear();
    // Ranges read back that nobody needs any more (members moved on): memory
    // stays bounded.
    if (m_loaded.size() > m_settings.maxLoadedRanges)
        m_loaded.clear();
    if (m_handOffWaiting)
        checkHandOff();
    // Last: the owner may answer clients (and append more) from here.
    if (m_core.commitSeq() > m_reportedCommitSeq) {
        m_reportedCommitSeq = m_core.commitSeq();
        if (m_observer.committed)
            m_observer.committed(m_reportedCommitSeq);
    }
}

void ReplicationDriver::send(const OutgoingMessage &message, std::vector<std::function<void()>> *held)
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
        if (!m_currentReply)
            return;
        auto reply = std::move(m_currentReply);
        m_currentReply = nullptr;
        action = [reply, message] { reply(message); };
        break;
    }
    }
    if (held)
        held->push_back(std::move(action));
    else
        action();
}

void ReplicationDriver::sendAppend(const OutgoingMessage &message)
{
    AppendRequest request = message.append;
    const int member = message.to;
    if (request.entryCount > 0) {
        const qint64 from = request.prevSeq + 1;
        // Entries read back stay for other members that need the same range.
        QVector<LogEntry> prepared = from < cacheFirstSeq() ? m_loaded.value(from) : m_prefetched.take(from);
        Result<QVector<LogEntry>> loaded = Status::unavailable(QStringLiteral("log entries %1.. are not loaded").arg(from));
        if (prepared.size() >= request.entryCount)
            loaded = prepared.mid(0, request.entryCount);
        else if (from >= cacheFirstSeq())
            loaded = cachedEntries(from, request.entryCount);
        if (loaded.isOk() && loaded->size() != request.entryCount)
            loaded = Status::unavailable(QStringLiteral("log entries changed while an append was prepared"));
        if (!loaded.isOk()) {
            qCWarning(lcDriver, "cannot send entries %lld.. to member %d: %s", from, member, qPrintable(loaded.status().message()));
            m_core.requestFailed(member, now());
            return;
        }
        request.entries = std::move(loaded).value();
    }
    const qint64 term = request.term;
    const qint64 sentMs = now();
    const std::weak_ptr<bool> alive = m_alive;
    m_transport->sendAppend(member, request, [this, alive, member, term, sentMs](const Result<AppendResponse> &response) {
        if (alive.expired())
            return;
        if (response.isOk() && response->from == member)
            m_core.receive(response.value(), now(), sentMs);
        else if (m_core.term() == term) // an older term's request is no longer counted in flight
            m_core.requestFailed(member, now());
        processReady();
    });
}

void ReplicationDriver::sendVote(const OutgoingMessage &message)
{
    const std::weak_ptr<bool> alive = m_alive;
    m_transport->sendVote(message.to, message.vote, [this, alive](const Result<VoteResponse> &response) {
        if (alive.expired() || !response.isOk())
            return;
        m_core.receive(response.value(), now());
        processReady();
    });
}

void ReplicationDriver::recordEvent(const ReplicationCore::Event &event)
{
    using Kind = ReplicationCore::Event::Kind;
    if (m_observer.event)
        m_observer.event(event);
    switch (event.kind) {
    case Kind::BecamePrimary:
        m_wasPrimary = true;
        resolvePromotions(Status::ok());
        break;
    case Kind::BecameReplica:
    case Kind::TermAdopted:
        if (m_wasPrimary && m_core.role() != ReplicationCore::Role::Primary) {
            m_wasPrimary = false;
            // The commit point when the role was lost, not after the message
            // that deposed it (which may have cut this primary's tail and
            // committed a newer primary's entries at the same seqs).
            if (m_observer.abandoned)
                m_observer.abandoned(Status::unavailable(QStringLiteral("this node is no longer the primary")), event.commitSeq);
        }
        if (m_core.role() == ReplicationCore::Role::Replica) {
            resolvePromotions(
                Status::conflict(QStringLiteral("the election ended without this node as primary (term %1)").arg(m_core.term())));
        }
        break;
    case Kind::ElectionLost:
        resolvePromotions(Status::conflict(event.detail));
        break;
    default:
        break;
    }
}

// --- member requests ----------------------------------------------------------------

void ReplicationDriver::receiveAppend(const AppendRequest &request, std::function<void(const Result<AppendResponse> &)> reply)
{
    // A member whose storage failed no longer knows what its log holds: it
    // must not acknowledge anything until it restarts and rereads it.
    if (!m_storageFailure.isEmpty())
        return reply(Status::storageFailure(m_storageFailure));
    if (const Status refused = m_core.checkAppend(request); !refused.isOk()) {
        qCWarning(lcDriver, "shard %d term %lld: refused an append: %s", m_settings.shardId, m_core.term(),
                  qPrintable(refused.message()));
        return reply(refused);
    }
    m_currentReply = [reply](const OutgoingMessage &message) {
        if (message.kind == OutgoingMessage::Kind::AppendResponse)
            reply(message.appendResponse);
        else
            reply(Status::internal(QStringLiteral("an append was answered with a vote")));
    };
    m_core.receive(request, now());
    processReady();
    if (m_currentReply) {
        m_currentReply = nullptr;
        reply(Status::internal(QStringLiteral("the append produced no answer")));
    }
}

void ReplicationDriver::receiveVote(const VoteRequest &request, std::function<void(const Result<VoteResponse> &)> reply)
{
    if (!m_storageFailure.isEmpty())
        return reply(Status::storageFailure(m_storageFailure));
    if (request.candidate < 0 || request.candidate >= kMaxMemberIndex || request.candidate == m_settings.self)
        return reply(Status::badRequest(QStringLiteral("vote: candidate %1 is not another member").arg(request.candidate)));
    m_currentReply = [reply](const OutgoingMessage &message) {
        if (message.kind == OutgoingMessage::Kind::VoteResponse)
            reply(message.voteResponse);
        else
            reply(Status::internal(QStringLiteral("a vote was answered with an append answer")));
    };
    m_core.receive(request, now());
    processReady();
    if (m_currentReply) {
        m_currentReply = nullptr;
        reply(Status::internal(QStringLiteral("the vote produced no answer")));
    }
}

void ReplicationDriver::promote(qint64 term, bool transfer, std::function<void(const Status &, qint64)> done)
{
    if (!m_storageFailure.isEmpty())
        return done(Status::storageFailure(m_storageFailure), term);
    term = ReplicationRules::promotionTerm(term, m_core.term());
    const Status status = m_core.campaign(term, now(), transfer);
    if (!status.isOk())
        return done(status, term);
    if (m_core.role() == ReplicationCore::Role::Primary && m_core.term() == term && !m_core.hasReady())
        return done(Status::ok(), term);
    m_promotions.push_back(Promotion{term, std::move(done)});
    // An election may first wait up to LeaseMs for leases to run out.
    m_promotionDeadlineMs = now() + m_settings.core.leaseMs + m_settings.core.electionTimeoutMs + 500;
    processReady();
}

void ReplicationDriver::resolvePromotions(const Status &status)
{
    if (m_promotions.empty())
        return;
    m_promotionDeadlineMs = -1;
    const std::vector<Promotion> promotions = std::move(m_promotions);
    m_promotions.clear();
    for (const Promotion &promotion : promotions) {
        if (status.isOk() && m_core.term() == promotion.term)
            promotion.done(Status::ok(), promotion.term);
        else
            promotion.done(status.isOk() ? Status::conflict(QStringLiteral("the election was lost")) : status, promotion.term);
    }
}

bool ReplicationDriver::stepDown()
{
    const bool wasPrimary = m_core.role() == ReplicationCore::Role::Primary;
    m_core.stepDown(now());
    processReady();
    return wasPrimary;
}

void ReplicationDriver::handOff(qint64 timeoutMs, HandOffDone done)
{
    if (m_core.role() != ReplicationCore::Role::Primary)
        return done(false, QStringLiteral("not the primary"));
    if (m_core.membership().voterCount() < 2)
        return done(false, QStringLiteral("no other voter"));
    m_handOffDone = std::move(done);
    m_handOffWaiting = true;
    m_handOffDeadlineMs = now() + timeoutMs;
    qCInfo(lcDriver, "shard %d term %lld: handing off: waiting for a replica to hold seq %lld", m_settings.shardId, m_core.term(),
           m_core.lastSeq());
    checkHandOff();
}

void ReplicationDriver::checkHandOff()
{
    if (!m_handOffDone || !m_handOffWaiting)
        return;
    if (m_core.role() != ReplicationCore::Role::Primary)
        return finishHandOff(false, QStringLiteral("stepped down before a replica caught up"));
    QVector<ReplicationRules::MemberProgress> replicas;
    for (int member : m_core.membership().voterIds()) {
        if (member != m_settings.self)
            replicas.append({member, m_core.progress(member).matchSeq, m_core.progress(member).lastContactMs});
    }
    const std::optional<int> successor = ReplicationRules::handOffSuccessor(replicas, m_core.lastSeq());
    if (!successor)
        return; // checked again after every change (processReady)
    m_handOffWaiting = false;
    const qint64 term = ReplicationRules::promotionTerm(0, m_core.term());
    qCInfo(lcDriver, "shard %d term %lld: handing off: member %d holds seq %lld; stepping down and asking it to stand for term %lld",
           m_settings.shardId, m_core.term(), *successor, m_core.lastSeq(), term);
    m_core.stepDown(now());
    processReady();
    const std::weak_ptr<bool> alive = m_alive;
    const int member = *successor;
    m_transport->requestPromotion(member, term, [this, alive, member, term](const Status &status) {
        if (alive.expired())
            return;
        if (status.isOk())
            finishHandOff(true, QStringLiteral("member %1 is primary for term %2").arg(member).arg(term));
        else
            finishHandOff(false, QStringLiteral("member %1 did not win term %2: %3").arg(member).arg(term).arg(status.message()));
    });
}

void ReplicationDriver::finishHandOff(bool handedOff, const QString &detail)
{
    if (!m_handOffDone)
        return;
    m_handOffWaiting = false;
    m_handOffDeadlineMs = -1;
    const HandOffDone done = std::move(m_handOffDone);
    m_handOffDone = nullptr;
    done(handedOff, detail);
}

// --- bootstrap ------------------------------------------------------------------------

bool ReplicationDriver::isBrandNew() const
{
    return m_core.lastSeq() == 0 && m_core.role() == ReplicationCore::Role::Replica && m_core.lastLeaderContactMs() < 0;
}

void ReplicationDriver::maybeBootstrap()
{
    if (!m_settings.bootstrap || m_bootstrapProbing || !isBrandNew()
        || (m_lastBootstrapMs >= 0 && now() - m_lastBootstrapMs < m_settings.core.electionTimeoutMs)) {
        return;
    }
    m_lastBootstrapMs = now();
    struct Probe
    {
        int pending = 0;
        QVector<std::pair<int, ReplicationRules::PeerSummary>> answers;
    };
    const QVector<int> voters = m_core.membership().voterIds();
    auto probe = std::make_shared<Probe>();
    probe->pending = int(voters.size()) - (voters.contains(m_settings.self) ? 1 : 0);
    const auto decide = [this, probe, voters] {
        m_bootstrapProbing = false;
        const ReplicationRules::BootstrapDecision decision =
            ReplicationRules::decideBootstrap(int(voters.size()), m_core.term(), probe->answers);
        switch (decision.outcome) {
        case ReplicationRules::BootstrapDecision::Outcome::NotNew:
            m_settings.bootstrap = false;
            qCInfo(lcDriver, "shard %d: member %d already holds data, so this is not a new replica set: not electing this member; "
                             "a promotion (coordinator or operator) elects the primary",
                   m_settings.shardId, decision.withData);
            return;
        case ReplicationRules::BootstrapDecision::Outcome::Wait:
            return; // asked again after the election timeout
        case ReplicationRules::BootstrapDecision::Outcome::Elect:
            if (!isBrandNew())
                return;
            qCInfo(lcDriver, "shard %d: %d of %d members are up and empty: electing this member for term %lld", m_settings.shardId,
                   int(probe->answers.size()) + 1, int(voters.size()), decision.term);
            m_core.campaign(decision.term, now());
            processReady();
            return;
        }
    };
    if (probe->pending == 0)
        return decide();
    m_bootstrapProbing = true;
    const std::weak_ptr<bool> alive = m_alive;
    for (int member : voters) {
        if (member == m_settings.self)
            continue;
        m_transport->probe(member, [alive, probe, member, decide](const Result<ReplicationRules::PeerSummary> &summary) {
            if (alive.expired())
                return;
            if (summary.isOk())
                probe->answers.append({member, summary.value()});
            if (--probe->pending == 0)
                decide();
        });
    }
}

// --- entries for appends ---------------------------------------------------------------

qint64 ReplicationDriver::cacheFirstSeq() const
{
    if (!m_cache.empty())
        return m_cache.front().seq;
    const QVector<LogEntry> &pending = m_core.pendingAppend();
    return pending.isEmpty() ? m_core.lastSeq() + 1 : pending.first().seq;
}

const LogEntry *ReplicationDriver::inMemory(qint64 seq) const
{
    // The core's newest entries first: not in the cache yet.
    const QVector<LogEntry> &pending = m_core.pendingAppend();
    if (!pending.isEmpty() && seq >= pending.first().seq && seq <= pending.last().seq)
        return &pending.at(seq - pending.first().seq);
    if (!m_cache.empty() && seq >= m_cache.front().seq && seq <= m_cache.back().seq)
        return &m_cache.at(size_t(seq - m_cache.front().seq));
    return nullptr;
}

std::optional<qint64> ReplicationDriver::timestampOf(qint64 seq) const
{
    if (m_cache.empty() || seq > m_cache.back().seq)
        return std::nullopt;
    const qint64 first = qMax(seq, m_cache.front().seq);
    return m_cache.at(size_t(first - m_cache.front().seq)).timestampMs;
}

int ReplicationDriver::heldAnswers() const
{
    int count = 0;
    for (const Held &held : m_held)
        count += int(held.sends.size());
    return count;
}

Result<QVector<LogEntry>> ReplicationDriver::cachedEntries(qint64 from, qint64 count) const
{
    QVector<LogEntry> out;
    const qint64 to = from + count - 1;
    qint64 bytes = 0;
    for (qint64 seq = from; seq <= to; ++seq) {
        const LogEntry *entry = inMemory(seq);
        if (!entry)
            break;
        bytes += entry->approximateJsonBytes();
        if (bytes > m_settings.maxAppendBytes && !out.isEmpty())
            break; // a prefix is as good as the whole range: the core sends what fits
        out.append(*entry);
    }
    if (out.isEmpty())
        return Status::unavailable(QStringLiteral("log entries %1..%2 are not in memory").arg(from).arg(to));
    return out;
}

qint64 ReplicationDriver::fitEntries(qint64 from, qint64 count)
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
    // Older entries come from the store, read off this thread; the core
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

bool ReplicationDriver::isCurrent(const QVector<LogEntry> &entries) const
{
    // Log matching: equal terms at the first and last seq mean equal entries
    // in between (and none of them compacted away).
    return !entries.isEmpty() && entries.first().seq > m_core.log().compactedSeq()
        && m_core.log().termAt(entries.first().seq) == entries.first().term
        && m_core.log().termAt(entries.last().seq) == entries.last().term;
}

void ReplicationDriver::loadEntries(qint64 from, qint64 to)
{
    if (m_loading.contains(from) || to < from || m_loading.size() >= m_settings.maxLoadedRanges)
        return;
    const quint64 generation = m_loadGeneration;
    const std::weak_ptr<bool> alive = m_alive;
    const bool queued = m_store->readEntries(from, to, m_settings.maxAppendBytes, [this, alive, from, generation](const Result<QVector<LogEntry>> &loaded) {
        if (alive.expired() || generation != m_loadGeneration)
            return;
        m_loading.remove(from);
        if (!loaded.isOk() || loaded->isEmpty() || loaded->first().seq != from) {
            if (m_lastLoadWarningMs < 0 || now() - m_lastLoadWarningMs >= 1000) {
                m_lastLoadWarningMs = now();
                qCWarning(lcDriver, "shard %d: cannot read log entries %lld.. for a replica: %s", m_settings.shardId, from,
                          qPrintable(loaded.isOk() ? QStringLiteral("not in the log") : loaded.status().message()));
            }
            return;
        }
        ++m_logReads;
        m_loaded.insert(from, loaded.value());
        if (!m_storageFailure.isEmpty())
            return;
        // The appends that waited for them.
        m_core.tick(now());
        processReady();
    });
    if (queued)
        m_loading.insert(from);
}

void ReplicationDriver::forgetLoadedEntries()
{
    ++m_loadGeneration;
    m_loaded.clear();
    m_loading.clear();
}

void ReplicationDriver::cacheAppend(const QVector<LogEntry> &entries)
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
    // Entries may leave the cache once they can be read back from the store
    // as they are (not while a cut before them is still on its way there).
    const qint64 durable = m_pendingCutFrom > 0 ? qMin(m_store->durableSeq(), m_pendingCutFrom - 1) : m_store->durableSeq();
    while (!m_cache.empty() && m_cache.front().seq <= durable
           && (qint64(m_cache.size()) > m_settings.entryCacheEntries || m_cacheBytes > m_settings.entryCacheBytes)) {
        m_cacheBytes -= m_cache.front().body.size();
        m_cache.pop_front();
    }
}

void ReplicationDriver::cacheTruncate(qint64 fromSeq)
{
    while (!m_cache.empty() && m_cache.back().seq >= fromSeq) {
        m_cacheBytes -= m_cache.back().body.size();
        m_cache.pop_back();
    }
}
