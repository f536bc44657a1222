#include "HealthMonitor.h"

#include "ClusterEvents.h"
#include "HttpClientPool.h"
#include "JsonText.h"
#include "ReplicationRules.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSaveFile>

Q_LOGGING_CATEGORY(lcHealth, "peacedb.router")

HealthMonitor::HealthMonitor(const Settings &settings, ClusterEvents *events, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_events(events)
{
    m_clock.start();
    ShardHealth::Options options;
    options.failoverTimeoutMs = settings.failoverTimeoutMs;
    // Long enough for a lost election to be over everywhere.
    options.retryBackoffMs = qMax(settings.intervalMs, settings.failoverTimeoutMs / 2);
    // A poll that takes longer than this counts as unanswered.
    for (const ShardLayout &layout : settings.shards) {
        // The membership last learned from the shard's primary, else the file's.
        Membership members = Membership::initial(layout.members);
        QFile saved(membershipPath(layout.id));
        if (!saved.fileName().isEmpty() && saved.open(QIODevice::ReadOnly)) {
            const Result<Membership> loaded = Membership::fromJson(saved.readAll());
            if (loaded.isOk() && !loaded->isEmpty())
                members = loaded.value();
            else
                qCWarning(lcHealth, "ignoring %s: %s", qPrintable(saved.fileName()),
                          qPrintable(loaded.isOk() ? QStringLiteral("no members") : loaded.status().message()));
        }
        Shard shard;
        shard.health = std::make_unique<ShardHealth>(layout.id, members, options, now());
        m_shards.push_back(std::move(shard));
        for (int member = 0; member < layout.members.size(); ++member)
            ensureLinks(int(m_shards.size()) - 1, member, layout.members.at(member));
        for (const Membership::Member &member : members.members())
            ensureLinks(int(m_shards.size()) - 1, member.id, member.url);
    }
    m_timer.setInterval(int(settings.intervalMs));
    connect(&m_timer, &QTimer::timeout, this, &HealthMonitor::poll);
    m_slowPrimaryTimer.setInterval(int(kSlowPrimaryMs / 2));
    connect(&m_slowPrimaryTimer, &QTimer::timeout, this, &HealthMonitor::checkSlowPrimaries);
}

HealthMonitor::~HealthMonitor() = default;

void HealthMonitor::ensureLinks(int shard, int member, const QString &url)
{
    Shard &state = m_shards[shard];
    if (state.members.size() <= member)
        state.members.resize(member + 1);
    QStringList &urls = m_settings.shards[shard].members;
    while (urls.size() <= member)
        urls.append(QString());
    MemberLink &link = state.members[member];
    if (link.polls)
        return;
    urls[member] = url;
    // A poll that takes longer than this counts as unanswered.
    const int pollTimeoutMs = int(qBound(qint64(200), m_settings.failoverTimeoutMs / 2, qint64(5000)));
    link.polls = new HttpClientPool(QUrl(url), m_settings.token, 1, pollTimeoutMs, this);
    connect(link.polls, &HttpClientPool::idleConnectionClosed, this, [this, shard, member] { pollConnectionClosed(shard, member); });
    link.commands = new HttpClientPool(QUrl(url), m_settings.token, 2, int(commandTimeoutMs()), this);
}

void HealthMonitor::learnMembership(int shard, const MemberStatus &primary)
{
    ShardHealth &health = this->shard(shard);
    if (!primary.membership)
        return;
    const Membership &membership = *primary.membership;
    if (membership == health.membership() && primary.membershipPending == m_shards[shard].membershipPending)
        return;
    for (const Membership::Member &member : membership.members())
        ensureLinks(shard, member.id, member.url);
    m_shards[shard].membershipPending = primary.membershipPending;
    health.setMembership(membership, primary.membershipPending, now());
    if (m_settings.stateDir.isEmpty())
        return;
    QSaveFile file(membershipPath(shard));
    if (!file.open(QIODevice::WriteOnly) || file.write(membership.toJson()) < 0 || !file.commit())
        qCWarning(lcHealth, "cannot save shard %d's membership in %s: %s", shard, qPrintable(file.fileName()), qPrintable(file.errorString()));
}

QString HealthMonitor::membershipPath(int shard) const
{
    return m_settings.stateDir.isEmpty() ? QString()
                                         : QDir(m_settings.stateDir).filePath(QStringLiteral("membership-shard%1.json").arg(shard));
}

void HealthMonitor::start()
{
    m_timer.start();
    m_slowPrimaryTimer.start();
    poll();
}

int HealthMonitor::memberOf(int shard, const QString &url) const
{
    if (shard < 0 || shard >= shardCount())
        return -1;
    return this->shard(shard).membership().idOf(url);
}

QString HealthMonitor::nodeName(int shard, int member)
{
    return QStringLiteral("shard%1-node%2").arg(shard).arg(member);
}

std::optional<std::pair<int, int>> HealthMonitor::findNode(const QString &nameOrUrl) const
{
    static const QRegularExpression name(QStringLiteral("^shard(\\d+)-node(\\d+)$"));
    const QRegularExpressionMatch match = name.match(nameOrUrl);
    if (match.hasMatch()) {
        const int shard = match.captured(1).toInt();
        const int member = match.captured(2).toInt();
        if (shard < shardCount() && this->shard(shard).isMember(member))
            return std::make_pair(shard, member);
        return std::nullopt;
    }
    for (int shard = 0; shard < shardCount(); ++shard) {
        const int member = memberOf(shard, nameOrUrl);
        if (member >= 0)
            return std::make_pair(shard, member);
    }
    return std::nullopt;
}

QString HealthMonitor::primaryUrl(int shard) const
{
    return layout(shard).members.at(this->shard(shard).primary());
}

void HealthMonitor::primaryHinted(int shard, const QString &url)
{
    const int member = memberOf(shard, url);
    if (member >= 0)
        this->shard(shard).primaryHinted(member, now());
}

void HealthMonitor::writeAcknowledged(int shard)
{
    this->shard(shard).writeAcknowledged(now());
    flushEvents(shard);
}

void HealthMonitor::primaryUnsure(int shard)
{
    Shard &state = m_shards.at(shard);
    const qint64 nowMs = now();
    if (state.lastUrgentPollMs >= 0 && nowMs - state.lastUrgentPollMs < kUrgentPollSpacingMs)
        return;
    state.lastUrgentPollMs = nowMs;
    for (int member : this->shard(shard).membership().ids())
        pollMember(shard, member);
}

void HealthMonitor::primaryRequestStarted(int shard)
{
    Shard &state = m_shards.at(shard);
    if (state.primaryRequests++ == 0)
        state.lastPrimaryProgressMs = now();
}

void HealthMonitor::primaryRequestEnded(int shard)
{
    Shard &state = m_shards.at(shard);
    state.primaryRequests = qMax(0, state.primaryRequests - 1);
    state.lastPrimaryProgressMs = now();
}

void HealthMonitor::checkSlowPrimaries()
{
    const qint64 nowMs = now();
    for (int shard = 0; shard < shardCount(); ++shard) {
        const Shard &state = m_shards.at(shard);
        if (state.primaryRequests > 0 && nowMs - state.lastPrimaryProgressMs >= kSlowPrimaryMs)
            primaryUnsure(shard);
    }
}

HttpClientPool *HealthMonitor::commands(int shard, int member) const
{
    return m_shards.at(shard).members.at(member).commands;
}

void HealthMonitor::poll()
{
    for (int shard = 0; shard < shardCount(); ++shard) {
        for (int member : this->shard(shard).membership().ids())
            pollMember(shard, member);
        evaluate(shard);
    }
}

void HealthMonitor::pollMember(int shard, int member)
{
    MemberLink &link = m_shards[shard].members[member];
    if (link.polling)
        return; // the previous poll is still out: it answers or times out
    link.polling = true;
    link.polls->get(QByteArrayLiteral("/v1/_replication/state"), [this, shard, member](const HttpClientReply &reply) {
        m_shards[shard].members[member].polling = false;
        ShardHealth &health = this->shard(shard);
        if (reply.status != 200) {
            health.unanswered(member,
                              reply.answered() ? QStringLiteral("HTTP %1: %2").arg(reply.status).arg(QString::fromUtf8(reply.body.left(200)))
                                               : reply.error,
                              now(), reply.refused);
            // A primary refusing connections is most likely gone: ask again
            // at once rather than an interval later, so that the failover
            // starts within milliseconds (ShardHealth::kRefusalsForDown).
            if (reply.refused && health.primary() == member)
                QTimer::singleShot(kRefusedRepollMs, this, [this, shard, member] { pollMember(shard, member); });
        } else {
            const Result<QJsonObject> object = JsonText::parseObject(reply.body);
            const Result<MemberStatus> status = object.isOk() ? MemberStatus::fromJson(object.value()) : object.status();
            if (status.isOk()) {
                health.answered(member, status.value(), now());
                if (status->isPrimary() && health.primary() == member)
                    learnMembership(shard, status.value());
            } else
                health.unanswered(member, status.status().message(), now());
        }
        evaluate(shard);
    });
}

void HealthMonitor::pollConnectionClosed(int shard, int member)
{
    if (this->shard(shard).primary() == member)
        primaryUnsure(shard);
}

void HealthMonitor::evaluate(int shard)
{
    ShardHealth &health = this->shard(shard);
    // Also without automatic failover: an operator's next promotion need
    // not wait for a silent candidate's request to time out.
    health.giveUpSilentCandidate(now());
    const std::optional<ShardHealth::Promotion> promotion =
        m_settings.automaticFailover ? health.decide(now()) : std::optional<ShardHealth::Promotion>();
    flushEvents(shard);
    if (promotion)
        emit primaryDown(shard, promotion->member, promotion->term);
}

void HealthMonitor::flushEvents(int shard)
{
    for (const ShardEvent &event : this->shard(shard).takeEvents())
        m_events->append(event, event.member >= 0 ? layout(shard).members.value(event.member) : QString());
}

QJsonObject HealthMonitor::status() const
{
    const qint64 nowMs = now();
    QJsonArray shards;
    for (int index = 0; index < shardCount(); ++index) {
        const ShardHealth &health = shard(index);
        // The primary's own view of its replicas (lag, InSync/Lagging/
        // Recovering/Offline).
        QJsonArray primaryView;
        const ShardHealth::Member &primary = health.member(health.primary());
        if (primary.status && primary.status->isPrimary())
            primaryView = primary.status->raw.value(QStringLiteral("members")).toArray();
        QJsonArray members;
        for (int member : health.membership().ids()) {
            const ShardHealth::Member &seen = health.member(member);
            QJsonObject info{{QStringLiteral("member"), member},
                             {QStringLiteral("name"), nodeName(index, member)},
                             {QStringLiteral("url"), layout(index).members.at(member)},
                             // A learner receives the log but does not vote yet.
                             {QStringLiteral("learner"), !health.membership().isVoter(member)},
                             {QStringLiteral("reachable"), health.isReachable(member, nowMs)},
                             {QStringLiteral("lastHeartbeatAgeMs"),
                              seen.lastAnswerMs < 0 ? QJsonValue() : QJsonValue(nowMs - seen.lastAnswerMs)}};
            if (!seen.lastError.isEmpty() && seen.lastFailureMs > seen.lastAnswerMs)
                info.insert(QStringLiteral("error"), seen.lastError);
            if (seen.status) {
                const MemberStatus &status = *seen.status;
                info.insert(QStringLiteral("role"), status.role);
                info.insert(QStringLiteral("term"), status.term);
                info.insert(QStringLiteral("lastTerm"), status.lastTerm);
                info.insert(QStringLiteral("seq"), status.lastSeq);
                info.insert(QStringLiteral("commitSeq"), status.commitSeq);
                info.insert(QStringLiteral("appliedSeq"), status.appliedSeq);
                info.insert(QStringLiteral("writable"), status.writable);
                info.insert(QStringLiteral("voter"), status.voter);
                info.insert(QStringLiteral("rolledBack"), status.rolledBack);
                for (const QString &key : {QStringLiteral("pid"), QStringLiteral("uptimeMs")}) {
                    if (status.raw.contains(key))
                        info.insert(key, status.raw.value(key));
                }
            }
            QString state = health.isReachable(member, nowMs) ? QStringLiteral("InSync") : QStringLiteral("Offline");
            for (const QJsonValue &value : primaryView) {
                const QJsonObject view = value.toObject();
                if (view.value(QStringLiteral("index")).toInt(-1) != member || view.value(QStringLiteral("self")).toBool())
                    continue;
                for (const QString &key : {QStringLiteral("matchSeq"), QStringLiteral("lagEntries"), QStringLiteral("lagMs")})
                    info.insert(key, view.value(key));
                if (health.isReachable(member, nowMs))
                    state = view.value(QStringLiteral("state")).toString(state);
            }
            if (member == health.primary() && seen.status && seen.status->isPrimary()) {
                info.insert(QStringLiteral("lagEntries"), 0);
                info.insert(QStringLiteral("lagMs"), 0);
            } else if (!health.isReachable(member, nowMs)) {
                // The primary cannot know what a member it has not heard
                // from holds: the router's own last answer from it says
                // more — entries behind the newest reachable member, and
                // at least as long as it has been silent.
                qint64 newest = -1;
                for (int other : health.membership().ids()) {
                    if (health.isReachable(other, nowMs) && health.member(other).status)
                        newest = qMax(newest, health.member(other).status->lastSeq);
                }
                if (seen.status && newest >= 0)
                    info.insert(QStringLiteral("lagEntries"), qMax<qint64>(0, newest - seen.status->lastSeq));
                else
                    info.remove(QStringLiteral("lagEntries"));
                info.insert(QStringLiteral("lagMs"), seen.lastAnswerMs < 0 ? QJsonValue() : QJsonValue(nowMs - seen.lastAnswerMs));
            }
            info.insert(QStringLiteral("state"), state);
            members.append(info);
        }
        shards.append(QJsonObject{{QStringLiteral("id"), index},
                                  {QStringLiteral("primary"), layout(index).members.at(health.primary())},
                                  {QStringLiteral("primaryMember"), health.primary()},
                                  {QStringLiteral("term"), health.primaryTerm()},
                                  {QStringLiteral("healthy"), health.hasServingPrimary(nowMs)},
                                  {QStringLiteral("promoting"), health.isPromoting()},
                                  {QStringLiteral("reachable"), health.reachableCount(nowMs)},
                                  {QStringLiteral("membership"), health.membership().toJsonObject()},
                                  {QStringLiteral("membershipPending"), m_shards.at(index).membershipPending},
                                  {QStringLiteral("members"), members}});
    }
    return QJsonObject{{QStringLiteral("shards"), shards},
                       {QStringLiteral("healthCheckIntervalMs"), m_settings.intervalMs},
                       {QStringLiteral("failoverTimeoutMs"), m_settings.failoverTimeoutMs},
                       {QStringLiteral("automaticFailover"), m_settings.automaticFailover}};
}
