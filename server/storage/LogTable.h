// LogTable: the replication log in a node's SQLite file (table wal): append,
// cut a tail (keeping it in rollback), compact a prefix, read an entry or
// its term, and where the log stands (lastSeq/lastTerm, compactedSeq/Term).
//
// It writes inside the caller's transaction and never commits: StorageWriter
// runs it within a WriteBatch's transaction and, when that transaction is
// rolled back, puts the positions back with restore(position()).
//
// Storage thread only, like the StorageWriter that owns it; uses the
// writer's connection.
#pragma once

#include <QtGlobal>

#include "LogEntry.h"
#include "NativeStatement.h"
#include "SqliteConnection.h"
#include "TermHistory.h"

class LogTable
{
public:
    // Where the log stands; restore() puts it back after a rollback.
    struct Position
    {
        qint64 lastSeq = 0;
        qint64 lastTerm = 0;
        qint64 compactedSeq = 0;
        qint64 compactedTerm = 0;
    };

    explicit LogTable(SqliteConnection &connection);

    // Prepares the append statement and reads the log's terms, given the
    // compacted prefix recorded in meta. StorageFailure for a log that is
    // not contiguous.
    Status open(qint64 compactedSeq, qint64 compactedTerm);
    void close();

    // REQUIRES: entry.seq == lastSeq() + 1.
    Status append(const LogEntry &entry);
    // Moves the entries from `fromSeq` on into rollback and deletes them;
    // never an applied one (`appliedSeq`). *count: the entries cut.
    Status truncate(qint64 fromSeq, qint64 appliedSeq, qint64 *count);
    // Deletes the entries up to `through` (REQUIRES: applied), recording the
    // new compacted position in meta.
    Status compactThrough(qint64 through);
    Status termOf(qint64 seq, qint64 *term);
    Status load(qint64 seq, LogEntry *entry);
    // `entry` as load() reads it back (the fields its op keeps).
    static LogEntry asStored(const LogEntry &entry);

    Position position() const { return m_position; }
    void restore(const Position &position) { m_position = position; }
    qint64 lastSeq() const { return m_position.lastSeq; }
    qint64 lastTerm() const { return m_position.lastTerm; }
    qint64 compactedSeq() const { return m_position.compactedSeq; }
    qint64 compactedTerm() const { return m_position.compactedTerm; }
    // Which term each seq belonged to when open() read the log.
    const TermHistory &history() const { return m_history; }

private:
    SqliteConnection &m_connection;
    Position m_position;
    TermHistory m_history;
    NativeStatement m_append;
};
