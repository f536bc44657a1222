// SortedMerge: one page (skip, limit) of an id-sorted list whose matches are
// spread over several shards, merged from id-sorted pages of every shard.
//
// The router answers _all_docs, _find/fields, _find/tags and _search with it.
// A shard cannot be asked for skip + limit rows (nodes cap limit at
// Server.MaxPageSize), so every shard is read with keyset paging instead: the
// merge asks for the shard's first rows (skip 0, no after), then, only when
// that shard's rows ran out before skip + limit rows of the union were
// decided, for the rows after the last id it got. Rows that fall into `skip`
// are dropped as they are decided, so memory stays below about
// shardCount x shardPageSize + limit items whatever the skip.
//
// Order: ids in byte order of their UTF-8 (what a node's ORDER BY id gives:
// SQLite's BINARY collation over UTF-8 text), so not QString's UTF-16 order
// (U+FFFD sorts before U+1F600 here). Ids are unique across shards (a
// document lives on one shard); should two shards still give the same id, the
// lower shard index comes first.
//
// Use:
//   SortedMerge merge(shardCount, skip, limit, maxPageSize);
//   while (!merge.isComplete()) {
//       for (const SortedMerge::Request &request : merge.takeRequests())
//           ask shard request.shard for ?limit=request.limit&after=request.after
//           (no after when it is empty; skip 0; the client's other filters);
//       for every answer: status = merge.addPage(shard, total, items);
//           a shard that cannot answer, or a Status error, fails the whole
//           request: the merge never answers with a shard missing.
//   }
//   merge.result();
// Requests may be sent one round at a time or as soon as they are taken.
// `total` is the sum of the totals the shards last reported (every match,
// ignoring after), so deep pages report the same total as the first.
//
// Pure: no I/O, no clock. Any thread; not thread-safe. Owned by the request
// being answered.
#pragma once

#include <QByteArray>
#include <QString>
#include <QVector>

#include "Status.h"

class SortedMerge
{
public:
    struct Item
    {
        QString id;
        QByteArray json; // the item as the shard sent it (a document's JSON)
    };

    struct Request
    {
        int shard = 0;
        QString after; // empty: from the first match
        qint64 limit = 0; // <= the shard page size; 0 only when no row is needed (limit 0)
    };

    struct Page
    {
        qint64 total = 0;    // sum of the shards' totals
        QVector<Item> items; // at most limit, in id order
    };

    // REQUIRES: shardCount >= 1, skip >= 0, limit >= 0, shardPageSize >= 1
    // (the most rows one shard request may ask for: Server.MaxPageSize).
    SortedMerge(int shardCount, qint64 skip, qint64 limit, qint64 shardPageSize);

    // The shard requests needed now and not yet asked; each is marked as
    // asked, so it is returned once. Empty once complete, and while the
    // merge waits for answers it needs before it can go on.
    QVector<Request> takeRequests();

    // A shard's answer to the last request taken for it: its total and its
    // items, in id order, all after the request's `after`. A page shorter
    // than the request's limit means the shard has no more matches. Errors
    // (Internal: the shard broke the contract, e.g. a node that ignores
    // `after` or sorts differently; nothing is merged from that page): a page
    // nobody asked for, more items than asked, ids out of order or not after
    // `after`, a negative total.
    Status addPage(int shard, qint64 total, QVector<Item> items);

    bool isComplete() const { return m_complete; }

    // REQUIRES: isComplete()
    Page result() const;

private:
    struct Entry
    {
        QByteArray key; // id in UTF-8: the sort key
        Item item;
    };

    struct Shard
    {
        QVector<Entry> buffer; // received, not yet decided
        qsizetype next = 0;    // first undecided entry of buffer
        QString after;         // the last id received
        QByteArray afterKey;
        qint64 total = 0;
        qint64 askedLimit = 0; // of the request in flight
        bool reported = false; // answered at least once
        bool asked = false;    // a request is in flight
        bool exhausted = false;

        bool drained() const { return next >= buffer.size(); }
    };

    // Decides rows while no shard with undecided rows left is needed.
    void advance();
    qint64 sumOfTotals() const;

    QVector<Shard> m_shards;
    qint64 m_skip = 0;
    qint64 m_limit = 0;
    qint64 m_target = 0; // skip + limit (saturated), or 0 for limit 0
    qint64 m_shardPageSize = 1;
    qint64 m_decided = 0;  // rows of the union decided so far (skipped + kept)
    QVector<Item> m_items; // the kept rows
    bool m_complete = false;
};
