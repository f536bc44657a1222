#include "Document.h"

#include "JsonText.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

namespace {

Status wrongType(const QString &field, const QString &expected, const QJsonValue &value)
{
    return Status::badRequest(QStringLiteral("field '%1' must be %2, not %3")
                                  .arg(field, expected, JsonText::typeName(value)));
}

void collectStrings(const QJsonValue &value, QStringList &out)
{
    switch (value.type()) {
    case QJsonValue::String:
        out.append(value.toString());
        break;
    case QJsonValue::Array:
        for (const QJsonValue &item : value.toArray())
            collectStrings(item, out);
        break;
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            collectStrings(it.value(), out);
        break;
    }
    default:
        break;
    }
}

} // namespace

Result<Document> Document::fromJson(const QJsonObject &object)
{
    Document doc;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString &key = it.key();
        const QJsonValue value = it.value();
        if (key == QLatin1String("id")) {
            if (value.isNull())
                continue;
            if (!value.isString())
                return wrongType(key, QStringLiteral("a string"), value);
            doc.id = value.toString();
        } else if (key == QLatin1String("rev")) {
            if (value.isNull())
                continue;
            if (!value.isString())
                return wrongType(key, QStringLiteral("a string"), value);
            doc.rev = value.toString();
        } else if (key == QLatin1String("deleted")) {
            if (value.isNull())
                continue;
            if (!value.isBool())
                return wrongType(key, QStringLiteral("a boolean"), value);
            doc.deleted = value.toBool();
        } else if (key == QLatin1String("data")) {
            if (value.isNull())
                continue;
            if (!value.isObject())
                return wrongType(key, QStringLiteral("an object"), value);
            doc.data = value.toObject();
        } else if (key == QLatin1String("tags")) {
            if (value.isNull())
                continue;
            if (!value.isArray())
                return wrongType(key, QStringLiteral("an array of strings"), value);
            QStringList tags;
            const QJsonArray array = value.toArray();
            for (qsizetype i = 0; i < array.size(); ++i) {
                if (!array.at(i).isString())
                    return wrongType(QStringLiteral("tags[%1]").arg(i), QStringLiteral("a string"), array.at(i));
                tags.append(array.at(i).toString());
            }
            doc.tags = tags;
        } else if (key == QLatin1String("content")) {
            if (value.isNull())
                continue;
            if (!value.isString())
                return wrongType(key, QStringLiteral("a string"), value);
            doc.content = value.toString();
        } else {
            return Status::badRequest(
                QStringLiteral("unknown document field '%1'; a document has id, rev, deleted, data, tags "
                               "and content (put your own fields inside \"data\")")
                    .arg(key.left(80)));
        }
    }
    return doc;
}

Result<Document> Document::fromJsonText(const QByteArray &text)
{
    Result<QJsonObject> object = JsonText::parseObject(text);
    if (!object.isOk())
        return object.status();
    return fromJson(object.value());
}

QByteArray Document::toJson() const
{
    QByteArray out;
    out.reserve(128);
    out.append("{\"id\":");
    out.append(JsonText::quote(id));
    if (!rev.isEmpty()) {
        out.append(",\"rev\":");
        out.append(JsonText::quote(rev));
    }
    out.append(deleted ? ",\"deleted\":true" : ",\"deleted\":false");
    if (data) {
        out.append(",\"data\":");
        out.append(JsonText::compact(*data));
    }
    if (tags) {
        out.append(",\"tags\":");
        out.append(JsonText::compact(QJsonArray::fromStringList(*tags)));
    }
    if (content) {
        out.append(",\"content\":");
        out.append(JsonText::quote(*content));
    }
    out.append('}');
    return out;
}

QByteArray Document::canonicalBody() const
{
    QJsonObject body;
    body.insert(QStringLiteral("deleted"), deleted);
    if (data)
        body.insert(QStringLiteral("data"), *data);
    if (tags)
        body.insert(QStringLiteral("tags"), QJsonArray::fromStringList(*tags));
    if (content)
        body.insert(QStringLiteral("content"), *content);
    return JsonText::compact(body);
}

QString Document::searchText() const
{
    QStringList parts;
    if (content)
        parts.append(*content);
    if (data)
        collectStrings(*data, parts);
    parts.append(indexedTags());
    return parts.join(QLatin1Char('\n'));
}

QStringList Document::indexedTags() const
{
    QStringList out;
    if (!tags)
        return out;
    QSet<QString> seen;
    for (const QString &tag : *tags) {
        const QString trimmed = tag.trimmed();
        if (trimmed.isEmpty() || seen.contains(trimmed))
            continue;
        seen.insert(trimmed);
        out.append(trimmed);
    }
    return out;
}
