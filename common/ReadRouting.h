// ReadRouting: which members of a shard a router asks for a read under a
// read preference, in the order it asks them, and how far behind an answer
// from one of them may be. The pure half of the router's reads; the router
// sends the requests (ShardClient).
//
//   primary          the member writes go to (ShardHealth::primary()), and
//                    only it: its answer is linearizable or a 503.
//   primaryPreferred the primary first when the router sees it reachable
//                    and holding its lease (ShardHealth::hasServingPrimary);
//                    then the other reachable members, most up to date
//                    first. Without such a primary: the reachable members,
//                    most up to date first.
//   nearest          the reachable members, most up to date first (a
//                    serving primary first among equals).
//
// "Most up to date" is the highest appliedSeq the member last reported:
// applied entries are committed, and committed entries at one seq are the
// same on every member, so a higher appliedSeq holds every committed write
// a lower one holds. Ties go to the higher (lastTerm, lastSeq), then to the
// lower member index. A member the router does not reach is never asked
// (it would only make the client wait for the request timeout).
//
// Pure: time comes in as `now`; any thread.
#pragma once

#include <QVector>

#include <optional>

#include "ReadPreference.h"
#include "ShardHealth.h"

class ReadRouting
{
public:
    // Members to ask, in order, until one answers; empty when no member may
    // be asked (primaryPreferred and nearest with none reachable).
    static QVector<int> candidates(const ShardHealth &health, ReadPreference::Mode mode, qint64 now);

    // How long ago `member` last heard from a primary: its age at the
    // router's last poll (lastPrimaryContactAgeMs) plus the time since that
    // poll. Writes committed since may be missing from its answers. 0 for
    // the primary holding its lease; nullopt when unknown (the member never
    // answered, or has not heard from a primary since it started).
    static std::optional<qint64> lagMs(const ShardHealth &health, int member, qint64 now);
};
