#include "DocumentApplier.h"

#include "Document.h"
#include "JsonText.h"
#include "StorageSchema.h"

DocumentApplier::DocumentApplier(SqliteConnection &connection)
    : m_connection(connection)
{
}

Status DocumentApplier::prepare()
{
    sqlite3 *handle = NativeStatement::handleOf(m_connection.database());
    if (!handle)
        return Status::internal(QStringLiteral("the QtSql SQLite driver gave no sqlite3 handle"));
    const QList<QPair<NativeStatement *, const char *>> statements = {
        {&m_insertDocument, "INSERT INTO docs(db, id, rev, seq, deleted, body) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
                            " ON CONFLICT(db, id) DO NOTHING"},
        {&m_findDocument, "SELECT rowid, deleted, CAST(body AS BLOB) FROM docs WHERE db = ?1 AND id = ?2"},
        {&m_updateDocument, "UPDATE docs SET rev = ?1, seq = ?2, deleted = ?3, body = ?4 WHERE rowid = ?5"},
        {&m_keepRevision, "INSERT OR REPLACE INTO revs(db, id, rev, seq, deleted, body)"
                          " SELECT db, id, rev, seq, deleted, body FROM docs WHERE rowid = ?1"},
        {&m_untag, "DELETE FROM tags WHERE db = ?1 AND id = ?2"},
        {&m_tag, "INSERT OR IGNORE INTO tags(db, tag, id) SELECT ?1, value, ?2 FROM json_each(?3)"},
        {&m_updateCounters, "UPDATE dbs SET seq = ?1, docs_total = ?2, docs_deleted = ?3 WHERE name = ?4"},
    };
    for (const auto &[statement, sql] : statements) {
        const Status status = statement->prepare(handle, QByteArray(sql));
        if (!status.isOk())
            return status;
    }
    return Status::ok();
}

void DocumentApplier::close()
{
    m_fullText.clear();
    m_counters.clear();
    for (NativeStatement *statement :
         {&m_insertDocument, &m_findDocument, &m_updateDocument, &m_keepRevision, &m_untag, &m_tag, &m_updateCounters})
        statement->finalize();
}

Status DocumentApplier::apply(const LogEntry &entry)
{
    switch (entry.op) {
    case LogEntry::Op::PutDocument: return applyPut(entry);
    case LogEntry::Op::CreateDatabase: return applyCreateDatabase(entry);
    case LogEntry::Op::DeleteDatabase: return applyDeleteDatabase(entry);
    case LogEntry::Op::Noop: return Status::ok();
    case LogEntry::Op::Configure: return applyConfigure(entry);
    }
    return Status::internal(QStringLiteral("log entry %1 has an unknown op").arg(entry.seq));
}

Status DocumentApplier::applyConfigure(const LogEntry &entry)
{
    // The committed membership, read back when the node starts (and carried
    // by a snapshot of this file).
    Status status = m_connection.setMeta(QStringLiteral("membership"), QString::fromUtf8(entry.body));
    if (status.isOk())
        status = m_connection.setMeta(QStringLiteral("membershipSeq"), entry.seq);
    return status;
}

Status DocumentApplier::applyPut(const LogEntry &entry)
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
            const QByteArray oldText = old->searchText();
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
    const QByteArray text = document->searchText();
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

Status DocumentApplier::applyCreateDatabase(const LogEntry &entry)
{
    Status status;
    SqliteStatement insert = m_connection.statement(
        QStringLiteral("INSERT OR IGNORE INTO dbs(name, seq, docs_total, docs_deleted, created_seq, created_ts) VALUES(?, 0, 0, 0, ?, ?)"),
        &status);
    if (!insert)
        return status;
    insert->bindValue(0, entry.db);
    insert->bindValue(1, entry.seq);
    insert->bindValue(2, entry.timestampMs);
    if (!(status = SqliteConnection::run(insert, "cannot create a database", entry.seq)).isOk())
        return status;
    if (insert->numRowsAffected() == 0)
        return Status::ok(); // already there: applying twice changes nothing
    return m_connection.exec(StorageSchema::createFullTextTable(entry.seq));
}

Status DocumentApplier::applyDeleteDatabase(const LogEntry &entry)
{
    Status status;
    SqliteStatement database = m_connection.statement(QStringLiteral("SELECT created_seq FROM dbs WHERE name = ?"), &status);
    if (!database)
        return status;
    database->bindValue(0, entry.db);
    if (!(status = SqliteConnection::run(database, "cannot read a database", entry.seq)).isOk())
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
        SqliteStatement statement = m_connection.statement(QString::fromLatin1(text), &status);
        if (!statement)
            return status;
        statement->bindValue(0, entry.db);
        if (!(status = SqliteConnection::run(statement, "cannot delete a database", entry.seq)).isOk())
            return status;
    }
    m_fullText.erase(createdSeq); // finalize its statements before the table goes
    return m_connection.exec(QStringLiteral("DROP TABLE IF EXISTS %1").arg(StorageSchema::fullTextTable(createdSeq)));
}

Result<DocumentApplier::DatabaseCounters *> DocumentApplier::counters(const QString &db, qint64 seq)
{
    auto it = m_counters.find(db);
    if (it != m_counters.end())
        return &it.value();
    Status status;
    SqliteStatement select = m_connection.statement(
        QStringLiteral("SELECT created_seq, seq, docs_total, docs_deleted FROM dbs WHERE name = ?"), &status);
    if (!select)
        return status;
    select->bindValue(0, db);
    if (!(status = SqliteConnection::run(select, "cannot read a database", seq)).isOk())
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

Status DocumentApplier::flush()
{
    for (auto it = m_counters.begin(); it != m_counters.end(); ++it) {
        if (!it->dirty)
            continue;
        NativeStatement &update = m_updateCounters;
        update.bind(1, it->seq);
        update.bind(2, it->docsTotal);
        update.bind(3, it->docsDeleted);
        update.bindText(4, it.key());
        const Status status = update.run();
        update.reset();
        if (!status.isOk())
            return status;
        it->dirty = false;
    }
    return Status::ok();
}

Result<DocumentApplier::FullTextStatements *> DocumentApplier::fullText(qint64 createdSeq)
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
