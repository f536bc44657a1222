#include "TagQuery.h"

#include "Document.h"
#include "JsonText.h"

#include <QJsonArray>

namespace {

Result<QStringList> tagList(const QJsonObject &object, const QString &key, bool *present)
{
    const QJsonValue value = object.value(key);
    *present = !value.isUndefined() && !value.isNull();
    if (!*present)
        return QStringList();
    if (!value.isArray())
        return Status::badRequest(QStringLiteral("%1 must be an array of strings, not %2").arg(key, JsonText::typeName(value)));
    QStringList tags;
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isString()) {
            return Status::badRequest(QStringLiteral("%1[%2] must be a string, not %3")
                                          .arg(key)
                                          .arg(i)
                                          .arg(JsonText::typeName(array.at(i))));
        }
        const QString tag = Document::tagKey(array.at(i).toString());
        if (!tag.isEmpty() && !tags.contains(tag))
            tags.append(tag);
    }
    return tags;
}

} // namespace

Result<TagQuery> TagQuery::fromJson(const QJsonObject &object, qint64 defaultLimit, qint64 maxLimit)
{
    static const QStringList known = {QStringLiteral("allOf"), QStringLiteral("anyOf"), QStringLiteral("noneOf"),
                                      QStringLiteral("skip"), QStringLiteral("limit"), QStringLiteral("after")};
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key())) {
            return Status::badRequest(QStringLiteral("unknown field '%1'; expected %2")
                                          .arg(it.key().left(80), known.join(QStringLiteral(", "))));
        }
    }
    TagQuery query;
    const Result<PageRequest> page = PageRequest::fromJson(object, defaultLimit, maxLimit);
    if (!page.isOk())
        return page.status();
    query.page = page.value();

    bool present = false;
    Result<QStringList> allOf = tagList(object, QStringLiteral("allOf"), &present);
    if (!allOf.isOk())
        return allOf.status();
    query.allOf = allOf.value();
    Result<QStringList> anyOf = tagList(object, QStringLiteral("anyOf"), &query.hasAnyOf);
    if (!anyOf.isOk())
        return anyOf.status();
    query.anyOf = anyOf.value();
    Result<QStringList> noneOf = tagList(object, QStringLiteral("noneOf"), &present);
    if (!noneOf.isOk())
        return noneOf.status();
    query.noneOf = noneOf.value();
    return query;
}
