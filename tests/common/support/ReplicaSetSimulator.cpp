#include "ReplicaSetSimulator.h"

#include <QFile>

#include "TermHistory.h"

#include <algorithm>

namespace {

QString kindName(OutgoingMessage::Kind kind)
{
    switch (kind) {
    case OutgoingMessage::Kind::Append: return QStringLiteral("append");
    case OutgoingMessage::Kind::AppendResponse: return QStringLiteral("append-answer");
    case OutgoingMessage::Kind::Vote: return QStringLiteral("vote");
    case OutgoingMessage::Kind::VoteResponse: return QStringLiteral("vote-answer");
    }
    return QString();
}

QString describe(const ReplicaSetSimulator::Message &message)
{
    const OutgoingMessage &payload = message.payload;
    QString text = QStringLiteral("#%1 %2 %3->%4 ").arg(message.id).arg(kindName(payload.kind)).arg(message.from).arg(message.to);
    switch (payload.kind) {
    case OutgoingMessage::Kind::Append:
        text += QStringLiteral("term %1 prev %2/%3 n %4 commit %5%6")
                    .arg(payload.append.term)
                    .arg(payload.append.prevSeq)
                    .arg(payload.append.prevTerm)
                    .arg(payload.append.entryCount)
                    .arg(payload.append.commitSeq)
                    .arg(payload.append.snapshotNeeded ? QStringLiteral(" snapshotNeeded") : QString());
        break;
    case OutgoingMessage::Kind::AppendResponse:
        text += QStringLiteral("term %1 %2 match %3 hint %4 last %5")
                    .arg(payload.appendResponse.term)
                    .arg(payload.appendResponse.success ? QStringLiteral("ok") : QStringLiteral("refused"))
                    .arg(payload.appendResponse.matchSeq)
                    .arg(payload.appendResponse.hintSeq)
                    .arg(payload.appendResponse.lastSeq);
        break;
    case OutgoingMessage::Kind::Vote:
        text += QStringLiteral("term %1 last %2/%3").arg(payload.vote.term).arg(payload.vote.lastSeq).arg(payload.vote.lastTerm);
        break;
    case OutgoingMessage::Kind::VoteResponse:
        text += QStringLiteral("term %1 %2")
                    .arg(payload.voteResponse.term)
                    .arg(payload.voteResponse.granted ? QStringLiteral("granted") : QStringLiteral("refused"));
        break;
    }
    return text;
}

QByteArray entryBytes(const LogEntry &entry)
{
    return entry.toJson();
}

} // namespace

// --- Node ---------------------------------------------------------------

qint64 ReplicaSetSimulator::Node::viewLastSeq() const
{
    if (pendingCut > 0)
        return pendingCut - 1 + pendingTail.size();
    return durableLastSeq();
}

const LogEntry *ReplicaSetSimulator::Node::durableEntry(qint64 seq) const
{
    if (seq <= compactedSeq || seq > durableLastSeq())
        return nullptr;
    return &log.at(seq - compactedSeq - 1);
}

const LogEntry *ReplicaSetSimulator::Node::viewEntry(qint64 seq) const
{
    if (pendingCut > 0 && seq >= pendingCut) {
        const qint64 index = seq - pendingCut;
        return index < pendingTail.size() ? &pendingTail.at(index) : nullptr;
    }
    return durableEntry(seq);
}

std::optional<qint64> ReplicaSetSimulator::Node::viewTermAt(qint64 seq) const
{
    if (seq == compactedSeq)
        return compactedTerm;
    if (const LogEntry *entry = viewEntry(seq))
        return entry->term;
    return std::nullopt;
}

// --- the driver's environment ------------------------------------------------

class ReplicaSetSimulator::Store : public ReplicationDriver::LogStore
{
public:
    Store(ReplicaSetSimulator *sim, int index)
        : m_sim(sim)
        , m_index(index)
    {
    }
    quint64 submit(const LogWrite &write) override { return m_sim->submit(node(), write); }
    void commitThrough(qint64 seq) override { m_sim->commitThrough(node(), seq); }
    bool isIdle() const override { return !node().hasPending; }
    qint64 durableSeq() const override { return node().durableLastSeq(); }
    qint64 appliedSeq() const override { return node().appliedSeq; }
    qint64 queuedEntries() const override { return node().pendingTail.size(); }
    qint64 queuedBytes() const override
    {
        qint64 bytes = 0;
        for (const LogEntry &entry : node().pendingTail)
            bytes += entry.body.size();
        return bytes;
    }
    bool readEntries(qint64 from, qint64 to, qint64 maxBytes, ReadDone done) override
    {
        // Read when the simulator finishes pending work: what is durable then.
        const int incarnation = node().incarnation;
        m_sim->m_pending.push_back([sim = m_sim, index = m_index, incarnation, from, to, maxBytes, done] {
            const Node &node = *sim->m_nodes.at(index);
            if (node.crashed || node.incarnation != incarnation)
                return;
            QVector<LogEntry> entries;
            qint64 bytes = 0;
            for (qint64 seq = from; seq <= to; ++seq) {
                const LogEntry *entry = node.durableEntry(seq);
                if (!entry)
                    break;
                bytes += entry->approximateJsonBytes();
                if (bytes > maxBytes && !entries.isEmpty())
                    break;
                entries.append(*entry);
            }
            sim->note(QStringLiteral("node %1 read %2 entries from %3 back from its log").arg(index).arg(entries.size()).arg(from));
            if (entries.isEmpty())
                done(Status::notFound(QStringLiteral("entries %1..%2 are not in the durable log").arg(from).arg(to)));
            else
                done(entries);
            sim->drain(sim->mutableNode(index));
        });
        return true;
    }

private:
    Node &node() const { return *m_sim->m_nodes[m_index]; }
    ReplicaSetSimulator *m_sim;
    int m_index;
};

class ReplicaSetSimulator::Peers : public ReplicationDriver::Transport
{
public:
    Peers(ReplicaSetSimulator *sim, int index)
        : m_sim(sim)
        , m_index(index)
    {
    }
    void sendAppend(int member, const AppendRequest &request, std::function<void(const Result<AppendResponse> &)> done) override
    {
        OutgoingMessage payload;
        payload.kind = OutgoingMessage::Kind::Append;
        payload.to = member;
        payload.append = request;
        PendingRequest pending;
        pending.kind = payload.kind;
        pending.to = member;
        pending.term = request.term;
        pending.appendDone = std::move(done);
        Node &node = *m_sim->m_nodes[m_index];
        if (!m_sim->checkAppend(node, request)) {
            pending.appendDone(Status::internal(QStringLiteral("a bad append was not sent")));
            return;
        }
        m_sim->sendRequest(node, m_sim->outgoing(node, member, payload), std::move(pending));
    }
    void sendVote(int member, const VoteRequest &request, std::function<void(const Result<VoteResponse> &)> done) override
    {
        OutgoingMessage payload;
        payload.kind = OutgoingMessage::Kind::Vote;
        payload.to = member;
        payload.vote = request;
        PendingRequest pending;
        pending.kind = payload.kind;
        pending.to = member;
        pending.term = request.term;
        pending.voteDone = std::move(done);
        Node &node = *m_sim->m_nodes[m_index];
        m_sim->sendRequest(node, m_sim->outgoing(node, member, payload), std::move(pending));
    }
    // Calls that are not protocol messages run when the simulator finishes
    // pending work, if the two members can talk then.
    void requestPromotion(int member, qint64 term, std::function<void(const Status &)> done) override
    {
        const int from = m_index;
        const int incarnation = m_sim->m_nodes[from]->incarnation;
        m_sim->note(QStringLiteral("node %1 asks node %2 to stand for term %3 (hand-off)").arg(from).arg(member).arg(term));
        m_sim->m_pending.push_back([sim = m_sim, from, incarnation, member, term, done] {
            const auto alive = [sim, from, incarnation] {
                return !sim->m_nodes.at(from)->crashed && sim->m_nodes.at(from)->incarnation == incarnation;
            };
            if (!alive())
                return;
            if (!sim->isUp(member) || !sim->canTalk(from, member))
                return done(Status::unavailable(QStringLiteral("no answer")));
            Node &target = sim->mutableNode(member);
            target.driver->promote(term, true, [sim, from, alive, done](const Status &status, qint64) {
                if (!alive())
                    return;
                done(status);
                sim->drain(sim->mutableNode(from));
            });
            sim->drain(target);
        });
    }
    void probe(int member, std::function<void(const Result<ReplicationRules::PeerSummary> &)> done) override
    {
        const int from = m_index;
        const int incarnation = m_sim->m_nodes[from]->incarnation;
        m_sim->m_pending.push_back([sim = m_sim, from, incarnation, member, done] {
            const Node &node = *sim->m_nodes.at(from);
            if (node.crashed || node.incarnation != incarnation)
                return;
            if (!sim->isUp(member) || !sim->canTalk(from, member))
                done(Status::unavailable(QStringLiteral("no answer")));
            else
                done(ReplicationRules::PeerSummary{sim->core(member).term(), sim->core(member).lastSeq(),
                                                   sim->core(member).role() == ReplicationCore::Role::Primary});
            sim->drain(sim->mutableNode(from));
        });
    }

private:
    ReplicaSetSimulator *m_sim;
    int m_index;
};

// --- construction ---------------------------------------------------------

ReplicaSetSimulator::ReplicaSetSimulator(const Options &options)
    : m_options(options)
    , m_group(options.members, 0)
    , m_entriesDelivered(options.members, 0)
{
    // Seeds 1, 2, 3... must not give shifted copies of one sequence.
    m_random = options.seed;
    m_random = random() ^ 0xD1B54A32D192ED03ULL;
    // 0: a majority of the voters in force, whatever the membership becomes
    // (Membership::writeQuorum never goes below one).
    if (m_options.writeQuorum <= 0)
        m_options.writeQuorum = 1;
    QStringList urls;
    for (int index = 0; index < m_options.members; ++index)
        urls.append(urlOf(index));
    m_initialMembership = Membership::initial(urls);
    for (int index = 0; index < m_options.members; ++index) {
        auto node = std::make_unique<Node>();
        node->index = index;
        // As a node's new data file: empty, so not a voter before it catches up.
        node->hardState = HardState{0, -1, false};
        node->state = node->hardState;
        node->appliedMembership = m_initialMembership;
        m_nodes.push_back(std::move(node));
        startDriver(*m_nodes.back());
    }
}

QString ReplicaSetSimulator::urlOf(int index)
{
    return QStringLiteral("http://sim-%1:1").arg(index);
}

int ReplicaSetSimulator::addNode()
{
    auto node = std::make_unique<Node>();
    node->index = size();
    node->hardState = HardState{0, -1, false};
    node->state = node->hardState;
    node->appliedMembership = m_initialMembership;
    m_group.append(0);
    m_entriesDelivered.append(0);
    m_nodes.push_back(std::move(node));
    startDriver(*m_nodes.back());
    note(QStringLiteral("node %1 starts, empty").arg(size() - 1));
    return size() - 1;
}

Result<qint64> ReplicaSetSimulator::changeMembership(int index, const Membership &next)
{
    Node &node = mutableNode(index);
    if (node.crashed)
        return Status::unavailable(QStringLiteral("node %1 is down").arg(index));
    const Result<qint64> seq = node.driver->proposeMembership(next);
    note(QStringLiteral("node %1 proposes membership %2: %3")
             .arg(index)
             .arg(QString::fromUtf8(next.toJson()), seq.isOk() ? QStringLiteral("seq %1").arg(seq.value()) : seq.status().toString()));
    drain(node);
    return seq;
}

Result<qint64> ReplicaSetSimulator::addMember(int primary, int index)
{
    const Result<Membership> next = core(primary).membership().withLearner(urlOf(index));
    if (!next.isOk())
        return next.status();
    if (next->idOf(urlOf(index)) != index)
        return Status::internal(QStringLiteral("node %1 would get member id %2").arg(index).arg(next->idOf(urlOf(index))));
    return changeMembership(primary, next.value());
}

Result<qint64> ReplicaSetSimulator::removeMember(int primary, int index)
{
    const Result<Membership> next = core(primary).membership().without(index);
    if (!next.isOk())
        return next.status();
    return changeMembership(primary, next.value());
}

ReplicaSetSimulator::~ReplicaSetSimulator()
{
    // Drivers answer what they still hold (promotions) as they go: while
    // everything they may call is still here.
    for (const auto &node : m_nodes)
        node->driver.reset();
}

void ReplicaSetSimulator::startDriver(Node &node)
{
    ReplicationDriver::Settings settings;
    settings.self = node.index;
    settings.core = m_options.core;
    settings.core.writeQuorum = m_options.writeQuorum;
    settings.maxAppendBytes = m_options.maxAppendBytes;
    settings.entryCacheBytes = m_options.entryCacheBytes;
    TermHistory history(node.compactedSeq, node.compactedTerm);
    for (const LogEntry &entry : node.log)
        history.append(entry.seq, entry.term);
    node.store = std::make_unique<Store>(this, node.index);
    node.peers = std::make_unique<Peers>(this, node.index);
    const int index = node.index;
    ReplicationDriver::Observer observer;
    observer.event = [this, index](const ReplicationCore::Event &event) {
        Node &node = mutableNode(index);
        node.events.append(event);
        if (event.kind == ReplicationCore::Event::Kind::BecamePrimary)
            note(QStringLiteral("node %1 became primary of term %2").arg(index).arg(event.term));
        else if (event.kind == ReplicationCore::Event::Kind::RolledBack)
            note(QStringLiteral("node %1 rolled back %2 entries: %3").arg(index).arg(event.count).arg(event.detail));
        else if (event.kind == ReplicationCore::Event::Kind::CommittedConflict)
            note(QStringLiteral("node %1 CommittedConflict: %2").arg(index).arg(event.detail));
    };
    // As the server's DocumentService: writes cut from the log, or past the
    // commit point of a primary that lost its role, are not acknowledged.
    observer.cut = [this, index](qint64 fromSeq) {
        Node &node = mutableNode(index);
        answerClients(node, node.acknowledgements.cut(fromSeq), QStringLiteral("cut from the log"));
    };
    observer.committed = [this, index](qint64 seq) {
        Node &node = mutableNode(index);
        answerClients(node, node.acknowledgements.committed(seq, [&node](qint64 at) { return node.core().log().termAt(at); }),
                      QStringLiteral("committed"));
    };
    observer.abandoned = [this, index](const Status &reason, qint64 lastKeptSeq) {
        Node &node = mutableNode(index);
        answerClients(node, node.acknowledgements.abandoned(lastKeptSeq), reason.message());
    };
    observer.fetchSnapshot = [this, index](int leader) {
        Node &node = mutableNode(index);
        node.fetchSnapshotFrom = leader;
        ++node.fetchSnapshotCount;
    };
    // As the server reads them back: the applied membership, then the
    // Configure entries of the log past the applied seq.
    QVector<ReplicationCore::Configuration> configurations{{node.appliedMembershipSeq, node.appliedMembership}};
    for (const LogEntry &entry : node.log) {
        if (entry.seq > node.appliedSeq && entry.op == LogEntry::Op::Configure)
            configurations.append({entry.seq, Membership::fromJson(entry.body).value()});
    }
    node.driver = std::make_unique<ReplicationDriver>(
        settings, ReplicationDriver::Initial{node.hardState, history, node.appliedSeq, configurations}, node.store.get(),
        node.peers.get(), [this] { return m_now; }, observer);
}

quint64 ReplicaSetSimulator::random()
{
    // splitmix64: the same sequence on every platform.
    quint64 z = (m_random += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int ReplicaSetSimulator::randomBelow(int bound)
{
    return bound <= 0 ? 0 : int(random() % quint64(bound));
}

void ReplicaSetSimulator::note(const QString &line)
{
    m_trace.append(QStringLiteral("[t=%1] ").arg(m_now) + line);
    if (m_trace.size() > 200000)
        m_trace.erase(m_trace.begin(), m_trace.begin() + 50000);
}

QString ReplicaSetSimulator::trace(int lines) const
{
    return m_trace.mid(qMax(0, int(m_trace.size()) - lines)).join(QLatin1Char('\n'));
}

QString ReplicaSetSimulator::report(const QStringList &problems) const
{
    // The whole trace, for a failure that needs more than its last steps.
    if (qEnvironmentVariableIsSet("PEACEDB_SIM_TRACE_FILE")) {
        QFile file(qEnvironmentVariable("PEACEDB_SIM_TRACE_FILE"));
        if (file.open(QIODevice::WriteOnly))
            file.write(trace(1000000).toUtf8());
    }
    return (problems + violations()).join(QLatin1Char('\n')) + QStringLiteral("\n--- last steps:\n") + trace(60);
}

int ReplicaSetSimulator::eventCount(int index, ReplicationCore::Event::Kind kind) const
{
    const QVector<ReplicationCore::Event> &events = node(index).events;
    return int(std::count_if(events.cbegin(), events.cend(), [kind](const ReplicationCore::Event &event) { return event.kind == kind; }));
}

void ReplicaSetSimulator::violation(const QString &what)
{
    const QString text = QStringLiteral("[t=%1] ").arg(m_now) + what;
    note(QStringLiteral("VIOLATION ") + what);
    if (m_violations.size() < 50)
        m_violations.append(text);
}

std::optional<int> ReplicaSetSimulator::primary() const
{
    std::optional<int> best;
    for (const auto &node : m_nodes) {
        if (node->crashed || node->core().role() != ReplicationCore::Role::Primary)
            continue;
        if (!best || node->core().term() > m_nodes.at(*best)->core().term())
            best = node->index;
    }
    return best;
}

qint64 ReplicaSetSimulator::maxTerm() const
{
    qint64 term = 0;
    for (const auto &node : m_nodes)
        term = qMax(term, node->crashed ? node->hardState.term : node->core().term());
    return term;
}

int ReplicaSetSimulator::acknowledgedCount() const
{
    return int(std::count_if(m_proposals.cbegin(), m_proposals.cend(), [](const Proposal &p) { return p.acknowledged; }));
}

// --- driving the cores ------------------------------------------------------

Status ReplicaSetSimulator::campaign(int index, qint64 term, bool transfer)
{
    Node &node = mutableNode(index);
    if (node.crashed)
        return Status::unavailable(QStringLiteral("node %1 is down").arg(index));
    // The operator's promotion: its answer may come at once (refused) or later.
    struct Answer
    {
        bool returned = false;
        std::optional<Status> refused;
    };
    auto answer = std::make_shared<Answer>();
    node.driver->promote(term, transfer, [this, index, answer](const Status &status, qint64 standingFor) {
        if (!answer->returned && !status.isOk()) {
            answer->refused = status;
            return;
        }
        note(QStringLiteral("node %1: promotion for term %2: %3").arg(index).arg(standingFor).arg(status.isOk() ? QStringLiteral("won") : status.toString()));
    });
    answer->returned = true;
    const Status status = answer->refused.value_or(Status::ok());
    note(QStringLiteral("node %1 campaigns for term %2: %3").arg(index).arg(term).arg(status.isOk() ? QStringLiteral("ok") : status.toString()));
    drain(node);
    return status;
}

Status ReplicaSetSimulator::propose(int index, int count)
{
    Node &node = mutableNode(index);
    if (node.crashed)
        return Status::unavailable(QStringLiteral("node %1 is down").arg(index));
    QVector<LogEntry> entries;
    entries.reserve(count);
    const qint64 first = node.core().lastSeq() + 1;
    for (int i = 0; i < count; ++i) {
        LogEntry entry;
        entry.seq = first + i;
        entry.op = LogEntry::Op::PutDocument;
        entry.db = QStringLiteral("sim");
        const qint64 number = m_nextDocument++;
        entry.id = QStringLiteral("doc-%1-\u00e9").arg(number);
        entry.rev = QStringLiteral("1-%1").arg(number, 8, 16, QLatin1Char('0'));
        entry.body = "{\"id\":\"" + entry.id.toUtf8() + "\",\"rev\":\"" + entry.rev.toUtf8() + "\",\"n\":" + QByteArray::number(number)
            + ",\"v\":1.50}";
        entry.timestampMs = m_now;
        entries.append(entry);
    }
    const Status status = node.driver->propose(entries);
    note(QStringLiteral("node %1 proposes %2 entries from seq %3: %4")
             .arg(index)
             .arg(count)
             .arg(first)
             .arg(status.isOk() ? QStringLiteral("ok") : status.toString()));
    if (status.isOk()) {
        // One client request: all of its entries are answered together.
        const quint64 waiter = m_nextWaiter++;
        QVector<int> indices;
        for (const LogEntry &entry : entries) {
            indices.append(int(m_proposals.size()));
            m_proposals.append(Proposal{index, entry.seq, entry.term, entry.id, entry.body, false});
        }
        node.waiterProposals.insert(waiter, indices);
        node.acknowledgements.add(AcknowledgementQueue::Waiter{waiter, entries.last().term, entries.first().seq, entries.last().seq, 0});
    }
    drain(node);
    return status;
}

void ReplicaSetSimulator::stepDown(int index)
{
    Node &node = mutableNode(index);
    if (node.crashed)
        return;
    node.driver->stepDown();
    drain(node);
}

void ReplicaSetSimulator::setAutoPersist(int index, bool autoPersist)
{
    mutableNode(index).autoPersist = autoPersist;
    if (autoPersist)
        persist(index);
}

void ReplicaSetSimulator::persist(int index)
{
    Node &node = mutableNode(index);
    if (node.crashed)
        return;
    persistNode(node);
    drain(node);
}

void ReplicaSetSimulator::drain(Node &node)
{
    // What its store was given becomes durable at once, unless the test
    // holds it back.
    while (!node.crashed && !node.storageFailed && node.autoPersist && node.hasPending)
        persistNode(node);
    if (node.crashed)
        return;
    applyCommitted(node);
    checkNode(node);
    checkReads();
    if (m_options.trackInflight)
        observeInflight();
}

quint64 ReplicaSetSimulator::submit(Node &node, const LogWrite &write)
{
    if (write.hardState) {
        const HardState &next = *write.hardState;
        if (next.term < node.state.term
            || (next.term == node.state.term && node.state.votedFor != -1 && next.votedFor != node.state.votedFor)) {
            violation(QStringLiteral("node %1: hard state goes from term %2 vote %3 to term %4 vote %5")
                          .arg(node.index)
                          .arg(node.state.term)
                          .arg(node.state.votedFor)
                          .arg(next.term)
                          .arg(next.votedFor));
        }
        node.state = next;
    }
    if (write.truncateFromSeq > 0) {
        const qint64 from = write.truncateFromSeq;
        if (from <= node.compactedSeq)
            violation(QStringLiteral("node %1: truncate from %2 into the compacted log (through %3)").arg(node.index).arg(from).arg(node.compactedSeq));
        if (from <= node.appliedSeq || from <= node.commitTarget) {
            violation(QStringLiteral("node %1: truncate from %2 cuts committed entries (applied %3, commit %4)")
                          .arg(node.index)
                          .arg(from)
                          .arg(node.appliedSeq)
                          .arg(node.commitTarget));
        }
        for (qint64 seq = from; seq <= node.viewLastSeq(); ++seq) {
            const LogEntry *entry = node.viewEntry(seq);
            if (entry && seq - 1 < m_committed.size() && m_committed.at(seq - 1).json == entryBytes(*entry)) {
                violation(QStringLiteral("node %1: truncate from %2 cuts seq %3, which node %4 applied")
                              .arg(node.index)
                              .arg(from)
                              .arg(seq)
                              .arg(m_committed.at(seq - 1).node));
                break;
            }
        }
        if (from <= node.viewLastSeq()) {
            if (node.pendingCut == 0) {
                node.pendingCut = from;
            } else if (from >= node.pendingCut) {
                node.pendingTail.resize(from - node.pendingCut);
            } else {
                node.pendingCut = from;
                node.pendingTail.clear();
            }
        }
    }
    for (const LogEntry &entry : write.entries) {
        const qint64 expected = node.viewLastSeq() + 1;
        const std::optional<qint64> lastTerm = node.viewTermAt(expected - 1);
        if (entry.seq != expected || (lastTerm && entry.term < *lastTerm) || entry.term > node.state.term) {
            violation(QStringLiteral("node %1: a write appends seq %2 term %3 to a log ending at %4 (term %5, node term %6)")
                          .arg(node.index)
                          .arg(entry.seq)
                          .arg(entry.term)
                          .arg(expected - 1)
                          .arg(lastTerm.value_or(-1))
                          .arg(node.state.term));
        }
        if (node.pendingCut == 0)
            node.pendingCut = node.durableLastSeq() + 1;
        node.pendingTail.append(entry);
    }
    commitThrough(node, write.commitThroughSeq);
    // Every submission is a batch to make durable, an empty one included
    // (answers held for what is already on its way to the disk wait for it).
    node.hasPending = true;
    return ++node.lastTicket;
}

void ReplicaSetSimulator::commitThrough(Node &node, qint64 seq)
{
    if (seq > 0 && seq < node.commitTarget)
        violation(QStringLiteral("node %1: commit point goes back from %2 to %3").arg(node.index).arg(node.commitTarget).arg(seq));
    node.commitTarget = qMax(node.commitTarget, seq);
}

void ReplicaSetSimulator::persistNode(Node &node)
{
    if (!node.hasPending || node.crashed || node.storageFailed)
        return;
    if (node.state.term < node.hardState.term)
        violation(QStringLiteral("node %1: durable term goes back from %2 to %3").arg(node.index).arg(node.hardState.term).arg(node.state.term));
    node.hardState = node.state;
    if (node.pendingCut > 0) {
        for (qint64 seq = node.pendingCut; seq <= node.durableLastSeq(); ++seq)
            node.rollback.append(*node.durableEntry(seq));
        node.log.resize(qMax<qint64>(0, node.pendingCut - 1 - node.compactedSeq));
        node.log += node.pendingTail;
    }
    node.pendingCut = 0;
    node.pendingTail.clear();
    node.hasPending = false;
    applyCommitted(node);
    // Answers held for this batch leave now (votes are checked as they do).
    node.driver->durable(node.durableLastSeq(), node.appliedSeq, node.lastTicket);
}

void ReplicaSetSimulator::applyCommitted(Node &node)
{
    qint64 limit = node.durableLastSeq();
    if (node.pendingCut > 0)
        limit = qMin(limit, node.pendingCut - 1);
    const qint64 target = qMin(node.commitTarget, limit);
    for (qint64 seq = node.appliedSeq + 1; seq <= target; ++seq) {
        const LogEntry *entry = node.durableEntry(seq);
        if (!entry) {
            violation(QStringLiteral("node %1: applies seq %2, which its durable log lacks").arg(node.index).arg(seq));
            break;
        }
        const QByteArray bytes = entryBytes(*entry);
        if (seq - 1 < m_committed.size()) {
            const CommittedEntry &committed = m_committed.at(seq - 1);
            if (committed.json != bytes) {
                violation(QStringLiteral("node %1 applies seq %2 term %3 but node %4 applied term %5 there")
                              .arg(node.index)
                              .arg(seq)
                              .arg(entry->term)
                              .arg(committed.node)
                              .arg(committed.term));
            }
        } else if (seq - 1 == m_committed.size()) {
            m_committed.append(CommittedEntry{entry->term, bytes, node.index});
        } else {
            violation(QStringLiteral("node %1 applies seq %2 past the committed prefix").arg(node.index).arg(seq));
        }
        node.appliedSeq = seq;
        if (entry->op == LogEntry::Op::Configure) {
            node.appliedMembership = Membership::fromJson(entry->body).value();
            node.appliedMembershipSeq = seq;
        }
    }
    answerClients(node, node.acknowledgements.committed(node.appliedSeq, [&node](qint64 at) { return node.core().log().termAt(at); }),
                  QStringLiteral("applied"));
}

bool ReplicaSetSimulator::checkAppend(const Node &node, const AppendRequest &request)
{
    const std::optional<qint64> prevTerm = node.viewTermAt(request.prevSeq);
    if (!request.snapshotNeeded && (!prevTerm || *prevTerm != request.prevTerm)) {
        violation(QStringLiteral("node %1 sends an append with prev %2/%3 but its log has %4 there (log (%5, %6])")
                      .arg(node.index)
                      .arg(request.prevSeq)
                      .arg(request.prevTerm)
                      .arg(prevTerm ? QString::number(*prevTerm) : QStringLiteral("nothing"))
                      .arg(node.compactedSeq)
                      .arg(node.viewLastSeq()));
        return false;
    }
    if (request.entryCount > node.core().options().maxBatchEntries) {
        violation(QStringLiteral("node %1 sends %2 entries in one append (max %3)")
                      .arg(node.index)
                      .arg(request.entryCount)
                      .arg(node.core().options().maxBatchEntries));
    }
    if (request.entries.size() != request.entryCount) {
        violation(QStringLiteral("node %1 sends an append of %2 entries carrying %3")
                      .arg(node.index)
                      .arg(request.entryCount)
                      .arg(request.entries.size()));
        return false;
    }
    qint64 bytes = 0;
    for (const LogEntry &entry : request.entries)
        bytes += entry.approximateJsonBytes();
    if (request.entries.size() > 1 && bytes > m_options.maxAppendBytes) {
        violation(QStringLiteral("node %1 sends %2 entries from %3 in one append: %4 bytes, more than fit one request (%5)")
                      .arg(node.index)
                      .arg(request.entries.size())
                      .arg(request.prevSeq + 1)
                      .arg(bytes)
                      .arg(m_options.maxAppendBytes));
    }
    for (qsizetype i = 0; i < request.entries.size(); ++i) {
        const qint64 seq = request.prevSeq + 1 + i;
        const LogEntry *entry = node.viewEntry(seq);
        if (!entry || entryBytes(*entry) != entryBytes(request.entries.at(i))) {
            violation(QStringLiteral("node %1 sends seq %2 (term %3) in an append, but its log holds %4 there (log (%5, %6])")
                          .arg(node.index)
                          .arg(seq)
                          .arg(request.entries.at(i).term)
                          .arg(entry ? QStringLiteral("term %1").arg(entry->term) : QStringLiteral("nothing"))
                          .arg(node.compactedSeq)
                          .arg(node.viewLastSeq()));
            return false;
        }
        const std::optional<qint64> coreTerm = node.core().log().termAt(seq);
        if (!coreTerm || *coreTerm != entry->term) {
            violation(QStringLiteral("node %1: its core thinks seq %2 has term %3, the log has %4")
                          .arg(node.index)
                          .arg(seq)
                          .arg(coreTerm.value_or(-1))
                          .arg(entry->term));
            return false;
        }
    }
    return true;
}

ReplicaSetSimulator::Message ReplicaSetSimulator::outgoing(Node &node, int to, const OutgoingMessage &payload)
{
    Message message;
    message.id = m_nextMessageId++;
    message.from = node.index;
    message.to = to;
    message.fromIncarnation = node.incarnation;
    message.sentMs = m_now;
    message.payload = payload;
    message.payload.to = to;
    return message;
}

void ReplicaSetSimulator::sendRequest(Node &node, Message message, PendingRequest request)
{
    if (message.to < 0 || message.to >= size() || message.to == node.index) {
        violation(QStringLiteral("node %1 sends a message to member %2").arg(node.index).arg(message.to));
        return;
    }
    node.requests.insert(message.id, std::move(request));
    m_network.append(message);
}

// A member's answer to `request`, or its refusal, which fails the request at
// its sender as an HTTP error would.
void ReplicaSetSimulator::answer(int index, int incarnation, const Message &request, const Result<OutgoingMessage> &reply)
{
    Node &node = mutableNode(index);
    if (node.crashed || node.incarnation != incarnation)
        return;
    node.unanswered.remove(request.id);
    if (!reply.isOk()) {
        note(QStringLiteral("node %1 refuses %2: %3").arg(index).arg(describe(request), reply.status().message()));
        failRequest(request, reply.status().message());
        return;
    }
    Message message = outgoing(node, request.from, reply.value());
    message.requestId = request.id;
    message.requestIncarnation = request.fromIncarnation;
    message.requestSentMs = request.sentMs;
    if (request.payload.kind == OutgoingMessage::Kind::Append) {
        message.requestTerm = request.payload.append.term;
        if (message.payload.appendResponse.success && message.payload.appendResponse.term != message.requestTerm) {
            violation(QStringLiteral("node %1 (term %2) accepted an append of term %3")
                          .arg(index)
                          .arg(message.payload.appendResponse.term)
                          .arg(message.requestTerm));
        }
    } else {
        message.requestTerm = request.payload.vote.term;
        if (message.payload.voteResponse.granted) {
            const QPair<int, qint64> key(index, message.payload.voteResponse.term);
            const auto found = m_voteSent.constFind(key);
            if (found != m_voteSent.constEnd() && *found != message.to) {
                violation(QStringLiteral("node %1 granted its term %2 vote to %3 after granting it to %4")
                              .arg(index)
                              .arg(key.second)
                              .arg(message.to)
                              .arg(*found));
            }
            m_voteSent.insert(key, message.to);
        }
    }
    m_network.append(message);
}

// The request fails at its sender (if that incarnation still waits for it).
void ReplicaSetSimulator::failRequest(const Message &request, const QString &why)
{
    Node &sender = mutableNode(request.from);
    if (sender.crashed || sender.incarnation != request.fromIncarnation)
        return;
    const auto found = sender.requests.find(request.id);
    if (found == sender.requests.end())
        return;
    const PendingRequest pending = std::move(found.value());
    sender.requests.erase(found);
    const Status failed = Status::unavailable(why);
    if (pending.appendDone)
        pending.appendDone(failed);
    if (pending.voteDone)
        pending.voteDone(failed);
    drain(sender);
}

void ReplicaSetSimulator::checkReads()
{
    for (const auto &node : m_nodes) {
        if (node->crashed)
            continue;
        const ReplicationCore &core = node->core();
        // As the server's DocumentService: a linearizable read waits until
        // the member has applied every entry it knows committed.
        const qint64 readsThrough = qMax(node->appliedSeq, core.commitSeq());
        if (node->driver->readable().isOk() && readsThrough < m_maxAcknowledgedSeq) {
            violation(QStringLiteral("node %1 would serve a stale read: primary of term %2 with its lease, its reads wait for "
                                     "its entries through %3 to be applied, but seq %4 was acknowledged")
                          .arg(node->index)
                          .arg(core.term())
                          .arg(readsThrough)
                          .arg(m_maxAcknowledgedSeq));
        }
    }
}

void ReplicaSetSimulator::checkNode(const Node &node)
{
    const ReplicationCore &core = node.core();
    if (core.role() == ReplicationCore::Role::Primary) {
        const auto found = m_primaryOfTerm.constFind(core.term());
        if (found == m_primaryOfTerm.constEnd())
            m_primaryOfTerm.insert(core.term(), node.index);
        else if (*found != node.index)
            violation(QStringLiteral("nodes %1 and %2 are both primary of term %3").arg(*found).arg(node.index).arg(core.term()));
        for (int member : core.membership().ids()) {
            if (member != node.index && core.progress(member).inflight > core.options().maxInflight) {
                violation(QStringLiteral("node %1 has %2 appends in flight to %3 (max %4)")
                              .arg(node.index)
                              .arg(core.progress(member).inflight)
                              .arg(member)
                              .arg(core.options().maxInflight));
            }
        }
    }
    // After a failed write the core runs ahead of the disk: the driver no
    // longer takes part, and what the disk holds is checked at its restart.
    if (node.storageFailed)
        return;
    if (core.term() != node.state.term || core.votedFor() != node.state.votedFor) {
        violation(QStringLiteral("node %1: core at term %2 vote %3, its last hard state says term %4 vote %5")
                      .arg(node.index)
                      .arg(core.term())
                      .arg(core.votedFor())
                      .arg(node.state.term)
                      .arg(node.state.votedFor));
    }
    const std::optional<qint64> lastTerm = node.viewTermAt(node.viewLastSeq());
    if (core.lastSeq() != node.viewLastSeq() || core.lastTerm() != lastTerm.value_or(-1)) {
        violation(QStringLiteral("node %1: core log ends at %2 (term %3), the node's at %4 (term %5)")
                      .arg(node.index)
                      .arg(core.lastSeq())
                      .arg(core.lastTerm())
                      .arg(node.viewLastSeq())
                      .arg(lastTerm.value_or(-1)));
    }
    if (core.commitSeq() > core.lastSeq())
        violation(QStringLiteral("node %1: commit point %2 past its log's end %3").arg(node.index).arg(core.commitSeq()).arg(core.lastSeq()));
    if (node.appliedSeq > node.durableLastSeq())
        violation(QStringLiteral("node %1: applied %2 past its durable log %3").arg(node.index).arg(node.appliedSeq).arg(node.durableLastSeq()));
}

void ReplicaSetSimulator::answerClients(Node &node, const QVector<AcknowledgementQueue::Decision> &decisions, const QString &why)
{
    for (const AcknowledgementQueue::Decision &decision : decisions) {
        const QVector<int> indices = node.waiterProposals.take(decision.id);
        const bool acknowledged = decision.outcome == AcknowledgementQueue::Outcome::Acknowledged;
        for (int index : indices) {
            m_proposals[index].acknowledged = acknowledged;
            if (acknowledged)
                m_maxAcknowledgedSeq = qMax(m_maxAcknowledgedSeq, m_proposals.at(index).seq);
        }
        if (!indices.isEmpty()) {
            const Proposal &last = m_proposals.at(indices.last());
            note(QStringLiteral("node %1 %2 seq %3..%4 term %5 (%6)")
                     .arg(node.index)
                     .arg(acknowledged ? QStringLiteral("acknowledges") : QStringLiteral("fails"))
                     .arg(m_proposals.at(indices.first()).seq)
                     .arg(last.seq)
                     .arg(last.term)
                     .arg(why));
        }
    }
}

void ReplicaSetSimulator::observeInflight()
{
    for (const auto &primary : m_nodes) {
        if (primary->crashed || primary->core().role() != ReplicationCore::Role::Primary)
            continue;
        const qint64 term = primary->core().term();
        for (int replica = 0; replica < size(); ++replica) {
            if (replica == primary->index)
                continue;
            // Appends sent and neither answered nor failed yet.
            int outstanding = 0;
            for (const PendingRequest &request : std::as_const(primary->requests)) {
                if (request.kind == OutgoingMessage::Kind::Append && request.to == replica && request.term == term)
                    ++outstanding;
            }
            m_maxOutstanding = qMax(m_maxOutstanding, outstanding);
            if (outstanding > primary->core().options().maxInflight) {
                violation(QStringLiteral("%1 appends outstanding from primary %2 to %3 (max %4)")
                              .arg(outstanding)
                              .arg(primary->index)
                              .arg(replica)
                              .arg(primary->core().options().maxInflight));
            }
        }
    }
}

// --- failures -----------------------------------------------------------------

void ReplicaSetSimulator::crash(int index)
{
    Node &node = mutableNode(index);
    if (node.crashed)
        return;
    note(QStringLiteral("node %1 crashes (durable log %2, applied %3, %4 pending)")
             .arg(index)
             .arg(node.durableLastSeq())
             .arg(node.appliedSeq)
             .arg(node.hasPending ? QStringLiteral("writes") : QStringLiteral("nothing")));
    node.crashed = true;
    // The process is gone: its driver with the answers it held, its
    // requests' callbacks, its reads in flight.
    node.driver.reset();
    node.peers.reset();
    node.store.reset();
    node.requests.clear();
    node.storageFailed = false;
    // Its clients lose their connections: no answer.
    node.acknowledgements.clear();
    node.waiterProposals.clear();
    node.hasPending = false;
    node.state = node.hardState;
    node.pendingCut = 0;
    node.pendingTail.clear();
    node.commitTarget = node.appliedSeq;
    node.fetchSnapshotFrom.reset();
    // Requests it had not answered fail at their senders.
    const QHash<qint64, Message> unanswered = std::exchange(node.unanswered, {});
    for (const Message &request : unanswered)
        failRequest(request, QStringLiteral("the member crashed before it answered"));
    QVector<Message> lost;
    for (qsizetype i = 0; i < m_network.size();) {
        if (m_network.at(i).to == index) {
            lost.append(m_network.takeAt(i));
        } else {
            ++i;
        }
    }
    for (const Message &message : lost)
        dropMessage(message, QStringLiteral("destination crashed"));
}

void ReplicaSetSimulator::restart(int index)
{
    Node &node = mutableNode(index);
    // A member whose storage failed stopped; restarting it is the cure.
    if (node.storageFailed)
        crash(index);
    if (!node.crashed)
        return;
    node.crashed = false;
    ++node.incarnation;
    startDriver(node);
    node.state = node.hardState;
    node.commitTarget = node.appliedSeq;
    note(QStringLiteral("node %1 restarts: term %2 vote %3, log (%4, %5], applied %6")
             .arg(index)
             .arg(node.hardState.term)
             .arg(node.hardState.votedFor)
             .arg(node.compactedSeq)
             .arg(node.durableLastSeq())
             .arg(node.appliedSeq));
    drain(node);
}

void ReplicaSetSimulator::compact(int index, qint64 seq)
{
    Node &node = mutableNode(index);
    if (node.crashed || seq <= node.compactedSeq)
        return;
    if (seq > node.appliedSeq) {
        violation(QStringLiteral("test bug: compacting node %1 through %2 past its applied %3").arg(index).arg(seq).arg(node.appliedSeq));
        return;
    }
    const qint64 term = node.durableEntry(seq)->term;
    node.log.remove(0, seq - node.compactedSeq);
    node.compactedSeq = seq;
    node.compactedTerm = term;
    node.driver->compacted(seq);
    note(QStringLiteral("node %1 compacts its log through %2 (term %3)").arg(index).arg(seq).arg(term));
    drain(node);
}

void ReplicaSetSimulator::wipe(int index)
{
    crash(index);
    Node &node = mutableNode(index);
    note(QStringLiteral("node %1 loses its storage (term %2 vote %3, log (%4, %5], applied %6)")
             .arg(index)
             .arg(node.hardState.term)
             .arg(node.hardState.votedFor)
             .arg(node.compactedSeq)
             .arg(node.durableLastSeq())
             .arg(node.appliedSeq));
    node.hardState = HardState{0, -1, false};
    node.state = node.hardState;
    node.compactedSeq = 0;
    node.compactedTerm = 0;
    node.log.clear();
    node.appliedSeq = 0;
    node.appliedMembership = m_initialMembership;
    node.appliedMembershipSeq = 0;
    node.commitTarget = 0;
    node.rollback.clear();
    ++m_wipes[index];
    restart(index);
}

void ReplicaSetSimulator::failStorage(int index)
{
    Node &node = mutableNode(index);
    if (node.crashed || node.storageFailed)
        return;
    note(QStringLiteral("node %1: a write fails (durable log %2, %3 pending)")
             .arg(index)
             .arg(node.durableLastSeq())
             .arg(node.hasPending ? QStringLiteral("writes") : QStringLiteral("nothing")));
    // What was submitted never reaches the disk.
    node.hasPending = false;
    node.state = node.hardState;
    node.pendingCut = 0;
    node.pendingTail.clear();
    node.storageFailed = true;
    node.driver->storageFailed(Status::storageFailure(QStringLiteral("simulated disk failure")));
    drain(node);
}

void ReplicaSetSimulator::handOff(int index, qint64 timeoutMs)
{
    Node &node = mutableNode(index);
    m_handOffResult.reset();
    if (node.crashed)
        return;
    node.driver->handOff(timeoutMs, [this, index](bool handedOff, const QString &detail) {
        note(QStringLiteral("node %1: hand-off %2: %3").arg(index).arg(handedOff ? QStringLiteral("done") : QStringLiteral("failed"), detail));
        m_handOffResult = std::make_pair(handedOff, detail);
    });
    drain(node);
}

qint64 ReplicaSetSimulator::installSnapshot(int index, int sourceIndex, CrashPoint crashPoint)
{
    Node &node = mutableNode(index);
    Node &source = mutableNode(sourceIndex);
    if (node.crashed || source.crashed || node.storageFailed)
        return -1;
    persistNode(source);
    drain(source);
    persistNode(node);
    drain(node);
    if (node.crashed || node.storageFailed)
        return -1;
    const qint64 seq = source.appliedSeq;
    const qint64 term = seq == source.compactedSeq ? source.compactedTerm : source.durableEntry(seq)->term;
    if (seq < node.appliedSeq) {
        // As the server does: a snapshot older than what this member applied
        // would take committed entries back (the source lost data since it
        // was named, e.g. its disk).
        note(QStringLiteral("node %1 refuses node %2's snapshot at %3, older than its own applied %4")
                 .arg(index)
                 .arg(sourceIndex)
                 .arg(seq)
                 .arg(node.appliedSeq));
        node.fetchSnapshotFrom.reset();
        return -1;
    }
    node.driver->beginSnapshotInstall();
    if (crashPoint == CrashPoint::BeforeSwap) {
        note(QStringLiteral("node %1 crashes while installing node %2's snapshot at %3, before the swap").arg(index).arg(sourceIndex).arg(seq));
        crash(index);
        return seq;
    }
    // The swap, atomic: the snapshot's documents and log position, this
    // member's hard state as it is now (the server writes it at swap time).
    // Entries past its applied point were never committed here: keep them as a rollback would.
    for (const LogEntry &entry : node.log) {
        if (entry.seq > node.appliedSeq)
            node.rollback.append(entry);
    }
    node.log.clear();
    node.compactedSeq = seq;
    node.compactedTerm = term;
    node.appliedSeq = seq;
    node.appliedMembership = source.appliedMembership;
    node.appliedMembershipSeq = source.appliedMembershipSeq;
    node.commitTarget = qMax(node.commitTarget, seq);
    node.fetchSnapshotFrom.reset();
    if (crashPoint == CrashPoint::AfterSwap) {
        note(QStringLiteral("node %1 crashes right after swapping in node %2's snapshot at %3").arg(index).arg(sourceIndex).arg(seq));
        crash(index);
        return seq;
    }
    node.driver->snapshotInstalled(seq, term, node.appliedMembership);
    note(QStringLiteral("node %1 installs node %2's snapshot at %3 (term %4)").arg(index).arg(sourceIndex).arg(seq).arg(term));
    drain(node);
    return seq;
}

int ReplicaSetSimulator::installRequestedSnapshots()
{
    int installed = 0;
    for (int index = 0; index < size(); ++index) {
        const Node &node = *m_nodes.at(index);
        if (node.crashed || !node.fetchSnapshotFrom)
            continue;
        const int source = *node.fetchSnapshotFrom;
        if (source < 0 || source >= size() || source == index || !isUp(source) || !canTalk(index, source))
            continue;
        CrashPoint crashPoint = CrashPoint::None;
        if (m_options.snapshotCrashPercent > 0 && randomBelow(100) < m_options.snapshotCrashPercent)
            crashPoint = randomBelow(2) ? CrashPoint::BeforeSwap : CrashPoint::AfterSwap;
        installSnapshot(index, source, crashPoint);
        ++installed;
    }
    return installed;
}

// --- time and network -----------------------------------------------------------

void ReplicaSetSimulator::advance(qint64 ms)
{
    m_now += ms;
    finishPending();
    for (const auto &node : m_nodes) {
        if (node->crashed)
            continue;
        node->driver->tick();
        drain(*node);
    }
}

int ReplicaSetSimulator::finishPending()
{
    int finished = 0;
    while (!m_pending.empty()) {
        std::vector<std::function<void()>> pending = std::exchange(m_pending, {});
        for (const auto &work : pending)
            work();
        finished += int(pending.size());
    }
    return finished;
}

bool ReplicaSetSimulator::canTalk(int a, int b) const
{
    return m_group.at(a) == m_group.at(b);
}

void ReplicaSetSimulator::partition(const QVector<QVector<int>> &groups)
{
    m_group.fill(int(groups.size()));
    for (qsizetype group = 0; group < groups.size(); ++group) {
        for (int member : groups.at(group))
            m_group[member] = int(group);
    }
    QStringList text;
    for (int member = 0; member < size(); ++member)
        text.append(QString::number(m_group.at(member)));
    note(QStringLiteral("partition: groups by node [%1]").arg(text.join(QLatin1Char(','))));
}

void ReplicaSetSimulator::isolate(int node)
{
    partition({{node}});
}

void ReplicaSetSimulator::heal()
{
    m_group.fill(0);
    note(QStringLiteral("heal"));
}

void ReplicaSetSimulator::dropMessage(const Message &message, const QString &why)
{
    note(QStringLiteral("drop ") + describe(message) + QStringLiteral(" (") + why + QLatin1Char(')'));
    // The HTTP client sees the request fail (timeout, connection refused).
    switch (message.payload.kind) {
    case OutgoingMessage::Kind::Append:
    case OutgoingMessage::Kind::Vote:
        failRequest(message, why);
        break;
    case OutgoingMessage::Kind::AppendResponse:
    case OutgoingMessage::Kind::VoteResponse: {
        Message request;
        request.id = message.requestId;
        request.from = message.to;
        request.fromIncarnation = message.requestIncarnation;
        failRequest(request, why);
        break;
    }
    }
}

void ReplicaSetSimulator::drop(int index)
{
    dropMessage(m_network.takeAt(index), QStringLiteral("lost"));
}

void ReplicaSetSimulator::dropAll()
{
    while (!m_network.isEmpty())
        drop(0);
}

void ReplicaSetSimulator::duplicate(int index)
{
    Message copy = m_network.at(index);
    copy.id = m_nextMessageId++;
    note(QStringLiteral("duplicate ") + describe(m_network.at(index)));
    m_network.append(copy);
}

void ReplicaSetSimulator::deliver(int index)
{
    const Message message = m_network.takeAt(index);
    if (isUp(message.to) && canTalk(message.from, message.to)) {
        receiveAt(mutableNode(message.to), message);
    } else {
        dropMessage(message, isUp(message.to) ? QStringLiteral("partitioned") : QStringLiteral("destination down"));
    }
}

void ReplicaSetSimulator::receiveAt(Node &node, const Message &message)
{
    note(QStringLiteral("deliver ") + describe(message));
    ++m_delivered;
    const OutgoingMessage &payload = message.payload;
    const int index = node.index;
    const int incarnation = node.incarnation;
    // An answer goes to the request's callback, if that request still waits.
    const auto takeRequest = [&node, &message]() -> std::optional<PendingRequest> {
        if (node.incarnation != message.requestIncarnation)
            return std::nullopt;
        const auto found = node.requests.find(message.requestId);
        if (found == node.requests.end())
            return std::nullopt;
        PendingRequest request = std::move(found.value());
        node.requests.erase(found);
        return request;
    };
    // Every message goes through its wire format.
    switch (payload.kind) {
    case OutgoingMessage::Kind::Append: {
        const Result<AppendRequest> request = AppendRequest::fromJson(payload.append.toJson());
        if (!request.isOk()) {
            violation(QStringLiteral("append does not parse: ") + request.status().message());
            return;
        }
        m_entriesDelivered[index] += request->entries.size();
        node.unanswered.insert(message.id, message);
        node.driver->receiveAppend(*request, [this, index, incarnation, message](const Result<AppendResponse> &reply) {
            OutgoingMessage out;
            out.kind = OutgoingMessage::Kind::AppendResponse;
            if (reply.isOk())
                out.appendResponse = reply.value();
            answer(index, incarnation, message, reply.isOk() ? Result<OutgoingMessage>(out) : Result<OutgoingMessage>(reply.status()));
        });
        drain(node);
        break;
    }
    case OutgoingMessage::Kind::AppendResponse: {
        const Result<AppendResponse> response = AppendResponse::fromJson(payload.appendResponse.toJson());
        if (!response.isOk()) {
            violation(QStringLiteral("append answer does not parse: ") + response.status().message());
            return;
        }
        if (const std::optional<PendingRequest> request = takeRequest(); request && request->appendDone) {
            request->appendDone(response);
            drain(node);
        }
        break;
    }
    case OutgoingMessage::Kind::Vote: {
        const Result<VoteRequest> request = VoteRequest::fromJson(payload.vote.toJson());
        if (!request.isOk()) {
            violation(QStringLiteral("vote does not parse: ") + request.status().message());
            return;
        }
        node.unanswered.insert(message.id, message);
        node.driver->receiveVote(*request, [this, index, incarnation, message](const Result<VoteResponse> &reply) {
            OutgoingMessage out;
            out.kind = OutgoingMessage::Kind::VoteResponse;
            if (reply.isOk())
                out.voteResponse = reply.value();
            answer(index, incarnation, message, reply.isOk() ? Result<OutgoingMessage>(out) : Result<OutgoingMessage>(reply.status()));
        });
        drain(node);
        break;
    }
    case OutgoingMessage::Kind::VoteResponse: {
        const Result<VoteResponse> response = VoteResponse::fromJson(payload.voteResponse.toJson());
        if (!response.isOk()) {
            violation(QStringLiteral("vote answer does not parse: ") + response.status().message());
            return;
        }
        if (const std::optional<PendingRequest> request = takeRequest(); request && request->voteDone) {
            request->voteDone(response);
            drain(node);
        }
        break;
    }
    }
}

int ReplicaSetSimulator::deliverAll(int limit)
{
    // After one livelock, keep a failing run short.
    if (m_livelocked)
        limit = qMin(limit, 1000);
    int delivered = 0;
    while (!m_network.isEmpty() || finishPending() > 0) {
        if (m_network.isEmpty())
            continue;
        if (delivered >= limit) {
            m_livelocked = true;
            violation(QStringLiteral("the network is never quiet: %1 messages delivered at t=%2 and more keep coming; last: %3")
                          .arg(delivered)
                          .arg(m_now)
                          .arg(describe(m_network.last())));
            break;
        }
        deliver(0);
        ++delivered;
        if (m_options.autoInstallSnapshots)
            installRequestedSnapshots();
    }
    return delivered;
}

bool ReplicaSetSimulator::deliverUntilQuiet(int limit)
{
    for (int delivered = 0; delivered < limit && (!m_network.isEmpty() || finishPending() > 0); ++delivered) {
        if (m_network.isEmpty())
            continue;
        deliver(0);
        if (m_options.autoInstallSnapshots)
            installRequestedSnapshots();
    }
    return m_network.isEmpty();
}

int ReplicaSetSimulator::deliverRandom(int count, int dropPercent, int duplicatePercent)
{
    int delivered = 0;
    for (int i = 0; i < count && !m_network.isEmpty(); ++i) {
        const int index = randomBelow(int(m_network.size()));
        const int dice = randomBelow(100);
        if (dice < dropPercent) {
            drop(index);
            continue;
        }
        if (dice < dropPercent + duplicatePercent)
            duplicate(index);
        deliver(index);
        ++delivered;
        if (m_options.autoInstallSnapshots)
            installRequestedSnapshots();
    }
    return delivered;
}

void ReplicaSetSimulator::runFor(qint64 ms, qint64 stepMs)
{
    for (qint64 passed = 0; passed < ms; passed += stepMs) {
        advance(stepMs);
        deliverAll();
    }
}

// --- end-of-scenario checks ---------------------------------------------------------

QStringList ReplicaSetSimulator::checkConverged() const
{
    QStringList problems;
    QVector<int> primaries;
    for (const auto &node : m_nodes) {
        if (!node->crashed && node->core().role() == ReplicationCore::Role::Primary)
            primaries.append(node->index);
    }
    if (primaries.size() != 1) {
        problems.append(QStringLiteral("%1 live primaries").arg(primaries.size()));
        return problems;
    }
    const Node &primary = *m_nodes.at(primaries.first());
    const qint64 commit = primary.core().commitSeq();
    if (commit < primary.viewLastSeq())
        problems.append(QStringLiteral("primary %1 committed %2 of %3").arg(primary.index).arg(commit).arg(primary.viewLastSeq()));
    for (const auto &node : m_nodes) {
        if (node->crashed)
            continue;
        const QString name = QStringLiteral("node %1").arg(node->index);
        if (node->hasPending)
            problems.append(name + QStringLiteral(" has writes not durable"));
        if (node->core().term() != primary.core().term())
            problems.append(name + QStringLiteral(" at term %1, primary at %2").arg(node->core().term()).arg(primary.core().term()));
        if (node->core().commitSeq() != commit || node->appliedSeq != commit) {
            problems.append(name + QStringLiteral(" commit %1 applied %2, primary commit %3")
                                       .arg(node->core().commitSeq())
                                       .arg(node->appliedSeq)
                                       .arg(commit));
        }
        if (node->viewLastSeq() != primary.viewLastSeq())
            problems.append(name + QStringLiteral(" log ends at %1, primary's at %2").arg(node->viewLastSeq()).arg(primary.viewLastSeq()));
        const qint64 from = qMax(node->compactedSeq, primary.compactedSeq) + 1;
        const qint64 through = qMin(node->viewLastSeq(), primary.viewLastSeq());
        for (qint64 seq = from; seq <= through; ++seq) {
            const LogEntry *mine = node->viewEntry(seq);
            const LogEntry *theirs = primary.viewEntry(seq);
            if (!mine || !theirs || entryBytes(*mine) != entryBytes(*theirs)) {
                problems.append(name + QStringLiteral(" differs from the primary at seq %1").arg(seq));
                break;
            }
        }
    }
    return problems;
}

QStringList ReplicaSetSimulator::checkAcknowledged() const
{
    QStringList problems;
    const std::optional<int> finalPrimary = primary();
    if (!finalPrimary)
        problems.append(QStringLiteral("no live primary"));
    for (const Proposal &proposal : m_proposals) {
        if (!proposal.acknowledged)
            continue;
        const QString what = QStringLiteral("acknowledged seq %1 (term %2, %3)").arg(proposal.seq).arg(proposal.term).arg(proposal.id);
        if (proposal.seq - 1 < m_committed.size()) {
            const CommittedEntry &committed = m_committed.at(proposal.seq - 1);
            if (committed.term != proposal.term || !committed.json.contains(proposal.body))
                problems.append(what + QStringLiteral(": node %1 applied term %2 there").arg(committed.node).arg(committed.term));
        }
        for (const auto &node : m_nodes) {
            if (node->crashed || node->viewLastSeq() < proposal.seq)
                continue;
            if (proposal.seq <= node->compactedSeq)
                continue; // compacted: the applied-entries check covers it
            const LogEntry *entry = node->viewEntry(proposal.seq);
            if (!entry || entry->term != proposal.term || entry->id != proposal.id || entry->body != proposal.body)
                problems.append(what + QStringLiteral(" is not on node %1").arg(node->index));
        }
        if (finalPrimary && m_nodes.at(*finalPrimary)->viewLastSeq() < proposal.seq)
            problems.append(what + QStringLiteral(" is past the final primary's log"));
        if (problems.size() > 20)
            break;
    }
    return problems;
}
