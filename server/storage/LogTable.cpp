#include "LogTable.h"

#include <QDateTime>

LogTable::LogTable(SqliteConnection &connection)
    : m_connection(connection)
{
}

Status LogTable::open(qint64 compactedSeq, qint64 compactedTerm)
{
    sqlite3 *handle = NativeStatement::handleOf(m_connection.database());
    if (!handle)
        return Status::internal(QStringLiteral("the QtSql SQLite driver gave no sqlite3 handle"));
    const Status prepared = m_append.prepare(
        handle, "INSERT INTO wal(seq, term, op, db, id, rev, deleted, body, ts) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!prepared.isOk())
        return prepared;

    // Which term each seq belongs to, from the first seq of every term.
    m_history = TermHistory(compactedSeq, compactedTerm);
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
    m_position = Position{m_history.lastSeq(), m_history.lastTerm(), compactedSeq, compactedTerm};
    return Status::ok();
}

void LogTable::close()
{
    m_append.finalize();
}

Status LogTable::append(const LogEntry &entry)
{
    const bool isPut = entry.op == LogEntry::Op::PutDocument;
    m_append.bind(1, entry.seq);
    m_append.bind(2, entry.term);
    m_append.bind(3, qint64(entry.op));
    m_append.bindText(4, entry.db);
    if (isPut) {
        m_append.bindText(5, entry.id);
        m_append.bindText(6, entry.rev);
        m_append.bindBlob(8, entry.body);
    } else if (entry.op == LogEntry::Op::Configure) {
        m_append.bindBlob(8, entry.body);
    }
    m_append.bind(7, entry.deleted ? 1 : 0);
    m_append.bind(9, entry.timestampMs);
    const Status status = m_append.run();
    m_append.reset();
    if (status.isOk()) {
        m_position.lastSeq = entry.seq;
        m_position.lastTerm = entry.term;
    }
    return status;
}

LogEntry LogTable::asStored(const LogEntry &entry)
{
    LogEntry stored = entry;
    if (entry.op != LogEntry::Op::PutDocument) {
        stored.id.clear();
        stored.rev.clear();
        if (entry.op != LogEntry::Op::Configure)
            stored.body.clear();
    }
    return stored;
}

Status LogTable::termOf(qint64 seq, qint64 *term)
{
    if (seq == 0) {
        *term = 0;
        return Status::ok();
    }
    if (seq == m_position.compactedSeq) {
        *term = m_position.compactedTerm;
        return Status::ok();
    }
    Status status;
    SqliteStatement select = m_connection.statement(QStringLiteral("SELECT term FROM wal WHERE seq = ?"), &status);
    if (!select)
        return status;
    select->bindValue(0, seq);
    if (!(status = SqliteConnection::run(select, "cannot read the log", seq)).isOk())
        return status;
    if (!select->next())
        return Status::storageFailure(QStringLiteral("log entry %1 is missing").arg(seq));
    *term = select->value(0).toLongLong();
    return Status::ok();
}

Status LogTable::truncate(qint64 fromSeq, qint64 appliedSeq, qint64 *count)
{
    if (fromSeq <= appliedSeq) {
        return Status::internal(
            QStringLiteral("refusing to cut the log at %1: entries up to %2 are committed").arg(fromSeq).arg(appliedSeq));
    }
    Status status;
    SqliteStatement keep = m_connection.statement(
        QStringLiteral("INSERT INTO rollback(seq, term, op, db, id, rev, deleted, body, ts, rolled_back_ms)"
                       " SELECT seq, term, op, db, id, rev, deleted, body, ts, ? FROM wal WHERE seq >= ?"),
        &status);
    SqliteStatement cut = m_connection.statement(QStringLiteral("DELETE FROM wal WHERE seq >= ?"), &status);
    if (!keep || !cut)
        return status;
    keep->bindValue(0, QDateTime::currentMSecsSinceEpoch());
    keep->bindValue(1, fromSeq);
    if (!(status = SqliteConnection::run(keep, "cannot keep rolled-back entries", fromSeq)).isOk())
        return status;
    *count = keep->numRowsAffected();
    cut->bindValue(0, fromSeq);
    if (!(status = SqliteConnection::run(cut, "cannot cut the log", fromSeq)).isOk())
        return status;
    m_position.lastSeq = fromSeq - 1;
    return termOf(m_position.lastSeq, &m_position.lastTerm);
}

Status LogTable::compactThrough(qint64 through)
{
    if (through <= m_position.compactedSeq)
        return Status::ok();
    qint64 term = 0;
    Status status = termOf(through, &term);
    if (!status.isOk())
        return status;
    SqliteStatement drop = m_connection.statement(QStringLiteral("DELETE FROM wal WHERE seq <= ?"), &status);
    if (!drop)
        return status;
    drop->bindValue(0, through);
    if (!(status = SqliteConnection::run(drop, "cannot compact the log", through)).isOk())
        return status;
    status = m_connection.setMeta(QStringLiteral("compactedSeq"), through);
    if (status.isOk())
        status = m_connection.setMeta(QStringLiteral("compactedTerm"), term);
    if (!status.isOk())
        return status;
    m_position.compactedSeq = through;
    m_position.compactedTerm = term;
    return Status::ok();
}

Status LogTable::load(qint64 seq, LogEntry *entry)
{
    Status status;
    SqliteStatement select =
        m_connection.statement(QStringLiteral("SELECT term, op, db, id, rev, deleted, body, ts FROM wal WHERE seq = ?"), &status);
    if (!select)
        return status;
    select->bindValue(0, seq);
    status = SqliteConnection::run(select, "cannot read the log", seq);
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
