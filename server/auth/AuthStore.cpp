#include "AuthStore.h"

#include "Document.h"
#include "DocumentReader.h"
#include "DocumentService.h"
#include "JsonText.h"

namespace {

const QString kDatabase = QString::fromLatin1(AuthTable::kDatabase);
const QString kDocument = QString::fromLatin1(AuthTable::kDocument);
const QByteArray kDatabasePath = QByteArrayLiteral("/v1/db/") + AuthTable::kDatabase;
const QByteArray kDocumentPath = kDatabasePath + "/docs/" + AuthTable::kDocument;

// A node's answer as a Status (503 for no answer).
Status statusOf(const HttpClientReply &reply)
{
    const Result<QJsonObject> body = JsonText::parseObject(reply.body);
    const QString error = body.isOk() ? body->value(QStringLiteral("error")).toString() : QString();
    if (!reply.answered())
        return Status::unavailable(QStringLiteral("shard 0, which holds the users and keys, did not answer: %1").arg(reply.error));
    if (reply.status == 409)
        return Status::conflict(error);
    return Status::unavailable(QStringLiteral("shard 0, which holds the users and keys, answered %1: %2").arg(reply.status).arg(error));
}

} // namespace

Result<AuthStore::Snapshot> AuthStore::parse(const QByteArray &documentJson)
{
    const Result<Document> document = Document::fromJsonText(documentJson);
    if (!document.isOk())
        return Status::internal(QStringLiteral("the stored users and keys are damaged: %1").arg(document.status().message()));
    Snapshot snapshot;
    snapshot.rev = document->rev;
    if (document->deleted || !document->data)
        return snapshot;
    const Result<QJsonObject> data = JsonText::parseObject(*document->data);
    if (!data.isOk())
        return Status::internal(QStringLiteral("the stored users and keys are damaged: %1").arg(data.status().message()));
    Result<AuthTable> table = AuthTable::fromJson(data.value());
    if (!table.isOk())
        return table.status();
    snapshot.table = std::move(table).value();
    return snapshot;
}

QByteArray AuthStore::documentJson(const AuthTable &table, const QString &rev)
{
    QJsonObject document{{QStringLiteral("data"), table.toJson()}};
    if (!rev.isEmpty())
        document.insert(QStringLiteral("rev"), rev);
    return JsonText::compact(document);
}

LocalAuthStore::LocalAuthStore(DocumentService *service, DocumentReader *reader)
    : m_service(service)
    , m_reader(reader)
{
}

void LocalAuthStore::load(Loaded done)
{
    const Result<std::optional<DatabaseInfo>> database = m_reader->database(kDatabase);
    if (!database.isOk())
        return done(database.status());
    if (!database->has_value())
        return done(Snapshot{});
    const Result<std::optional<StoredDocument>> stored = m_reader->document(kDatabase, kDocument, QString());
    if (!stored.isOk())
        return done(stored.status());
    if (!stored->has_value())
        return done(Snapshot{});
    done(parse((*stored)->body));
}

void LocalAuthStore::store(const AuthTable &table, const QString &rev, Stored done)
{
    Result<Document> document = Document::fromJsonText(documentJson(table, rev));
    if (!document.isOk())
        return done(document.status());
    document->id = kDocument;
    auto write = [this, document = document.value(), done](const Result<bool> &created) {
        if (!created.isOk())
            return done(created.status());
        m_service->writeDocument(kDatabase, document, WriteKind::Put, [done](const Result<Document> &written) {
            if (!written.isOk())
                return done(written.status());
            done(written->rev);
        });
    };
    if (!rev.isEmpty())
        return write(false);
    m_service->createDatabase(kDatabase, write);
}

RemoteAuthStore::RemoteAuthStore(Send send)
    : m_send(std::move(send))
{
}

void RemoteAuthStore::load(Loaded done)
{
    m_send(QByteArrayLiteral("GET"), kDocumentPath, QByteArray(), [done](const HttpClientReply &reply) {
        if (reply.status == 200)
            return done(parse(reply.body));
        if (reply.status == 404) // no database or no document yet: no users
            return done(Snapshot{});
        done(statusOf(reply));
    });
}

void RemoteAuthStore::store(const AuthTable &table, const QString &rev, Stored done)
{
    const QByteArray body = documentJson(table, rev);
    if (!rev.isEmpty())
        return put(body, std::move(done));
    m_send(QByteArrayLiteral("PUT"), kDatabasePath, QByteArray(), [this, body, done](const HttpClientReply &reply) {
        if (reply.status != 200 && reply.status != 201)
            return done(statusOf(reply));
        put(body, done);
    });
}

void RemoteAuthStore::put(const QByteArray &body, Stored done)
{
    m_send(QByteArrayLiteral("PUT"), kDocumentPath, body, [done](const HttpClientReply &reply) {
        if (reply.status != 200 && reply.status != 201)
            return done(statusOf(reply));
        const Result<QJsonObject> answer = JsonText::parseObject(reply.body);
        if (!answer.isOk())
            return done(Status::unavailable(QStringLiteral("shard 0 answered the users and keys write with bad JSON")));
        done(answer->value(QStringLiteral("rev")).toString());
    });
}
