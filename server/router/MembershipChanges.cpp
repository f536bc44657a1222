#include "MembershipChanges.h"

#include "ClusterEvents.h"
#include "HealthMonitor.h"
#include "HttpClientPool.h"
#include "JsonText.h"
#include "Membership.h"

namespace {

QJsonObject error(const QString &message, int shard)
{
    return QJsonObject{{QStringLiteral("ok"), false}, {QStringLiteral("error"), message}, {QStringLiteral("shard"), shard}};
}

} // namespace

MembershipChanges::MembershipChanges(HealthMonitor *monitor, ReplicationCoordinator *coordinator, ClusterEvents *events,
                                     qint64 replaceTimeoutMs, QObject *parent)
    : QObject(parent)
    , m_monitor(monitor)
    , m_coordinator(coordinator)
    , m_events(events)
    , m_replaceTimeoutMs(replaceTimeoutMs)
    , m_replacements(size_t(monitor->shardCount()))
{
    m_timer.setInterval(250);
    connect(&m_timer, &QTimer::timeout, this, &MembershipChanges::checkReplacements);
}

void MembershipChanges::event(int shard, const QString &kind, int member, const QString &message)
{
    m_events->append(ShardEvent{m_monitor->now(), kind, shard, member, m_monitor->shard(shard).primaryTerm(), 0, message},
                     m_monitor->memberUrl(shard, member));
}

void MembershipChanges::propose(int shard, const QJsonObject &change, qint64 deadlineMs, Done done)
{
    const int primary = m_monitor->shard(shard).primary();
    m_monitor->commands(shard, primary)
        ->post(QByteArrayLiteral("/v1/_replication/members"), JsonText::compact(change),
               [this, shard, change, deadlineMs, done](const HttpClientReply &reply) {
                   const Result<QJsonObject> parsed = JsonText::parseObject(reply.body);
                   QJsonObject body = parsed.isOk() ? parsed.value() : QJsonObject();
                   if (reply.status == 202) {
                       body.insert(QStringLiteral("shard"), shard);
                       return done(202, body);
                   }
                   // The primary is changing (or busy): ask whoever is primary next.
                   if ((reply.status == 503 || !reply.answered()) && m_monitor->now() < deadlineMs) {
                       m_monitor->primaryUnsure(shard);
                       QTimer::singleShot(200, this, [this, shard, change, deadlineMs, done] { propose(shard, change, deadlineMs, done); });
                       return;
                   }
                   if (!reply.answered())
                       return done(503, error(QStringLiteral("the shard's primary did not answer: %1").arg(reply.error), shard));
                   if (!body.contains(QStringLiteral("error")))
                       body = error(QString::fromUtf8(reply.body.left(400)), shard);
                   body.insert(QStringLiteral("shard"), shard);
                   done(reply.status, body);
               });
}

void MembershipChanges::add(int shard, const QString &url, Done done)
{
    if (m_replacements.at(size_t(shard)) && m_replacements.at(size_t(shard))->running())
        return done(409, error(QStringLiteral("a replacement is in progress on this shard; one change at a time"), shard));
    propose(shard, QJsonObject{{QStringLiteral("add"), url}}, m_monitor->now() + kRetryMs,
            [this, shard, url, done](int status, QJsonObject body) {
                if (status == 202) {
                    const Result<QString> normalized = Membership::normalizeUrl(url);
                    const Result<Membership> next =
                        Membership::fromJsonObject(body.value(QStringLiteral("membership")).toObject());
                    const int id = normalized.isOk() && next.isOk() ? next->idOf(normalized.value()) : -1;
                    body.insert(QStringLiteral("member"), id);
                    body.insert(QStringLiteral("name"), HealthMonitor::nodeName(shard, id));
                    body.insert(QStringLiteral("url"), normalized.isOk() ? normalized.value() : url);
                }
                done(status, body);
            });
}

void MembershipChanges::remove(int shard, int member, Done done)
{
    if (m_replacements.at(size_t(shard)) && m_replacements.at(size_t(shard))->running())
        return done(409, error(QStringLiteral("a replacement is in progress on this shard; one change at a time"), shard));
    proposeRemoval(shard, member, std::move(done));
}

void MembershipChanges::proposeRemoval(int shard, int member, Done done)
{
    // One at a time: an operator asking again (a client that timed out)
    // would otherwise hand the primary off twice.
    if (m_removals.contains(shard))
        return done(409, error(QStringLiteral("a removal is in progress on this shard; one change at a time"), shard));
    m_removals.insert(shard);
    // A hand-off may be tried again while its promotions time out.
    const qint64 deadlineMs = m_monitor->now() + 3 * m_monitor->commandTimeoutMs();
    proposeRemoval(shard, member, deadlineMs, [this, shard, done](int status, const QJsonObject &body) {
        m_removals.remove(shard);
        done(status, body);
    });
}

void MembershipChanges::proposeRemoval(int shard, int member, qint64 deadlineMs, Done done)
{
    const ShardHealth &health = m_monitor->shard(shard);
    if (!health.isMember(member))
        return done(404, error(QStringLiteral("shard %1 has no member %2").arg(shard).arg(member), shard));
    const qint64 now = m_monitor->now();
    if (member != health.primary()) {
        return propose(shard, QJsonObject{{QStringLiteral("remove"), member}}, now + kRetryMs,
                       [shard, member, done](int status, QJsonObject body) {
                           if (status == 202) {
                               body.insert(QStringLiteral("member"), member);
                               body.insert(QStringLiteral("name"), HealthMonitor::nodeName(shard, member));
                           }
                           done(status, body);
                       });
    }
    // The primary leaves: it hands off first, then the new primary removes
    // it. A hand-off can be lost (its candidate stops answering, another
    // member's election wins, the leaving member is elected again): then
    // the shard is asked again once it has a primary, until deadlineMs —
    // while another member could take over.
    const auto again = [this, shard, member, deadlineMs, done](int status, const QJsonObject &body) {
        if (m_monitor->now() >= deadlineMs)
            return done(status, body);
        m_monitor->primaryUnsure(shard);
        QTimer::singleShot(200, this, [this, shard, member, deadlineMs, done] { proposeRemoval(shard, member, deadlineMs, done); });
    };
    if (health.isPromoting() || !health.hasServingPrimary(now)) {
        return again(503, error(QStringLiteral("member %1 is the primary and the shard is electing; try again").arg(member),
                                shard));
    }
    if (health.bestCandidate(now, member) < 0) {
        return done(409, error(QStringLiteral("member %1 is the primary and no other member can take over now (none is "
                                              "reachable, a voter and caught up); try again")
                                   .arg(member),
                               shard));
    }
    m_coordinator->stepDown(shard, [this, shard, member, again, removalDone = done, deadlineMs](int status, const QJsonObject &body) {
        if (status == 200 && m_monitor->shard(shard).primary() != member)
            return proposeRemoval(shard, member, deadlineMs, removalDone);
        // Lost: the candidate lost its election or did not answer (409,
        // 503), or the leaving member is still primary. Anything else is
        // the answer.
        if (status != 200 && status != 409 && status != 503)
            return removalDone(status, body);
        again(status == 200 ? 409 : status,
              status == 200 ? error(QStringLiteral("member %1 is the primary and no other member took over; try again").arg(member),
                                    shard)
                            : body);
    });
}

void MembershipChanges::replace(int shard, int member, const QString &url, Done done)
{
    std::optional<Replacement> &slot = m_replacements[size_t(shard)];
    if (slot && slot->running())
        return done(409, error(QStringLiteral("a replacement is in progress on this shard; one change at a time"), shard));
    if (!m_monitor->shard(shard).isMember(member))
        return done(404, error(QStringLiteral("shard %1 has no member %2").arg(shard).arg(member), shard));
    add(shard, url, [this, shard, member, url, done](int code, QJsonObject body) {
        if (code != 202)
            return done(code, body);
        Replacement replacement;
        replacement.from = member;
        replacement.to = body.value(QStringLiteral("member")).toInt(-1);
        replacement.url = body.value(QStringLiteral("url")).toString(url);
        replacement.state = QStringLiteral("catching-up");
        replacement.startedMs = m_monitor->now();
        m_replacements[size_t(shard)] = replacement;
        event(shard, QStringLiteral("member-replace-started"), member,
              QStringLiteral("replacing member %1 by member %2 (%3): it joins as a learner and catches up first")
                  .arg(member)
                  .arg(replacement.to)
                  .arg(replacement.url));
        m_timer.start();
        done(202, QJsonObject{{QStringLiteral("ok"), true}, {QStringLiteral("shard"), shard}, {QStringLiteral("replacement"), status(shard)}});
    });
}

void MembershipChanges::finishReplacement(int shard, const QString &state, const QString &why)
{
    Replacement &replacement = *m_replacements[size_t(shard)];
    replacement.state = state;
    replacement.error = why;
    if (state == QLatin1String("done")) {
        event(shard, QStringLiteral("member-replace-finished"), replacement.from,
              QStringLiteral("member %1 was replaced by member %2 (%3)").arg(replacement.from).arg(replacement.to).arg(replacement.url));
    } else {
        event(shard, QStringLiteral("member-replace-failed"), replacement.from,
              QStringLiteral("replacing member %1 by member %2 failed: %3").arg(replacement.from).arg(replacement.to).arg(why));
    }
}

void MembershipChanges::checkReplacements()
{
    bool running = false;
    for (int shard = 0; shard < int(m_replacements.size()); ++shard) {
        std::optional<Replacement> &slot = m_replacements[size_t(shard)];
        if (!slot || slot->state != QLatin1String("catching-up")) {
            running = running || (slot && slot->running());
            continue;
        }
        running = true;
        const ShardHealth &health = m_monitor->shard(shard);
        if (!health.isMember(slot->to)) {
            finishReplacement(shard, QStringLiteral("failed"),
                              QStringLiteral("member %1 is no longer in the membership (its change was cut or undone)").arg(slot->to));
            continue;
        }
        if (health.membership().isVoter(slot->to) && !m_monitor->membershipPending(shard)) {
            slot->state = QStringLiteral("removing");
            proposeRemoval(shard, slot->from, [this, shard](int status, const QJsonObject &body) {
                if (status == 202)
                    finishReplacement(shard, QStringLiteral("done"), QString());
                else
                    finishReplacement(shard, QStringLiteral("failed"), body.value(QStringLiteral("error")).toString());
            });
            continue;
        }
        if (m_monitor->now() - slot->startedMs > m_replaceTimeoutMs) {
            finishReplacement(shard, QStringLiteral("failed"),
                              QStringLiteral("member %1 did not catch up within %2 ms; it stays a learner (remove it, or "
                                             "replace again)")
                                  .arg(slot->to)
                                  .arg(m_replaceTimeoutMs));
        }
    }
    if (!running)
        m_timer.stop();
}

QJsonObject MembershipChanges::status(int shard) const
{
    const std::optional<Replacement> &slot = m_replacements.at(size_t(shard));
    if (!slot)
        return QJsonObject();
    QJsonObject out{{QStringLiteral("kind"), QStringLiteral("replace")},
                    {QStringLiteral("from"), slot->from},
                    {QStringLiteral("to"), slot->to},
                    {QStringLiteral("url"), slot->url},
                    {QStringLiteral("state"), slot->state},
                    {QStringLiteral("ageMs"), m_monitor->now() - slot->startedMs}};
    if (!slot->error.isEmpty())
        out.insert(QStringLiteral("error"), slot->error);
    return out;
}
