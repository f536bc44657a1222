#include "StorageWriter.h"

#include "Document.h"
#include "JsonText.h"
#include "StorageSchema.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSqlError>

namespace {

QString sql(const char *text)
{
    return QString::fromLatin1(text);
}

} // namespace

StorageWriter::StorageWriter(const QString &path, const StorageOptions &options)
    : m_path(path)
    , m_options(options)
{
}

StorageWriter::~StorageWriter()
{
    close();
}

Status StorageWriter::open()
{
    Status status = m_connection.open(m_path, SqliteConnection::Mode::Writer, m_options);
    if (!status.isOk())
        return status;
    bool empty = false;
    status = StorageSchema::check(m_connection, &empty);
    if (!status.isOk())
        return status;
    if (!m_options.integrityCheck.isEmpty() && m_options.integrityCheck != QLatin1String("none") && !empty) {
        status = StorageSchema::verify(m_connection, m_options.integrityCheck);
        if (!status.isOk())
            return status;
    }
    status = m_connection.enableWal();
    if (status.isOk())
        status = empty ? StorageSchema::create(m_connection) : StorageSchema::upgrade(m_connection);
    if (status.isOk())
        status = prepareStatements();
    if (!status.isOk())
        return status;
    QHash<QString, qint64> meta;
    {
        QSqlQuery query(m_connection.database());
        if (!query.exec(QStringLiteral("SELECT key, value FROM meta")))
            return SqliteConnection::error(query.lastError(), QStringLiteral("cannot read the meta table"));
        while (query.next())
            meta.insert(query.value(0).toString(), query.value(1).toLongLong());
    }
    if (!meta.contains(QStringLiteral("appliedSeq")))
        return Status::storageFailure(QStringLiteral("the data file has no appliedSeq"));
    m_appliedSeq = meta.value(QStringLiteral("appliedSeq"));
    m_compactedSeq = meta.value(QStringLiteral("compactedSeq"));
    m_compactedTerm = meta.value(QStringLiteral("compactedTerm"));
    // Files from before the voter flag belonged to voting members.
    m_hardState = HardState{meta.value(QStringLiteral("currentTerm")), int(meta.value(QStringLiteral("votedFor"), -1)),
                            meta.value(QStringLiteral("voter"), 1) != 0};

    // Which term each seq belongs to, from the first seq of every term.
    m_history = TermHistory(m_compactedSeq, m_compactedTerm);
    {
        QSqlQuery query(m_connection.database());
        if (!query.exec(QStringLiteral("SELECT term, min(seq), max(seq) FROM wal GROUP BY term ORDER BY term")))
            return SqliteConnection::error(query.lastError(), QStringLiteral("cannot read the log"));
        while (query.next()) {
            const qint64 term = query.value(0).toLongLong();
            const qint64 first = query.value(1).toLongLong();
            const qint64 last = query.value(2).toLongLong();
            if (first != m_history.lastSeq() + 1 || term < m_history.lastTerm()) {
                return Status::storageFailure(
                    QStringLiteral("the log is not contiguous: term %1 starts at seq %2 after seq %3").arg(term).arg(first).arg(m_history.lastSeq()));
            }
            m_history.appendRange(first, last, term);
        }
    }
    m_lastSeq = m_history.lastSeq();
    m_lastTerm = m_history.lastTerm();
    if (m_appliedSeq > m_lastSeq) {
        return Status::storageFailure(
            QStringLiteral("the data file is inconsistent: appliedSeq %1 is past the log's end %2").arg(m_appliedSeq).arg(m_lastSeq));
    }
    return Status::ok();
}

Status StorageWriter::prepareStatements()
{
    sqlite3 *handle = NativeStatement::handleOf(m_connection.database());
    if (!handle)
        return Status::internal(QStringLiteral("the QtSql SQLite driver gave no sqlite3 handle"));
    const QList<QPair<NativeStatement *, const char *>> statements = {
        {&m_appendLog, "INSERT INTO wal(seq, term, op, db, id, rev, deleted, body, ts) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
        {&m_insertDocument, "INSERT INTO docs(db, id, rev, seq, deleted, body) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
                            " ON CONFLICT(db, id) DO NOTHING"},
        {&m_findDocument, "SELECT rowid, deleted, CAST(body AS BLOB) FROM docs WHERE db = ?1 AND id = ?2"},
        {&m_updateDocument, "UPDATE docs SET rev = ?1, seq = ?2, deleted = ?3, body = ?4 WHERE rowid = ?5"},
        {&m_keepRevision, "INSERT OR REPLACE INTO revs(db, id, rev, seq, deleted, body)"
                          " SELECT db, id, rev, seq, deleted, body FROM docs WHERE rowid = ?1"},
        {&m_untag, "DELETE FROM tags WHERE db = ?1 AND id = ?2"},
        {&m_tag, "INSERT OR IGNORE INTO tags(db, tag, id) SELECT ?1, value, ?2 FROM json_each(?3)"},
    };
    for (const auto &[statement, sql] : statements) {
        const Status status = statement->prepare(handle, QByteArray(sql));
        if (!status.isOk())
            return status;
    }
    return Status::ok();
}

Result<StorageWriter::FullTextStatements *> StorageWriter::fullText(qint64 createdSeq)
{
    auto it = m_fullText.find(createdSeq);
    if (it != m_fullText.end())
        return it->second.get();
    auto statements = std::make_unique<FullTextStatements>();
    sqlite3 *handle = NativeStatement::handleOf(m_connection.database());
    const QByteArray table = StorageSchema::fullTextTable(createdSeq).toLatin1();
    Status status = statements->index.prepare(handle, "INSERT INTO " + table + "(rowid, text) VALUES(?1, ?2)");
    if (status.isOk())
        status = statements->unindex.prepare(handle, "INSERT INTO " + table + '(' + table + ", rowid, text) VALUES('delete', ?1, ?2)");
    if (!status.isOk())
        return status;
    return m_fullText.emplace(createdSeq, std::move(statements)).first->second.get();
}

void StorageWriter::close()
{
    if (!m_connection.isOpen())
        return;
    m_fullText.clear();
    for (NativeStatement *statement : {&m_appendLog, &m_insertDocument, &m_findDocument, &m_updateDocument,
                                       &m_keepRevision, &m_untag, &m_tag}) {
        statement->finalize();
    }
    m_connection.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    m_connection.close();
}

Status StorageWriter::run(SqliteStatement &statement, const char *what, qint64 seq)
{
    if (statement->exec())
        return Status::ok();
    const QString context = seq > 0 ? QStringLiteral("%1 (log entry %2)").arg(QLatin1String(what)).arg(seq)
                                     : QString::fromLatin1(what);
    return SqliteConnection::error(statement->lastError(), context);
}

WriteBatchResult StorageWriter::write(const WriteBatch &batch)
{
    QElapsedTimer timer;
    timer.start();
    WriteBatchResult result;
    result.entryCount = int(batch.entries.size());

    QSqlDatabase &db = m_connection.database();
    // Everything a batch changes in memory is committed only with the batch.
    const qint64 savedLastSeq = m_lastSeq;
    const qint64 savedLastTerm = m_lastTerm;
    const qint64 savedCompactedSeq = m_compactedSeq;
    const qint64 savedCompactedTerm = m_compactedTerm;
    const auto fail = [&](const Status &status, const QSqlError &error) {
        db.rollback();
        m_counters.clear();
        m_lastSeq = savedLastSeq;
        m_lastTerm = savedLastTerm;
        m_compactedSeq = savedCompactedSeq;
        m_compactedTerm = savedCompactedTerm;
        result.status = status;
        result.fatal = SqliteConnection::isFatal(error);
        result.lastSeq = m_lastSeq;
        result.lastTerm = m_lastTerm;
        result.appliedSeq = m_appliedSeq;
        result.compactedSeq = m_compactedSeq;
        result.compactedTerm = m_compactedTerm;
        result.elapsedMicros = timer.nsecsElapsed() / 1000;
        return result;
    };

    // A batch that only applies committed entries needs no fsync of its
    // own: the entries are durable in the log, and a lost apply is redone
    // from the log after a restart. Everything else is fsynced.
    const bool applyOnly = batch.entries.isEmpty() && batch.truncateFromSeq == 0 && !batch.hardState;
    if (applyOnly != m_applyOnlyMode) {
        const Status status = m_connection.exec(applyOnly ? QStringLiteral("PRAGMA synchronous=NORMAL")
                                                          : QStringLiteral("PRAGMA synchronous=%1").arg(m_options.synchronous));
        if (!status.isOk())
            return fail(status, QSqlError());
        m_applyOnlyMode = applyOnly;
    }

    if (!db.transaction())
        return fail(SqliteConnection::error(db.lastError(), QStringLiteral("cannot begin a transaction")), db.lastError());

    if (batch.truncateFromSeq > 0 && batch.truncateFromSeq <= m_lastSeq) {
        const Status status = truncate(batch.truncateFromSeq, &result.rolledBack);
        if (!status.isOk())
            return fail(status, db.lastError());
    }
    if (batch.hardState && *batch.hardState != m_hardState) {
        Status status = setMeta(QStringLiteral("currentTerm"), batch.hardState->term);
        if (status.isOk())
            status = setMeta(QStringLiteral("votedFor"), batch.hardState->votedFor);
        if (status.isOk())
            status = setMeta(QStringLiteral("voter"), batch.hardState->voter ? 1 : 0);
        if (!status.isOk())
            return fail(status, db.lastError());
    }

    for (const LogEntry &entry : batch.entries) {
        if (entry.seq != m_lastSeq + 1) {
            return fail(Status::internal(QStringLiteral("log gap: entry %1 after %2").arg(entry.seq).arg(m_lastSeq)),
                        QSqlError());
        }
        const Status status = append(entry);
        if (!status.isOk())
            return fail(status, db.lastError());
        m_lastSeq = entry.seq;
        m_lastTerm = entry.term;
    }

    const qint64 applyThrough = qMin(batch.applyThroughSeq, m_lastSeq);
    const qint64 firstInBatch = batch.entries.isEmpty() ? m_lastSeq + 1 : batch.entries.first().seq;
    qint64 appliedSeq = m_appliedSeq;
    for (qint64 seq = m_appliedSeq + 1; seq <= applyThrough; ++seq) {
        Status status;
        if (seq >= firstInBatch) {
            status = apply(batch.entries.at(seq - firstInBatch));
        } else {
            LogEntry entry;
            status = loadEntry(seq, &entry);
            if (status.isOk())
                status = apply(entry);
        }
        if (!status.isOk())
            return fail(status, db.lastError());
        appliedSeq = seq;
    }
    if (appliedSeq != m_appliedSeq) {
        Status status = flushCounters();
        if (status.isOk())
            status = setMeta(QStringLiteral("appliedSeq"), appliedSeq);
        if (!status.isOk())
            return fail(status, db.lastError());
    }
    if (batch.retainEntries > 0 && appliedSeq - m_compactedSeq > batch.retainEntries + batch.retainEntries / 10) {
        const qint64 savedApplied = m_appliedSeq;
        m_appliedSeq = appliedSeq;
        const Status status = compact(batch.retainEntries);
        m_appliedSeq = savedApplied;
        if (!status.isOk())
            return fail(status, db.lastError());
    }

    if (!db.commit())
        return fail(SqliteConnection::error(db.lastError(), QStringLiteral("cannot commit")), db.lastError());

    if (batch.hardState)
        m_hardState = *batch.hardState;
    m_appliedSeq = appliedSeq;
    result.lastSeq = m_lastSeq;
    result.lastTerm = m_lastTerm;
    result.appliedSeq = m_appliedSeq;
    result.compactedSeq = m_compactedSeq;
    result.compactedTerm = m_compactedTerm;
    result.elapsedMicros = timer.nsecsElapsed() / 1000;
    return result;
}

Status StorageWriter::termOf(qint64 seq, qint64 *term)
{
    if (seq == 0) {
        *term = 0;
        return Status::ok();
    }
    if (seq == m_compactedSeq) {
        *term = m_compactedTerm;
        return Status::ok();
    }
    Status status;
    SqliteStatement select = m_connection.statement(sql("SELECT term FROM wal WHERE seq = ?"), &status);
    if (!select)
        return status;
    select->bindValue(0, seq);
    if (!(status = run(select, "cannot read the log", seq)).isOk())
        return status;
    if (!select->next())
        return Status::storageFailure(QStringLiteral("log entry %1 is missing").arg(seq));
    *term = select->value(0).toLongLong();
    return Status::ok();
}

Status StorageWriter::truncate(qint64 fromSeq, qint64 *count)
{
    if (fromSeq <= m_appliedSeq) {
        return Status::internal(
            QStringLiteral("refusing to cut the log at %1: entries up to %2 are committed").arg(fromSeq).arg(m_appliedSeq));
    }
    Status status;
    SqliteStatement keep = m_connection.statement(
        sql("INSERT INTO rollback(seq, term, op, db, id, rev, deleted, body, ts, rolled_back_ms)"
            " SELECT seq, term, op, db, id, rev, deleted, body, ts, ? FROM wal WHERE seq >= ?"),
        &status);
    SqliteStatement cut = m_connection.statement(sql("DELETE FROM wal WHERE seq >= ?"), &status);
    if (!keep || !cut)
        return status;
    keep->bindValue(0, QDateTime::currentMSecsSinceEpoch());
    keep->bindValue(1, fromSeq);
    if (!(status = run(keep, "cannot keep rolled-back entries", fromSeq)).isOk())
        return status;
    *count = keep->numRowsAffected();
    cut->bindValue(0, fromSeq);
    if (!(status = run(cut, "cannot cut the log", fromSeq)).isOk())
        return status;
    m_lastSeq = fromSeq - 1;
    return termOf(m_lastSeq, &m_lastTerm);
}

Status StorageWriter::compact(qint64 retainEntries)
{
    const qint64 through = m_appliedSeq - retainEntries;
    if (through <= m_compactedSeq)
        return Status::ok();
    qint64 term = 0;
    Status status = termOf(through, &term);
    if (!status.isOk())
        return status;
    SqliteStatement drop = m_connection.statement(sql("DELETE FROM wal WHERE seq <= ?"), &status);
    if (!drop)
        return status;
    drop->bindValue(0, through);
    if (!(status = run(drop, "cannot compact the log", through)).isOk())
        return status;
    status = setMeta(QStringLiteral("compactedSeq"), through);
    if (status.isOk())
        status = setMeta(QStringLiteral("compactedTerm"), term);
    if (!status.isOk())
        return status;
    m_compactedSeq = through;
    m_compactedTerm = term;
    return Status::ok();
}

Status StorageWriter::append(const LogEntry &entry)
{
    const bool isPut = entry.op == LogEntry::Op::PutDocument;
    NativeStatement &insert = m_appendLog;
    insert.bind(1, entry.seq);
    insert.bind(2, entry.term);
    insert.bind(3, qint64(entry.op));
    insert.bindText(4, entry.db);
    if (isPut) {
        insert.bindText(5, entry.id);
        insert.bindText(6, entry.rev);
        insert.bindBlob(8, entry.body);
    }
    insert.bind(7, entry.deleted ? 1 : 0);
    insert.bind(9, entry.timestampMs);
    const Status status = insert.run();
    insert.reset();
    return status;
}

Status StorageWriter::loadEntry(qint64 seq, LogEntry *entry)
{
    Status status;
    SqliteStatement select = m_connection.statement(
        sql("SELECT term, op, db, id, rev, deleted, body, ts FROM wal WHERE seq = ?"), &status);
    if (!select)
        return status;
    select->bindValue(0, seq);
    status = run(select, "cannot read the log", seq);
    if (!status.isOk())
        return status;
    if (!select->next())
        return Status::storageFailure(QStringLiteral("log entry %1 is missing").arg(seq));
    entry->seq = seq;
    entry->term = select->value(0).toLongLong();
    entry->op = LogEntry::Op(select->value(1).toInt());
    entry->db = select->value(2).toString();
    entry->id = select->value(3).toString();
    entry->rev = select->value(4).toString();
    entry->deleted = select->value(5).toInt() != 0;
    entry->body = select->value(6).toByteArray();
    entry->timestampMs = select->value(7).toLongLong();
    return Status::ok();
}

Status StorageWriter::apply(const LogEntry &entry)
{
    switch (entry.op) {
    case LogEntry::Op::PutDocument: return applyPut(entry);
    case LogEntry::Op::CreateDatabase: return applyCreateDatabase(entry);
    case LogEntry::Op::DeleteDatabase: return applyDeleteDatabase(entry);
    case LogEntry::Op::Noop: return Status::ok();
    }
    return Status::internal(QStringLiteral("log entry %1 has an unknown op").arg(entry.seq));
}

Status StorageWriter::applyPut(const LogEntry &entry)
{
    const Result<DatabaseCounters *> database = counters(entry.db, entry.seq);
    if (!database.isOk())
        return database.status();
    DatabaseCounters &stats = *database.value();
    const Result<FullTextStatements *> fullTextStatements = fullText(stats.createdSeq);
    if (!fullTextStatements.isOk())
        return fullTextStatements.status();
    FullTextStatements &search = *fullTextStatements.value();
    const QByteArray db = entry.db.toUtf8();
    const QByteArray id = entry.id.toUtf8();
    const qint64 dbSeq = stats.seq + 1;

    // A new document is one insert; an existing one conflicts on (db, id)
    // and takes the update path.
    Status status;
    NativeStatement &insert = m_insertDocument;
    insert.bindText(1, db);
    insert.bindText(2, id);
    insert.bindText(3, entry.rev);
    insert.bind(4, dbSeq);
    insert.bind(5, entry.deleted ? 1 : 0);
    insert.bindText(6, entry.body);
    status = insert.run();
    const bool inserted = status.isOk() && insert.changes() == 1;
    const qint64 insertedRowid = inserted ? insert.lastInsertRowid() : 0;
    insert.reset();
    if (!status.isOk())
        return status;

    qint64 rowid = 0;
    bool wasDeleted = false;
    if (inserted) {
        rowid = insertedRowid;
    } else {
        NativeStatement &find = m_findDocument;
        find.bindText(1, db);
        find.bindText(2, id);
        if (!find.step(&status)) {
            find.reset();
            return status.isOk() ? Status::internal(QStringLiteral("document %1 vanished while applying log entry %2").arg(entry.id).arg(entry.seq))
                                 : status;
        }
        rowid = find.columnInt64(0);
        wasDeleted = find.columnInt64(1) != 0;
        const QByteArray oldBody = wasDeleted ? QByteArray() : find.columnBytes(2);
        find.reset();

        m_keepRevision.bind(1, rowid);
        status = m_keepRevision.run();
        m_keepRevision.reset();
        if (status.isOk()) {
            m_untag.bindText(1, db);
            m_untag.bindText(2, id);
            status = m_untag.run();
            m_untag.reset();
        }
        if (status.isOk() && !oldBody.isEmpty()) {
            // A contentless FTS5 table forgets a row when given the text it
            // indexed; searchText() is deterministic, so the old body gives it.
            const Result<Document> old = Document::fromMinified(oldBody);
            if (!old.isOk())
                return Status::internal(QStringLiteral("document %1 has an unreadable stored body").arg(entry.id));
            const QString oldText = old->searchText();
            if (!oldText.isEmpty()) {
                search.unindex.bind(1, rowid);
                search.unindex.bindText(2, oldText);
                status = search.unindex.run();
                search.unindex.reset();
            }
        }
        if (status.isOk()) {
            NativeStatement &update = m_updateDocument;
            update.bindText(1, entry.rev);
            update.bind(2, dbSeq);
            update.bind(3, entry.deleted ? 1 : 0);
            update.bindText(4, entry.body);
            update.bind(5, rowid);
            status = update.run();
            update.reset();
        }
        if (!status.isOk())
            return status;
    }

    stats.seq = dbSeq;
    stats.docsTotal += inserted ? 1 : 0;
    stats.docsDeleted += (entry.deleted ? 1 : 0) - (wasDeleted ? 1 : 0);
    stats.dirty = true;

    if (entry.deleted)
        return Status::ok();
    const Result<Document> document = Document::fromMinified(entry.body);
    if (!document.isOk())
        return Status::internal(QStringLiteral("log entry %1 has an unreadable body: %2").arg(entry.seq).arg(document.status().message()));
    const QString text = document->searchText();
    if (!text.isEmpty()) {
        search.index.bind(1, rowid);
        search.index.bindText(2, text);
        status = search.index.run();
        search.index.reset();
        if (!status.isOk())
            return status;
    }
    const QStringList tags = document->tagKeys();
    if (!tags.isEmpty()) {
        QByteArray array = "[";
        for (qsizetype i = 0; i < tags.size(); ++i) {
            if (i)
                array.append(',');
            array.append(JsonText::quote(tags.at(i)));
        }
        array.append(']');
        m_tag.bindText(1, db);
        m_tag.bindText(2, id);
        m_tag.bindText(3, array);
        status = m_tag.run();
        m_tag.reset();
    }
    return status;
}

Status StorageWriter::applyCreateDatabase(const LogEntry &entry)
{
    Status status;
    SqliteStatement insert = m_connection.statement(
        sql("INSERT OR IGNORE INTO dbs(name, seq, docs_total, docs_deleted, created_seq, created_ts) VALUES(?, 0, 0, 0, ?, ?)"),
        &status);
    if (!insert)
        return status;
    insert->bindValue(0, entry.db);
    insert->bindValue(1, entry.seq);
    insert->bindValue(2, entry.timestampMs);
    if (!(status = run(insert, "cannot create a database", entry.seq)).isOk())
        return status;
    if (insert->numRowsAffected() == 0)
        return Status::ok(); // already there: applying twice changes nothing
    return m_connection.exec(StorageSchema::createFullTextTable(entry.seq));
}

Status StorageWriter::applyDeleteDatabase(const LogEntry &entry)
{
    Status status;
    SqliteStatement database = m_connection.statement(sql("SELECT created_seq FROM dbs WHERE name = ?"), &status);
    if (!database)
        return status;
    database->bindValue(0, entry.db);
    if (!(status = run(database, "cannot read a database", entry.seq)).isOk())
        return status;
    if (!database->next())
        return Status::ok(); // already gone
    const qint64 createdSeq = database->value(0).toLongLong();
    database->finish();
    m_counters.remove(entry.db);

    const char *const statements[] = {
        "DELETE FROM docs WHERE db = ?",
        "DELETE FROM revs WHERE db = ?",
        "DELETE FROM tags WHERE db = ?",
        "DELETE FROM dbs WHERE name = ?",
    };
    for (const char *text : statements) {
        SqliteStatement statement = m_connection.statement(sql(text), &status);
        if (!statement)
            return status;
        statement->bindValue(0, entry.db);
        if (!(status = run(statement, "cannot delete a database", entry.seq)).isOk())
            return status;
    }
    m_fullText.erase(createdSeq); // finalize its statements before the table goes
    return m_connection.exec(QStringLiteral("DROP TABLE IF EXISTS %1").arg(StorageSchema::fullTextTable(createdSeq)));
}

Result<StorageWriter::DatabaseCounters *> StorageWriter::counters(const QString &db, qint64 seq)
{
    auto it = m_counters.find(db);
    if (it != m_counters.end())
        return &it.value();
    Status status;
    SqliteStatement select = m_connection.statement(
        sql("SELECT created_seq, seq, docs_total, docs_deleted FROM dbs WHERE name = ?"), &status);
    if (!select)
        return status;
    select->bindValue(0, db);
    if (!(status = run(select, "cannot read a database", seq)).isOk())
        return status;
    if (!select->next())
        return Status::internal(QStringLiteral("log entry %1 writes to database '%2', which does not exist").arg(seq).arg(db));
    DatabaseCounters counters;
    counters.createdSeq = select->value(0).toLongLong();
    counters.seq = select->value(1).toLongLong();
    counters.docsTotal = select->value(2).toLongLong();
    counters.docsDeleted = select->value(3).toLongLong();
    it = m_counters.insert(db, counters);
    return &it.value();
}

Status StorageWriter::flushCounters()
{
    Status status;
    SqliteStatement update = m_connection.statement(
        sql("UPDATE dbs SET seq = ?, docs_total = ?, docs_deleted = ? WHERE name = ?"), &status);
    if (!update)
        return status;
    for (auto it = m_counters.cbegin(); it != m_counters.cend(); ++it) {
        if (!it->dirty)
            continue;
        update->bindValue(0, it->seq);
        update->bindValue(1, it->docsTotal);
        update->bindValue(2, it->docsDeleted);
        update->bindValue(3, it.key());
        if (!(status = run(update, "cannot update a database's counters")).isOk())
            return status;
    }
    m_counters.clear();
    return Status::ok();
}

Status StorageWriter::setMeta(const QString &key, const QVariant &value)
{
    Status status;
    SqliteStatement statement = m_connection.statement(sql("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"), &status);
    if (!statement)
        return status;
    statement->bindValue(0, key);
    statement->bindValue(1, value);
    return run(statement, "cannot write the meta table");
}
