#include "BackupApi.h"

#include "ClusterBackup.h"
#include "JsonText.h"

BackupApi::BackupApi(ClusterBackup *backup)
    : m_backup(backup)
{
}

void BackupApi::registerRoutes(HttpServer &server)
{
    using Method = QHttpServerRequest::Method;
    ClusterBackup *backup = m_backup;
    server.addApiRoute(Method::Post, "/v1/_cluster/backup", [backup](const HttpRequest &request, const HttpReplyPtr &reply) {
        const Result<QJsonObject> body = JsonText::parseObject(request.body.trimmed().isEmpty() ? QByteArrayLiteral("{}") : request.body);
        if (!body.isOk())
            return reply->send(HttpResponse::error(body.status()));
        for (auto it = body->begin(); it != body->end(); ++it) {
            if (it.key() != QLatin1String("to"))
                return reply->send(HttpResponse::error(Status::badRequest(QStringLiteral("unknown field '%1'; expected to").arg(it.key().left(80)))));
        }
        const QJsonValue to = body->value(QStringLiteral("to"));
        if (!to.isUndefined() && !to.isString())
            return reply->send(HttpResponse::error(Status::badRequest(QStringLiteral("to must be a string, not %1").arg(JsonText::typeName(to)))));
        const Result<QJsonObject> started = backup->start(to.toString());
        if (!started.isOk())
            return reply->send(HttpResponse::error(started.status()));
        reply->send(HttpResponse::json(202, started.value()));
    });
    server.addApiRoute(Method::Get, "/v1/_cluster/backup",
                       [backup](const HttpRequest &, const HttpReplyPtr &reply) { reply->send(HttpResponse::json(200, backup->status())); });
}
