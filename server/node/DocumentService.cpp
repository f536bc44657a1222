#include "DocumentService.h"

#include "DocumentReader.h"
#include "GroupCommitter.h"
#include "NameRules.h"

#include <QDateTime>
#include <QUuid>

DocumentService::DocumentService(GroupCommitter *committer, DocumentReader *reader, qint64 term, QObject *parent)
    : QObject(parent)
    , m_committer(committer)
    , m_reader(reader)
    , m_term(term)
    , m_nextSeq(committer->lastQueuedSeq() + 1)
{
    connect(m_committer, &GroupCommitter::durable, this, &DocumentService::onDurable);
    connect(m_committer, &GroupCommitter::failed, this, &DocumentService::onFailed);
}

QString DocumentService::newDocumentId()
{
    return QUuid::createUuid().toString(QUuid::Id128);
}

Status DocumentService::writable() const
{
    return m_refusal;
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

LogEntry DocumentService::nextEntry(LogEntry::Op op, const QString &db)
{
    LogEntry entry;
    entry.seq = m_nextSeq++;
    entry.term = m_term;
    entry.op = op;
    entry.db = db;
    entry.timestampMs = QDateTime::currentMSecsSinceEpoch();
    return entry;
}

Result<Document> DocumentService::decide(const QString &db, Document document, WriteKind kind, QVector<LogEntry> *entries,
                                         const QHash<QString, DocumentHead> *committed)
{
    if (document.id.isEmpty() && kind == WriteKind::Post)
        document.id = newDocumentId();
    const Status idStatus = NameRules::checkDocumentId(document.id);
    if (!idStatus.isOk())
        return idStatus;
    const Result<std::optional<DocumentHead>> head = currentHead(db, document.id, committed);
    if (!head.isOk())
        return head.status();
    Result<DocumentUpdate::Prepared> prepared = DocumentUpdate::prepare(head.value(), document, kind);
    if (!prepared.isOk())
        return prepared.status();

    LogEntry entry = nextEntry(LogEntry::Op::PutDocument, db);
    entry.id = prepared->document.id;
    entry.rev = prepared->document.rev;
    entry.deleted = prepared->document.deleted;
    entry.body = prepared->json;
    m_overlay.recordPut(db, entry.id, DocumentHead{entry.rev, entry.deleted}, entry.seq);
    entries->append(std::move(entry));
    return std::move(prepared->document);
}

void DocumentService::submit(const QVector<LogEntry> &entries, std::function<void(const Status &)> complete)
{
    m_pending.push_back(PendingOperation{entries.last().seq, std::move(complete)});
    // A standalone node is its own quorum: durable means committed.
    m_committer->append(entries, entries.last().seq);
}

void DocumentService::writeDocument(const QString &db, const Document &document, WriteKind kind,
                                    const DocumentCallback &done)
{
    if (!m_refusal.isOk())
        return done(m_refusal);
    const Result<bool> exists = databaseExists(db);
    if (!exists.isOk())
        return done(exists.status());
    if (!exists.value())
        return done(Status::notFound(QStringLiteral("Database not found")));

    QVector<LogEntry> entries;
    const Result<Document> stored = decide(db, document, kind, &entries);
    if (!stored.isOk())
        return done(stored);
    const Document result = stored.value();
    submit(entries, [done, result](const Status &status) {
        if (status.isOk())
            done(result);
        else
            done(status);
    });
}

void DocumentService::writeDocuments(const QString &db, const QVector<Result<Document>> &items, const BulkCallback &done)
{
    if (!m_refusal.isOk())
        return done(m_refusal);
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
    if (entries.isEmpty())
        return done(results);
    submit(entries, [done, results](const Status &status) {
        if (status.isOk())
            done(results);
        else
            done(status);
    });
}

void DocumentService::createDatabase(const QString &db, const CreatedCallback &done)
{
    if (!m_refusal.isOk())
        return done(m_refusal);
    const Status nameStatus = NameRules::checkDatabaseName(db);
    if (!nameStatus.isOk())
        return done(nameStatus);
    const Result<bool> exists = databaseExists(db);
    if (!exists.isOk())
        return done(exists.status());
    if (exists.value())
        return done(false);
    const LogEntry entry = nextEntry(LogEntry::Op::CreateDatabase, db);
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
    if (!m_refusal.isOk())
        return done(m_refusal);
    const Status nameStatus = NameRules::checkDatabaseName(db);
    if (!nameStatus.isOk())
        return done(nameStatus);
    const Result<bool> exists = databaseExists(db);
    if (!exists.isOk())
        return done(exists.status());
    if (!exists.value())
        return done(Status::notFound(QStringLiteral("Database not found")));
    const LogEntry entry = nextEntry(LogEntry::Op::DeleteDatabase, db);
    m_overlay.recordDeleteDatabase(db, entry.seq);
    submit({entry}, done);
}

void DocumentService::onDurable(qint64 lastSeq, qint64 appliedSeq)
{
    Q_UNUSED(lastSeq);
    m_overlay.releaseThrough(appliedSeq);
    while (!m_pending.empty() && m_pending.front().lastSeq <= appliedSeq) {
        const PendingOperation operation = std::move(m_pending.front());
        m_pending.pop_front();
        operation.complete(Status::ok());
    }
    if (m_pending.empty())
        emit drained();
}

void DocumentService::onFailed(const Status &status, bool fatal, qint64 lastDurableSeq)
{
    m_overlay.clear();
    m_nextSeq = lastDurableSeq + 1;
    if (fatal) {
        m_refusal = Status::storageFailure(
            QStringLiteral("the node stopped writing after a storage failure (%1); restart it").arg(status.message()));
    }
    std::deque<PendingOperation> failed;
    failed.swap(m_pending);
    for (const PendingOperation &operation : failed)
        operation.complete(status);
    emit drained();
}
