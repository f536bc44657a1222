#include "ReplicatedDocumentService.h"

#include "ChangeCursor.h"
#include "Document.h"
#include "JsonText.h"
#include "NameRules.h"
#include "PageRequest.h"
#include "RequestLimits.h"
#include "SortedMerge.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QUrl>

#include <memory>

namespace {

const QByteArray kGet = QByteArrayLiteral("GET");
const QByteArray kPost = QByteArrayLiteral("POST");

// The request's target as received (percent-encoded path and query).
QByteArray targetOf(const HttpRequest &request)
{
    QByteArray target = request.path.toUtf8();
    if (!request.rawQuery.isEmpty())
        target += '?' + request.rawQuery;
    return target;
}

// The "id" of a minified JSON object: its text when it is a string, an
// empty string for another type (the node refuses it), nullopt when absent.
std::optional<QString> documentId(QByteArrayView object)
{
    for (const JsonText::Member &member : JsonText::members(object)) {
        if (JsonText::unquote(member.key) == QLatin1String("id"))
            return member.value.front() == '"' ? JsonText::unquote(member.value) : QString();
    }
    return std::nullopt;
}

// The minified object with "id" added first.
QByteArray withId(QByteArrayView object, const QString &id)
{
    return "{\"id\":" + JsonText::quote(id) + (object.size() > 2 ? "," : "") + object.sliced(1).toByteArray();
}

} // namespace

ReplicatedDocumentService::ReplicatedDocumentService(const Settings &settings, ShardClient *shards, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_shards(shards)
{
}

Result<ReadPreference> ReplicatedDocumentService::preferenceOf(const HttpRequest &request) const
{
    return ReadPreference::fromText(request.queryValue(QString::fromLatin1(ShardClient::kReadPreference)), m_settings.defaultReadPreference);
}

void ReplicatedDocumentService::listDatabases(const HttpRequest &request, Respond respond)
{
    const Result<ReadPreference> preference = preferenceOf(request);
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

void ReplicatedDocumentService::createDatabase(const HttpRequest &request, Respond respond)
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

void ReplicatedDocumentService::deleteDatabase(const HttpRequest &request, Respond respond)
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

void ReplicatedDocumentService::databaseStats(const HttpRequest &request, Respond respond)
{
    const QString db = request.param(QStringLiteral("db"));
    const Status name = NameRules::checkDatabaseName(db);
    if (!name.isOk())
        return respond(HttpResponse::error(name, request.errorContext()));
    const Result<ReadPreference> preference = preferenceOf(request);
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

void ReplicatedDocumentService::headDatabase(const HttpRequest &request, Respond respond)
{
    databaseStats(request, [respond](const HttpResponse &response) {
        HttpResponse head = HttpResponse::empty(response.status);
        for (const QPair<QByteArray, QByteArray> &header : response.headers) {
            if (ShardClient::isOriginHeader(header.first))
                head.headers.append(header);
        }
        respond(head);
    });
}

void ReplicatedDocumentService::sequence(const HttpRequest &request, Respond respond)
{
    databaseStats(request, [respond](const HttpResponse &response) {
        if (response.status != 200)
            return respond(response);
        const Result<QJsonObject> stats = JsonText::parseObject(response.body);
        HttpResponse seq = HttpResponse::json(200, QJsonObject{{QStringLiteral("db"), stats->value(QStringLiteral("db"))},
                                                               {QStringLiteral("seq"), stats->value(QStringLiteral("seq"))}});
        seq.headers = response.headers;
        respond(seq);
    });
}

void ReplicatedDocumentService::forwardDocument(const HttpRequest &request, bool write, Respond respond)
{
    const QString id = request.param(QStringLiteral("id"));
    const int shard = m_shards->shardOf(id);
    if (write) {
        return m_shards->toPrimary(shard, request.methodName.toLatin1(), targetOf(request), request.body, true,
                                   [shard, respond](const HttpClientReply &reply) { respond(ShardClient::failure(shard, reply)); });
    }
    const Result<ReadPreference> preference = preferenceOf(request);
    if (!preference.isOk())
        return respond(HttpResponse::error(preference.status(), request.errorContext()));
    const QByteArray target = ShardClient::withoutReadPreference(request.path, request.rawQuery);
    if (preference->mode() == ReadPreference::Mode::Primary && m_settings.readQuorum > 1)
        return m_shards->readNewest(shard, target, m_settings.readQuorum, std::move(respond));
    m_shards->readShard(shard, preference->mode(), kGet, target, QByteArray(), -1,
                        [this, shard, respond](const HttpClientReply &reply, int member) {
        if (!reply.answered())
            return respond(ShardClient::failure(shard, reply));
        ReadOrigins origins;
        origins.add(shard, m_shards->originOf(shard, member, reply));
        respond(ShardClient::withOrigins(ShardClient::failure(shard, reply), origins));
    });
}

void ReplicatedDocumentService::getDocument(const HttpRequest &request, Respond respond)
{
    forwardDocument(request, false, std::move(respond));
}

void ReplicatedDocumentService::putDocument(const HttpRequest &request, Respond respond)
{
    forwardDocument(request, true, std::move(respond));
}

void ReplicatedDocumentService::deleteDocument(const HttpRequest &request, Respond respond)
{
    forwardDocument(request, true, std::move(respond));
}

void ReplicatedDocumentService::postDocument(const HttpRequest &request, Respond respond)
{
    // The shard comes from the id, so a document without one gets it here.
    const Result<QByteArray> body = JsonText::minify(request.body);
    QString id;
    QByteArray forwarded = request.body;
    if (body.isOk() && body->startsWith('{')) {
        const std::optional<QString> given = documentId(body.value());
        if (given) {
            id = *given;
        } else {
            id = Document::newId();
            forwarded = withId(body.value(), id);
        }
    }
    // Anything the node will refuse (bad JSON, a non-string id) goes to the
    // shard of the empty id, which answers the error.
    const int shard = m_shards->shardOf(id);
    m_shards->toPrimary(shard, kPost, targetOf(request), forwarded, true,
                        [shard, respond](const HttpClientReply &reply) { respond(ShardClient::failure(shard, reply)); });
}

void ReplicatedDocumentService::bulkDocuments(const HttpRequest &request, Respond respond)
{
    const QString db = request.param(QStringLiteral("db"));
    const QJsonObject where = request.errorContext();
    const Status name = NameRules::checkDatabaseName(db);
    if (!name.isOk())
        return respond(HttpResponse::error(name, where));
    // The whole request is checked here first, so that nothing reaches a
    // shard when it would be refused as a whole.
    if (request.body.trimmed().isEmpty())
        return respond(HttpResponse::error(Status::badRequest(QStringLiteral("request body is empty; a JSON object is required")), where));
    const Result<QByteArray> body = JsonText::minify(request.body);
    if (!body.isOk())
        return respond(HttpResponse::error(body.status(), where));
    if (body->front() != '{') {
        return respond(HttpResponse::error(
            Status::badRequest(QStringLiteral("request body must be a JSON object, not %1").arg(JsonText::typeName(body.value()))), where));
    }
    QByteArrayView docs;
    for (const JsonText::Member &member : JsonText::members(body.value())) {
        const QString key = JsonText::unquote(member.key);
        if (key != QLatin1String("docs"))
            return respond(HttpResponse::error(Status::badRequest(QStringLiteral("unknown field '%1'; expected docs").arg(key.left(80))), where));
        docs = member.value;
    }
    if (docs.isEmpty() || docs.front() != '[') {
        return respond(HttpResponse::error(Status::badRequest(QStringLiteral("docs must be an array of documents, not %1")
                                                                   .arg(docs.isEmpty() ? QStringLiteral("missing") : JsonText::typeName(docs))),
                                           where));
    }

    const QVector<QByteArrayView> elements = JsonText::elements(docs);
    if (elements.size() > m_settings.maxBulkDocs) {
        return respond(HttpResponse::error(
            Status::badRequest(RequestLimits::tooManyBulkDocuments(elements.size(), m_settings.maxBulkDocs)), where));
    }

    // Split by shard; remember where each result goes back.
    const int shards = m_shards->shardCount();
    QVector<QByteArray> parts(shards);
    QVector<QVector<int>> positions(shards);
    QVector<QByteArray> results;
    QStringList ids;
    int count = 0;
    for (const QByteArrayView element : elements) {
        const int position = count++;
        results.append(QByteArray());
        QString id;
        QByteArray document = element.toByteArray();
        if (element.front() == '{') {
            const std::optional<QString> given = documentId(element);
            if (given) {
                id = *given;
            } else {
                id = Document::newId();
                document = withId(element, id);
            }
        }
        ids.append(id);
        const int shard = m_shards->shardOf(id);
        parts[shard] += (parts[shard].isEmpty() ? QByteArray() : QByteArrayLiteral(",")) + document;
        positions[shard].append(position);
    }

    struct State
    {
        QVector<QByteArray> results;
        QVector<HttpClientReply> failures; // per shard: a whole-request failure
        int pending = 0;
    };
    auto state = std::make_shared<State>();
    state->results = results;
    state->failures.resize(shards);
    const auto finish = [state, respond, shards, positions] {
        // Every shard refused the request as a whole in the same way: that is
        // the answer (e.g. 404 for a missing database).
        int refused = 0;
        for (int shard = 0; shard < shards; ++shard) {
            if (!positions.at(shard).isEmpty() && state->failures.at(shard).status != 200)
                ++refused;
        }
        int used = 0;
        for (int shard = 0; shard < shards; ++shard)
            used += positions.at(shard).isEmpty() ? 0 : 1;
        if (refused == used && used > 0) {
            for (int shard = 0; shard < shards; ++shard) {
                if (!positions.at(shard).isEmpty())
                    return respond(ShardClient::failure(shard, state->failures.at(shard)));
            }
        }
        QByteArray out = "{\"ok\":true,\"results\":[";
        for (qsizetype i = 0; i < state->results.size(); ++i) {
            if (i)
                out.append(',');
            out.append(state->results.at(i));
        }
        out.append("]}");
        respond(HttpResponse::json(200, out));
    };
    for (int shard = 0; shard < shards; ++shard)
        state->pending += positions.at(shard).isEmpty() ? 0 : 1;
    if (state->pending == 0)
        return finish();
    const QByteArray target = ShardClient::databasePath(db) + "/_bulk_docs";
    for (int shard = 0; shard < shards; ++shard) {
        if (positions.at(shard).isEmpty())
            continue;
        m_shards->toPrimary(shard, kPost, target, "{\"docs\":[" + parts.at(shard) + "]}", true,
                            [state, shard, positions, ids, finish](const HttpClientReply &reply) {
            state->failures[shard] = reply;
            const QVector<int> &mine = positions.at(shard);
            QVector<QByteArrayView> answers;
            const Result<QByteArray> body = reply.status == 200 ? JsonText::minify(reply.body) : Result<QByteArray>(Status::badRequest(QString()));
            if (body.isOk() && body->front() == '{') {
                for (const JsonText::Member &member : JsonText::members(body.value())) {
                    if (JsonText::unquote(member.key) == QLatin1String("results") && member.value.front() == '[')
                        answers = JsonText::elements(member.value);
                }
            }
            if (answers.size() == mine.size()) {
                for (int i = 0; i < mine.size(); ++i)
                    state->results[mine.at(i)] = answers.at(i).toByteArray();
            } else {
                // The shard refused or did not answer: each of its documents
                // carries why (status 503 when the outcome is unknown).
                const HttpResponse why = ShardClient::failure(shard, reply);
                const Result<QJsonObject> error = JsonText::parseObject(why.body);
                const QString message = error.isOk() ? error->value(QStringLiteral("error")).toString() : QString::fromUtf8(why.body.left(200));
                for (int position : mine) {
                    state->results[position] = "{\"id\":" + JsonText::quote(ids.at(position)) + ",\"error\":"
                        + JsonText::quote(QStringLiteral("shard %1: %2").arg(shard).arg(message))
                        + ",\"status\":" + QByteArray::number(why.status) + '}';
                }
                if (reply.status == 200)
                    state->failures[shard].status = 502; // an answer the router could not read
            }
            if (--state->pending == 0)
                finish();
        });
    }
}

void ReplicatedDocumentService::allDocuments(const HttpRequest &request, Respond respond)
{
    mergedList(request, kGet, std::move(respond));
}

void ReplicatedDocumentService::findFields(const HttpRequest &request, Respond respond)
{
    mergedList(request, kPost, std::move(respond));
}

void ReplicatedDocumentService::findTags(const HttpRequest &request, Respond respond)
{
    mergedList(request, kPost, std::move(respond));
}

void ReplicatedDocumentService::search(const HttpRequest &request, Respond respond)
{
    mergedList(request, kGet, std::move(respond));
}

void ReplicatedDocumentService::mergedList(const HttpRequest &request, const QByteArray &method, Respond respond)
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
    const Result<ReadPreference> preference = preferenceOf(request);
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
                            items.append(SortedMerge::Item{item.front() == '{' ? documentId(item).value_or(QString()) : QString(),
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

void ReplicatedDocumentService::changes(const HttpRequest &request, Respond respond)
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
    const Result<ReadPreference> preference = preferenceOf(request);
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
