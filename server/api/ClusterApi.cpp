#include "ClusterApi.h"

#include "ClusterEvents.h"
#include "HealthMonitor.h"
#include "JsonText.h"
#include "MembershipChanges.h"
#include "ReplicationCoordinator.h"

#include <QJsonArray>

namespace {

using Method = QHttpServerRequest::Method;

ReplicationCoordinator::Done answer(const HttpReplyPtr &reply)
{
    return [reply](int status, const QJsonObject &body) { reply->send(HttpResponse::json(status, body)); };
}

Result<qint64> integerParameter(const HttpRequest &request, const QString &name, qint64 fallback, qint64 min, qint64 max)
{
    const std::optional<QString> text = request.queryValue(name);
    if (!text)
        return fallback;
    bool ok = false;
    const qint64 value = text->toLongLong(&ok);
    if (!ok || value < min || value > max)
        return Status::badRequest(QStringLiteral("%1 must be an integer from %2 to %3, not '%4'").arg(name).arg(min).arg(max).arg(text->left(40)));
    return value;
}

} // namespace

ClusterApi::ClusterApi(HealthMonitor *monitor, ReplicationCoordinator *coordinator, MembershipChanges *changes,
                       ClusterEvents *events)
    : m_monitor(monitor)
    , m_coordinator(coordinator)
    , m_changes(changes)
    , m_events(events)
{
}

void ClusterApi::registerRoutes(HttpServer &server)
{
    const auto route = [this, &server](Method method, const char *pattern,
                                       void (ClusterApi::*handler)(const HttpRequest &, const HttpReplyPtr &)) {
        server.addApiRoute(method, pattern,
                        [this, handler](const HttpRequest &request, const HttpReplyPtr &reply) { (this->*handler)(request, reply); });
    };
    route(Method::Get, "/v1/_cluster/status", &ClusterApi::status);
    route(Method::Get, "/v1/_cluster/events", &ClusterApi::events);
    route(Method::Post, "/v1/_cluster/shards/{id}/promote", &ClusterApi::promote);
    route(Method::Post, "/v1/_cluster/shards/{id}/stepdown", &ClusterApi::stepDown);
    route(Method::Post, "/v1/_cluster/nodes/{node}/kill", &ClusterApi::kill);
    route(Method::Post, "/v1/_cluster/shards/{id}/members", &ClusterApi::addMember);
    route(Method::Delete, "/v1/_cluster/shards/{id}/members/{node}", &ClusterApi::removeMember);
    route(Method::Post, "/v1/_cluster/shards/{id}/members/{node}/replace", &ClusterApi::replaceMember);
}

void ClusterApi::status(const HttpRequest &, const HttpReplyPtr &reply)
{
    QJsonObject body = m_monitor->status();
    // Each shard's member replacement in progress (or the last one).
    QJsonArray shards = body.value(QStringLiteral("shards")).toArray();
    for (int shard = 0; shard < shards.size(); ++shard) {
        const QJsonObject replacement = m_changes->status(shard);
        if (replacement.isEmpty())
            continue;
        QJsonObject object = shards.at(shard).toObject();
        object.insert(QStringLiteral("replacement"), replacement);
        shards[shard] = object;
    }
    body.insert(QStringLiteral("shards"), shards);
    body.insert(QStringLiteral("lastEventId"), m_events->lastId());
    reply->send(HttpResponse::json(200, body));
}

void ClusterApi::events(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const Result<qint64> since = integerParameter(request, QStringLiteral("since"), 0, 0, std::numeric_limits<qint64>::max());
    const Result<qint64> limit = integerParameter(request, QStringLiteral("limit"), 1000, 1, 1000);
    if (!since.isOk() || !limit.isOk())
        return reply->send(HttpResponse::error(!since.isOk() ? since.status() : limit.status()));
    const QJsonArray events = m_events->since(since.value(), int(limit.value()));
    const qint64 last = events.isEmpty() ? since.value() : events.last().toObject().value(QStringLiteral("id")).toInteger();
    reply->send(HttpResponse::json(200, QJsonObject{{QStringLiteral("events"), events}, {QStringLiteral("lastId"), last}}));
}

int ClusterApi::shardOf(const HttpRequest &request, const HttpReplyPtr &reply) const
{
    bool ok = false;
    const QString text = request.param(QStringLiteral("id"));
    const int shard = text.toInt(&ok);
    if (!ok || shard < 0 || shard >= m_monitor->shardCount()) {
        reply->send(HttpResponse::error(Status::notFound(QStringLiteral("no shard '%1'; shards are 0 to %2")
                                                             .arg(text.left(40))
                                                             .arg(m_monitor->shardCount() - 1))));
        return -1;
    }
    return shard;
}

void ClusterApi::promote(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const int shard = shardOf(request, reply);
    if (shard < 0)
        return;
    const Result<QJsonObject> body = JsonText::parseObject(request.body.trimmed().isEmpty() ? QByteArrayLiteral("{}") : request.body);
    if (!body.isOk())
        return reply->send(HttpResponse::error(body.status()));
    for (auto it = body->begin(); it != body->end(); ++it) {
        if (it.key() != QLatin1String("node") && it.key() != QLatin1String("force"))
            return reply->send(HttpResponse::error(Status::badRequest(QStringLiteral("unknown field '%1'; expected node, force").arg(it.key().left(80)))));
    }
    const QJsonValue force = body->value(QStringLiteral("force"));
    if (!force.isUndefined() && !force.isBool())
        return reply->send(HttpResponse::error(Status::badRequest(QStringLiteral("force must be true or false"))));
    const QJsonValue node = body->value(QStringLiteral("node"));
    if (!node.isDouble() && !node.isString()) {
        return reply->send(HttpResponse::error(Status::badRequest(
            QStringLiteral("node is required: a member index, a name such as shard%1-node1, or a member URL").arg(shard))));
    }
    const int member = memberOf(shard, node);
    if (member < 0) {
        return reply->send(HttpResponse::error(Status::notFound(
            QStringLiteral("shard %1 has no member %2").arg(shard).arg(node.isString() ? node.toString().left(200) : QString::number(node.toDouble())))));
    }
    m_coordinator->promote(shard, member, force.toBool(false), answer(reply));
}

void ClusterApi::stepDown(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const int shard = shardOf(request, reply);
    if (shard >= 0)
        m_coordinator->stepDown(shard, answer(reply));
}

void ClusterApi::kill(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QString name = request.param(QStringLiteral("node"));
    const std::optional<std::pair<int, int>> found = m_monitor->findNode(name);
    if (!found) {
        return reply->send(HttpResponse::error(
            Status::notFound(QStringLiteral("no node '%1'; name one as shard<S>-node<M> or by its URL").arg(name.left(200)))));
    }
    m_coordinator->kill(found->first, found->second, answer(reply));
}

int ClusterApi::memberOf(int shard, const QJsonValue &node) const
{
    if (node.isDouble()) {
        const int member = node.toInt(-1);
        return node.toDouble() == double(member) && m_monitor->shard(shard).isMember(member) ? member : -1;
    }
    // A path segment: a member id in text, a name or a URL.
    bool isNumber = false;
    const int member = node.toString().toInt(&isNumber);
    if (isNumber)
        return m_monitor->shard(shard).isMember(member) ? member : -1;
    const std::optional<std::pair<int, int>> found = m_monitor->findNode(node.toString());
    return found && found->first == shard ? found->second : -1;
}

QString ClusterApi::urlOf(const HttpRequest &request, const HttpReplyPtr &reply) const
{
    const Result<QJsonObject> body = JsonText::parseObject(request.body);
    if (!body.isOk()) {
        reply->send(HttpResponse::error(body.status()));
        return QString();
    }
    const QJsonValue url = body->value(QStringLiteral("url"));
    if (body->size() != 1 || !url.isString()) {
        reply->send(HttpResponse::error(Status::badRequest(QStringLiteral("the body must be {\"url\": \"http://HOST:PORT\"}, the new member's address"))));
        return QString();
    }
    return url.toString();
}

void ClusterApi::addMember(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const int shard = shardOf(request, reply);
    if (shard < 0)
        return;
    const QString url = urlOf(request, reply);
    if (!url.isEmpty())
        m_changes->add(shard, url, answer(reply));
}

std::optional<std::pair<int, int>> ClusterApi::pathMember(const HttpRequest &request, const HttpReplyPtr &reply) const
{
    const int shard = shardOf(request, reply);
    if (shard < 0)
        return std::nullopt;
    const QString node = request.param(QStringLiteral("node"));
    const int member = memberOf(shard, QJsonValue(node));
    if (member < 0) {
        reply->send(HttpResponse::error(Status::notFound(QStringLiteral("shard %1 has no member '%2'").arg(shard).arg(node.left(200)))));
        return std::nullopt;
    }
    return std::make_pair(shard, member);
}

void ClusterApi::removeMember(const HttpRequest &request, const HttpReplyPtr &reply)
{
    if (const std::optional<std::pair<int, int>> member = pathMember(request, reply))
        m_changes->remove(member->first, member->second, answer(reply));
}

void ClusterApi::replaceMember(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const std::optional<std::pair<int, int>> found = pathMember(request, reply);
    if (!found)
        return;
    const auto [shard, member] = *found;
    const QString url = urlOf(request, reply);
    if (!url.isEmpty())
        m_changes->replace(shard, member, url, answer(reply));
}
