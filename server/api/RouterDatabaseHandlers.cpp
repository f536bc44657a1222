#include "RouterDatabaseHandlers.h"

#include "JsonText.h"
#include "NameRules.h"
#include "RouterHandlerSupport.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSet>

RouterDatabaseHandlers::RouterDatabaseHandlers(ShardClient *shards, ReadPreference::Mode defaultReadPreference)
    : m_shards(shards)
    , m_defaultReadPreference(defaultReadPreference)
{
}

void RouterDatabaseHandlers::list(const HttpRequest &request, Respond respond)
{
    const Result<ReadPreference> preference = RouterHandlerSupport::readPreference(request, m_defaultReadPreference);
    if (!preference.isOk())
        return respond(HttpResponse::error(preference.status(), request.errorContext()));
    const QVector<QByteArray> targets(m_shards->shardCount(), QByteArrayLiteral("/v1/db"));
    m_shards->readShards(preference->mode(), targets, [respond](const QVector<HttpClientReply> &replies, const ReadOrigins &origins) {
        if (const std::optional<HttpResponse> failed = ShardClient::firstFailure(replies, {200}))
            return respond(*failed);
        QSet<QString> names;
        for (const HttpClientReply &reply : replies) {
            const Result<QJsonObject> list = JsonText::parseObject(reply.body);
            for (const QJsonValue &name : list.isOk() ? list->value(QStringLiteral("items")).toArray() : QJsonArray())
                names.insert(name.toString());
        }
        QStringList sorted(names.cbegin(), names.cend());
        sorted.sort();
        const QJsonObject body{{QStringLiteral("total"), sorted.size()}, {QStringLiteral("items"), QJsonArray::fromStringList(sorted)}};
        respond(ShardClient::withOrigins(HttpResponse::json(200, body), origins));
    });
}

void RouterDatabaseHandlers::create(const HttpRequest &request, Respond respond)
{
    const QString db = request.param(QStringLiteral("db"));
    const Status name = NameRules::checkDatabaseName(db);
    if (!name.isOk())
        return respond(HttpResponse::error(name, request.errorContext()));
    m_shards->toEveryShard(QByteArrayLiteral("PUT"), ShardClient::databasePath(db), QByteArray(),
                           [db, respond](const QVector<HttpClientReply> &replies) {
        if (const std::optional<HttpResponse> failed = ShardClient::firstFailure(replies, {200, 201}))
            return respond(*failed);
        bool created = false;
        for (const HttpClientReply &reply : replies)
            created = created || reply.status == 201;
        respond(HttpResponse::json(created ? 201 : 200, QJsonObject{{QStringLiteral("ok"), true},
                                                                    {QStringLiteral("db"), db},
                                                                    {QStringLiteral("created"), created}}));
    });
}

void RouterDatabaseHandlers::remove(const HttpRequest &request, Respond respond)
{
    const QString db = request.param(QStringLiteral("db"));
    const Status name = NameRules::checkDatabaseName(db);
    if (!name.isOk())
        return respond(HttpResponse::error(name, request.errorContext()));
    m_shards->toEveryShard(QByteArrayLiteral("DELETE"), ShardClient::databasePath(db), QByteArray(),
                           [db, respond](const QVector<HttpClientReply> &replies) {
        if (const std::optional<HttpResponse> failed = ShardClient::firstFailure(replies, {200, 404}))
            return respond(*failed);
        for (const HttpClientReply &reply : replies) {
            if (reply.status == 200)
                return respond(HttpResponse::json(200, QJsonObject{{QStringLiteral("ok"), true}, {QStringLiteral("db"), db}}));
        }
        respond(ShardClient::relay(replies.first())); // 404 everywhere
    });
}

void RouterDatabaseHandlers::stats(const HttpRequest &request, Respond respond)
{
    const QString db = request.param(QStringLiteral("db"));
    const Status name = NameRules::checkDatabaseName(db);
    if (!name.isOk())
        return respond(HttpResponse::error(name, request.errorContext()));
    const Result<ReadPreference> preference = RouterHandlerSupport::readPreference(request, m_defaultReadPreference);
    if (!preference.isOk())
        return respond(HttpResponse::error(preference.status(), request.errorContext()));
    const QVector<QByteArray> targets(m_shards->shardCount(), ShardClient::databasePath(db) + "/_stats");
    m_shards->readShards(preference->mode(), targets, [db, respond](const QVector<HttpClientReply> &replies, const ReadOrigins &origins) {
        if (const std::optional<HttpResponse> failed = ShardClient::firstFailure(replies, {200, 404}))
            return respond(*failed);
        QStringList missing;
        QStringList present;
        QJsonObject sums{{QStringLiteral("db"), db}};
        const QStringList counters = {QStringLiteral("seq"), QStringLiteral("docsTotal"), QStringLiteral("docsAlive"),
                                      QStringLiteral("docsDeleted"), QStringLiteral("tagIndexCount")};
        for (int shard = 0; shard < replies.size(); ++shard) {
            if (replies.at(shard).status == 404) {
                missing.append(QString::number(shard));
                continue;
            }
            present.append(QString::number(shard));
            const Result<QJsonObject> stats = JsonText::parseObject(replies.at(shard).body);
            for (const QString &counter : counters) {
                const qint64 value = stats.isOk() ? stats->value(counter).toInteger() : 0;
                sums.insert(counter, sums.value(counter).toInteger() + value);
            }
        }
        if (present.isEmpty())
            return respond(ShardClient::withOrigins(ShardClient::relay(replies.first()), origins));
        if (!missing.isEmpty()) {
            return respond(HttpResponse::error(
                Status::unavailable(QStringLiteral("database %1 exists on shards %2 but not on shards %3; repeat PUT /v1/db/%1")
                                        .arg(db, present.join(QLatin1Char(',')), missing.join(QLatin1Char(','))))
                    .withDetail(QStringLiteral("db"), db)));
        }
        respond(ShardClient::withOrigins(HttpResponse::json(200, sums), origins));
    });
}

void RouterDatabaseHandlers::head(const HttpRequest &request, Respond respond)
{
    stats(request, [respond](const HttpResponse &response) {
        HttpResponse head = HttpResponse::empty(response.status);
        for (const QPair<QByteArray, QByteArray> &header : response.headers) {
            if (ShardClient::isOriginHeader(header.first))
                head.headers.append(header);
        }
        respond(head);
    });
}

void RouterDatabaseHandlers::sequence(const HttpRequest &request, Respond respond)
{
    stats(request, [respond](const HttpResponse &response) {
        if (response.status != 200)
            return respond(response);
        const Result<QJsonObject> stats = JsonText::parseObject(response.body);
        HttpResponse seq = HttpResponse::json(200, QJsonObject{{QStringLiteral("db"), stats->value(QStringLiteral("db"))},
                                                               {QStringLiteral("seq"), stats->value(QStringLiteral("seq"))}});
        seq.headers = response.headers;
        respond(seq);
    });
}
