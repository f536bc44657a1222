#include "Status.h"

Status &Status::withDetail(const QString &key, const QJsonValue &value)
{
    m_details.insert(key, value);
    return *this;
}

QString Status::codeName(Code code)
{
    switch (code) {
    case Code::Ok: return QStringLiteral("ok");
    case Code::BadRequest: return QStringLiteral("bad request");
    case Code::Unauthorized: return QStringLiteral("unauthorized");
    case Code::Forbidden: return QStringLiteral("forbidden");
    case Code::NotFound: return QStringLiteral("not found");
    case Code::MethodNotAllowed: return QStringLiteral("method not allowed");
    case Code::Conflict: return QStringLiteral("conflict");
    case Code::PayloadTooLarge: return QStringLiteral("payload too large");
    case Code::Unavailable: return QStringLiteral("unavailable");
    case Code::TooManyRequests: return QStringLiteral("too many requests");
    case Code::StorageFailure: return QStringLiteral("storage failure");
    case Code::Internal: return QStringLiteral("internal error");
    }
    return QStringLiteral("unknown");
}

QString Status::toString() const
{
    if (isOk())
        return QStringLiteral("ok");
    return codeName(m_code) + QStringLiteral(": ") + m_message;
}
