// StorageWriter: the only code that writes to a node's SQLite file.
//
// Each WriteBatch is one SQLite transaction: append the entries to the wal
// table (LogTable), apply every committed entry to docs / revs / tags / fts /
// dbs (DocumentApplier), record appliedSeq in meta, COMMIT. With synchronous=FULL the COMMIT fsyncs the
// SQLite WAL, so when write() returns ok the batch is durable — this is the
// group commit: many client writes share one transaction and one fsync.
// (A batch that only applies entries already durable in the log is not
// fsynced: after a crash it is redone from the log.)
//
// The per-entry statements (log append, document upsert, indexes) run through
// SQLite's C API (NativeStatement) on the QtSql connection; the rest through
// QtSql. This class holds the transaction, the hard state and appliedSeq;
// the two halves it drives can be read, profiled and tested alone.
//
// Lives on the storage thread (GroupCommitter moves it there); open(),
// write() and close() must run on that thread. Owned by GroupCommitter.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

#include "DocumentApplier.h"
#include "LogEntry.h"
#include "LogTable.h"
#include "ReplicationMessages.h"
#include "SqliteConnection.h"
#include "StorageOptions.h"
#include "TermHistory.h"
#include "WriteBatch.h"

class StorageWriter : public QObject
{
    Q_OBJECT

public:
    // How long close() waits for a lock to empty the WAL.
    static constexpr int kCloseBusyTimeoutMs = 100;

    StorageWriter(const QString &path, const StorageOptions &options);
    ~StorageWriter() override;

    // Before open(): after each commit, `grew` is told how many frames the
    // write-ahead log holds, and this connection runs no checkpoint of its
    // own accord (the Checkpointer does, on its own thread); when `grew`
    // answers true, the writer completes one itself there and then (see
    // Checkpointer). Unset: SQLite's automatic checkpoint in the commit.
    void setWalObserver(std::function<bool(int frames)> grew) { m_walGrew = std::move(grew); }
    // Opens the file and reads where the log and the documents stand.
    Status open();
    WriteBatchResult write(const WriteBatch &batch);
    // Checkpoints the SQLite WAL into the main file (if `checkpoint`, and
    // unless another connection holds a lock for more than
    // kCloseBusyTimeoutMs) and closes.
    void close(bool checkpoint = true);

    qint64 lastSeq() const { return m_log.lastSeq(); }
    qint64 lastTerm() const { return m_log.lastTerm(); }
    qint64 appliedSeq() const { return m_appliedSeq; }
    // As read by open(): the persisted term and vote, and which term each
    // seq of the log belongs to.
    const HardState &hardState() const { return m_hardState; }
    const TermHistory &termHistory() const { return m_log.history(); }
    // As read by open(): the applied membership (none while the first one,
    // the configuration file's, is in force), then the Configure entries of
    // the log past appliedSeq.
    const QVector<StoredMembership> &memberships() const { return m_memberships; }

private:
    Status readMemberships(qint64 appliedSeq);
    // The entry at `seq` (appended, not yet applied): from m_unapplied when
    // it is there, else read back from the log.
    Status unapplied(qint64 seq, LogEntry *entry);
    // After a commit: forget what was applied or cut, keep what was appended.
    void keepUnapplied(const WriteBatch &batch);

    QString m_path;
    StorageOptions m_options;
    SqliteConnection m_connection;
    LogTable m_log{m_connection};
    DocumentApplier m_applier{m_connection};
    qint64 m_appliedSeq = 0;
    // Entries of committed batches past m_appliedSeq, contiguous, as the log
    // holds them (up to kUnappliedBytes): a replica applies an entry in the
    // batch after the one that appended it (the commit point travels with the
    // next append), and reading it back cost it a tenth of its CPU.
    QVector<LogEntry> m_unapplied;
    qint64 m_unappliedBytes = 0;    QVector<StoredMembership> m_memberships;
    std::function<bool(int frames)> m_walGrew;
    HardState m_hardState;
    bool m_applyOnlyMode = false; // the connection runs with synchronous=NORMAL
};
