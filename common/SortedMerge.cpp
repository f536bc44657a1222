#include "SortedMerge.h"

#include <limits>

SortedMerge::SortedMerge(int shardCount, qint64 skip, qint64 limit, qint64 shardPageSize)
    : m_shards(qMax(1, shardCount))
    , m_skip(qMax<qint64>(0, skip))
    , m_limit(qMax<qint64>(0, limit))
    , m_shardPageSize(qMax<qint64>(1, shardPageSize))
{
    Q_ASSERT(shardCount >= 1 && skip >= 0 && limit >= 0 && shardPageSize >= 1);
    if (m_limit > 0)
        m_target = m_skip > std::numeric_limits<qint64>::max() - m_limit ? std::numeric_limits<qint64>::max() : m_skip + m_limit;
}

QVector<SortedMerge::Request> SortedMerge::takeRequests()
{
    QVector<Request> requests;
    if (m_complete)
        return requests;
    // A shard is needed when it may hold the next row of the union: it has
    // not answered yet, or it has no undecided row left and may have more.
    // No shard can give more than the rows still undecided; while any shard
    // is unanswered nothing is decided, so the first round asks each shard
    // for min(page size, skip + limit).
    const qint64 needed = qMin(m_shardPageSize, m_target - m_decided);
    for (int shard = 0; shard < m_shards.size(); ++shard) {
        Shard &state = m_shards[shard];
        if (state.asked || state.exhausted || !state.drained())
            continue;
        state.asked = true;
        state.askedLimit = needed;
        requests.append(Request{shard, state.after, needed});
    }
    return requests;
}

Status SortedMerge::addPage(int shard, qint64 total, QVector<Item> items)
{
    if (shard < 0 || shard >= m_shards.size())
        return Status::internal(QStringLiteral("a page from shard %1, but there are %2 shards").arg(shard).arg(m_shards.size()));
    Shard &state = m_shards[shard];
    if (!state.asked)
        return Status::internal(QStringLiteral("shard %1 sent a page that was not asked for").arg(shard));
    if (total < 0)
        return Status::internal(QStringLiteral("shard %1 reported a negative total (%2)").arg(shard).arg(total));
    if (items.size() > state.askedLimit) {
        return Status::internal(
            QStringLiteral("shard %1 sent %2 items for a limit of %3").arg(shard).arg(items.size()).arg(state.askedLimit));
    }
    QVector<Entry> entries;
    entries.reserve(items.size());
    QByteArray previous = state.afterKey;
    for (Item &item : items) {
        QByteArray key = item.id.toUtf8();
        if (key.isEmpty())
            return Status::internal(QStringLiteral("shard %1 sent an item without an id").arg(shard));
        if (!previous.isEmpty() && !(previous < key)) {
            // A node that ignores `after` (or sorts another way) would
            // otherwise repeat or lose rows without anyone noticing.
            return Status::internal(QStringLiteral("shard %1 sent ids out of order: '%2' after '%3' (is it a node "
                                                   "without keyset paging, or does it sort differently?)")
                                        .arg(shard)
                                        .arg(item.id.left(80), QString::fromUtf8(previous).left(80)));
        }
        previous = key;
        entries.append(Entry{std::move(key), std::move(item)});
    }

    state.asked = false;
    state.reported = true;
    state.total = total;
    // A short page ends the shard; so does a page of limit 0 (asked only
    // when no row is needed at all).
    state.exhausted = state.askedLimit == 0 || entries.size() < state.askedLimit;
    if (!entries.isEmpty()) {
        state.after = entries.last().item.id;
        state.afterKey = entries.last().key;
    }
    Q_ASSERT(state.drained());
    state.buffer = std::move(entries);
    state.next = 0;
    advance();
    return Status::ok();
}

qint64 SortedMerge::sumOfTotals() const
{
    qint64 sum = 0;
    for (const Shard &state : m_shards)
        sum += state.total;
    return sum;
}

void SortedMerge::advance()
{
    if (m_complete)
        return;
    for (const Shard &state : m_shards) {
        if (!state.reported)
            return;
    }
    // Nothing at or past skip exists: no need to read through the skipped
    // rows (the answer is the totals and no items).
    if (m_decided <= m_skip && sumOfTotals() <= m_skip) {
        m_complete = true;
        return;
    }
    while (m_decided < m_target) {
        // The next row of the union is the smallest head, provided no shard
        // that may still have rows has run dry (its next row could be smaller).
        int best = -1;
        for (int shard = 0; shard < m_shards.size(); ++shard) {
            const Shard &state = m_shards.at(shard);
            if (state.drained()) {
                if (!state.exhausted)
                    return;
                continue;
            }
            if (best < 0 || state.buffer.at(state.next).key < m_shards.at(best).buffer.at(m_shards.at(best).next).key)
                best = shard;
        }
        if (best < 0)
            break; // every shard is exhausted: fewer than skip + limit rows in all
        Shard &state = m_shards[best];
        Entry &entry = state.buffer[state.next];
        if (m_decided >= m_skip)
            m_items.append(std::move(entry.item));
        ++state.next;
        ++m_decided;
        if (state.drained()) {
            state.buffer.clear();
            state.next = 0;
        }
    }
    m_complete = true;
}

SortedMerge::Page SortedMerge::result() const
{
    Q_ASSERT(m_complete);
    return Page{sumOfTotals(), m_items};
}
