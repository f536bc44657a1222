#include "ReplicationCoordinator.h"

#include "ClusterEvents.h"
#include "HealthMonitor.h"
#include "HttpClientPool.h"
#include "JsonText.h"

namespace {

QJsonObject error(const QString &message, int shard)
{
    return QJsonObject{{QStringLiteral("ok"), false}, {QStringLiteral("error"), message}, {QStringLiteral("shard"), shard}};
}

QString describe(const HttpClientReply &reply)
{
    if (!reply.answered())
        return reply.error;
    const Result<QJsonObject> body = JsonText::parseObject(reply.body);
    const QString message = body.isOk() ? body->value(QStringLiteral("error")).toString() : QString();
    return QStringLiteral("HTTP %1%2").arg(reply.status).arg(message.isEmpty() ? QString() : QStringLiteral(": ") + message);
}

} // namespace

ReplicationCoordinator::ReplicationCoordinator(HealthMonitor *monitor, ClusterEvents *events, QObject *parent)
    : QObject(parent)
    , m_monitor(monitor)
    , m_events(events)
{
    connect(m_monitor, &HealthMonitor::primaryDown, this, &ReplicationCoordinator::onPrimaryDown);
}

void ReplicationCoordinator::onPrimaryDown(int shard, int member, qint64 term)
{
    runPromotion(shard, member, term, nullptr);
}

void ReplicationCoordinator::runPromotion(int shard, int member, qint64 term, Done done, bool transfer)
{
    const QByteArray body = "{\"term\":" + QByteArray::number(term) + (transfer ? ",\"transfer\":true}" : "}");
    m_monitor->commands(shard, member)->post(QByteArrayLiteral("/v1/_replication/promote"), body,
                                              [this, shard, member, term, done](const HttpClientReply &reply) {
        const bool won = reply.status == 200;
        ShardHealth &health = m_monitor->shard(shard);
        health.promotionFinished(ShardHealth::Promotion{member, term}, won, won ? QString() : describe(reply), m_monitor->now());
        m_monitor->flushEvents(shard);
        if (!done)
            return;
        if (won) {
            done(200, QJsonObject{{QStringLiteral("ok"), true},
                                  {QStringLiteral("shard"), shard},
                                  {QStringLiteral("member"), member},
                                  {QStringLiteral("node"), HealthMonitor::nodeName(shard, member)},
                                  {QStringLiteral("primary"), m_monitor->layout(shard).members.at(member)},
                                  {QStringLiteral("term"), term}});
        } else {
            done(reply.answered() ? 409 : 503,
                 error(QStringLiteral("member %1 did not win term %2: %3").arg(member).arg(term).arg(describe(reply)), shard));
        }
    });
}

void ReplicationCoordinator::promote(int shard, int member, bool force, Done done)
{
    ShardHealth &health = m_monitor->shard(shard);
    const qint64 now = m_monitor->now();
    if (!health.isReachable(member, now))
        return done(409, error(QStringLiteral("member %1 is not reachable").arg(member), shard));
    const MemberStatus &status = *health.member(member).status;
    if (status.isPrimary() && status.lease) {
        return done(200, QJsonObject{{QStringLiteral("ok"), true},
                                     {QStringLiteral("shard"), shard},
                                     {QStringLiteral("member"), member},
                                     {QStringLiteral("node"), HealthMonitor::nodeName(shard, member)},
                                     {QStringLiteral("primary"), m_monitor->layout(shard).members.at(member)},
                                     {QStringLiteral("term"), status.term},
                                     {QStringLiteral("already"), true}});
    }
    const int best = health.bestCandidate(now);
    if (!force && best >= 0 && best != member) {
        const MemberStatus &ahead = *health.member(best).status;
        if (ahead.lastTerm > status.lastTerm || (ahead.lastTerm == status.lastTerm && ahead.lastSeq > status.lastSeq)) {
            return done(409, error(QStringLiteral("member %1 is behind member %2 (last entry %3/%4 against %5/%6); pass "
                                                  "\"force\": true to try anyway (its election still needs a majority of votes)")
                                       .arg(member)
                                       .arg(best)
                                       .arg(status.lastTerm)
                                       .arg(status.lastSeq)
                                       .arg(ahead.lastTerm)
                                       .arg(ahead.lastSeq),
                                   shard));
        }
    }
    const std::optional<ShardHealth::Promotion> promotion =
        health.beginPromotion(member, force ? QStringLiteral("operator request (forced)") : QStringLiteral("operator request"), now);
    m_monitor->flushEvents(shard);
    if (!promotion)
        return done(409, error(QStringLiteral("a promotion is already running on this shard"), shard));
    runPromotion(shard, promotion->member, promotion->term, std::move(done));
}

void ReplicationCoordinator::stepDown(int shard, Done done)
{
    const int primary = m_monitor->shard(shard).primary();
    m_monitor->commands(shard, primary)->post(QByteArrayLiteral("/v1/_replication/stepdown"), QByteArray(),
                                               [this, shard, primary, done](const HttpClientReply &reply) {
        if (reply.status != 200) {
            return done(reply.answered() ? 409 : 503,
                        error(QStringLiteral("member %1 did not step down: %2").arg(primary).arg(describe(reply)), shard));
        }
        // It gave up its lease only if it was the primary when asked.
        const Result<QJsonObject> answer = JsonText::parseObject(reply.body);
        const bool handOff = answer.isOk() && answer->value(QStringLiteral("wasPrimary")).toBool();
        ShardHealth &health = m_monitor->shard(shard);
        const qint64 now = m_monitor->now();
        m_events->append(ShardEvent{now, QStringLiteral("stepped-down"), shard, primary, health.primaryTerm(), 0,
                                    QStringLiteral("member %1 stepped down on an operator's request").arg(primary)},
                         m_monitor->layout(shard).members.at(primary));
        const int next = health.bestCandidate(now, primary);
        const std::optional<ShardHealth::Promotion> promotion =
            next >= 0 ? health.beginPromotion(next, QStringLiteral("the primary stepped down"), now) : std::nullopt;
        m_monitor->flushEvents(shard);
        if (!promotion) {
            return done(200, QJsonObject{{QStringLiteral("ok"), true},
                                         {QStringLiteral("shard"), shard},
                                         {QStringLiteral("steppedDown"), primary},
                                         {QStringLiteral("note"), QStringLiteral("no other member to promote now; the health "
                                                                                 "monitor elects one when it can")}});
        }
        runPromotion(
            shard, promotion->member, promotion->term,
            [done, primary](int status, QJsonObject body) {
                body.insert(QStringLiteral("steppedDown"), primary);
                done(status, body);
            },
            handOff);
    });
}

void ReplicationCoordinator::kill(int shard, int member, Done done)
{
    const QString url = m_monitor->layout(shard).members.at(member);
    m_monitor->commands(shard, member)->post(QByteArrayLiteral("/v1/_admin/kill"), QByteArray(),
                                              [this, shard, member, url, done](const HttpClientReply &reply) {
        if (reply.status != 202 && reply.status != 200) {
            return done(reply.answered() ? 502 : 503,
                        error(QStringLiteral("member %1 (%2) was not killed: %3").arg(member).arg(url, describe(reply)), shard));
        }
        m_events->append(ShardEvent{m_monitor->now(), QStringLiteral("killed"), shard, member, 0, 0,
                                    QStringLiteral("member %1 killed on an operator's request").arg(member)},
                         url);
        done(200, QJsonObject{{QStringLiteral("ok"), true},
                              {QStringLiteral("shard"), shard},
                              {QStringLiteral("member"), member},
                              {QStringLiteral("node"), HealthMonitor::nodeName(shard, member)},
                              {QStringLiteral("url"), url}});
    });
}
