#include "ReplicationApi.h"

#include "JsonText.h"
#include "ReplicationNode.h"

namespace {

using Method = QHttpServerRequest::Method;

ReplicationNode::Respond responder(const HttpReplyPtr &reply)
{
    return [reply](int status, const QByteArray &json) { reply->send(HttpResponse::json(status, json)); };
}

Result<qint64> integerParameter(const HttpRequest &request, const QString &name, qint64 fallback)
{
    const std::optional<QString> text = request.queryValue(name);
    if (!text)
        return fallback;
    bool ok = false;
    const qint64 value = text->toLongLong(&ok);
    if (!ok || value < 0)
        return Status::badRequest(QStringLiteral("%1 must be an integer >= 0, not '%2'").arg(name, text->left(40)));
    return value;
}

} // namespace

ReplicationApi::ReplicationApi(ReplicationNode *node)
    : m_node(node)
{
}

void ReplicationApi::registerRoutes(HttpServer &server)
{
    ReplicationNode *node = m_node;
    server.addMemberRoute(Method::Get, "/v1/_replication/state",
                    [node](const HttpRequest &, const HttpReplyPtr &reply) { reply->send(HttpResponse::json(200, node->state())); });
    server.addMemberRoute(Method::Post, "/v1/_replication/replicate",
                    [node](const HttpRequest &request, const HttpReplyPtr &reply) { node->handleAppend(request.body, responder(reply)); });
    server.addMemberRoute(Method::Post, "/v1/_replication/vote",
                    [node](const HttpRequest &request, const HttpReplyPtr &reply) { node->handleVote(request.body, responder(reply)); });
    server.addMemberRoute(Method::Post, "/v1/_replication/promote",
                    [node](const HttpRequest &request, const HttpReplyPtr &reply) {
                        qint64 term = 0;
                        bool transfer = false;
                        if (!request.body.trimmed().isEmpty()) {
                            const Result<QJsonObject> body = JsonText::parseObject(request.body);
                            if (!body.isOk())
                                return reply->send(HttpResponse::error(body.status()));
                            for (auto it = body->begin(); it != body->end(); ++it) {
                                if (it.key() != QLatin1String("term") && it.key() != QLatin1String("transfer")) {
                                    return reply->send(HttpResponse::error(Status::badRequest(
                                        QStringLiteral("unknown field '%1'; expected term and transfer").arg(it.key().left(80)))));
                                }
                            }
                            const QJsonValue value = body->value(QStringLiteral("term"));
                            if (!value.isUndefined()
                                && (!value.isDouble() || value.toInteger(-1) < 1 || value.toInteger(-1) > kMaxTerm)) {
                                return reply->send(HttpResponse::error(
                                    Status::badRequest(QStringLiteral("term must be an integer from 1 to %1").arg(kMaxTerm))));
                            }
                            term = value.toInteger(0);
                            const QJsonValue transferValue = body->value(QStringLiteral("transfer"));
                            if (!transferValue.isUndefined() && !transferValue.isBool()) {
                                return reply->send(
                                    HttpResponse::error(Status::badRequest(QStringLiteral("transfer must be true or false"))));
                            }
                            transfer = transferValue.toBool(false);
                        }
                        node->promote(term, transfer, responder(reply));
                    });
    server.addMemberRoute(Method::Post, "/v1/_replication/members",
                    [node](const HttpRequest &request, const HttpReplyPtr &reply) {
                        node->changeMembership(request.body, responder(reply));
                    });
    server.addMemberRoute(Method::Post, "/v1/_replication/stepdown",
                    [node](const HttpRequest &, const HttpReplyPtr &reply) { node->stepDown(responder(reply)); });
    server.addMemberRoute(Method::Get, "/v1/_replication/wal",
                    [node](const HttpRequest &request, const HttpReplyPtr &reply) {
                        const Result<qint64> since = integerParameter(request, QStringLiteral("since"), 0);
                        const Result<qint64> limit = integerParameter(request, QStringLiteral("limit"), 1000);
                        if (!since.isOk() || !limit.isOk())
                            return reply->send(HttpResponse::error(!since.isOk() ? since.status() : limit.status()));
                        node->handleWal(since.value(), qMin<qint64>(limit.value(), 10000), responder(reply));
                    });
    server.addMemberRoute(Method::Get, "/v1/_replication/snapshot",
                    [node](const HttpRequest &, const HttpReplyPtr &reply) {
                        node->makeSnapshot([reply](const Status &status, const QString &path, qint64 seq, qint64 term) {
                            if (!status.isOk())
                                return reply->send(HttpResponse::error(status));
                            reply->sendFile(path, QByteArrayLiteral("application/vnd.sqlite3"),
                                            {{QByteArrayLiteral("X-PeaceDB-Snapshot-Seq"), QByteArray::number(seq)},
                                             {QByteArrayLiteral("X-PeaceDB-Snapshot-Term"), QByteArray::number(term)}},
                                            true);
                        });
                    });
}
