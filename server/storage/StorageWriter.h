// StorageWriter: the only code that writes to a node's SQLite file.
//
// Each WriteBatch is one SQLite transaction: append the entries to the wal
// table, apply every committed entry to docs / revs / tags / fts / dbs, record
// appliedSeq in meta, COMMIT. With synchronous=FULL the COMMIT fsyncs the
// SQLite WAL, so when write() returns ok the batch is durable — this is the
// group commit: many client writes share one transaction and one fsync.
// (A batch that only applies entries already durable in the log is not
// fsynced: after a crash it is redone from the log.)
//
// The per-entry statements (log append, document upsert, indexes) run through
// SQLite's C API (NativeStatement) on the QtSql connection; the rest through
// QtSql.
//
// Lives on the storage thread (GroupCommitter moves it there); open(),
// write() and close() must run on that thread. Owned by GroupCommitter.
#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include <memory>
#include <unordered_map>

#include "LogEntry.h"
#include "NativeStatement.h"
#include "ReplicationMessages.h"
#include "SqliteConnection.h"
#include "StorageOptions.h"
#include "TermHistory.h"
#include "WriteBatch.h"

class StorageWriter : public QObject
{
    Q_OBJECT

public:
    StorageWriter(const QString &path, const StorageOptions &options);
    ~StorageWriter() override;

    // Opens the file and reads where the log and the documents stand.
    Status open();
    WriteBatchResult write(const WriteBatch &batch);
    // Checkpoints the SQLite WAL into the main file and closes.
    void close();

    qint64 lastSeq() const { return m_lastSeq; }
    qint64 lastTerm() const { return m_lastTerm; }
    qint64 appliedSeq() const { return m_appliedSeq; }
    // As read by open(): the persisted term and vote, and which term each
    // seq of the log belongs to.
    const HardState &hardState() const { return m_hardState; }
    const TermHistory &termHistory() const { return m_history; }

private:
    // A database's row in dbs while a batch is applied: read on first use,
    // counted in memory, written back once at the end of the batch.
    struct DatabaseCounters
    {
        qint64 createdSeq = 0;
        qint64 seq = 0;
        qint64 docsTotal = 0;
        qint64 docsDeleted = 0;
        bool dirty = false;
    };

    // A database's full-text statements, prepared once per table.
    struct FullTextStatements
    {
        NativeStatement index;   // INSERT INTO fts_N(rowid, text)
        NativeStatement unindex; // its 'delete' command
    };

    Status append(const LogEntry &entry);
    Status truncate(qint64 fromSeq, qint64 *count);
    Status compact(qint64 retainEntries);
    Status termOf(qint64 seq, qint64 *term);
    Result<DatabaseCounters *> counters(const QString &db, qint64 seq);
    Status flushCounters();
    Status prepareStatements();
    Result<FullTextStatements *> fullText(qint64 createdSeq);
    Status apply(const LogEntry &entry);
    Status applyPut(const LogEntry &entry);
    Status applyCreateDatabase(const LogEntry &entry);
    Status applyDeleteDatabase(const LogEntry &entry);
    Status loadEntry(qint64 seq, LogEntry *entry);
    Status setMeta(const QString &key, const QVariant &value);
    // Executes a prepared statement; the error names `what` and, when
    // given, the log entry being applied (built only on failure).
    Status run(SqliteStatement &statement, const char *what, qint64 seq = 0);

    QString m_path;
    StorageOptions m_options;
    SqliteConnection m_connection;
    qint64 m_lastSeq = 0;
    qint64 m_lastTerm = 0;
    qint64 m_appliedSeq = 0;
    qint64 m_compactedSeq = 0;
    qint64 m_compactedTerm = 0;
    HardState m_hardState;
    TermHistory m_history;
    bool m_applyOnlyMode = false; // the connection runs with synchronous=NORMAL
    QHash<QString, DatabaseCounters> m_counters; // this batch's databases

    NativeStatement m_appendLog;
    NativeStatement m_insertDocument;
    NativeStatement m_findDocument;
    NativeStatement m_updateDocument;
    NativeStatement m_keepRevision;
    NativeStatement m_untag;
    NativeStatement m_tag;
    std::unordered_map<qint64, std::unique_ptr<FullTextStatements>> m_fullText; // by database created_seq
};
