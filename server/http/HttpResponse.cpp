#include "HttpResponse.h"

#include "JsonText.h"

HttpResponse HttpResponse::json(int status, const QByteArray &body)
{
    HttpResponse response;
    response.status = status;
    response.body = body;
    return response;
}

HttpResponse HttpResponse::json(int status, const QJsonObject &object)
{
    return json(status, JsonText::compact(object));
}

HttpResponse HttpResponse::empty(int status)
{
    HttpResponse response;
    response.status = status;
    response.contentType.clear();
    return response;
}

int HttpResponse::httpStatusOf(Status::Code code)
{
    switch (code) {
    case Status::Code::Ok: return 200;
    case Status::Code::BadRequest: return 400;
    case Status::Code::Unauthorized: return 401;
    case Status::Code::Forbidden: return 403;
    case Status::Code::NotFound: return 404;
    case Status::Code::MethodNotAllowed: return 405;
    case Status::Code::Conflict: return 409;
    case Status::Code::PayloadTooLarge: return 413;
    case Status::Code::Unavailable: return 503;
    case Status::Code::TooManyRequests: return 429;
    case Status::Code::StorageFailure: return 507;
    case Status::Code::Internal: return 500;
    }
    return 500;
}

HttpResponse HttpResponse::error(const Status &status, const QJsonObject &context)
{
    QJsonObject body{{QStringLiteral("ok"), false}, {QStringLiteral("error"), status.message()}};
    for (auto it = context.begin(); it != context.end(); ++it) {
        if (!it.value().isNull() && !(it.value().isString() && it.value().toString().isEmpty()))
            body.insert(it.key(), it.value());
    }
    const QJsonObject &details = status.details();
    for (auto it = details.begin(); it != details.end(); ++it)
        body.insert(it.key(), it.value());
    HttpResponse response = json(httpStatusOf(status.code()), body);
    if (status.code() == Status::Code::Unauthorized)
        response.withHeader("WWW-Authenticate", "Basic realm=\"peacedb\", Bearer realm=\"peacedb\"");
    if (status.code() == Status::Code::Unavailable)
        response.withHeader("Retry-After", "1"); // nothing changed: try again
    return response;
}
