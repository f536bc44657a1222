// CommitLog: where the write path sends log entries, and where it learns
// that they are committed. A standalone node commits what is durable on its
// own disk (StandaloneLog); a replica set member commits what a write quorum
// holds (ReplicationNode).
//
// The write path assigns seqs itself (nextSeq(), contiguous) so that one
// request's documents can see each other before they are submitted. Main
// thread; implementations are owned by the ServerApp.
#pragma once

#include <QObject>
#include <QVector>

#include <optional>

#include "LogEntry.h"
#include "Status.h"

class CommitLog : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // Ok while this node accepts writes; otherwise why not (not primary,
    // with the primary's URL in the details; no quorum; storage failed).
    virtual Status writable() const = 0;
    // Ok while a read of this node's applied state is linearizable: it is
    // the primary, holds its lease and has applied an entry of its own term
    // (docs/replication.md); otherwise why not, as writable() says it.
    virtual Status readable() const = 0;
    // Ok unless the node cannot work at all (its storage failed); a replica
    // is healthy though it does not take writes.
    virtual Status health() const = 0;
    virtual qint64 term() const = 0;
    // (term, seq) of the last entry applied: how up to date reads are.
    virtual std::pair<qint64, qint64> appliedPosition() const = 0;
    // The newest seq this node knows committed (applied or not yet): every
    // write it acknowledged is at or below it.
    virtual qint64 commitSeq() const = 0;
    virtual qint64 nextSeq() const = 0;
    // The term of the entry at `seq` in this node's log; nullopt when the
    // log does not hold it (past its end, compacted, or replaced by a
    // snapshot). Entries that are applied keep their term.
    virtual std::optional<qint64> termAt(qint64 seq) const = 0;
    // REQUIRES: writable(); entries[0].seq == nextSeq(), contiguous. Sets
    // their term. Refusal (e.g. a lease just lost) leaves the log unchanged.
    virtual Status append(QVector<LogEntry> &entries) = 0;

signals:
    // Entries up to `seq` are committed: a write quorum holds them durably.
    // They are not applied yet (reads do not see them until applied()).
    // Which entries: termAt() tells (a seq alone does not say whose entry
    // it is). A log that commits and applies at once emits only applied().
    void committed(qint64 seq);
    // Entries up to `seq` are committed and applied: reads see them.
    void applied(qint64 seq);
    // Entries from `fromSeq` on left this node's log (a newer primary's
    // entries replaced them, or a snapshot did): they were not committed
    // here, and later entries at those seqs are others'.
    void cut(qint64 fromSeq);
    // Entries after `lastKeptSeq` that this node appended will not be
    // committed by it: the node lost its primary role, or the disk refused
    // them. Their outcome is unknown (another primary may commit them).
    void abandoned(const Status &reason, qint64 lastKeptSeq);
};
