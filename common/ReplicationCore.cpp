#include "ReplicationCore.h"

using ReplicationRules::majority;

QString ReplicationCore::roleName(Role role)
{
    switch (role) {
    case Role::Replica: return QStringLiteral("replica");
    case Role::Candidate: return QStringLiteral("candidate");
    case Role::Primary: return QStringLiteral("primary");
    }
    return QString();
}

ReplicationCore::ReplicationCore(const Options &options, const HardState &state, const TermHistory &log, qint64 commitSeq,
                                 const QVector<Configuration> &configurations, qint64 now)
    : m_options(options)
    , m_state(state)
    , m_configurations(configurations)
    , m_log(log)
    , m_commitSeq(qMin(commitSeq, log.lastSeq()))
    , m_durableSeq(log.lastSeq())
{
    Q_ASSERT(!m_configurations.isEmpty());
    if (m_configurations.isEmpty())
        m_configurations.append(Configuration{0, Membership::initial({QString()})});
    while (m_configurations.size() > 1 && m_configurations.at(1).seq <= m_commitSeq)
        m_configurations.removeFirst();
    ensureSlots();
    // Its acknowledgements before a restart may count in a lease still in force.
    m_lastLeaseSupportMs = voterCount() > 1 && state.term > 0 ? now : -1;
}

void ReplicationCore::ensureSlots()
{
    int needed = 0;
    for (const Configuration &configuration : std::as_const(m_configurations))
        needed = qMax(needed, configuration.membership.nextId());
    needed = qMax(needed, m_options.self + 1);
    if (m_progress.size() < needed) {
        const qint64 nextSeq = m_log.lastSeq() + 1;
        while (m_progress.size() < needed) {
            Progress progress;
            // A member added while this one is primary: probe from the end.
            progress.nextSeq = nextSeq;
            progress.sentThrough = nextSeq - 1;
            m_progress.append(progress);
        }
        m_votes.resize(needed, false);
        m_voteRetryAtMs.resize(needed, 0);
    }
}

void ReplicationCore::addEvent(Event::Kind kind, qint64 count, const QString &detail, int peer)
{
    Event event{kind, m_state.term, count, detail, peer};
    event.commitSeq = m_commitSeq;
    m_ready.events.append(event);
}

qint64 ReplicationCore::leaseGuardMs(qint64 now) const
{
    if (voterCount() < 2)
        return 0;
    return ReplicationRules::leaseGuardMs(now, m_lastLeaseSupportMs, m_options.leaseMs);
}

ReplicationCore::Ready ReplicationCore::takeReady()
{
    Ready ready = std::move(m_ready);
    m_ready = Ready();
    return ready;
}

bool ReplicationCore::hasLease(qint64 now) const
{
    if (m_role != Role::Primary || !membership().isVoter(m_options.self))
        return false;
    QVector<qint64> contacts;
    for (int member : membership().voterIds()) {
        if (member != m_options.self)
            contacts.append(m_progress.at(member).leaseContactMs);
    }
    return ReplicationRules::hasLease(now, contacts, voterCount(), m_options.leaseMs);
}

void ReplicationCore::appendLocal(const QVector<LogEntry> &entries)
{
    for (const LogEntry &entry : entries) {
        m_log.append(entry.seq, entry.term);
        m_ready.append.append(entry);
        if (entry.op != LogEntry::Op::Configure)
            continue;
        // In force from now on, committed or not (single-server changes).
        Result<Membership> next = Membership::fromJson(entry.body);
        if (!next.isOk()) {
            addEvent(Event::Kind::CommittedConflict, 0,
                     QStringLiteral("configure entry %1 is unreadable: %2").arg(entry.seq).arg(next.status().message()));
            continue;
        }
        const Membership previous = membership();
        m_configurations.append(Configuration{entry.seq, std::move(next).value()});
        ensureSlots();
        // A member new to this membership starts from nothing known here (an
        // id given by a change that was cut may come back for another
        // process: what was known of that one is worthless).
        for (int member : membership().ids()) {
            if (previous.contains(member) || member == m_options.self)
                continue;
            Progress &progress = m_progress[member];
            progress = Progress();
            progress.nextSeq = m_log.lastSeq() + 1;
            progress.sentThrough = m_log.lastSeq();
            m_votes[member] = false;
        }
    }
}

void ReplicationCore::membershipCut(qint64 fromSeq)
{
    while (m_configurations.size() > 1 && m_configurations.last().seq >= fromSeq)
        m_configurations.removeLast();
}

void ReplicationCore::setCommitSeq(qint64 seq)
{
    if (seq <= m_commitSeq)
        return;
    m_commitSeq = seq;
    m_ready.commitSeq = seq;
    // Changes now committed: the newest of them is the committed membership.
    while (m_configurations.size() > 1 && m_configurations.at(1).seq <= m_commitSeq) {
        if (m_role == Role::Primary) {
            const auto [kind, member] = m_configurations.first().membership.describeChange(m_configurations.at(1).membership);
            const Event::Kind eventKind = kind == QLatin1String("member-added") ? Event::Kind::MemberAdded
                : kind == QLatin1String("learner-caught-up")                     ? Event::Kind::LearnerCaughtUp
                                                                                 : Event::Kind::MemberRemoved;
            if (!kind.isEmpty()) {
                addEvent(eventKind, m_configurations.at(1).seq,
                         QStringLiteral("%1 %2 (%3); committed at seq %4")
                             .arg(kind, QString::number(member),
                                  m_configurations.first().membership.urlOf(member).isEmpty()
                                      ? m_configurations.at(1).membership.urlOf(member)
                                      : m_configurations.first().membership.urlOf(member))
                             .arg(m_configurations.at(1).seq),
                         member);
            }
        }
        m_configurations.removeFirst();
    }
}

Status ReplicationCore::checkMembershipChange(const Membership &next, qint64 now) const
{
    if (m_role != Role::Primary)
        return Status::unavailable(QStringLiteral("not primary"));
    if (!hasLease(now))
        return Status::unavailable(QStringLiteral("no quorum: this primary does not hold its lease"));
    if (m_commitSeq < m_termStartSeq) {
        return Status::unavailable(
            QStringLiteral("the primary has not committed the first entry of its term yet; retry"));
    }
    if (membershipChangePending()) {
        return Status::conflict(QStringLiteral("a membership change (seq %1) is not committed yet; one change at a time")
                                    .arg(membershipSeq()));
    }
    if (const Status status = membership().checkChange(next); !status.isOk())
        return status;
    if (!next.isVoter(m_options.self)) {
        return Status::conflict(QStringLiteral("member %1 is the primary: it hands off to another member before it can be removed")
                                    .arg(m_options.self));
    }
    return Status::ok();
}

Status ReplicationCore::propose(QVector<LogEntry> &entries, qint64 now)
{
    if (m_role != Role::Primary)
        return Status::unavailable(QStringLiteral("not primary"));
    if (!hasLease(now)) {
        return Status::unavailable(
            QStringLiteral("no quorum: this primary has not heard from a majority of its replica set for %1 ms; writes are refused")
                .arg(m_options.leaseMs));
    }
    for (qsizetype i = 0; i < entries.size(); ++i) {
        if (entries.at(i).op == LogEntry::Op::Configure) {
            if (entries.size() != 1)
                return Status::internal(QStringLiteral("a configure entry is proposed alone"));
            Result<Membership> next = Membership::fromJson(entries.at(i).body);
            if (!next.isOk())
                return next.status();
            if (const Status status = checkMembershipChange(next.value(), now); !status.isOk())
                return status;
        }
        if (entries.at(i).seq != m_log.lastSeq() + 1 + i)
            return Status::internal(QStringLiteral("proposed entry %1 does not continue the log at %2").arg(entries.at(i).seq).arg(m_log.lastSeq()));
        entries[i].term = m_state.term;
    }
    appendLocal(entries);
    sendAppends(now, false);
    return Status::ok();
}

Status ReplicationCore::campaign(qint64 term, qint64 now, bool transfer)
{
    if (term == m_state.term && m_state.votedFor == m_options.self && m_role != Role::Replica)
        return Status::ok(); // already campaigning for, or holding, this term
    if (term <= m_state.term) {
        return Status::conflict(QStringLiteral("term %1 is not newer than this node's term %2").arg(term).arg(m_state.term));
    }
    if (term > kMaxTerm) {
        return Status::conflict(QStringLiteral("term %1 is past the last term, %2: this replica set can elect no further primary")
                                    .arg(term)
                                    .arg(kMaxTerm));
    }
    if (!membership().isVoter(m_options.self)) {
        return Status::conflict(QStringLiteral("member %1 is not a voter of this replica set (a learner, or removed): it may not "
                                               "stand for election")
                                    .arg(m_options.self));
    }
    if (!m_state.voter && m_log.lastSeq() != 0) {
        return Status::conflict(QStringLiteral("this member started with empty storage and has not caught up with a primary "
                                               "yet: it may not stand for election"));
    }
    m_state.term = term;
    m_state.votedFor = m_options.self;
    m_ready.hardState = m_state;
    m_role = Role::Candidate;
    m_leader = -1;
    m_votes.fill(false);
    m_transferElection = transfer;
    // A lease this member helped give must run out before its own vote
    // can help make another primary (a hand-off: the primary gave it up).
    m_selfVoteAtMs = transfer ? now : now + leaseGuardMs(now);
    m_electionDeadlineMs = m_selfVoteAtMs + m_options.electionTimeoutMs;
    addEvent(Event::Kind::BecameCandidate);
    for (int member : membership().voterIds()) {
        if (member != m_options.self)
            requestVote(member, now);
    }
    maybeWinElection(now);
    return Status::ok();
}

void ReplicationCore::requestVote(int member, qint64 now)
{
    OutgoingMessage message;
    message.to = member;
    message.kind = OutgoingMessage::Kind::Vote;
    message.vote = VoteRequest{m_state.term, m_options.self, m_log.lastSeq(), m_log.lastTerm(), m_transferElection, m_state.voter};
    // The term and vote must be durable before anyone is asked.
    m_ready.afterPersist.append(message);
    m_voteRetryAtMs[member] = now + m_options.heartbeatIntervalMs;
}

void ReplicationCore::maybeWinElection(qint64 now)
{
    if (m_role != Role::Candidate)
        return;
    if (!m_votes.at(m_options.self) && now >= m_selfVoteAtMs)
        m_votes[m_options.self] = true;
    // Votes count from the voters of the membership in force here.
    int granted = 0;
    for (int member : membership().voterIds())
        granted += m_votes.at(member) ? 1 : 0;
    if (m_votes.at(m_options.self) && granted >= majority(voterCount()))
        becomePrimary(now);
}

void ReplicationCore::stepDown(qint64 now)
{
    if (m_role != Role::Replica)
        becomeReplica(now, -1);
}

void ReplicationCore::becomeReplica(qint64 now, int leader)
{
    Q_UNUSED(now);
    const bool changed = m_role != Role::Replica;
    m_role = Role::Replica;
    m_leader = leader;
    if (changed)
        addEvent(Event::Kind::BecameReplica);
}

void ReplicationCore::adoptTerm(qint64 term, qint64 now)
{
    m_state.term = term;
    m_state.votedFor = -1;
    m_ready.hardState = m_state;
    addEvent(Event::Kind::TermAdopted);
    becomeReplica(now, -1);
}

void ReplicationCore::becomePrimary(qint64 now)
{
    if (!m_state.voter) {
        // Won the bootstrap election of a brand-new set: its log is the log.
        m_state.voter = true;
        m_ready.hardState = m_state;
    }
    m_role = Role::Primary;
    m_leader = m_options.self;
    m_leaseHeld = true;
    for (int member = 0; member < m_progress.size(); ++member) {
        Progress &progress = m_progress[member];
        progress = Progress();
        progress.nextSeq = m_log.lastSeq() + 1;
        progress.sentThrough = m_log.lastSeq();
        // Members that voted for this primary were heard just now.
        if (m_votes.at(member) && member != m_options.self)
            progress.lastContactMs = progress.leaseContactMs = now;
    }
    m_progress[m_options.self].matchSeq = m_durableSeq;
    addEvent(Event::Kind::BecamePrimary);
    // The first entry of the term: committing it commits everything before it.
    LogEntry noop;
    noop.seq = m_log.lastSeq() + 1;
    noop.term = m_state.term;
    noop.op = LogEntry::Op::Noop;
    m_termStartSeq = noop.seq;
    appendLocal({noop});
    sendAppends(now, false);
}

void ReplicationCore::sendAppends(qint64 now, bool heartbeat)
{
    for (int member : membership().ids()) {
        if (member != m_options.self)
            sendAppend(member, now, heartbeat);
    }
}

void ReplicationCore::sendAppend(int member, qint64 now, bool heartbeat)
{
    Progress &progress = m_progress[member];
    const bool heartbeatDue = progress.lastSentMs < 0 || now - progress.lastSentMs >= m_options.heartbeatIntervalMs;
    // Queues an append of up to `count` entries from `from`; nullopt, with
    // nothing queued, when the node has not loaded those entries yet.
    const auto send = [&](qint64 from, qint64 count) -> std::optional<AppendRequest> {
        AppendRequest request;
        request.term = m_state.term;
        request.leader = m_options.self;
        request.commitSeq = m_commitSeq;
        const std::optional<qint64> prevTerm = m_log.termAt(from - 1);
        if (!prevTerm) {
            // The member needs entries this log no longer has.
            request.snapshotNeeded = true;
            request.leaderUrl = membership().urlOf(m_options.self);
            request.prevSeq = m_log.compactedSeq();
            request.prevTerm = m_log.compactedTerm();
        } else {
            request.prevSeq = from - 1;
            request.prevTerm = *prevTerm;
            request.entryCount = count;
            if (count > 0 && m_options.fitEntries) {
                const qint64 fit = m_options.fitEntries(from, count);
                if (fit <= 0) {
                    progress.snapshotNeeded = false;
                    return std::nullopt;
                }
                request.entryCount = qMin(fit, count);
            }
        }
        progress.snapshotNeeded = request.snapshotNeeded;
        OutgoingMessage message;
        message.to = member;
        message.kind = OutgoingMessage::Kind::Append;
        message.append = request;
        m_ready.messages.append(message);
        ++progress.inflight;
        progress.lastSentMs = now;
        return request;
    };

    if (progress.probing) {
        // One request at a time until the logs match. Right after an answer
        // the next probe goes at once; after a lost request it waits for the
        // heartbeat interval, so a member that is down is not hammered; so
        // does a member told to fetch a snapshot, while it fetches.
        const bool answered = progress.lastContactMs >= progress.lastSentMs;
        const bool needsSnapshot = !m_log.termAt(progress.nextSeq - 1).has_value();
        if (progress.inflight > 0 || !((answered && !needsSnapshot) || heartbeatDue))
            return;
        const qint64 count = qMax<qint64>(0, qMin(m_options.maxBatchEntries, m_log.lastSeq() - progress.nextSeq + 1));
        // Entries still loading: an empty probe when a heartbeat is due.
        if (!send(progress.nextSeq, count) && heartbeatDue)
            send(progress.nextSeq, 0);
        return;
    }
    // Replicating: keep up to maxInflight requests in flight — but while one
    // is out, another goes only when it is full (maxBatchEntries entries, or
    // as many as the node's byte budget takes): a few entries wait for the
    // answer and go out together, rather than each costing the replica a
    // request and a commit of its own. A lagging replica still gets full
    // appends pipelined.
    while (progress.inflight < m_options.maxInflight && progress.sentThrough < m_log.lastSeq()) {
        const qint64 from = progress.sentThrough + 1;
        const qint64 count = qMin(m_options.maxBatchEntries, m_log.lastSeq() - from + 1);
        if (progress.inflight > 0 && count < m_options.maxBatchEntries
            && (!m_options.fitEntries || m_options.fitEntries(from, count) >= count)) {
            break;
        }
        const std::optional<AppendRequest> request = send(from, count);
        if (!request)
            break; // entries still loading: the node ticks the core again once they are
        if (request->snapshotNeeded) {
            progress.probing = true;
            return;
        }
        progress.sentThrough = request->lastSeq();
    }
    if (heartbeat && heartbeatDue && progress.inflight == 0)
        send(progress.sentThrough + 1, 0);
}

void ReplicationCore::maybeCommit()
{
    if (m_role != Role::Primary)
        return;
    // The voters of the membership in force, uncommitted or not.
    QVector<qint64> matches;
    for (int member : membership().voterIds())
        matches.append(member == m_options.self ? m_durableSeq : m_progress.at(member).matchSeq);
    setCommitSeq(ReplicationRules::commitSeq(matches, membership().writeQuorum(m_options.writeQuorum), m_state.term, m_log,
                                             m_commitSeq));
}

void ReplicationCore::updateLease(qint64 now)
{
    if (m_role != Role::Primary)
        return;
    const bool held = hasLease(now);
    if (held != m_leaseHeld) {
        m_leaseHeld = held;
        addEvent(held ? Event::Kind::LeaseRegained : Event::Kind::LeaseLost);
    }
}

void ReplicationCore::tick(qint64 now)
{
    switch (m_role) {
    case Role::Primary:
        for (int member : membership().ids()) {
            Progress &progress = m_progress[member];
            if (member == m_options.self)
                continue;
            // Requests unanswered for too long count as lost.
            if (progress.inflight > 0 && now - progress.lastSentMs > m_options.requestTimeoutMs) {
                progress.inflight = 1;
                requestFailed(member, now);
            }
            sendAppend(member, now, true);
        }
        updateLease(now);
        break;
    case Role::Candidate:
        if (now > m_electionDeadlineMs) {
            addEvent(Event::Kind::ElectionLost, 0, QStringLiteral("no majority of votes in time"));
            becomeReplica(now, -1);
            break;
        }
        maybeWinElection(now);
        for (int member : membership().voterIds()) {
            if (m_role == Role::Candidate && member != m_options.self && !m_votes.at(member) && now >= m_voteRetryAtMs.at(member))
                requestVote(member, now);
        }
        break;
    case Role::Replica:
        break;
    }
}

Status ReplicationCore::checkAppend(const AppendRequest &request) const
{
    // The leader may be a member this log does not know of yet (a member
    // that joined, or one added since this member last caught up).
    if (request.leader < 0 || request.leader >= kMaxMemberIndex || request.leader == m_options.self)
        return Status::badRequest(QStringLiteral("append: leader %1 is not another member").arg(request.leader));
    if (request.term == m_state.term && m_role == Role::Replica && m_leader >= 0 && m_leader != request.leader) {
        return Status::conflict(QStringLiteral("member %1 claims term %2, whose primary is member %3")
                                    .arg(request.leader)
                                    .arg(request.term)
                                    .arg(m_leader));
    }
    return Status::ok();
}

void ReplicationCore::receive(const AppendRequest &request, qint64 now)
{
    AppendResponse response;
    response.from = m_options.self;
    const auto reply = [&](bool afterPersist) {
        response.term = m_state.term;
        response.lastSeq = m_log.lastSeq();
        response.voter = m_state.voter;
        OutgoingMessage message;
        message.to = request.leader;
        message.kind = OutgoingMessage::Kind::AppendResponse;
        message.appendResponse = response;
        (afterPersist ? m_ready.afterPersist : m_ready.messages).append(message);
    };

    if (request.term < m_state.term) {
        response.hintSeq = m_log.lastSeq() + 1;
        reply(false); // fences the sender: the answer carries the newer term
        return;
    }
    if (const Status refused = checkAppend(request); !refused.isOk()) {
        // Someone else's claim to a term whose primary this member already
        // follows: never replace the true primary's entries with its own.
        addEvent(Event::Kind::CommittedConflict, 0, refused.message());
        response.hintSeq = m_log.lastSeq() + 1;
        reply(false);
        return;
    }
    if (request.term > m_state.term)
        adoptTerm(request.term, now);
    if (m_role == Role::Candidate)
        becomeReplica(now, request.leader);
    if (m_role == Role::Primary) {
        // Two primaries in one term cannot happen with one vote per term.
        addEvent(Event::Kind::CommittedConflict, 0, QStringLiteral("an append from member %1 claims this primary's term").arg(request.leader));
        response.hintSeq = m_log.lastSeq() + 1;
        reply(true);
        return;
    }
    m_leader = request.leader;
    m_lastLeaderContactMs = now;
    // Its answer may extend this primary's lease (counted from when the
    // primary sent the request, which is no later than now).
    m_lastLeaseSupportMs = now;

    if (request.snapshotNeeded) {
        // Only a log that does not hold the primary's compaction point needs
        // it. One that does (or has compacted past it) matches the primary up
        // to there: the primary continues right after it, and any divergent
        // tail of this log is cut by that append. Hinting this log's end
        // instead would loop when the tail diverges before the compaction
        // point: the refusal's hint would fall back into the compacted range.
        const bool holdsPoint = request.prevSeq <= m_log.compactedSeq()
            || m_log.termAt(request.prevSeq) == std::optional<qint64>(request.prevTerm);
        if (!holdsPoint)
            m_ready.fetchSnapshot = request.leader;
        response.hintSeq = holdsPoint ? qMax(request.prevSeq, m_log.compactedSeq()) + 1 : m_log.lastSeq() + 1;
        reply(true);
        return;
    }

    const ReplicationRules::AppendDecision decision = ReplicationRules::matchAppend(m_log, m_commitSeq, request);
    if (!decision.accepted) {
        if (decision.conflictsWithCommitted)
            addEvent(Event::Kind::CommittedConflict, 0, QStringLiteral("member %1 sent entries that contradict committed ones").arg(request.leader));
        response.hintSeq = decision.hintSeq;
        reply(true);
        return;
    }
    if (decision.truncateFrom > 0) {
        const qint64 count = m_log.lastSeq() - decision.truncateFrom + 1;
        m_log.truncateFrom(decision.truncateFrom);
        membershipCut(decision.truncateFrom);
        m_durableSeq = qMin(m_durableSeq, decision.truncateFrom - 1);
        // Entries appended earlier in this same Ready and now cut never reach the disk.
        while (!m_ready.append.isEmpty() && m_ready.append.last().seq >= decision.truncateFrom)
            m_ready.append.removeLast();
        const qint64 durableCut = m_ready.append.isEmpty() ? decision.truncateFrom : m_ready.append.first().seq;
        if (!m_ready.truncateFrom || *m_ready.truncateFrom > decision.truncateFrom)
            m_ready.truncateFrom = qMin(decision.truncateFrom, durableCut);
        addEvent(Event::Kind::RolledBack, count, QStringLiteral("entries %1.. were not on primary %2").arg(decision.truncateFrom).arg(request.leader));
    }
    appendLocal(request.entries.mid(decision.firstNew));
    if (!m_state.voter && decision.matchSeq >= request.commitSeq) {
        // It holds everything the primary had committed: every write
        // acknowledged so far. Its vote counts from now on.
        m_state.voter = true;
        m_ready.hardState = m_state;
        addEvent(Event::Kind::CaughtUp, decision.matchSeq,
                 QStringLiteral("holds primary %1's committed log through %2: votes again").arg(request.leader).arg(request.commitSeq));
    }
    setCommitSeq(qMin(request.commitSeq, decision.matchSeq));
    response.success = true;
    response.matchSeq = decision.matchSeq;
    reply(true);
}

void ReplicationCore::receive(const AppendResponse &response, qint64 now, qint64 sentMs)
{
    if (response.term > m_state.term) {
        adoptTerm(response.term, now);
        return;
    }
    if (m_role != Role::Primary || response.term < m_state.term || !membership().contains(response.from)
        || response.from == m_options.self) {
        return;
    }
    Progress &progress = m_progress[response.from];
    progress.lastContactMs = now;
    const qint64 sent = sentMs >= 0 ? qMin(sentMs, now) : now;
    progress.leaseContactMs = qMax(progress.leaseContactMs, sent);
    progress.lastSeq = response.lastSeq;
    progress.voter = response.voter;
    if (response.lastSeq < progress.matchSeq && sent > progress.matchRaisedMs) {
        // Asked after it had acknowledged matchSeq as durable, it says its log
        // ends before that: it lost its storage (a wiped disk, an old backup).
        // Nothing it acknowledged counts any more; catch it up from wherever
        // its log ends.
        addEvent(Event::Kind::MemberReset, progress.matchSeq,
                 QStringLiteral("member %1 reports its log ends at %2, below the %3 it had acknowledged: its storage was lost; "
                                "catching it up from %2")
                     .arg(response.from)
                     .arg(response.lastSeq)
                     .arg(progress.matchSeq),
                 response.from);
        progress.recovering = true;
        progress.recoverToSeq = qMax(progress.recoverToSeq, progress.matchSeq);
        progress.matchSeq = 0;
        progress.nextSeq = response.lastSeq + 1;
        progress.probing = true;
        progress.sentThrough = progress.nextSeq - 1;
    }
    progress.inflight = qMax(0, progress.inflight - 1);
    if (response.success) {
        const qint64 matchSeq = qMin(response.matchSeq, m_log.lastSeq());
        if (matchSeq > progress.matchSeq) {
            progress.matchSeq = matchSeq;
            progress.matchRaisedMs = now;
        }
        if (progress.recovering && progress.matchSeq >= progress.recoverToSeq)
            progress.recovering = false;
        progress.nextSeq = qMax(progress.nextSeq, progress.matchSeq + 1);
        if (progress.probing) {
            progress.probing = false;
            progress.sentThrough = qMax(progress.sentThrough, progress.matchSeq);
        }
        progress.snapshotNeeded = false;
        maybeCommit();
    } else {
        progress.probing = true;
        progress.nextSeq = qBound(progress.matchSeq + 1, response.hintSeq, m_log.lastSeq() + 1);
        progress.sentThrough = progress.nextSeq - 1;
    }
    updateLease(now);
    sendAppend(response.from, now, false);
}

void ReplicationCore::receive(const VoteRequest &request, qint64 now)
{
    const ReplicationRules::VoteDecision decision = ReplicationRules::decideVote(m_state, m_log, request, leaseGuardMs(now));
    if (decision.state.term > m_state.term)
        adoptTerm(decision.state.term, now);
    if (decision.state != m_state) {
        m_state = decision.state;
        m_ready.hardState = m_state;
    }
    OutgoingMessage message;
    message.to = request.candidate;
    message.kind = OutgoingMessage::Kind::VoteResponse;
    message.voteResponse = VoteResponse{m_state.term, m_options.self, decision.granted, decision.retryAfterMs};
    m_ready.afterPersist.append(message);
}

void ReplicationCore::receive(const VoteResponse &response, qint64 now)
{
    if (response.term > m_state.term) {
        adoptTerm(response.term, now);
        return;
    }
    if (m_role != Role::Candidate || !membership().isVoter(response.from) || response.from == m_options.self)
        return;
    if (!response.granted) {
        // Refused while its lease guard runs (it kept its older term): ask
        // again right when the guard ends.
        if (response.retryAfterMs > 0) {
            m_voteRetryAtMs[response.from] = now + response.retryAfterMs;
            m_electionDeadlineMs = qMax(m_electionDeadlineMs, now + response.retryAfterMs + m_options.electionTimeoutMs);
        }
        return;
    }
    if (response.term != m_state.term)
        return;
    m_votes[response.from] = true;
    maybeWinElection(now);
}

void ReplicationCore::requestFailed(int member, qint64 now)
{
    if (m_role != Role::Primary || !membership().contains(member) || member == m_options.self)
        return;
    Progress &progress = m_progress[member];
    progress.inflight = qMax(0, progress.inflight - 1);
    // Requests pipelined after the lost one are lost with it: resend from
    // the first unacknowledged entry. A lost probe is sent again from where
    // it started.
    if (!progress.probing)
        progress.nextSeq = progress.matchSeq + 1;
    progress.probing = true;
    progress.sentThrough = progress.nextSeq - 1;
    Q_UNUSED(now);
}

void ReplicationCore::persisted(qint64 seq, qint64 now)
{
    Q_UNUSED(now);
    m_durableSeq = qMax(m_durableSeq, qMin(seq, m_log.lastSeq()));
    if (m_role == Role::Primary) {
        m_progress[m_options.self].matchSeq = m_durableSeq;
        maybeCommit();
    }
}

void ReplicationCore::compacted(qint64 seq)
{
    if (seq > m_log.compactedSeq() && seq <= m_log.lastSeq())
        m_log.compactThrough(seq);
}

void ReplicationCore::snapshotInstalled(qint64 seq, qint64 term, const Membership &membership, qint64 now)
{
    Q_UNUSED(now);
    m_log = TermHistory(seq, term);
    m_commitSeq = qMax(m_commitSeq, seq);
    m_durableSeq = seq;
    m_configurations = {Configuration{seq, membership}};
    ensureSlots();
}
