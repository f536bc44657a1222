#include "PageRequest.h"

#include "JsonText.h"
#include "NameRules.h"
#include "RequestLimits.h"

namespace {

Result<PageRequest> checked(qint64 skip, qint64 limit, qint64 maxLimit, const std::optional<QString> &after)
{
    if (skip < 0)
        return Status::badRequest(QStringLiteral("skip must be >= 0"));
    if (skip > RequestLimits::kMaxSkip)
        return Status::badRequest(RequestLimits::skipTooLarge(skip));
    if (limit < 0 || limit > maxLimit)
        return Status::badRequest(QStringLiteral("limit must be between 0 and %1").arg(maxLimit));
    if (after) {
        if (after->isEmpty())
            return Status::badRequest(QStringLiteral("after must be a document id, not empty"));
        const Status idStatus = NameRules::checkDocumentId(*after);
        if (!idStatus.isOk())
            return Status::badRequest(QStringLiteral("after must be a valid document id (%1)").arg(idStatus.message()));
    }
    PageRequest page;
    page.skip = skip;
    page.limit = limit;
    page.after = after.value_or(QString());
    return page;
}

} // namespace

Result<PageRequest> PageRequest::fromText(const std::optional<QString> &skip, const std::optional<QString> &limit,
                                          qint64 defaultLimit, qint64 maxLimit, const std::optional<QString> &after)
{
    qint64 skipValue = 0;
    qint64 limitValue = defaultLimit;
    bool ok = true;
    if (skip) {
        skipValue = skip->toLongLong(&ok);
        if (!ok)
            return Status::badRequest(QStringLiteral("skip must be an integer, not '%1'").arg(skip->left(40)));
    }
    if (limit) {
        limitValue = limit->toLongLong(&ok);
        if (!ok)
            return Status::badRequest(QStringLiteral("limit must be an integer, not '%1'").arg(limit->left(40)));
    }
    return checked(skipValue, limitValue, maxLimit, after);
}

Result<PageRequest> PageRequest::fromJson(const QJsonObject &object, qint64 defaultLimit, qint64 maxLimit)
{
    qint64 values[2] = {0, defaultLimit};
    const QString names[2] = {QStringLiteral("skip"), QStringLiteral("limit")};
    for (int i = 0; i < 2; ++i) {
        const QJsonValue value = object.value(names[i]);
        if (value.isUndefined() || value.isNull())
            continue;
        if (!value.isDouble()) {
            return Status::badRequest(
                QStringLiteral("%1 must be an integer, not %2").arg(names[i], JsonText::typeName(value)));
        }
        const double number = value.toDouble();
        if (number != double(qint64(number)))
            return Status::badRequest(QStringLiteral("%1 must be an integer, not %2").arg(names[i]).arg(number));
        values[i] = qint64(number);
    }
    std::optional<QString> after;
    const QJsonValue afterValue = object.value(QStringLiteral("after"));
    if (!afterValue.isUndefined() && !afterValue.isNull()) {
        if (!afterValue.isString()) {
            return Status::badRequest(
                QStringLiteral("after must be a string (a document id), not %1").arg(JsonText::typeName(afterValue)));
        }
        after = afterValue.toString();
    }
    return checked(values[0], values[1], maxLimit, after);
}
