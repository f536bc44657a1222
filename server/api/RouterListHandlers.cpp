#include "RouterListHandlers.h"

#include "ChangeCursor.h"
#include "JsonText.h"
#include "NameRules.h"
#include "PageRequest.h"
#include "RouterHandlerSupport.h"
#include "SortedMerge.h"

#include <QJsonObject>
#include <QUrl>

#include <memory>

namespace {

const QByteArray kGet = QByteArrayLiteral("GET");
const QByteArray kPost = QByteArrayLiteral("POST");

} // namespace

RouterListHandlers::RouterListHandlers(ShardClient *shards, const Settings &settings)
    : m_shards(shards)
    , m_settings(settings)
{
}

void RouterListHandlers::allDocuments(const HttpRequest &request, Respond respond)
{
    mergedList(request, kGet, std::move(respond));
}

void RouterListHandlers::findFields(const HttpRequest &request, Respond respond)
{
    mergedList(request, kPost, std::move(respond));
}

void RouterListHandlers::findTags(const HttpRequest &request, Respond respond)
{
    mergedList(request, kPost, std::move(respond));
}

void RouterListHandlers::search(const HttpRequest &request, Respond respond)
{
    mergedList(request, kGet, std::move(respond));
}

void RouterListHandlers::mergedList(const HttpRequest &request, const QByteArray &method, Respond respond)
{
    const QString db = request.param(QStringLiteral("db"));
    const QJsonObject where = request.errorContext();
    const Status name = NameRules::checkDatabaseName(db);
    if (!name.isOk())
        return respond(HttpResponse::error(name, where));
    const qint64 defaultLimit = qMin<qint64>(100, m_settings.maxPageSize);
    QJsonObject body;
    if (method != kGet) {
        const Result<QJsonObject> parsed =
            JsonText::parseObject(request.body.trimmed().isEmpty() ? QByteArrayLiteral("{}") : request.body);
        if (!parsed.isOk())
            return respond(HttpResponse::error(parsed.status(), where));
        body = parsed.value();
    }
    const Result<PageRequest> page = method == kGet
        ? PageRequest::fromText(request.queryValue(QStringLiteral("skip")), request.queryValue(QStringLiteral("limit")),
                                defaultLimit, m_settings.maxPageSize, request.queryValue(QStringLiteral("after")))
        : PageRequest::fromJson(body, defaultLimit, m_settings.maxPageSize);
    if (!page.isOk())
        return respond(HttpResponse::error(page.status(), where));
    const Result<ReadPreference> preference = RouterHandlerSupport::readPreference(request, m_settings.defaultReadPreference);
    if (!preference.isOk())
        return respond(HttpResponse::error(preference.status(), where));
    const ReadPreference::Mode mode = preference->mode();

    // The client's query or body without its paging and read preference;
    // each shard request gets its own limit and after, and the preference
    // from readShard.
    QByteArray query;
    for (auto it = request.query.cbegin(); it != request.query.cend(); ++it) {
        if (it.key() == QLatin1String("skip") || it.key() == QLatin1String("limit") || it.key() == QLatin1String("after")
            || it.key() == QLatin1String(ShardClient::kReadPreference))
            continue;
        query += QUrl::toPercentEncoding(it.key()) + '=' + QUrl::toPercentEncoding(it.value()) + '&';
    }
    body.remove(QStringLiteral("skip"));
    body.remove(QStringLiteral("after"));
    body.remove(QStringLiteral("limit"));

    struct State
    {
        std::unique_ptr<SortedMerge> merge;
        QVector<int> members; // per shard: the member its last page came from
        ReadOrigins origins;
        bool finished = false;
    };
    auto state = std::make_shared<State>();
    state->members.fill(-1, m_shards->shardCount());
    state->merge = std::make_unique<SortedMerge>(m_shards->shardCount(), page->skip, page->limit, m_settings.maxPageSize);
    const QByteArray path = request.path.toUtf8();
    const QString clientAfter = page->after;
    auto pump = std::make_shared<std::function<void()>>();
    *pump = [this, state, pump, mode, method, path, query, body, clientAfter, respond, where] {
        for (const SortedMerge::Request &ask : state->merge->takeRequests()) {
            const QString after = ask.after.isEmpty() ? clientAfter : ask.after;
            QByteArray target = path;
            QByteArray payload;
            if (method == kGet) {
                target += '?' + query + "limit=" + QByteArray::number(ask.limit);
                if (!after.isEmpty())
                    target += "&after=" + QUrl::toPercentEncoding(after);
            } else {
                QJsonObject shardBody = body;
                shardBody.insert(QStringLiteral("limit"), ask.limit);
                if (!after.isEmpty())
                    shardBody.insert(QStringLiteral("after"), after);
                payload = JsonText::compact(shardBody);
            }
            const int shard = ask.shard;
            m_shards->readShard(shard, mode, method, target, payload, state->members.at(shard),
                                [this, state, pump, shard, respond, where](const HttpClientReply &reply, int member) {
                if (state->finished)
                    return;
                state->members[shard] = member;
                if (reply.answered())
                    state->origins.add(shard, m_shards->originOf(shard, member, reply));
                if (reply.status != 200) {
                    state->finished = true;
                    *pump = nullptr;
                    return respond(ShardClient::withOrigins(ShardClient::failure(shard, reply), state->origins));
                }
                const Result<QByteArray> answer = JsonText::minify(reply.body);
                qint64 total = -1;
                QVector<SortedMerge::Item> items;
                if (answer.isOk() && answer->front() == '{') {
                    for (const JsonText::Member &member : JsonText::members(answer.value())) {
                        const QString key = JsonText::unquote(member.key);
                        if (key == QLatin1String("total") && member.value.front() != '"')
                            total = member.value.toByteArray().toLongLong();
                        if (key != QLatin1String("items") || member.value.front() != '[')
                            continue;
                        for (const QByteArrayView item : JsonText::elements(member.value))
                            items.append(SortedMerge::Item{item.front() == '{' ? RouterHandlerSupport::documentId(item).value_or(QString()) : QString(),
                                                           item.toByteArray()});
                    }
                }
                Status added = total >= 0 ? state->merge->addPage(shard, total, std::move(items))
                                          : Status::internal(QStringLiteral("the answer is not a list page"));
                if (!added.isOk()) {
                    state->finished = true;
                    *pump = nullptr;
                    return respond(HttpResponse::error(
                        Status::internal(QStringLiteral("shard %1 answered a list page the router cannot merge: %2").arg(shard).arg(added.message()))
                            .withDetail(QStringLiteral("shard"), shard),
                        where));
                }
                if (!state->merge->isComplete())
                    return (*pump)();
                state->finished = true;
                *pump = nullptr; // breaks the cycle pump -> request callbacks -> pump
                const SortedMerge::Page result = state->merge->result();
                QByteArray out = "{\"total\":" + QByteArray::number(result.total) + ",\"items\":[";
                for (qsizetype i = 0; i < result.items.size(); ++i) {
                    if (i)
                        out.append(',');
                    out.append(result.items.at(i).json);
                }
                out.append("]}");
                respond(ShardClient::withOrigins(HttpResponse::json(200, out), state->origins));
            });
        }
    };
    (*pump)();
}

void RouterListHandlers::changes(const HttpRequest &request, Respond respond)
{
    const QString db = request.param(QStringLiteral("db"));
    const QJsonObject where = request.errorContext();
    const Status name = NameRules::checkDatabaseName(db);
    if (!name.isOk())
        return respond(HttpResponse::error(name, where));
    const Result<ChangeCursor> since = ChangeCursor::parse(request.queryValue(QStringLiteral("since")), m_shards->shardCount());
    if (!since.isOk())
        return respond(HttpResponse::error(since.status(), where));
    const Result<PageRequest> page = PageRequest::fromText(std::nullopt, request.queryValue(QStringLiteral("limit")),
                                                           m_settings.maxPageSize, m_settings.maxPageSize);
    if (!page.isOk())
        return respond(HttpResponse::error(page.status(), where));
    const Result<ReadPreference> preference = RouterHandlerSupport::readPreference(request, m_settings.defaultReadPreference);
    if (!preference.isOk())
        return respond(HttpResponse::error(preference.status(), where));
    const qint64 limit = page->limit;
    QVector<QByteArray> targets;
    for (int shard = 0; shard < m_shards->shardCount(); ++shard) {
        targets.append(ShardClient::databasePath(db) + "/_changes?since=" + QByteArray::number(since->seq(shard))
                       + "&limit=" + QByteArray::number(limit));
    }
    m_shards->readShards(preference->mode(), targets,
                         [since = since.value(), limit, respond, where](const QVector<HttpClientReply> &replies, const ReadOrigins &origins) {
        if (const std::optional<HttpResponse> failed = ShardClient::firstFailure(replies, {200}))
            return respond(*failed);
        QVector<ShardChangePage> pages;
        for (int shard = 0; shard < replies.size(); ++shard) {
            const Result<QJsonObject> object = JsonText::parseObject(replies.at(shard).body);
            const Result<ShardChangePage> parsed = object.isOk() ? ChangeCursor::pageFromJson(object.value()) : object.status();
            if (!parsed.isOk()) {
                return respond(HttpResponse::error(
                    Status::internal(QStringLiteral("shard %1 answered a _changes page the router cannot read: %2")
                                         .arg(shard)
                                         .arg(parsed.status().message())),
                    where));
            }
            pages.append(parsed.value());
        }
        const Result<MergedChanges> merged = ChangeCursor::merge(since, pages, limit);
        if (!merged.isOk())
            return respond(HttpResponse::error(merged.status(), where));
        respond(ShardClient::withOrigins(HttpResponse::json(200, merged->toJson()), origins));
    });
}
