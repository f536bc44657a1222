#include "DocumentService.h"

#include "CommitLog.h"
#include "DocumentReader.h"
#include "NameRules.h"

#include <QDateTime>

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

DocumentService::DocumentService(CommitLog *log, DocumentReader *reader, qint64 writeTimeoutMs, QObject *parent)
    : QObject(parent)
    , m_log(log)
    , m_reader(reader)
    , m_writeTimeoutMs(writeTimeoutMs)
{
    connect(m_log, &CommitLog::committed, this, &DocumentService::onCommitted);
    connect(m_log, &CommitLog::applied, this, &DocumentService::onApplied);
    connect(m_log, &CommitLog::cut, this, &DocumentService::onCut);
    connect(m_log, &CommitLog::abandoned, this, &DocumentService::onAbandoned);
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, &DocumentService::onTimeout);
    m_readTimeout.setSingleShot(true);
    connect(&m_readTimeout, &QTimer::timeout, this, &DocumentService::onReadTimeout);
}

std::pair<qint64, qint64> DocumentService::appliedPosition() const
{
    return m_log->appliedPosition();
}

Status DocumentService::writable() const
{
    if (!m_refusal.isOk())
        return m_refusal;
    return m_log->writable();
}

Status DocumentService::readable() const
{
    return m_log->readable();
}

Status DocumentService::health() const
{
    if (!m_refusal.isOk())
        return m_refusal;
    return m_log->health();
}

void DocumentService::stopAcceptingWrites(const QString &reason)
{
    if (m_refusal.isOk())
        m_refusal = Status::unavailable(reason);
}

Result<bool> DocumentService::databaseExists(const QString &db) const
{
    switch (m_overlay.database(db)) {
    case PendingWrites::DatabaseState::Exists: return true;
    case PendingWrites::DatabaseState::Missing: return false;
    case PendingWrites::DatabaseState::Unknown: break;
    }
    const Result<std::optional<DatabaseInfo>> info = m_reader->database(db);
    if (!info.isOk())
        return info.status();
    return info->has_value();
}

Result<std::optional<DocumentHead>> DocumentService::currentHead(const QString &db, const QString &id,
                                                                 const QHash<QString, DocumentHead> *committed) const
{
    const PendingWrites::Lookup pending = m_overlay.document(db, id);
    if (pending.known)
        return pending.head;
    if (committed) {
        const auto it = committed->constFind(id);
        return it == committed->constEnd() ? std::optional<DocumentHead>() : std::optional<DocumentHead>(*it);
    }
    return m_reader->head(db, id);
}

LogEntry DocumentService::nextEntry(LogEntry::Op op, const QString &db, const QVector<LogEntry> &entries) const
{
    LogEntry entry;
    entry.seq = m_log->nextSeq() + entries.size();
    entry.op = op;
    entry.db = db;
    entry.timestampMs = nowMs();
    return entry;
}

Result<Document> DocumentService::decide(const QString &db, Document document, WriteKind kind, QVector<LogEntry> *entries,
                                         const QHash<QString, DocumentHead> *committed)
{
    if (document.id.isEmpty() && kind == WriteKind::Post)
        document.id = Document::newId();
    const Status idStatus = NameRules::checkDocumentId(document.id);
    if (!idStatus.isOk())
        return idStatus;
    const Result<std::optional<DocumentHead>> head = currentHead(db, document.id, committed);
    if (!head.isOk())
        return head.status();
    Result<DocumentUpdate::Prepared> prepared = DocumentUpdate::prepare(head.value(), document, kind);
    if (!prepared.isOk())
        return prepared.status();

    LogEntry entry = nextEntry(LogEntry::Op::PutDocument, db, *entries);
    entry.id = prepared->document.id;
    entry.rev = prepared->document.rev;
    entry.deleted = prepared->document.deleted;
    entry.body = prepared->json;
    m_overlay.recordPut(db, entry.id, DocumentHead{entry.rev, entry.deleted}, entry.seq);
    entries->append(std::move(entry));
    return std::move(prepared->document);
}

void DocumentService::submit(QVector<LogEntry> entries, Completion complete)
{
    const qint64 first = entries.first().seq;
    const Status status = m_log->append(entries);
    if (!status.isOk()) {
        m_overlay.discardFrom(first);
        complete(status);
        return;
    }
    wait(entries.last().term, first, entries.last().seq, std::move(complete));
}

void DocumentService::wait(qint64 term, qint64 firstSeq, qint64 lastSeq, Completion complete)
{
    const qint64 deadline = m_writeTimeoutMs > 0 ? nowMs() + m_writeTimeoutMs : 0;
    const quint64 id = m_nextWaiter++;
    m_waiting.add(AcknowledgementQueue::Waiter{id, term, firstSeq, lastSeq, deadline});
    m_completions.insert(id, std::move(complete));
    if (deadline > 0 && !m_timeout.isActive())
        m_timeout.start(int(m_writeTimeoutMs));
    // Already committed (a refusal waiting for a write that committed and
    // is not applied yet): decided now, not at the next commit.
    if (lastSeq <= m_log->commitSeq())
        onCommitted(m_log->commitSeq());
}

void DocumentService::finish(const QVector<AcknowledgementQueue::Decision> &decisions, const Status &reason)
{
    using Outcome = AcknowledgementQueue::Outcome;
    for (const AcknowledgementQueue::Decision &decision : decisions) {
        const Completion complete = m_completions.take(decision.id);
        switch (decision.outcome) {
        case Outcome::Acknowledged:
            complete(Status::ok());
            break;
        case Outcome::NotCommitted:
            complete(Status::unavailable(QStringLiteral("the write was not committed: a newer primary's log replaced its "
                                                        "entries; nothing was changed, retry")));
            break;
        case Outcome::Unknown:
            complete(reason);
            break;
        case Outcome::TimedOut:
            ++m_quorumTimeouts;
            complete(Status::unavailable(
                QStringLiteral("quorum not reached within %1 ms; the write may or may not be committed").arg(m_writeTimeoutMs)));
            break;
        }
    }
    if (!decisions.isEmpty() && m_waiting.isEmpty())
        emit drained();
}

void DocumentService::afterPendingWrites(Completion complete)
{
    const qint64 last = m_log->nextSeq() - 1;
    wait(m_log->termAt(last).value_or(m_log->term()), last, last, [complete](const Status &status) {
        if (status.isOk() || status.code() == Status::Code::StorageFailure)
            return complete(status);
        complete(Status::unavailable(QStringLiteral("the write this one conflicts with is not committed (%1); nothing was "
                                                    "changed, retry")
                                         .arg(status.message())));
    });
}

void DocumentService::writeDocument(const QString &db, const Document &document, WriteKind kind,
                                    const DocumentCallback &done)
{
    const Status status = writable();
    if (!status.isOk())
        return done(status);
    const Result<bool> exists = databaseExists(db);
    if (!exists.isOk())
        return done(exists.status());
    if (!exists.value())
        return done(Status::notFound(QStringLiteral("Database not found")));

    QVector<LogEntry> entries;
    const Result<Document> stored = decide(db, document, kind, &entries);
    if (!stored.isOk()) {
        if (!document.id.isEmpty() && m_overlay.document(db, document.id).known) {
            const Status refusal = stored.status();
            return afterPendingWrites([done, refusal](const Status &status) { done(status.isOk() ? refusal : status); });
        }
        return done(stored);
    }
    const Document result = stored.value();
    submit(std::move(entries), [done, result](const Status &status) {
        if (status.isOk())
            done(result);
        else
            done(status);
    });
}

void DocumentService::writeDocuments(const QString &db, const QVector<Result<Document>> &items, const BulkCallback &done)
{
    const Status status = writable();
    if (!status.isOk())
        return done(status);
    const Result<bool> exists = databaseExists(db);
    if (!exists.isOk())
        return done(exists.status());
    if (!exists.value())
        return done(Status::notFound(QStringLiteral("Database not found")));

    // One query for the committed heads of every named document.
    QStringList ids;
    for (const Result<Document> &item : items) {
        if (item.isOk() && !item->id.isEmpty())
            ids.append(item->id);
    }
    const Result<QHash<QString, DocumentHead>> committed = m_reader->heads(db, ids);
    if (!committed.isOk())
        return done(committed.status());

    QVector<Result<Document>> results;
    results.reserve(items.size());
    QVector<LogEntry> entries;
    for (const Result<Document> &item : items) {
        if (!item.isOk()) {
            results.append(item.status());
            continue;
        }
        const Document &document = item.value();
        const WriteKind kind = document.id.isEmpty()                          ? WriteKind::Post
                : (document.deleted && !document.rev.isEmpty())                 ? WriteKind::Delete
                                                                                : WriteKind::Put;
        results.append(decide(db, document, kind, &entries, &committed.value()));
    }
    if (entries.isEmpty()) {
        // Every document refused: if one was refused against a pending
        // write, answer once that write is committed. (With entries of its
        // own the bulk commits after every earlier pending write anyway.)
        for (const Result<Document> &item : items) {
            if (item.isOk() && !item->id.isEmpty() && m_overlay.document(db, item->id).known) {
                return afterPendingWrites([done, results](const Status &status) {
                    if (status.isOk())
                        done(results);
                    else
                        done(status);
                });
            }
        }
        return done(results);
    }
    submit(std::move(entries), [done, results](const Status &status) {
        if (status.isOk())
            done(results);
        else
            done(status);
    });
}

void DocumentService::createDatabase(const QString &db, const CreatedCallback &done)
{
    const Status status = writable();
    if (!status.isOk())
        return done(status);
    const Status nameStatus = NameRules::checkDatabaseName(db, NameRules::Reserved::Allowed);
    if (!nameStatus.isOk())
        return done(nameStatus);
    const Result<bool> exists = databaseExists(db);
    if (!exists.isOk())
        return done(exists.status());
    if (exists.value())
        return done(false);
    const Result<QStringList> names = m_reader->databaseNames();
    if (!names.isOk())
        return done(names.status());
    if (names->size() + m_overlay.databasesChanging() >= m_maxDatabases) {
        return done(Status::forbidden(QStringLiteral("this node already holds %1 databases, the most it may "
                                                     "(Server.MaxDatabases); drop one or raise the limit")
                                          .arg(names->size())));
    }
    const LogEntry entry = nextEntry(LogEntry::Op::CreateDatabase, db, {});
    m_overlay.recordCreateDatabase(db, entry.seq);
    submit({entry}, [done](const Status &status) {
        if (status.isOk())
            done(true);
        else
            done(status);
    });
}

void DocumentService::deleteDatabase(const QString &db, const StatusCallback &done)
{
    const Status status = writable();
    if (!status.isOk())
        return done(status);
    const Status nameStatus = NameRules::checkDatabaseName(db, NameRules::Reserved::Allowed);
    if (!nameStatus.isOk())
        return done(nameStatus);
    const Result<bool> exists = databaseExists(db);
    if (!exists.isOk())
        return done(exists.status());
    if (!exists.value())
        return done(Status::notFound(QStringLiteral("Database not found")));
    const LogEntry entry = nextEntry(LogEntry::Op::DeleteDatabase, db, {});
    m_overlay.recordDeleteDatabase(db, entry.seq);
    submit({entry}, done);
}

void DocumentService::onCommitted(qint64 seq)
{
    finish(m_waiting.committed(seq, [this](qint64 at) { return m_log->termAt(at); }),
           Status::unavailable(QStringLiteral("this write's entries were replaced in part, or this node's log no longer "
                                              "holds them; the write may or may not be committed")));
}

void DocumentService::onApplied(qint64 seq)
{
    m_overlay.releaseThrough(seq);
    onCommitted(seq); // applied entries are committed (a log that does both at once reports only this)
    releaseHeldReads([seq](const HeldRead &read) { return read.commitSeq <= seq; },
                     [](const HeldRead &) { return Status::ok(); });
}

void DocumentService::releaseHeldReads(const std::function<bool(const HeldRead &)> &due,
                                       const std::function<Status(const HeldRead &)> &outcome)
{
    while (!m_heldReads.empty() && due(m_heldReads.front())) {
        const HeldRead read = std::move(m_heldReads.front());
        m_heldReads.pop_front();
        read.run(outcome(read));
    }
}

bool DocumentService::appliedAllCommitted() const
{
    return m_log->appliedPosition().second >= m_log->commitSeq();
}

void DocumentService::whenCommittedApplied(const StatusCallback &run)
{
    if (appliedAllCommitted())
        return run(Status::ok());
    // Commit points only grow: the queue stays in order.
    m_heldReads.push_back(HeldRead{m_log->commitSeq(), nowMs() + readWaitMs(), run});
    if (!m_readTimeout.isActive())
        m_readTimeout.start(int(readWaitMs()));
}

void DocumentService::onReadTimeout()
{
    const qint64 now = nowMs();
    releaseHeldReads([now](const HeldRead &read) { return read.deadlineMs <= now; },
                     [this](const HeldRead &read) {
                         return Status::unavailable(QStringLiteral("this node has not applied its committed entries through "
                                                                   "%1 within %2 ms (is its disk stalled?); nothing was read, "
                                                                   "retry")
                                                        .arg(read.commitSeq)
                                                        .arg(readWaitMs()));
                     });
    if (!m_heldReads.empty())
        m_readTimeout.start(int(qMax<qint64>(1, m_heldReads.front().deadlineMs - now)));
}

void DocumentService::onCut(qint64 fromSeq)
{
    m_overlay.discardFrom(fromSeq);
    finish(m_waiting.cut(fromSeq), Status::unavailable(QStringLiteral("a newer primary's log replaced part of this write's "
                                                                      "entries; the write may or may not be committed")));
}

void DocumentService::onAbandoned(const Status &reason, qint64 lastKeptSeq)
{
    // This node will not commit its pending entries, and refuses writes
    // until its log is applied again: the overlay is no longer needed.
    m_overlay.clear();
    const Status unknown = reason.code() == Status::Code::StorageFailure
            ? reason
            : Status::unavailable(QStringLiteral("%1; the write may or may not be committed").arg(reason.message()));
    finish(m_waiting.abandoned(lastKeptSeq), unknown);
    // A node whose storage failed applies nothing more: its held reads
    // fail now rather than at their deadline.
    if (reason.code() == Status::Code::StorageFailure) {
        m_readTimeout.stop();
        releaseHeldReads([](const HeldRead &) { return true; }, [&reason](const HeldRead &) { return reason; });
    }
}

void DocumentService::onTimeout()
{
    // The entries stay in the log and may still commit: their overlay
    // records stay until they are applied or abandoned.
    finish(m_waiting.expired(nowMs()), Status());
    scheduleTimeout();
}

void DocumentService::scheduleTimeout()
{
    if (const std::optional<qint64> next = m_waiting.nextDeadline())
        m_timeout.start(int(qMax<qint64>(1, *next - nowMs())));
}
