// DocumentApplier: applies committed log entries to a node's documents —
// docs, revs (the revision each update replaces), tags, the full-text
// index (one FTS5 table per database) and each database's counters in dbs.
//
// Like LogTable it works inside the caller's transaction: apply() each
// entry, then flush() writes the counters it keeps in memory; discard()
// forgets them when the transaction is rolled back (they are read again
// from dbs). Counters stay in memory from one committed batch to the next:
// only this writer changes dbs. The per-entry statements go through
// SQLite's C API (NativeStatement), prepared once.
//
// Storage thread only, like the StorageWriter that owns it; uses the
// writer's connection.
#pragma once

#include <QHash>
#include <QString>

#include <memory>
#include <unordered_map>

#include "LogEntry.h"
#include "NativeStatement.h"
#include "SqliteConnection.h"

class DocumentApplier
{
public:
    explicit DocumentApplier(SqliteConnection &connection);

    Status prepare();
    // Finalizes every statement (before the connection closes).
    void close();

    Status apply(const LogEntry &entry);
    // Writes back the counters of the databases the applied entries touched.
    Status flush();
    // The transaction was rolled back (or its commit failed): forget every
    // counter, committed or not; each is read again from dbs.
    void discard() { m_counters.clear(); }

private:
    // A database's row in dbs: read on first use, counted in memory,
    // written back once at the end of each batch that changed it.
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

    Status applyPut(const LogEntry &entry);
    Status applyCreateDatabase(const LogEntry &entry);
    Status applyDeleteDatabase(const LogEntry &entry);
    Status applyConfigure(const LogEntry &entry);
    Result<DatabaseCounters *> counters(const QString &db, qint64 seq);
    Result<FullTextStatements *> fullText(qint64 createdSeq);

    SqliteConnection &m_connection;
    QHash<QString, DatabaseCounters> m_counters; // databases used since the last discard()
    NativeStatement m_insertDocument;
    NativeStatement m_findDocument;
    NativeStatement m_updateDocument;
    NativeStatement m_keepRevision;
    NativeStatement m_untag;
    NativeStatement m_tag;
    NativeStatement m_updateCounters;
    std::unordered_map<qint64, std::unique_ptr<FullTextStatements>> m_fullText; // by database created_seq
};
