// FailoverTimeline: where the time of one failover went, as the router's own
// events (GET /v1/_cluster/events) tell it: when the failure was detected,
// when the new primary was elected and when the router saw the first write
// acknowledged, each in milliseconds after the kill. The events carry the
// router's wall-clock time (timeMs); the kill's time comes from the bench's
// clock, which is the same clock only when both run on one machine. Their
// `count` fields (detection to promotion, detection to first write) come from
// the router's monotonic clock and need no such assumption.
//
// Pure: a value built from JSON; any thread.
#pragma once

#include <QJsonArray>
#include <QtGlobal>

struct FailoverTimeline
{
    // Milliseconds after the kill; -1 when the event did not happen.
    qint64 detectedMs = -1;
    qint64 promotedMs = -1;
    qint64 firstWriteMs = -1;
    // The router's own figures; -1 when absent.
    qint64 detectToPromoteMs = -1;
    qint64 detectToFirstWriteMs = -1;
    int promotionFailures = 0;
    int promotedMember = -1;
    qint64 promotedTerm = 0;

    // The first detected, promoted and first-write events of `shard` at or
    // after `killEpochMs` (ms since the epoch), in that order; promotion-failed
    // events in between are counted. `events` are oldest first.
    static FailoverTimeline fromEvents(const QJsonArray &events, int shard, qint64 killEpochMs);
};
