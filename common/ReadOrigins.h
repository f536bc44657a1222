// ReadOrigins: where the parts of a router's read answer came from, and the
// headers that tell the client (README, "Reads through the router").
//
// One part per shard consulted (a document read: one; a list, _changes or
// stats: every shard), each with what its member promised
// (X-PeaceDB-Consistency), the member's applied position at the read
// (X-PeaceDB-Applied, "<term>-<seq>") and how far behind it may be. The
// answer carries:
//
//   X-PeaceDB-Consistency   linearizable when every part is, else
//                           possibly-stale
//   X-PeaceDB-Applied       one "<term>-<seq>" per part, in shard order,
//                           joined by ", " ("unknown" where a member did
//                           not say)
// and, when possibly stale:
//   X-PeaceDB-Stale-Shards  the shards whose part is possibly stale
//   X-PeaceDB-Lag-Ms        one value per part, in the same order as
//                           X-PeaceDB-Applied: 0 for a linearizable part,
//                           else ReadRouting::lagMs() or "unknown"
//
// A value; any thread.
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QPair>

#include <optional>

class ReadOrigins
{
public:
    struct Part
    {
        bool linearizable = false;
        QByteArray applied;           // "<term>-<seq>"; empty: unknown
        std::optional<qint64> lagMs;  // for a possibly stale part
    };

    // The part of `shard` (a later one for the same shard replaces it: a
    // list paged from one member after another is as old as its last page).
    void add(int shard, const Part &part) { m_parts.insert(shard, part); }
    bool isEmpty() const { return m_parts.isEmpty(); }
    bool isLinearizable() const;

    QList<QPair<QByteArray, QByteArray>> headers() const;

private:
    QMap<int, Part> m_parts;
};
