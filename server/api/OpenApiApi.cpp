#include "OpenApiApi.h"

#include <QFile>

void OpenApiApi::registerRoutes(HttpServer &server)
{
    server.addApiRoute(QHttpServerRequest::Method::Get, "/v1/_openapi.json",
                       [](const HttpRequest &, const HttpReplyPtr &reply) { reply->send(HttpResponse::json(200, document())); });
}

QByteArray OpenApiApi::document()
{
    static const QByteArray text = [] {
        QFile file(QStringLiteral(":/openapi.json"));
        if (!file.open(QIODevice::ReadOnly))
            qFatal("the OpenAPI document is missing from the resources");
        return file.readAll();
    }();
    return text;
}
