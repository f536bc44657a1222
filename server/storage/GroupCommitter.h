// GroupCommitter: the queue in front of the storage writer thread.
//
// The write path appends log entries here and says how far the log is
// committed; the committer sends everything queued as one WriteBatch as soon
// as the writer is idle, so that while one transaction is being fsynced the
// next one fills up (group commit: throughput without skipping fsync, and no
// added delay when the load is light). Batches never overlap, entries are
// written in seq order.
//
// When a batch fails nothing of it is durable; the committer drops every
// entry queued after it too (they follow it in the log), reports failed()
// and goes on with whatever is appended next. A fatal failure (I/O error,
// corruption) leaves it broken: nothing more is written.
//
// Main thread; owns the storage thread and the StorageWriter that lives there.
#pragma once

#include <QObject>
#include <QThread>
#include <QVector>

#include <deque>

#include "LogEntry.h"
#include "StorageOptions.h"
#include "WriteBatch.h"

class StorageWriter;

class GroupCommitter : public QObject
{
    Q_OBJECT

public:
    GroupCommitter(const QString &path, const StorageOptions &options, qint64 maxBatchEntries,
                   QObject *parent = nullptr);
    ~GroupCommitter() override;

    // Starts the storage thread and opens the file there (creating the
    // schema on first start). Blocks until the file is open.
    Status start();
    // Waits for the batch in flight, closes the file (checkpointing the
    // SQLite WAL) and stops the thread. Entries still queued are not written.
    void stop();

    // REQUIRES: entries continue the log (first seq == lastQueuedSeq() + 1).
    // Entries up to commitThroughSeq are committed and may be applied to the
    // documents as soon as they are durable (a standalone node commits what
    // it appends; a replica set member commits on quorum).
    void append(const QVector<LogEntry> &entries, qint64 commitThroughSeq);
    // Entries up to `seq` are committed and may be applied to the documents.
    void commitThrough(qint64 seq);

    qint64 durableSeq() const { return m_durableSeq; }
    qint64 durableTerm() const { return m_durableTerm; }
    qint64 appliedSeq() const { return m_appliedSeq; }
    qint64 lastQueuedSeq() const { return m_lastQueuedSeq; }
    bool isIdle() const { return !m_inFlight && m_queue.empty() && qMin(m_commitThrough, m_durableSeq) <= m_appliedSeq; }
    bool isBroken() const { return m_broken; }

    qint64 batchesWritten() const { return m_batchesWritten; }
    qint64 entriesWritten() const { return m_entriesWritten; }
    qint64 lastBatchMicros() const { return m_lastBatchMicros; }

signals:
    // The log is durable up to lastSeq and applied up to appliedSeq.
    void durable(qint64 lastSeq, qint64 appliedSeq);
    // A batch failed: nothing past lastDurableSeq was written, and the queue
    // behind it was dropped.
    void failed(const Status &status, bool fatal, qint64 lastDurableSeq);
    void idle();

private:
    void dispatch();
    void onWritten(const WriteBatchResult &result);

    QString m_path;
    StorageOptions m_options;
    qint64 m_maxBatchEntries;
    QThread m_thread;
    StorageWriter *m_writer = nullptr;
    std::deque<LogEntry> m_queue;
    bool m_inFlight = false;
    bool m_broken = false;
    qint64 m_lastQueuedSeq = 0;
    qint64 m_commitThrough = 0;
    qint64 m_durableSeq = 0;
    qint64 m_durableTerm = 0;
    qint64 m_appliedSeq = 0;
    qint64 m_batchesWritten = 0;
    qint64 m_entriesWritten = 0;
    qint64 m_lastBatchMicros = 0;
};
