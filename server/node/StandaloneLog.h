// StandaloneLog: the CommitLog of a standalone node — an entry is committed
// as soon as it is durable on the local disk (group commit).
//
// Main thread; owned by the ServerApp; uses, does not own, the committer.
#pragma once

#include "CommitLog.h"

class GroupCommitter;

class StandaloneLog : public CommitLog
{
    Q_OBJECT

public:
    explicit StandaloneLog(GroupCommitter *committer, QObject *parent = nullptr);

    Status writable() const override;
    // A standalone node is its own primary: its reads are always current.
    Status readable() const override { return Status::ok(); }
    std::optional<qint64> termAt(qint64 seq) const override;
    Status health() const override { return m_failure; }
    qint64 term() const override { return m_term; }
    std::pair<qint64, qint64> appliedPosition() const override;
    qint64 commitSeq() const override; // what is durable is committed and applied together
    qint64 nextSeq() const override;
    Status append(QVector<LogEntry> &entries) override;

    // Writes are refused (503) while this many entries, or bytes, wait for
    // the disk.
    void setPendingLimits(qint64 maxEntries, qint64 maxBytes)
    {
        m_maxPendingEntries = maxEntries;
        m_maxPendingBytes = maxBytes;
    }

private:
    GroupCommitter *m_committer;
    qint64 m_term;
    Status m_failure;
    qint64 m_maxPendingEntries = 100000;
    qint64 m_maxPendingBytes = 256 * 1024 * 1024;
};
