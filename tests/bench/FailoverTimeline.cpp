#include "FailoverTimeline.h"

#include <QJsonObject>

FailoverTimeline FailoverTimeline::fromEvents(const QJsonArray &events, int shard, qint64 killEpochMs)
{
    FailoverTimeline timeline;
    for (const QJsonValue &value : events) {
        const QJsonObject event = value.toObject();
        const qint64 timeMs = event.value(QLatin1String("timeMs")).toInteger();
        if (event.value(QLatin1String("shard")).toInt(-1) != shard || timeMs < killEpochMs)
            continue;
        const QString kind = event.value(QLatin1String("kind")).toString();
        const qint64 count = event.value(QLatin1String("count")).toInteger(-1);
        if (kind == QLatin1String("detected")) {
            if (timeline.detectedMs < 0)
                timeline.detectedMs = timeMs - killEpochMs;
        } else if (timeline.detectedMs < 0) {
            continue;
        } else if (kind == QLatin1String("promotion-failed")) {
            if (timeline.promotedMs < 0)
                ++timeline.promotionFailures;
        } else if (kind == QLatin1String("promoted")) {
            if (timeline.promotedMs < 0) {
                timeline.promotedMs = timeMs - killEpochMs;
                timeline.detectToPromoteMs = count;
                timeline.promotedMember = event.value(QLatin1String("member")).toInt(-1);
                timeline.promotedTerm = event.value(QLatin1String("term")).toInteger();
            }
        } else if (kind == QLatin1String("first-write")) {
            if (timeline.promotedMs >= 0 && timeline.firstWriteMs < 0) {
                timeline.firstWriteMs = timeMs - killEpochMs;
                timeline.detectToFirstWriteMs = count;
            }
        }
    }
    return timeline;
}
