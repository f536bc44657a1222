// ChangeCursor: the router's position in a database's _changes feed across
// shards, and the merge of the shards' _changes pages into one answer.
//
// Every shard numbers its own changes (its database seq), so the router's
// position is one seq per shard, written in shard order joined by '-':
// "12-40-7". With one shard it is just that shard's seq ("12"; a JSON number
// in answers), so a one-shard cluster answers exactly like a node.
//
// Merging one page (every shard was asked for `limit` rows after its own
// since.seq(shard)):
//   1. The shards' rows are ordered by ascending seq, ties by shard index,
//      and the first `limit` are returned. Each shard's rows are already in
//      seq order, so what is returned of a shard is always a prefix of its
//      page: no row is ever passed over.
//   2. Each returned row's seq is the cursor just after it: its own shard at
//      the row's seq, every other shard at its last row returned before
//      (or at since). Resuming from it gives exactly the rows after it.
//   3. lastSeq, the cursor to resume from:
//      - a shard whose rows were not all returned stays at its last
//        returned row (or at since when none was returned);
//      - a shard whose rows were all returned and whose page was full
//        (limit rows) is at its last row: it may have more;
//      - a shard whose page was short (fewer than limit rows) and fully
//        returned has nothing more, and moves to the lastSeq it reported
//        (its database seq, or its last row if that is higher), as a node
//        does.
// So repeated pages with any limit >= 1 return every change exactly once,
// and a page only comes back empty when every shard reported a short page.
//
// Pure; any thread. A value type.
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QVector>

#include <optional>

#include "Result.h"

struct MergedChanges;

// One row of a shard's _changes answer.
struct ShardChange
{
    qint64 seq = 0;
    QString id;
    QString rev;
    bool deleted = false;
};

// A shard's _changes answer: {"results": [{seq, id, rev, deleted}], "lastSeq"}.
struct ShardChangePage
{
    QVector<ShardChange> results;
    qint64 lastSeq = 0;
};

class ChangeCursor
{
public:
    // Every shard at seq 0 (the start of the feed).
    // REQUIRES: shardCount >= 1
    explicit ChangeCursor(int shardCount = 1);
    // REQUIRES: seqs not empty, every seq >= 0
    explicit ChangeCursor(QVector<qint64> seqs);

    // The client's `since`: absent or "0" is the start; otherwise exactly
    // shardCount integers >= 0 joined by '-' (what lastSeq and row seqs
    // are). Anything else is a BadRequest naming the expected form.
    static Result<ChangeCursor> parse(const std::optional<QString> &since, int shardCount);

    int shardCount() const { return int(m_seqs.size()); }
    qint64 seq(int shard) const { return m_seqs.at(shard); }
    const QVector<qint64> &seqs() const { return m_seqs; }

    // "12-40-7"; "12" for one shard.
    QString toString() const;
    // A JSON number for one shard (as a node answers), the string otherwise.
    QJsonValue toJson() const;

    bool operator==(const ChangeCursor &other) const { return m_seqs == other.m_seqs; }
    bool operator!=(const ChangeCursor &other) const { return m_seqs != other.m_seqs; }

    // A shard's answer read from its JSON; Internal when it is not the
    // documented shape (integers >= 0, id and rev strings, deleted boolean).
    static Result<ShardChangePage> pageFromJson(const QJsonObject &answer);

    // One page of the feed from every shard's page (pages[i] from shard i,
    // each asked for `limit` rows after since.seq(i)); see the rules above.
    // Internal when a page breaks that contract (wrong number of pages, more
    // than limit rows, seqs not ascending or not after since).
    // REQUIRES: limit >= 0
    static Result<MergedChanges> merge(const ChangeCursor &since, const QVector<ShardChangePage> &pages, qint64 limit);

private:
    QVector<qint64> m_seqs;
};

struct MergedChangeRow
{
    int shard = 0;
    ShardChange change;
    ChangeCursor seq; // the cursor just after this row
};

// One page of the router's _changes answer.
struct MergedChanges
{
    QVector<MergedChangeRow> results;
    ChangeCursor lastSeq;

    // {"results": [{seq, id, rev, deleted}], "lastSeq"}, seqs as
    // ChangeCursor::toJson().
    QJsonObject toJson() const;
};
