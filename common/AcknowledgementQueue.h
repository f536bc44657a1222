// AcknowledgementQueue: client writes waiting for the log entries a primary
// appended for them, and the rule that decides each one's answer
// (docs/replication.md, "When a client is answered").
//
// A waiter is one client request: the entries firstSeq..lastSeq, all of
// `term`, appended together by this node as primary. Its answer follows from
// what the node's log reports:
//  - committed(seq, termAt): a waiter with lastSeq <= seq is Acknowledged
//    only if the committed entry at lastSeq has the waiter's term — the exact
//    entry (term, seq) it appended committed. By log matching every earlier
//    entry of the request committed with it. If instead the entry at firstSeq has
//    another term, none of the request's entries committed (NotCommitted);
//    otherwise some may have (Unknown). A seq is never enough on its own: a
//    newer primary may have committed a different entry there.
//  - cut(fromSeq): entries from fromSeq on left the log (a newer primary's
//    log replaced them, or a snapshot did): a waiter all of whose entries
//    were cut is NotCommitted, one cut in part is Unknown — at once, not
//    when some later entry at that seq is applied.
//  - abandoned(lastKeptSeq): this node stopped being primary when its
//    commit point was lastKeptSeq; waiters past it are Unknown (a newer
//    primary may still commit their entries, or cut them).
//  - expired(now): waiters whose deadline passed are TimedOut (Unknown
//    outcome, counted apart).
// Decisions come back in the order the waiters were added.
//
// Pure bookkeeping; no I/O, no clock (now comes in). Not thread-safe: owned
// by the write path's thread.
#pragma once

#include <QVector>

#include <deque>
#include <functional>
#include <optional>

class AcknowledgementQueue
{
public:
    enum class Outcome { Acknowledged, NotCommitted, Unknown, TimedOut };

    struct Waiter
    {
        quint64 id = 0;
        qint64 term = 0;
        qint64 firstSeq = 0;
        qint64 lastSeq = 0;
        qint64 deadlineMs = 0; // 0: none
    };

    struct Decision
    {
        quint64 id = 0;
        Outcome outcome = Outcome::Unknown;
    };

    // The term of the committed entry at a seq; nullopt when the log no
    // longer knows it (compacted, or replaced by a snapshot).
    using TermAt = std::function<std::optional<qint64>(qint64 seq)>;

    // REQUIRES: firstSeq <= lastSeq, and lastSeq >= every earlier waiter's.
    void add(const Waiter &waiter);

    QVector<Decision> committed(qint64 seq, const TermAt &termAt);
    QVector<Decision> cut(qint64 fromSeq);
    QVector<Decision> abandoned(qint64 lastKeptSeq);
    QVector<Decision> expired(qint64 nowMs);
    // Every waiter, as Unknown (the node can no longer tell).
    QVector<Decision> clear();

    bool isEmpty() const { return m_waiters.empty(); }
    qsizetype size() const { return qsizetype(m_waiters.size()); }
    // The earliest deadline of a waiter; nullopt when none has one.
    std::optional<qint64> nextDeadline() const;

private:
    // Removes the waiters `decide` answers (nullopt: keeps it), in order.
    QVector<Decision> take(const std::function<std::optional<Outcome>(const Waiter &)> &decide);

    std::deque<Waiter> m_waiters;
};
