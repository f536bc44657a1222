#include "RouterDocumentHandlers.h"

#include "Document.h"
#include "JsonText.h"
#include "NameRules.h"
#include "RequestLimits.h"
#include "RouterHandlerSupport.h"

#include <QJsonObject>

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

// The minified object with "id" added first.
QByteArray withId(QByteArrayView object, const QString &id)
{
    return "{\"id\":" + JsonText::quote(id) + (object.size() > 2 ? "," : "") + object.sliced(1).toByteArray();
}

} // namespace

RouterDocumentHandlers::RouterDocumentHandlers(ShardClient *shards, const Settings &settings)
    : m_shards(shards)
    , m_settings(settings)
{
}

void RouterDocumentHandlers::forward(const HttpRequest &request, bool write, Respond respond)
{
    const QString id = request.param(QStringLiteral("id"));
    const int shard = m_shards->shardOf(id);
    if (write) {
        return m_shards->toPrimary(shard, request.methodName.toLatin1(), targetOf(request), request.body, true,
                                   [shard, respond](const HttpClientReply &reply) { respond(ShardClient::failure(shard, reply)); });
    }
    const Result<ReadPreference> preference = RouterHandlerSupport::readPreference(request, m_settings.defaultReadPreference);
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

void RouterDocumentHandlers::get(const HttpRequest &request, Respond respond)
{
    forward(request, false, std::move(respond));
}

void RouterDocumentHandlers::put(const HttpRequest &request, Respond respond)
{
    forward(request, true, std::move(respond));
}

void RouterDocumentHandlers::remove(const HttpRequest &request, Respond respond)
{
    forward(request, true, std::move(respond));
}

void RouterDocumentHandlers::post(const HttpRequest &request, Respond respond)
{
    // The shard comes from the id, so a document without one gets it here.
    const Result<QByteArray> body = JsonText::minify(request.body);
    QString id;
    QByteArray forwarded = request.body;
    if (body.isOk() && body->startsWith('{')) {
        const std::optional<QString> given = RouterHandlerSupport::documentId(body.value());
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

void RouterDocumentHandlers::bulk(const HttpRequest &request, Respond respond)
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
            const std::optional<QString> given = RouterHandlerSupport::documentId(element);
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
