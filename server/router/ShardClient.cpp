#include "ShardClient.h"

#include "HealthMonitor.h"
#include "JsonText.h"
#include "ReadRouting.h"
#include "ShardPlacement.h"

#include <QJsonObject>
#include <QUrl>

#include <memory>

namespace {

const QByteArray kGet = QByteArrayLiteral("GET");

QByteArray withPreference(const QByteArray &target, ReadPreference::Mode mode)
{
    return target + (target.contains('?') ? '&' : '?') + ShardClient::kReadPreference + '=' + ReadPreference::modeName(mode).toLatin1();
}

// (term, seq) from "X-PeaceDB-Applied: <term>-<seq>"; (-1, -1) if absent.
std::pair<qint64, qint64> appliedPosition(const HttpClientReply &reply)
{
    const QByteArray value = reply.header("X-PeaceDB-Applied");
    const qsizetype dash = value.indexOf('-');
    bool termOk = false;
    bool seqOk = false;
    const qint64 term = value.left(dash).toLongLong(&termOk);
    const qint64 seq = value.mid(dash + 1).toLongLong(&seqOk);
    return dash > 0 && termOk && seqOk ? std::make_pair(term, seq) : std::make_pair(qint64(-1), qint64(-1));
}

} // namespace

ShardClient::ShardClient(const Settings &settings, HealthMonitor *monitor, QObject *parent)
    : QObject(parent)
    , m_monitor(monitor)
    , m_settings(settings)
    , m_traffic(monitor->shardCount())
{
    m_pools.resize(monitor->shardCount());
}

int ShardClient::shardCount() const
{
    return m_monitor->shardCount();
}

int ShardClient::shardOf(const QString &id) const
{
    return ShardPlacement::shardOf(id, m_monitor->shardCount());
}

HttpClientPool *ShardClient::pool(int shard, int member) const
{
    // Made when first needed: members join the set while the router runs.
    QVector<HttpClientPool *> &pools = m_pools[shard];
    if (pools.size() <= member)
        pools.resize(member + 1, nullptr);
    if (!pools.at(member)) {
        pools[member] = new HttpClientPool(QUrl(m_monitor->memberUrl(shard, member)), m_settings.token,
                                           m_settings.maxConnectionsPerNode, int(m_settings.requestTimeoutMs),
                                           const_cast<ShardClient *>(this));
    }
    return pools.at(member);
}

HttpResponse ShardClient::relay(const HttpClientReply &reply)
{
    HttpResponse response = HttpResponse::json(reply.status, reply.body);
    const QByteArray contentType = reply.header("Content-Type");
    if (!contentType.isEmpty())
        response.contentType = contentType;
    for (const char *name : {"Location", "ETag", "Allow"}) {
        const QByteArray value = reply.header(name);
        if (!value.isEmpty())
            response.withHeader(name, value);
    }
    return response;
}

HttpResponse ShardClient::failure(int shard, const HttpClientReply &reply)
{
    if (reply.answered())
        return relay(reply);
    return HttpResponse::error(Status::unavailable(QStringLiteral("shard %1 is unavailable: %2").arg(shard).arg(reply.error))
                                   .withDetail(QStringLiteral("shard"), shard));
}

std::optional<HttpResponse> ShardClient::firstFailure(const QVector<HttpClientReply> &replies, const QList<int> &okStatuses)
{
    for (int shard = 0; shard < replies.size(); ++shard) {
        if (!okStatuses.contains(replies.at(shard).status))
            return failure(shard, replies.at(shard));
    }
    return std::nullopt;
}

void ShardClient::toPrimary(int shard, const QByteArray &method, const QByteArray &target, const QByteArray &body, bool write,
                            Reply done)
{
    toPrimary(shard, method, target, body, write, m_traffic.track(shard, method, target, std::move(done)), false);
}

void ShardClient::toPrimary(int shard, const QByteArray &method, const QByteArray &target, const QByteArray &body, bool write,
                            Reply done, bool redirected)
{
    const ShardHealth &health = m_monitor->shard(shard);
    const int member = health.primary();
    ++m_forwardedTotal;
    if (const QString gone = health.primaryGoneReason(m_monitor->now()); !gone.isEmpty()) {
        // Its primary is down or cut off and the health monitor is electing
        // another: fail at once rather than after the request timeout (or a
        // connect to an address that is gone), so clients retry soon and
        // reach the new primary as soon as it is elected (nothing was sent,
        // nothing changed).
        HttpClientReply reply;
        reply.error = QStringLiteral("%1; %2")
                          .arg(gone, m_monitor->automaticFailover()
                                   ? QStringLiteral("a failover is under way, retry")
                                   : QStringLiteral("automatic failover is off: an operator must promote a member; "
                                                    "readPreference=primaryPreferred reads from the others"));
        return done(reply);
    }
    m_monitor->primaryRequestStarted(shard);
    pool(shard, member)->request(method, target, body, [=](const HttpClientReply &reply) {
        m_monitor->primaryRequestEnded(shard);
        if (reply.status == 503 && !redirected) {
            // A replica refused it ("not primary"; nothing was changed):
            // follow the primary it names, once.
            const Result<QJsonObject> answer = JsonText::parseObject(reply.body);
            if (answer.isOk() && answer->value(QStringLiteral("error")).toString() == QLatin1String("not primary")) {
                const QString primary = answer->value(QStringLiteral("primary")).toString();
                const int named = m_monitor->memberOf(shard, primary);
                if (named >= 0 && named != member) {
                    m_monitor->primaryHinted(shard, primary);
                    return toPrimary(shard, method, target, body, write, done, true);
                }
                if (named < 0)
                    m_monitor->primaryUnsure(shard);
            }
        }
        if (!reply.answered())
            m_monitor->primaryUnsure(shard);
        if (write && reply.status >= 200 && reply.status < 300)
            m_monitor->writeAcknowledged(shard);
        done(reply);
    });
}

void ShardClient::readShard(int shard, ReadPreference::Mode mode, const QByteArray &method, const QByteArray &target,
                            const QByteArray &body, int pinned, ShardRead done)
{
    const QByteArray sent = withPreference(target, mode);
    if (mode == ReadPreference::Mode::Primary) {
        return toPrimary(shard, method, sent, body, false, [this, shard, done](const HttpClientReply &reply) {
            done(reply, m_monitor->shard(shard).primary());
        });
    }
    done = m_traffic.track(shard, method, sent, std::move(done));
    QVector<int> members = ReadRouting::candidates(m_monitor->shard(shard), mode, m_monitor->now());
    if (pinned >= 0 && members.contains(pinned)) {
        members.removeOne(pinned);
        members.prepend(pinned);
    }
    if (members.isEmpty()) {
        HttpClientReply reply;
        reply.error = QStringLiteral("no member answered the router's health checks within %1 ms")
                          .arg(m_monitor->failoverTimeoutMs());
        return done(reply, -1);
    }
    readMembers(shard, members, 0, method, sent, body, std::move(done));
}

void ShardClient::readMembers(int shard, const QVector<int> &members, int index, const QByteArray &method,
                              const QByteArray &target, const QByteArray &body, ShardRead done)
{
    const int member = members.at(index);
    ++m_forwardedTotal;
    pool(shard, member)->request(method, target, body, [=](const HttpClientReply &reply) {
        // No answer, or one saying it cannot answer now (shutting down, too
        // many reads waiting): the next member may.
        if ((!reply.answered() || reply.status >= 500) && index + 1 < members.size())
            return readMembers(shard, members, index + 1, method, target, body, done);
        done(reply, member);
    });
}

void ShardClient::readShards(ReadPreference::Mode mode, const QVector<QByteArray> &targets, GatheredReads done)
{
    struct State
    {
        QVector<HttpClientReply> replies;
        ReadOrigins origins;
        int pending = 0;
    };
    auto state = std::make_shared<State>();
    state->replies.resize(m_monitor->shardCount());
    state->pending = m_monitor->shardCount();
    for (int shard = 0; shard < m_monitor->shardCount(); ++shard) {
        readShard(shard, mode, kGet, targets.at(shard), QByteArray(), -1,
                  [this, state, shard, done](const HttpClientReply &reply, int member) {
            state->replies[shard] = reply;
            if (reply.answered())
                state->origins.add(shard, originOf(shard, member, reply));
            if (--state->pending == 0)
                done(state->replies, state->origins);
        });
    }
}

ReadOrigins::Part ShardClient::originOf(int shard, int member, const HttpClientReply &reply) const
{
    ReadOrigins::Part part;
    part.linearizable = reply.header("X-PeaceDB-Consistency") == ReadPreference::consistencyName(ReadPreference::Consistency::Linearizable);
    part.applied = reply.header("X-PeaceDB-Applied");
    if (!part.linearizable && member >= 0)
        part.lagMs = ReadRouting::lagMs(m_monitor->shard(shard), member, m_monitor->now());
    return part;
}

bool ShardClient::isOriginHeader(const QByteArray &name)
{
    return name.compare("X-PeaceDB-Consistency", Qt::CaseInsensitive) == 0
        || name.compare("X-PeaceDB-Applied", Qt::CaseInsensitive) == 0
        || name.compare("X-PeaceDB-Stale-Shards", Qt::CaseInsensitive) == 0
        || name.compare("X-PeaceDB-Lag-Ms", Qt::CaseInsensitive) == 0;
}

HttpResponse ShardClient::withOrigins(HttpResponse response, const ReadOrigins &origins)
{
    response.headers.removeIf([](const QPair<QByteArray, QByteArray> &header) { return isOriginHeader(header.first); });
    response.headers.append(origins.headers());
    return response;
}

void ShardClient::toSystemShard(const QByteArray &method, const QByteArray &target, const QByteArray &body, Reply done)
{
    toPrimary(0, method, target, body, method != kGet, std::move(done));
}

void ShardClient::toEveryShard(const QByteArray &method, const QByteArray &target, const QByteArray &body, Gathered done)
{
    struct State
    {
        QVector<HttpClientReply> replies;
        int pending = 0;
    };
    auto state = std::make_shared<State>();
    state->replies.resize(m_monitor->shardCount());
    state->pending = m_monitor->shardCount();
    const bool write = method != kGet;
    for (int shard = 0; shard < m_monitor->shardCount(); ++shard) {
        toPrimary(shard, method, target, body, write, [state, shard, done](const HttpClientReply &reply) {
            state->replies[shard] = reply;
            if (--state->pending == 0)
                done(state->replies);
        });
    }
}

void ShardClient::readNewest(int shard, const QByteArray &target, int count, Respond respond)
{
    respond = m_traffic.track(shard, kGet, target, std::move(respond));
    // The primary, then members the health monitor reaches, then the rest:
    // a stopped replica must not stall reads that others can answer.
    const ShardHealth &health = m_monitor->shard(shard);
    const qint64 now = m_monitor->now();
    QVector<int> members{health.primary()};
    for (const bool reachable : {true, false}) {
        for (int member = 0; member < health.size() && members.size() < count; ++member) {
            if (member != health.primary() && health.isReachable(member, now) == reachable)
                members.append(member);
        }
    }
    struct State
    {
        QVector<HttpClientReply> replies;
        int pending = 0;
    };
    auto state = std::make_shared<State>();
    state->replies.resize(members.size());
    state->pending = int(members.size());
    const int wanted = int(members.size());
    // The others answer from their committed state (the primary's answer
    // is the linearizable one; a newer committed answer is as good).
    const QByteArray first = withPreference(target, ReadPreference::Mode::Primary);
    const QByteArray others = withPreference(target, ReadPreference::Mode::Nearest);
    for (int i = 0; i < members.size(); ++i) {
        ++m_forwardedTotal;
        pool(shard, members.at(i))->get(i == 0 ? first : others,
                                        [this, state, i, shard, wanted, members, respond](const HttpClientReply &reply) {
            state->replies[i] = reply;
            if (--state->pending > 0)
                return;
            // The newest answer: from the member that has applied the most.
            int best = -1;
            int answered = 0;
            for (int j = 0; j < state->replies.size(); ++j) {
                const HttpClientReply &candidate = state->replies.at(j);
                if (!candidate.answered() || candidate.status >= 500)
                    continue;
                ++answered;
                if (best < 0 || appliedPosition(candidate) > appliedPosition(state->replies.at(best)))
                    best = j;
            }
            if (answered < wanted) {
                return respond(HttpResponse::error(
                    Status::unavailable(QStringLiteral("read quorum not reached on shard %1: %2 of %3 members answered")
                                            .arg(shard)
                                            .arg(answered)
                                            .arg(wanted))
                        .withDetail(QStringLiteral("shard"), shard)));
            }
            // As consistent as the primary's answer: an answer newer than
            // it is committed state too.
            ReadOrigins::Part part = originOf(shard, members.at(best), state->replies.at(best));
            part.linearizable = originOf(shard, members.at(0), state->replies.at(0)).linearizable;
            ReadOrigins origins;
            origins.add(shard, part);
            respond(withOrigins(relay(state->replies.at(best)), origins));
        });
    }
}


QByteArray ShardClient::databasePath(const QString &db)
{
    return "/v1/db/" + QUrl::toPercentEncoding(db);
}

QByteArray ShardClient::withoutReadPreference(const QString &path, const QByteArray &rawQuery)
{
    const QByteArray name(kReadPreference);
    const QByteArray prefix = name + '=';
    QByteArrayList kept;
    for (const QByteArray &pair : rawQuery.split('&')) {
        if (!pair.isEmpty() && pair != name && !pair.startsWith(prefix))
            kept.append(pair);
    }
    QByteArray target = path.toUtf8();
    if (!kept.isEmpty())
        target += '?' + kept.join('&');
    return target;
}
