// TermHistory: which term every seq of a node's log belongs to, kept as the
// seqs where terms begin (a handful of segments), plus where the log was
// compacted. It answers termAt(seq) for log matching without touching the
// log itself. Pure value; any thread.
//
// Invariants: segment start seqs strictly increase, their terms strictly
// increase, every segment starts after compactedSeq, lastSeq >= compactedSeq.
#pragma once

#include <QVector>

#include <optional>

class TermHistory
{
public:
    TermHistory() = default;
    // A log holding entries (compactedSeq, lastSeq], whose entry at
    // compactedSeq had compactedTerm.
    TermHistory(qint64 compactedSeq, qint64 compactedTerm);

    qint64 lastSeq() const { return m_lastSeq; }
    qint64 lastTerm() const;
    qint64 compactedSeq() const { return m_compactedSeq; }
    qint64 compactedTerm() const { return m_compactedTerm; }
    // First seq still in the log.
    qint64 firstSeq() const { return m_compactedSeq + 1; }

    // The term of the entry at `seq`; 0 for seq 0 of a log never compacted;
    // nullopt when seq is past the end or before compactedSeq (compacted
    // away — seq 0 included once the log was compacted).
    std::optional<qint64> termAt(qint64 seq) const;
    // The first seq of the segment holding `seq`.
    // REQUIRES: compactedSeq < seq <= lastSeq.
    qint64 segmentStart(qint64 seq) const;

    // REQUIRES: seq == lastSeq() + 1 and term >= lastTerm().
    void append(qint64 seq, qint64 term);
    // Appends seqs firstSeq..lastSeq, all of `term`.
    // REQUIRES: firstSeq == lastSeq() + 1, lastSeq >= firstSeq, term >= lastTerm().
    void appendRange(qint64 firstSeq, qint64 lastSeq, qint64 term);
    // Drops every seq >= seq. REQUIRES: seq > compactedSeq.
    void truncateFrom(qint64 seq);
    // Forgets seqs <= seq (their term is remembered for seq itself).
    // REQUIRES: compactedSeq <= seq <= lastSeq.
    void compactThrough(qint64 seq);

    bool operator==(const TermHistory &other) const;

private:
    struct Segment
    {
        qint64 start;
        qint64 term;
    };

    QVector<Segment> m_segments;
    qint64 m_compactedSeq = 0;
    qint64 m_compactedTerm = 0;
    qint64 m_lastSeq = 0;
};
