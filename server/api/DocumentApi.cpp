#include "DocumentApi.h"

#include "DocumentReader.h"
#include "DocumentService.h"
#include "FieldQuery.h"
#include "JsonText.h"
#include "NameRules.h"
#include "ReadPool.h"
#include "ReadPreference.h"
#include "RequestLimits.h"
#include "SearchQuery.h"
#include "TagQuery.h"

#include <QJsonArray>
#include <QScopedValueRollback>
#include <QUrl>

namespace {

constexpr qint64 kDefaultPageSize = 100;

using Method = QHttpServerRequest::Method;

// {"total": n, "items": [<document JSON>, ...]} spliced from stored bytes.
QByteArray listBody(qint64 total, const QVector<QByteArray> &items)
{
    qsizetype size = 32;
    for (const QByteArray &item : items)
        size += item.size() + 1;
    QByteArray out;
    out.reserve(size);
    out.append("{\"total\":");
    out.append(QByteArray::number(total));
    out.append(",\"items\":[");
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (i)
            out.append(',');
        out.append(items.at(i));
    }
    out.append("]}");
    return out;
}

Result<bool> parseBoolean(const HttpRequest &request, const QString &key, bool fallback)
{
    const std::optional<QString> value = request.queryValue(key);
    if (!value)
        return fallback;
    const QString text = value->toLower();
    if (text == QLatin1String("true") || text == QLatin1String("1"))
        return true;
    if (text == QLatin1String("false") || text == QLatin1String("0"))
        return false;
    return Status::badRequest(QStringLiteral("%1 must be true or false, not '%2'").arg(key, value->left(40)));
}

QByteArray documentLocation(const QString &db, const QString &id)
{
    return "/v1/db/" + QUrl::toPercentEncoding(db) + "/docs/" + QUrl::toPercentEncoding(id);
}

} // namespace

Status DocumentApi::tooManyReads()
{
    return Status::unavailable(QStringLiteral("too many reads are waiting on this node; retry shortly"));
}

DocumentApi::DocumentApi(DocumentService *service, DocumentReader *reader, ReadPool *readPool, const Limits &limits)
    : m_service(service)
    , m_reader(reader)
    , m_readPool(readPool)
    , m_maxPageSize(limits.maxPageSize)
    , m_maxBulkDocs(limits.maxBulkDocs)
{
}

template <typename T>
void DocumentApi::readInPool(const QJsonObject &where, const HttpReplyPtr &reply,
                             std::function<Result<T>(DocumentReader &reader)> query,
                             std::function<HttpResponse(const T &result)> answer)
{
    std::function<void(const Result<T> &)> done = [reply, where, answer](const Result<T> &result) {
        if (!result.isOk())
            return reply->send(HttpResponse::error(result.status(), where));
        reply->send(answer(result.value()));
    };
    if (!m_readPool)
        return done(query(*m_reader));
    const ReadPool::Admission admission = m_releasingHeldRead ? ReadPool::Admission::Admitted : ReadPool::Admission::Bounded;
    if (!m_readPool->submit<T>(std::move(query), std::move(done), admission))
        reply->send(HttpResponse::error(tooManyReads(), where));
}

template <typename T>
void DocumentApi::readDatabase(const HttpRequest &request, const HttpReplyPtr &reply,
                               std::function<Result<T>(DocumentReader &reader, const QString &db)> query,
                               std::function<HttpResponse(const T &result)> answer)
{
    const QString db = request.param(QStringLiteral("db"));
    const QJsonObject where = request.errorContext();
    const Status nameStatus = NameRules::checkDatabaseName(db, NameRules::Reserved::Allowed);
    if (!nameStatus.isOk())
        return reply->send(HttpResponse::error(nameStatus, where));
    readInPool<T>(
        where, reply,
        [db, query = std::move(query)](DocumentReader &reader) -> Result<T> {
            const Result<std::optional<DatabaseInfo>> info = reader.database(db);
            if (!info.isOk())
                return info.status();
            if (!info->has_value())
                return Status::notFound(QStringLiteral("Database not found"));
            return query(reader, db);
        },
        std::move(answer));
}

void DocumentApi::registerRoutes(HttpServer &server)
{
    const auto route = [this, &server](Method method, const char *pattern,
                                       void (DocumentApi::*handler)(const HttpRequest &, const HttpReplyPtr &)) {
        server.addApiRoute(method, pattern,
                        [this, handler](const HttpRequest &request, const HttpReplyPtr &reply) {
                            (this->*handler)(request, reply);
                        });
    };
    // Reads first check the read preference against this member's role; a
    // linearizable one then waits until this member has applied every entry
    // it knows committed (writes are answered at commit, before the batch
    // that applies them). `pooled`: the handler queues its query on the read
    // pool (the others read on this thread).
    const auto read = [this, &server](Method method, const char *pattern,
                                      void (DocumentApi::*handler)(const HttpRequest &, const HttpReplyPtr &), bool pooled) {
        server.addApiRoute(method, pattern,
                        [this, handler, pooled](const HttpRequest &request, const HttpReplyPtr &reply) {
                            const std::optional<ReadPreference::Consistency> consistency = admitRead(request, reply);
                            if (!consistency)
                                return;
                            if (*consistency != ReadPreference::Consistency::Linearizable || m_service->appliedAllCommitted()) {
                                addReadHeaders(reply, *consistency);
                                return (this->*handler)(request, reply);
                            }
                            // A pool read that waits counts against the read
                            // queue now: when the apply comes, every one
                            // released is let into the pool (none refused
                            // after its wait).
                            const bool counted = pooled && m_readPool;
                            if (counted) {
                                if (m_heldPoolReads + m_readPool->queued() >= m_readPool->maxQueued())
                                    return reply->send(HttpResponse::error(tooManyReads(), request.errorContext()));
                                ++m_heldPoolReads;
                            }
                            m_service->whenCommittedApplied([this, handler, request, reply, consistency, counted](const Status &ready) {
                                if (counted)
                                    --m_heldPoolReads;
                                if (!ready.isOk())
                                    return reply->send(HttpResponse::error(ready, request.errorContext()));
                                addReadHeaders(reply, *consistency);
                                const QScopedValueRollback<bool> released(m_releasingHeldRead, true);
                                (this->*handler)(request, reply);
                            });
                        });
    };
    read(Method::Get, "/v1/db", &DocumentApi::listDatabases, true);
    route(Method::Put, "/v1/db/{db}", &DocumentApi::createDatabase);
    route(Method::Delete, "/v1/db/{db}", &DocumentApi::deleteDatabase);
    read(Method::Head, "/v1/db/{db}", &DocumentApi::headDatabase, false);
    read(Method::Get, "/v1/db/{db}", &DocumentApi::databaseStats, true);
    route(Method::Post, "/v1/db/{db}/docs", &DocumentApi::postDocument);
    read(Method::Get, "/v1/db/{db}/docs/{id}", &DocumentApi::getDocument, false);
    route(Method::Put, "/v1/db/{db}/docs/{id}", &DocumentApi::putDocument);
    route(Method::Delete, "/v1/db/{db}/docs/{id}", &DocumentApi::deleteDocument);
    route(Method::Post, "/v1/db/{db}/_bulk_docs", &DocumentApi::bulkDocuments);
    read(Method::Get, "/v1/db/{db}/_all_docs", &DocumentApi::allDocuments, true);
    read(Method::Get, "/v1/db/{db}/_changes", &DocumentApi::changes, true);
    read(Method::Post, "/v1/db/{db}/_find/fields", &DocumentApi::findFields, true);
    read(Method::Post, "/v1/db/{db}/_find/tags", &DocumentApi::findTags, true);
    read(Method::Get, "/v1/db/{db}/_search", &DocumentApi::search, true);
    read(Method::Get, "/v1/db/{db}/_seq", &DocumentApi::sequence, false);
    read(Method::Get, "/v1/db/{db}/_stats", &DocumentApi::databaseStats, true);
}

std::optional<ReadPreference::Consistency> DocumentApi::admitRead(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const Result<ReadPreference> preference = ReadPreference::fromText(request.queryValue(QStringLiteral("readPreference")));
    if (!preference.isOk()) {
        reply->send(HttpResponse::error(preference.status(), request.errorContext()));
        return std::nullopt;
    }
    // Checked before the read: what it returns is at least as new as this
    // moment, when this member still held its lease.
    const Result<ReadPreference::Consistency> consistency = preference->decide(m_service->readable());
    if (!consistency.isOk()) {
        reply->send(HttpResponse::error(consistency.status(), request.errorContext()));
        return std::nullopt;
    }
    return consistency.value();
}

void DocumentApi::addReadHeaders(const HttpReplyPtr &reply, ReadPreference::Consistency consistency) const
{
    reply->addHeader(QByteArrayLiteral("X-PeaceDB-Consistency"), ReadPreference::consistencyName(consistency));
    // Taken before the read, so the answer is at least this new: a router
    // reading from several members keeps the most up-to-date answer, and
    // tells its client how new each shard's part is.
    const auto [appliedTerm, appliedSeq] = m_service->appliedPosition();
    reply->addHeader(QByteArrayLiteral("X-PeaceDB-Applied"), QByteArray::number(appliedTerm) + '-' + QByteArray::number(appliedSeq));
}

qint64 DocumentApi::defaultPageSize() const
{
    return qMin(kDefaultPageSize, m_maxPageSize);
}

bool DocumentApi::requireDatabase(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QString db = request.param(QStringLiteral("db"));
    const Status nameStatus = NameRules::checkDatabaseName(db, NameRules::Reserved::Allowed);
    if (!nameStatus.isOk()) {
        reply->send(HttpResponse::error(nameStatus, request.errorContext()));
        return false;
    }
    const Result<std::optional<DatabaseInfo>> info = m_reader->database(db);
    if (!info.isOk()) {
        reply->send(HttpResponse::error(info.status(), request.errorContext()));
        return false;
    }
    if (!info->has_value()) {
        reply->send(HttpResponse::error(Status::notFound(QStringLiteral("Database not found")), request.errorContext()));
        return false;
    }
    return true;
}

void DocumentApi::listDatabases(const HttpRequest &request, const HttpReplyPtr &reply)
{
    readInPool<QStringList>(
        request.errorContext(), reply, [](DocumentReader &reader) { return reader.databaseNames(); },
        [](QStringList names) {
            names.removeIf([](const QString &name) { return NameRules::isReservedDatabase(name); });
            return HttpResponse::json(200, QJsonObject{{QStringLiteral("total"), names.size()},
                                                       {QStringLiteral("items"), QJsonArray::fromStringList(names)}});
        });
}

void DocumentApi::createDatabase(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QString db = request.param(QStringLiteral("db"));
    const QJsonObject where = request.errorContext();
    m_service->createDatabase(db, [reply, db, where](const Result<bool> &created) {
        if (!created.isOk())
            return reply->send(HttpResponse::error(created.status(), where));
        reply->send(HttpResponse::json(created.value() ? 201 : 200,
                                       QJsonObject{{QStringLiteral("ok"), true},
                                                   {QStringLiteral("db"), db},
                                                   {QStringLiteral("created"), created.value()}}));
    });
}

void DocumentApi::deleteDatabase(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QString db = request.param(QStringLiteral("db"));
    const QJsonObject where = request.errorContext();
    m_service->deleteDatabase(db, [reply, db, where](const Status &status) {
        if (!status.isOk())
            return reply->send(HttpResponse::error(status, where));
        reply->send(HttpResponse::json(200, QJsonObject{{QStringLiteral("ok"), true}, {QStringLiteral("db"), db}}));
    });
}

void DocumentApi::headDatabase(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QString db = request.param(QStringLiteral("db"));
    if (!NameRules::checkDatabaseName(db, NameRules::Reserved::Allowed).isOk())
        return reply->send(HttpResponse::empty(400));
    const Result<std::optional<DatabaseInfo>> info = m_reader->database(db);
    if (!info.isOk())
        return reply->send(HttpResponse::empty(500));
    reply->send(HttpResponse::empty(info->has_value() ? 200 : 404));
}

void DocumentApi::getDocument(const HttpRequest &request, const HttpReplyPtr &reply)
{
    if (!requireDatabase(request, reply))
        return;
    const QString rev = request.queryValue(QStringLiteral("rev")).value_or(QString());
    const Result<std::optional<StoredDocument>> stored =
        m_reader->document(request.param(QStringLiteral("db")), request.param(QStringLiteral("id")), rev);
    if (!stored.isOk())
        return reply->send(HttpResponse::error(stored.status(), request.errorContext()));
    if (!stored->has_value() || (*stored)->deleted) {
        QJsonObject where = request.errorContext();
        if (stored->has_value())
            where.insert(QStringLiteral("reason"), QStringLiteral("deleted"));
        return reply->send(HttpResponse::error(Status::notFound(QStringLiteral("not found")), where));
    }
    reply->send(HttpResponse::json(200, (*stored)->body)
                    .withHeader("ETag", '"' + (*stored)->rev.toLatin1() + '"'));
}

void DocumentApi::putDocument(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QString db = request.param(QStringLiteral("db"));
    const QString id = request.param(QStringLiteral("id"));
    const Status nameStatus = NameRules::checkDatabaseName(db, NameRules::Reserved::Allowed);
    if (!nameStatus.isOk())
        return reply->send(HttpResponse::error(nameStatus, request.errorContext()));
    Result<Document> document = Document::fromJsonText(request.body);
    if (!document.isOk())
        return reply->send(HttpResponse::error(document.status(), request.errorContext()));
    if (!document->id.isEmpty() && document->id != id) {
        return reply->send(HttpResponse::error(Status::badRequest(QStringLiteral("id in body must equal route id")),
                                               request.errorContext()));
    }
    document->id = id;
    // The body's rev, else the query's, names the write in an error.
    const QString rev = !document->rev.isEmpty() ? document->rev : request.queryValue(QStringLiteral("rev")).value_or(QString());
    m_service->writeDocument(db, document.value(), WriteKind::Put, [reply, db, id, rev](const Result<Document> &stored) {
        if (!stored.isOk())
            return reply->send(HttpResponse::error(stored.status(), HttpRequest::errorContext(db, id, rev)));
        reply->send(HttpResponse::json(200, stored->toJson()));
    });
}

void DocumentApi::postDocument(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QJsonObject where = request.errorContext();
    const QString db = request.param(QStringLiteral("db"));
    const Status nameStatus = NameRules::checkDatabaseName(db, NameRules::Reserved::Allowed);
    if (!nameStatus.isOk())
        return reply->send(HttpResponse::error(nameStatus, where));
    const Result<Document> document = Document::fromJsonText(request.body);
    if (!document.isOk())
        return reply->send(HttpResponse::error(document.status(), where));
    QJsonObject named = where;
    if (!document->id.isEmpty())
        named.insert(QStringLiteral("id"), document->id);
    if (!document->rev.isEmpty())
        named.insert(QStringLiteral("rev"), document->rev);
    m_service->writeDocument(db, document.value(), WriteKind::Post, [reply, where = named, db](const Result<Document> &stored) {
        if (!stored.isOk())
            return reply->send(HttpResponse::error(stored.status(), where));
        reply->send(HttpResponse::json(201, stored->toJson()).withHeader("Location", documentLocation(db, stored->id)));
    });
}

void DocumentApi::deleteDocument(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QJsonObject where = request.errorContext();
    const QString db = request.param(QStringLiteral("db"));
    const Status nameStatus = NameRules::checkDatabaseName(db, NameRules::Reserved::Allowed);
    if (!nameStatus.isOk())
        return reply->send(HttpResponse::error(nameStatus, where));
    const QString rev = request.queryValue(QStringLiteral("rev")).value_or(QString());
    if (rev.trimmed().isEmpty()) {
        return reply->send(
            HttpResponse::error(Status::badRequest(QStringLiteral("rev query parameter is required")), where));
    }
    Document document;
    document.id = request.param(QStringLiteral("id"));
    document.rev = rev;
    m_service->writeDocument(db, document, WriteKind::Delete, [reply, where](const Result<Document> &stored) {
        if (!stored.isOk())
            return reply->send(HttpResponse::error(stored.status(), where));
        reply->send(HttpResponse::json(200, QJsonObject{{QStringLiteral("ok"), true},
                                                        {QStringLiteral("id"), stored->id},
                                                        {QStringLiteral("rev"), stored->rev}}));
    });
}

void DocumentApi::bulkDocuments(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QJsonObject where = request.errorContext();
    const QString db = request.param(QStringLiteral("db"));
    const Status nameStatus = NameRules::checkDatabaseName(db, NameRules::Reserved::Allowed);
    if (!nameStatus.isOk())
        return reply->send(HttpResponse::error(nameStatus, where));
    if (request.body.trimmed().isEmpty())
        return reply->send(HttpResponse::error(Status::badRequest(QStringLiteral("request body is empty; a JSON object is required")), where));
    const Result<QByteArray> body = JsonText::minify(request.body);
    if (!body.isOk())
        return reply->send(HttpResponse::error(body.status(), where));
    if (body->front() != '{') {
        return reply->send(HttpResponse::error(
            Status::badRequest(QStringLiteral("request body must be a JSON object, not %1").arg(JsonText::typeName(body.value()))), where));
    }
    QByteArrayView docs;
    for (const JsonText::Member &member : JsonText::members(body.value())) {
        const QString key = JsonText::unquote(member.key);
        if (key != QLatin1String("docs")) {
            return reply->send(HttpResponse::error(
                Status::badRequest(QStringLiteral("unknown field '%1'; expected docs").arg(key.left(80))), where));
        }
        docs = member.value;
    }
    if (docs.isEmpty() || docs.front() != '[') {
        return reply->send(HttpResponse::error(
            Status::badRequest(QStringLiteral("docs must be an array of documents, not %1")
                                   .arg(docs.isEmpty() ? QStringLiteral("missing") : JsonText::typeName(docs))),
            where));
    }
    const auto elements = JsonText::elements(docs);
    if (elements.size() > m_maxBulkDocs)
        return reply->send(HttpResponse::error(Status::badRequest(RequestLimits::tooManyBulkDocuments(elements.size(), m_maxBulkDocs)), where));
    QVector<Result<Document>> items;
    QStringList ids;
    for (const QByteArrayView element : elements) {
        QString id;
        if (element.front() != '{') {
            items.append(Status::badRequest(
                QStringLiteral("each entry of docs must be an object, not %1").arg(JsonText::typeName(element))));
        } else {
            for (const JsonText::Member &member : JsonText::members(element)) {
                if (member.value.front() == '"' && JsonText::unquote(member.key) == QLatin1String("id"))
                    id = JsonText::unquote(member.value);
            }
            items.append(Document::fromMinified(element));
        }
        ids.append(id);
    }
    m_service->writeDocuments(db, items, [reply, where, ids](const Result<QVector<Result<Document>>> &results) {
        if (!results.isOk())
            return reply->send(HttpResponse::error(results.status(), where));
        QByteArray out = "{\"ok\":true,\"results\":[";
        out.reserve(out.size() + results->size() * 80);
        for (qsizetype i = 0; i < results->size(); ++i) {
            const Result<Document> &result = results->at(i);
            if (i)
                out.append(',');
            if (result.isOk()) {
                out += "{\"id\":" + JsonText::quote(result->id) + ",\"rev\":" + JsonText::quote(result->rev) + '}';
                continue;
            }
            out.append('{');
            if (!ids.at(i).isEmpty())
                out += "\"id\":" + JsonText::quote(ids.at(i)) + ',';
            out += "\"error\":" + JsonText::quote(result.status().message()) + ",\"status\":"
                + QByteArray::number(HttpResponse::httpStatusOf(result.status().code())) + '}';
        }
        out.append("]}");
        reply->send(HttpResponse::json(200, out));
    });
}

void DocumentApi::allDocuments(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const Result<PageRequest> page = PageRequest::fromText(request.queryValue(QStringLiteral("skip")),
                                                           request.queryValue(QStringLiteral("limit")),
                                                           defaultPageSize(), m_maxPageSize,
                                                           request.queryValue(QStringLiteral("after")));
    if (!page.isOk())
        return reply->send(HttpResponse::error(page.status(), request.errorContext()));
    const Result<bool> includeDeleted = parseBoolean(request, QStringLiteral("includeDeleted"), true);
    if (!includeDeleted.isOk())
        return reply->send(HttpResponse::error(includeDeleted.status(), request.errorContext()));
    readDatabase<DocumentPage>(
        request, reply,
        [page = page.value(), includeDeleted = includeDeleted.value()](DocumentReader &reader, const QString &db) {
            return reader.allDocuments(db, page, includeDeleted);
        },
        [](const DocumentPage &result) { return HttpResponse::json(200, listBody(result.total, result.bodies)); });
}

void DocumentApi::changes(const HttpRequest &request, const HttpReplyPtr &reply)
{
    qint64 since = 0;
    if (const std::optional<QString> text = request.queryValue(QStringLiteral("since"))) {
        bool ok = false;
        since = text->toLongLong(&ok);
        if (!ok || since < 0) {
            return reply->send(HttpResponse::error(
                Status::badRequest(QStringLiteral("since must be an integer >= 0, not '%1'").arg(text->left(40))),
                request.errorContext()));
        }
    }
    const Result<PageRequest> page = PageRequest::fromText(std::nullopt, request.queryValue(QStringLiteral("limit")),
                                                           m_maxPageSize, m_maxPageSize);
    if (!page.isOk())
        return reply->send(HttpResponse::error(page.status(), request.errorContext()));
    struct Changes
    {
        QVector<ChangeRow> rows;
        qint64 databaseSeq = -1;
    };
    const qint64 limit = page->limit;
    readDatabase<Changes>(
        request, reply,
        [since, limit](DocumentReader &reader, const QString &db) -> Result<Changes> {
            Changes out;
            Result<QVector<ChangeRow>> rows = reader.changes(db, since, limit, &out.databaseSeq);
            if (!rows.isOk())
                return rows.status();
            if (out.databaseSeq < 0)
                return Status::notFound(QStringLiteral("Database not found"));
            out.rows = std::move(rows).value();
            return out;
        },
        [since, limit](const Changes &changes) { return changesBody(changes.rows, changes.databaseSeq, since, limit); });
}

HttpResponse DocumentApi::changesBody(const QVector<ChangeRow> &rows, qint64 databaseSeq, qint64 since, qint64 limit)
{
    QJsonArray results;
    for (const ChangeRow &row : rows) {
        results.append(QJsonObject{{QStringLiteral("seq"), row.seq},
                                   {QStringLiteral("id"), row.id},
                                   {QStringLiteral("rev"), row.rev},
                                   {QStringLiteral("deleted"), row.deleted}});
    }
    // A full page may have more after it: resume from its last row (from
    // `since` for limit 0). A short page reached the end: resume from the
    // database's seq, read in the same snapshot as the rows (also when
    // `since` is past it, e.g. after the database was recreated).
    const qint64 lastSeq = rows.size() == limit ? (rows.isEmpty() ? since : rows.last().seq) : databaseSeq;
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("results"), results}, {QStringLiteral("lastSeq"), lastSeq}});
}

void DocumentApi::findFields(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const Result<QJsonObject> body = JsonText::parseObject(request.body);
    if (!body.isOk())
        return reply->send(HttpResponse::error(body.status(), request.errorContext()));
    const Result<FieldQuery> query = FieldQuery::fromJson(body.value(), defaultPageSize(), m_maxPageSize);
    if (!query.isOk())
        return reply->send(HttpResponse::error(query.status(), request.errorContext()));
    readDatabase<DocumentPage>(
        request, reply,
        [query = query.value()](DocumentReader &reader, const QString &db) { return reader.findFields(db, query); },
        [](const DocumentPage &result) { return HttpResponse::json(200, listBody(result.total, result.bodies)); });
}

void DocumentApi::findTags(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const Result<QJsonObject> body = JsonText::parseObject(request.body);
    if (!body.isOk())
        return reply->send(HttpResponse::error(body.status(), request.errorContext()));
    const Result<TagQuery> query = TagQuery::fromJson(body.value(), defaultPageSize(), m_maxPageSize);
    if (!query.isOk())
        return reply->send(HttpResponse::error(query.status(), request.errorContext()));
    readDatabase<DocumentPage>(
        request, reply,
        [query = query.value()](DocumentReader &reader, const QString &db) { return reader.findTags(db, query); },
        [](const DocumentPage &result) { return HttpResponse::json(200, listBody(result.total, result.bodies)); });
}

void DocumentApi::search(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const std::optional<QString> q = request.queryValue(QStringLiteral("q"));
    if (!q)
        return reply->send(HttpResponse::error(Status::badRequest(QStringLiteral("q is required")), request.errorContext()));
    const Result<PageRequest> page = PageRequest::fromText(request.queryValue(QStringLiteral("skip")),
                                                           request.queryValue(QStringLiteral("limit")),
                                                           defaultPageSize(), m_maxPageSize,
                                                           request.queryValue(QStringLiteral("after")));
    if (!page.isOk())
        return reply->send(HttpResponse::error(page.status(), request.errorContext()));
    readDatabase<DocumentPage>(
        request, reply,
        [query = SearchQuery::fromText(*q), page = page.value()](DocumentReader &reader, const QString &db) {
            return reader.search(db, query, page);
        },
        [](const DocumentPage &result) { return HttpResponse::json(200, listBody(result.total, result.bodies)); });
}

void DocumentApi::sequence(const HttpRequest &request, const HttpReplyPtr &reply)
{
    if (!requireDatabase(request, reply))
        return;
    const QString db = request.param(QStringLiteral("db"));
    const Result<std::optional<DatabaseInfo>> info = m_reader->database(db);
    if (!info.isOk() || !info->has_value())
        return reply->send(HttpResponse::error(info.isOk() ? Status::notFound(QStringLiteral("Database not found")) : info.status(),
                                               request.errorContext()));
    reply->send(HttpResponse::json(200, QJsonObject{{QStringLiteral("db"), db}, {QStringLiteral("seq"), (*info)->seq}}));
}

void DocumentApi::databaseStats(const HttpRequest &request, const HttpReplyPtr &reply)
{
    struct Stats
    {
        QString db;
        DatabaseInfo info;
        qint64 tags = 0;
    };
    readDatabase<Stats>(
        request, reply,
        [](DocumentReader &reader, const QString &db) -> Result<Stats> {
            const Result<std::optional<DatabaseInfo>> info = reader.database(db);
            const Result<qint64> tags = reader.tagCount(db);
            if (!info.isOk() || !info->has_value() || !tags.isOk()) {
                return !info.isOk() ? info.status()
                     : !tags.isOk() ? tags.status()
                                    : Status::notFound(QStringLiteral("Database not found"));
            }
            return Stats{db, info->value(), tags.value()};
        },
        [](const Stats &stats) {
            return HttpResponse::json(200, QJsonObject{
                                               {QStringLiteral("db"), stats.db},
                                               {QStringLiteral("seq"), stats.info.seq},
                                               {QStringLiteral("docsTotal"), stats.info.docsTotal},
                                               {QStringLiteral("docsAlive"), stats.info.docsTotal - stats.info.docsDeleted},
                                               {QStringLiteral("docsDeleted"), stats.info.docsDeleted},
                                               {QStringLiteral("tagIndexCount"), stats.tags},
                                           });
        });
}
