// WriteBatch / WriteBatchResult: one group commit — the log entries to
// append and how far the log may be applied to the documents — and what
// came of it. Plain values passed between the main thread and the storage
// writer thread.
#pragma once

#include <QVector>

#include "LogEntry.h"
#include "Status.h"

struct WriteBatch
{
    QVector<LogEntry> entries; // contiguous seqs, following the log's last entry
    qint64 applyThroughSeq = 0; // apply every entry up to here (committed entries)
};

struct WriteBatchResult
{
    Status status;           // not ok: nothing of this batch is durable
    bool fatal = false;      // the file can no longer be trusted: stop writing
    qint64 lastSeq = 0;      // the log's last durable entry
    qint64 lastTerm = 0;
    qint64 appliedSeq = 0;   // documents reflect the log up to here
    int entryCount = 0;
    qint64 elapsedMicros = 0;
};
