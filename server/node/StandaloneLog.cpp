#include "StandaloneLog.h"

#include "GroupCommitter.h"
#include "RequestLimits.h"

StandaloneLog::StandaloneLog(GroupCommitter *committer, QObject *parent)
    : CommitLog(parent)
    , m_committer(committer)
    , m_term(qMax<qint64>(1, committer->durableTerm()))
{
    connect(m_committer, &GroupCommitter::durable, this, [this](qint64, qint64 appliedSeq, quint64) { emit applied(appliedSeq); });
    connect(m_committer, &GroupCommitter::failed, this, [this](const Status &status, bool fatal, qint64 lastDurableSeq) {
        if (fatal) {
            m_failure = Status::storageFailure(
                QStringLiteral("the node stopped writing after a storage failure (%1); restart it").arg(status.message()));
        }
        emit abandoned(status, lastDurableSeq);
    });
}

Status StandaloneLog::writable() const
{
    if (!m_failure.isOk())
        return m_failure;
    return RequestLimits::checkPendingWrites(m_committer->queuedEntries(), m_committer->queuedBytes(), m_maxPendingEntries,
                                             m_maxPendingBytes);
}

std::optional<qint64> StandaloneLog::termAt(qint64 seq) const
{
    // Every entry this process appends has m_term.
    if (seq < 1 || seq > m_committer->lastQueuedSeq())
        return std::nullopt;
    return m_term;
}

qint64 StandaloneLog::nextSeq() const
{
    return m_committer->lastQueuedSeq() + 1;
}

Status StandaloneLog::append(QVector<LogEntry> &entries)
{
    if (!m_failure.isOk())
        return m_failure;
    for (LogEntry &entry : entries)
        entry.term = m_term;
    // A standalone node is its own quorum: durable means committed.
    m_committer->append(entries, entries.last().seq);
    return Status::ok();
}

std::pair<qint64, qint64> StandaloneLog::appliedPosition() const
{
    return {m_term, m_committer->appliedSeq()};
}

qint64 StandaloneLog::commitSeq() const
{
    return m_committer->appliedSeq();
}
