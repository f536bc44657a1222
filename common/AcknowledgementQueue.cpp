#include "AcknowledgementQueue.h"

#include <algorithm>

void AcknowledgementQueue::add(const Waiter &waiter)
{
    m_waiters.push_back(waiter);
}

QVector<AcknowledgementQueue::Decision> AcknowledgementQueue::take(
    const std::function<std::optional<Outcome>(const Waiter &)> &decide)
{
    QVector<Decision> decisions;
    std::deque<Waiter> kept;
    for (const Waiter &waiter : m_waiters) {
        if (const std::optional<Outcome> outcome = decide(waiter))
            decisions.append(Decision{waiter.id, *outcome});
        else
            kept.push_back(waiter);
    }
    m_waiters.swap(kept);
    return decisions;
}

QVector<AcknowledgementQueue::Decision> AcknowledgementQueue::committed(qint64 seq, const TermAt &termAt)
{
    // Waiters are ordered by lastSeq: those committed are a prefix.
    QVector<Decision> decisions;
    while (!m_waiters.empty() && m_waiters.front().lastSeq <= seq) {
        const Waiter waiter = m_waiters.front();
        m_waiters.pop_front();
        Outcome outcome = Outcome::Unknown;
        if (termAt(waiter.lastSeq) == std::optional<qint64>(waiter.term))
            outcome = Outcome::Acknowledged;
        else if (const std::optional<qint64> first = termAt(waiter.firstSeq); first && *first != waiter.term)
            outcome = Outcome::NotCommitted;
        decisions.append(Decision{waiter.id, outcome});
    }
    return decisions;
}

QVector<AcknowledgementQueue::Decision> AcknowledgementQueue::cut(qint64 fromSeq)
{
    return take([fromSeq](const Waiter &waiter) -> std::optional<Outcome> {
        if (waiter.lastSeq < fromSeq)
            return std::nullopt;
        return waiter.firstSeq >= fromSeq ? Outcome::NotCommitted : Outcome::Unknown;
    });
}

QVector<AcknowledgementQueue::Decision> AcknowledgementQueue::abandoned(qint64 lastKeptSeq)
{
    return take([lastKeptSeq](const Waiter &waiter) -> std::optional<Outcome> {
        if (waiter.lastSeq <= lastKeptSeq)
            return std::nullopt;
        return Outcome::Unknown;
    });
}

QVector<AcknowledgementQueue::Decision> AcknowledgementQueue::expired(qint64 nowMs)
{
    return take([nowMs](const Waiter &waiter) -> std::optional<Outcome> {
        if (waiter.deadlineMs <= 0 || waiter.deadlineMs > nowMs)
            return std::nullopt;
        return Outcome::TimedOut;
    });
}

QVector<AcknowledgementQueue::Decision> AcknowledgementQueue::clear()
{
    return take([](const Waiter &) -> std::optional<Outcome> { return Outcome::Unknown; });
}

std::optional<qint64> AcknowledgementQueue::nextDeadline() const
{
    std::optional<qint64> next;
    for (const Waiter &waiter : m_waiters) {
        if (waiter.deadlineMs > 0 && (!next || waiter.deadlineMs < *next))
            next = waiter.deadlineMs;
    }
    return next;
}
