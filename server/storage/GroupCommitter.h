// GroupCommitter: the queue in front of the storage writer thread.
//
// Callers submit LogWrites (cut the log, persist the term and vote, append
// entries, say how far the log is committed); the committer sends everything
// queued as one WriteBatch as soon as the writer is idle, so that while one
// transaction is being fsynced the next one fills up (group commit:
// throughput without skipping fsync, and no added delay when the load is
// light). Batches never overlap; writes are applied in submission order.
// Each submission gets a ticket; durable() reports the highest ticket whose
// writes are all durable, so a caller can hold back messages that promise
// durability (a replica's acknowledgement, a vote) until then.
//
// When a batch fails nothing of it is durable; the committer drops every
// entry queued after it too (they follow it in the log), reports failed()
// and goes on with whatever is submitted next. A fatal failure (I/O error,
// corruption) leaves it broken: nothing more is written. Tickets of the
// submissions a failure dropped never complete: a later durable() ticket
// says nothing of them, so a caller holding messages for them must drop
// them when failed() comes.
//
// Main thread; owns the storage thread and the StorageWriter that lives there.
#pragma once

#include <QObject>
#include <QThread>
#include <QVector>

#include <deque>
#include <memory>
#include <optional>

#include "Checkpointer.h"
#include "LogEntry.h"
#include "LogWrite.h"
#include "ReplicationMessages.h"
#include "StorageOptions.h"
#include "TermHistory.h"
#include "WriteBatch.h"

class StorageWriter;

class GroupCommitter : public QObject
{
    Q_OBJECT

public:
    using LogWrite = ::LogWrite;

    GroupCommitter(const QString &path, const StorageOptions &options, qint64 maxBatchEntries,
                   QObject *parent = nullptr);
    ~GroupCommitter() override;

    // Starts the storage thread and opens the file there (creating the
    // schema on first start). Blocks until the file is open.
    Status start();
    // Waits for the batch in flight, closes the file (checkpointing the
    // SQLite WAL if `checkpoint` and it can without waiting) and stops the
    // thread. Writes still queued are not written. With timeoutMs >= 0,
    // waits that long at most: false if the thread is still busy then
    // (stuck in SQLite on a stalled disk or a locked file) — it keeps
    // running and the caller can only end the process without it (which
    // the WAL makes safe: nothing in the batch in flight was acknowledged).
    bool stop(int timeoutMs = -1, bool checkpoint = true);

    // REQUIRES: write.entries continue the log as it will be after the cut.
    quint64 submit(const LogWrite &write);
    // Shorthand: append entries, committed through commitThroughSeq.
    quint64 append(const QVector<LogEntry> &entries, qint64 commitThroughSeq);
    // Entries up to `seq` are committed and may be applied to the documents.
    void commitThrough(qint64 seq);
    // Keep at most this many applied entries in the log (0: all).
    void setLogRetention(qint64 entries) { m_retainEntries = entries; }

    // As found on disk by start().
    const HardState &initialHardState() const { return m_initialHardState; }
    const TermHistory &initialTermHistory() const { return m_initialHistory; }
    const QVector<StoredMembership> &initialMemberships() const { return m_initialMemberships; }

    qint64 durableSeq() const { return m_durableSeq; }
    // Checkpoints run off the writer's thread since start().
    qint64 checkpoints() const { return m_checkpointer ? m_checkpointer->checkpoints() : 0; }
    qint64 durableTerm() const { return m_durableTerm; }
    qint64 appliedSeq() const { return m_appliedSeq; }
    qint64 compactedSeq() const { return m_compactedSeq; }
    qint64 lastQueuedSeq() const { return m_lastQueuedSeq; }
    // Entries waiting for a batch (not yet handed to the writer), and their
    // bytes: what a stalled disk lets grow (callers bound it).
    qint64 queuedEntries() const { return qint64(m_queue.size()); }
    qint64 queuedBytes() const { return m_queuedBytes; }
    bool isIdle() const;
    bool isBroken() const { return m_broken; }

    qint64 batchesWritten() const { return m_batchesWritten; }
    qint64 entriesWritten() const { return m_entriesWritten; }
    qint64 lastBatchMicros() const { return m_lastBatchMicros; }

signals:
    // The log is durable up to lastSeq and applied up to appliedSeq; every
    // submission up to `ticket` is durable.
    void durable(qint64 lastSeq, qint64 appliedSeq, quint64 ticket);
    // Retention dropped log entries up to compactedSeq.
    void compacted(qint64 compactedSeq, qint64 compactedTerm);
    // A batch failed: nothing past lastDurableSeq was written, and the queue
    // behind it was dropped.
    void failed(const Status &status, bool fatal, qint64 lastDurableSeq);
    void idle();

private:
    void dispatch();
    void onWritten(const WriteBatchResult &result, quint64 ticket);

    QString m_path;
    StorageOptions m_options;
    // Checkpoints off the writer's commits (none when
    // Storage.WalAutoCheckpointPages is 0).
    std::unique_ptr<Checkpointer> m_checkpointer;
    qint64 m_maxBatchEntries;
    QThread m_thread;
    StorageWriter *m_writer = nullptr;
    HardState m_initialHardState;
    QVector<StoredMembership> m_initialMemberships;
    TermHistory m_initialHistory;

    // Submissions not yet in a batch.
    std::deque<LogEntry> m_queue;
    qint64 m_queuedBytes = 0;
    qint64 m_pendingTruncate = 0;
    std::optional<HardState> m_pendingHardState;
    std::deque<std::pair<quint64, qint64>> m_tickets; // (ticket, last entry seq it needs)
    quint64 m_nextTicket = 1;
    quint64 m_completedTicket = 0;

    bool m_inFlight = false;
    bool m_broken = false;
    bool m_stopping = false; // the writer was asked to close and its thread to quit
    qint64 m_retainEntries = 0;
    qint64 m_lastQueuedSeq = 0;
    qint64 m_commitThrough = 0;
    qint64 m_durableSeq = 0;
    qint64 m_durableTerm = 0;
    qint64 m_appliedSeq = 0;
    qint64 m_compactedSeq = 0;
    qint64 m_batchesWritten = 0;
    qint64 m_entriesWritten = 0;
    qint64 m_lastBatchMicros = 0;
};
