#include "TermHistory.h"

TermHistory::TermHistory(qint64 compactedSeq, qint64 compactedTerm)
    : m_compactedSeq(compactedSeq)
    , m_compactedTerm(compactedTerm)
    , m_lastSeq(compactedSeq)
{
}

qint64 TermHistory::lastTerm() const
{
    return m_segments.isEmpty() ? m_compactedTerm : m_segments.last().term;
}

std::optional<qint64> TermHistory::termAt(qint64 seq) const
{
    // Seq 0 is the compaction point of a log never compacted (term 0), and
    // before the compaction point of one that was.
    if (seq > m_lastSeq || seq < m_compactedSeq)
        return std::nullopt;
    if (seq == m_compactedSeq)
        return m_compactedTerm;
    for (qsizetype i = m_segments.size() - 1; i >= 0; --i) {
        if (m_segments.at(i).start <= seq)
            return m_segments.at(i).term;
    }
    return std::nullopt;
}

qint64 TermHistory::segmentStart(qint64 seq) const
{
    for (qsizetype i = m_segments.size() - 1; i >= 0; --i) {
        if (m_segments.at(i).start <= seq)
            return m_segments.at(i).start;
    }
    return m_compactedSeq + 1;
}

void TermHistory::append(qint64 seq, qint64 term)
{
    Q_ASSERT(seq == m_lastSeq + 1);
    Q_ASSERT(term >= lastTerm());
    if (m_segments.isEmpty() || m_segments.last().term != term)
        m_segments.append(Segment{seq, term});
    m_lastSeq = seq;
}

void TermHistory::appendRange(qint64 firstSeq, qint64 lastSeq, qint64 term)
{
    Q_ASSERT(lastSeq >= firstSeq);
    append(firstSeq, term);
    m_lastSeq = lastSeq;
}

void TermHistory::truncateFrom(qint64 seq)
{
    Q_ASSERT(seq > m_compactedSeq);
    if (seq > m_lastSeq)
        return;
    while (!m_segments.isEmpty() && m_segments.last().start >= seq)
        m_segments.removeLast();
    m_lastSeq = seq - 1;
}

void TermHistory::compactThrough(qint64 seq)
{
    Q_ASSERT(seq >= m_compactedSeq && seq <= m_lastSeq);
    const std::optional<qint64> term = termAt(seq);
    m_compactedSeq = seq;
    m_compactedTerm = term.value_or(m_compactedTerm);
    // Segments that now start at or before the compaction point: keep the
    // last of them only if it extends past it (starting right after it).
    while (m_segments.size() > 1 && m_segments.at(1).start <= seq + 1)
        m_segments.removeFirst();
    if (!m_segments.isEmpty() && m_segments.first().start <= seq) {
        if (m_lastSeq > seq)
            m_segments.first().start = seq + 1;
        else
            m_segments.removeFirst();
    }
}

bool TermHistory::operator==(const TermHistory &other) const
{
    if (m_compactedSeq != other.m_compactedSeq || m_compactedTerm != other.m_compactedTerm || m_lastSeq != other.m_lastSeq
        || m_segments.size() != other.m_segments.size()) {
        return false;
    }
    for (qsizetype i = 0; i < m_segments.size(); ++i) {
        if (m_segments.at(i).start != other.m_segments.at(i).start || m_segments.at(i).term != other.m_segments.at(i).term)
            return false;
    }
    return true;
}
