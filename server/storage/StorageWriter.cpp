#include "StorageWriter.h"

#include <sqlite3.h>

#include "NativeStatement.h"

#include "StorageSchema.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSqlError>

namespace {

// Log entries dropped by retention with a batch, at least.
constexpr qint64 kCompactionStep = 64;
// What StorageWriter keeps of appended entries not yet applied.
constexpr qint64 kUnappliedBytes = 8 * 1024 * 1024;

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
    m_unapplied.clear();
    m_unappliedBytes = 0;
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
    if (status.isOk() && m_walGrew) {
        // Replaces SQLite's automatic checkpoint, which is itself a WAL hook.
        sqlite3 *handle = NativeStatement::handleOf(m_connection.database());
        if (!handle)
            return Status::internal(QStringLiteral("the QtSql SQLite driver gave no sqlite3 handle"));
        sqlite3_wal_hook(
            handle,
            [](void *context, sqlite3 *database, const char *name, int frames) {
                auto *writer = static_cast<StorageWriter *>(context);
                // The log restarts only after a complete checkpoint, which
                // the checkpoints beside the writer never are while commits
                // keep coming: the writer completes one here, between two
                // commits, when the Checkpointer says so. Busy when one
                // beside runs: the next commit tries again.
                if (writer->m_walGrew(frames))
                    sqlite3_wal_checkpoint_v2(database, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
                return SQLITE_OK;
            },
            this);
        // A restarted log file is cut back to the log's bound.
        status = m_connection.exec(
            QStringLiteral("PRAGMA journal_size_limit=%1").arg(m_options.walLimitPages() * StorageOptions::kPageBytes));
    }
    if (status.isOk())
        status = empty ? StorageSchema::create(m_connection) : StorageSchema::upgrade(m_connection);
    if (status.isOk())
        status = m_applier.prepare();
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
    status = readMemberships(meta.value(QStringLiteral("appliedSeq")));
    if (!status.isOk())
        return status;
    if (!meta.contains(QStringLiteral("appliedSeq")))
        return Status::storageFailure(QStringLiteral("the data file has no appliedSeq"));
    m_appliedSeq = meta.value(QStringLiteral("appliedSeq"));
    // Files from before the voter flag belonged to voting members.
    m_hardState = HardState{meta.value(QStringLiteral("currentTerm")), int(meta.value(QStringLiteral("votedFor"), -1)),
                            meta.value(QStringLiteral("voter"), 1) != 0};
    status = m_log.open(meta.value(QStringLiteral("compactedSeq")), meta.value(QStringLiteral("compactedTerm")));
    if (!status.isOk())
        return status;
    if (m_appliedSeq > m_log.lastSeq()) {
        return Status::storageFailure(
            QStringLiteral("the data file is inconsistent: appliedSeq %1 is past the log's end %2").arg(m_appliedSeq).arg(m_log.lastSeq()));
    }
    return Status::ok();
}

Status StorageWriter::readMemberships(qint64 appliedSeq)
{
    m_memberships.clear();
    QSqlQuery query(m_connection.database());
    if (!query.exec(QStringLiteral("SELECT CAST(m.value AS BLOB), s.value FROM meta m JOIN meta s"
                                   " ON m.key = 'membership' AND s.key = 'membershipSeq'"))) {
        return SqliteConnection::error(query.lastError(), QStringLiteral("cannot read the membership"));
    }
    if (query.next())
        m_memberships.append(StoredMembership{query.value(1).toLongLong(), query.value(0).toByteArray(), true});
    query.prepare(QStringLiteral("SELECT seq, body FROM wal WHERE op = ? AND seq > ? ORDER BY seq"));
    query.addBindValue(int(LogEntry::Op::Configure));
    query.addBindValue(appliedSeq);
    if (!query.exec())
        return SqliteConnection::error(query.lastError(), QStringLiteral("cannot read the log's membership changes"));
    while (query.next())
        m_memberships.append(StoredMembership{query.value(0).toLongLong(), query.value(1).toByteArray()});
    return Status::ok();
}

void StorageWriter::close(bool checkpoint)
{
    if (!m_connection.isOpen())
        return;
    m_applier.close();
    m_log.close();
    // Emptying the WAL only saves the next start some work: it is not worth
    // waiting for a lock another connection holds (the 10 s busy timeout
    // would hold up the stop).
    if (checkpoint) {
        if (sqlite3 *handle = NativeStatement::handleOf(m_connection.database()))
            sqlite3_busy_timeout(handle, kCloseBusyTimeoutMs);
        m_connection.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    m_connection.close();
}

WriteBatchResult StorageWriter::write(const WriteBatch &batch)
{
    QElapsedTimer timer;
    timer.start();
    WriteBatchResult result;
    result.entryCount = int(batch.entries.size());

    QSqlDatabase &db = m_connection.database();
    // Everything a batch changes in memory is committed only with the batch.
    const LogTable::Position saved = m_log.position();
    const auto positions = [&] {
        result.lastSeq = m_log.lastSeq();
        result.lastTerm = m_log.lastTerm();
        result.appliedSeq = m_appliedSeq;
        result.compactedSeq = m_log.compactedSeq();
        result.compactedTerm = m_log.compactedTerm();
        result.elapsedMicros = timer.nsecsElapsed() / 1000;
    };
    const auto fail = [&](const Status &status, const QSqlError &error) {
        db.rollback();
        m_applier.discard();
        m_log.restore(saved);
        result.status = status;
        result.fatal = SqliteConnection::isFatal(error);
        positions();
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

    if (batch.truncateFromSeq > 0 && batch.truncateFromSeq <= m_log.lastSeq()) {
        const Status status = m_log.truncate(batch.truncateFromSeq, m_appliedSeq, &result.rolledBack);
        if (!status.isOk())
            return fail(status, db.lastError());
    }
    if (batch.hardState && *batch.hardState != m_hardState) {
        Status status = m_connection.setMeta(QStringLiteral("currentTerm"), batch.hardState->term);
        if (status.isOk())
            status = m_connection.setMeta(QStringLiteral("votedFor"), batch.hardState->votedFor);
        if (status.isOk())
            status = m_connection.setMeta(QStringLiteral("voter"), batch.hardState->voter ? 1 : 0);
        if (!status.isOk())
            return fail(status, db.lastError());
    }

    for (const LogEntry &entry : batch.entries) {
        if (entry.seq != m_log.lastSeq() + 1) {
            return fail(Status::internal(QStringLiteral("log gap: entry %1 after %2").arg(entry.seq).arg(m_log.lastSeq())),
                        QSqlError());
        }
        const Status status = m_log.append(entry);
        if (!status.isOk())
            return fail(status, db.lastError());
    }

    const qint64 applyThrough = qMin(batch.applyThroughSeq, m_log.lastSeq());
    const qint64 firstInBatch = batch.entries.isEmpty() ? m_log.lastSeq() + 1 : batch.entries.first().seq;
    qint64 appliedSeq = m_appliedSeq;
    for (qint64 seq = m_appliedSeq + 1; seq <= applyThrough; ++seq) {
        Status status;
        if (seq >= firstInBatch) {
            status = m_applier.apply(batch.entries.at(seq - firstInBatch));
        } else {
            LogEntry entry;
            status = unapplied(seq, &entry);
            if (status.isOk())
                status = m_applier.apply(entry);
        }
        if (!status.isOk())
            return fail(status, db.lastError());
        appliedSeq = seq;
    }
    if (appliedSeq != m_appliedSeq) {
        Status status = m_applier.flush();
        if (status.isOk())
            status = m_connection.setMeta(QStringLiteral("appliedSeq"), appliedSeq);
        if (!status.isOk())
            return fail(status, db.lastError());
    }
    // Log retention, a little with every batch: once the log holds more
    // applied entries than it retains, each batch drops up to twice as many
    // as it appended and applied (at least kCompactionStep), so the log
    // keeps its length under a steady load and gets back to it after a
    // burst. Dropping a tenth of the log at once now and then made one
    // commit in a second take tens of milliseconds longer — the tail of
    // every write in it.
    if (batch.retainEntries > 0 && appliedSeq - m_log.compactedSeq() > batch.retainEntries) {
        const qint64 step = qMax<qint64>(kCompactionStep, 2 * (qint64(batch.entries.size()) + appliedSeq - m_appliedSeq));
        const Status status = m_log.compactThrough(qMin(appliedSeq - batch.retainEntries, m_log.compactedSeq() + step));
        if (!status.isOk())
            return fail(status, db.lastError());
    }

    if (!db.commit())
        return fail(SqliteConnection::error(db.lastError(), QStringLiteral("cannot commit")), db.lastError());

    if (batch.hardState)
        m_hardState = *batch.hardState;
    m_appliedSeq = appliedSeq;
    keepUnapplied(batch);
    positions();
    return result;
}

Status StorageWriter::unapplied(qint64 seq, LogEntry *entry)
{
    if (!m_unapplied.isEmpty() && seq >= m_unapplied.first().seq && seq <= m_unapplied.last().seq) {
        *entry = m_unapplied.at(seq - m_unapplied.first().seq);
        return Status::ok();
    }
    return m_log.load(seq, entry);
}

void StorageWriter::keepUnapplied(const WriteBatch &batch)
{
    const auto dropFront = [this] {
        m_unappliedBytes -= m_unapplied.first().approximateJsonBytes();
        m_unapplied.removeFirst();
    };
    while (!m_unapplied.isEmpty() && m_unapplied.first().seq <= m_appliedSeq)
        dropFront();
    if (batch.truncateFromSeq > 0) {
        while (!m_unapplied.isEmpty() && m_unapplied.last().seq >= batch.truncateFromSeq) {
            m_unappliedBytes -= m_unapplied.last().approximateJsonBytes();
            m_unapplied.removeLast();
        }
    }
    for (const LogEntry &entry : batch.entries) {
        if (entry.seq <= m_appliedSeq)
            continue;
        if (!m_unapplied.isEmpty() && m_unapplied.last().seq + 1 != entry.seq) {
            m_unapplied.clear();
            m_unappliedBytes = 0;
        }
        if (m_unappliedBytes + entry.approximateJsonBytes() > kUnappliedBytes)
            break; // the rest is read back from the log
        m_unapplied.append(LogTable::asStored(entry));
        m_unappliedBytes += entry.approximateJsonBytes();
    }
}
