// WriteBatch / WriteBatchResult: one group commit — the log entries to
// append and how far the log may be applied to the documents — and what
// came of it. Plain values passed between the main thread and the storage
// writer thread.
#pragma once

#include <QVector>

#include <optional>

#include "LogEntry.h"
#include "ReplicationMessages.h"
#include "Status.h"

// Applied in this order, in one transaction.
// A membership a data file holds: the applied one (meta) or a Configure
// entry of the log past it (wal), as Membership::toJson().
struct StoredMembership
{
    qint64 seq = 0;
    QByteArray json;
    bool applied = false; // the applied one (meta), not an entry past it
};

struct WriteBatch
{
    qint64 truncateFromSeq = 0;          // cut the log from here (copies go to rollback); 0: no cut
    std::optional<HardState> hardState;  // the term and vote to persist
    QVector<LogEntry> entries;           // contiguous seqs, following the log's last entry
    qint64 applyThroughSeq = 0;          // apply every entry up to here (committed entries)
    qint64 retainEntries = 0;            // then drop applied entries beyond this many (0: keep all)
};

struct WriteBatchResult
{
    Status status;           // not ok: nothing of this batch is durable
    bool fatal = false;      // the file can no longer be trusted: stop writing
    qint64 lastSeq = 0;      // the log's last durable entry
    qint64 lastTerm = 0;
    qint64 appliedSeq = 0;   // documents reflect the log up to here
    qint64 compactedSeq = 0; // entries up to here were dropped by retention
    qint64 compactedTerm = 0;
    qint64 rolledBack = 0;   // entries this batch cut from the log
    int entryCount = 0;
    qint64 elapsedMicros = 0;
};
