#include "Document.h"

#include "JsonText.h"
#include "TextWords.h"

#include <QSet>
#include <QUuid>

namespace {

Status wrongType(const QString &field, const QString &expected, QByteArrayView value)
{
    return Status::badRequest(QStringLiteral("field '%1' must be %2, not %3")
                                  .arg(field, expected, JsonText::typeName(value)));
}

QByteArray tagsJson(const QStringList &tags)
{
    QByteArray out = "[";
    for (qsizetype i = 0; i < tags.size(); ++i) {
        if (i)
            out.append(',');
        out.append(JsonText::quote(tags.at(i)));
    }
    out.append(']');
    return out;
}

} // namespace

Result<Document> Document::fromJsonText(QByteArrayView text)
{
    const Result<QByteArray> minified = JsonText::minify(text);
    if (!minified.isOk()) {
        if (text.trimmed().isEmpty())
            return Status::badRequest(QStringLiteral("request body is empty; a JSON object is required"));
        return minified.status();
    }
    return fromMinified(minified.value());
}

QString Document::newId()
{
    return QUuid::createUuid().toString(QUuid::Id128);
}

Result<Document> Document::fromMinified(QByteArrayView minified)
{
    if (minified.isEmpty() || minified.front() != '{')
        return Status::badRequest(QStringLiteral("a document must be a JSON object, not %1").arg(JsonText::typeName(minified)));

    Document doc;
    QSet<QString> seen;
    for (const JsonText::Member &member : JsonText::members(minified)) {
        const QString key = JsonText::unquote(member.key);
        const QByteArrayView value = member.value;
        if (seen.contains(key))
            return Status::badRequest(QStringLiteral("field '%1' appears twice").arg(key.left(80)));
        seen.insert(key);
        if (value == "null")
            continue;
        const char type = value.front();
        if (key == QLatin1String("id")) {
            if (type != '"')
                return wrongType(key, QStringLiteral("a string"), value);
            doc.id = JsonText::unquote(value);
        } else if (key == QLatin1String("rev")) {
            if (type != '"')
                return wrongType(key, QStringLiteral("a string"), value);
            doc.rev = JsonText::unquote(value);
        } else if (key == QLatin1String("deleted")) {
            if (type != 't' && type != 'f')
                return wrongType(key, QStringLiteral("a boolean"), value);
            doc.deleted = type == 't';
        } else if (key == QLatin1String("data")) {
            if (type != '{')
                return wrongType(key, QStringLiteral("an object"), value);
            doc.data = value.toByteArray();
        } else if (key == QLatin1String("tags")) {
            if (type != '[')
                return wrongType(key, QStringLiteral("an array of strings"), value);
            QStringList tags;
            const QVector<QByteArrayView> items = JsonText::elements(value);
            for (qsizetype i = 0; i < items.size(); ++i) {
                if (items.at(i).front() != '"')
                    return wrongType(QStringLiteral("tags[%1]").arg(i), QStringLiteral("a string"), items.at(i));
                tags.append(JsonText::unquote(items.at(i)));
            }
            doc.tags = tags;
        } else if (key == QLatin1String("content")) {
            if (type != '"')
                return wrongType(key, QStringLiteral("a string"), value);
            doc.content = JsonText::unquote(value);
        } else {
            return Status::badRequest(
                QStringLiteral("unknown document field '%1'; a document has id, rev, deleted, data, tags "
                               "and content (put your own fields inside \"data\")")
                    .arg(key.left(80)));
        }
    }
    return doc;
}

QByteArray Document::bodyFields() const
{
    QByteArray out;
    out.reserve(32 + (data ? data->size() : 0) + (content ? content->size() * 2 : 0));
    out.append(deleted ? "\"deleted\":true" : "\"deleted\":false");
    if (data) {
        out.append(",\"data\":");
        out.append(*data);
    }
    if (tags) {
        out.append(",\"tags\":");
        out.append(tagsJson(*tags));
    }
    if (content) {
        out.append(",\"content\":");
        out.append(JsonText::quote(*content));
    }
    out.append('}');
    return out;
}

QByteArray Document::toJson() const
{
    return toJson(bodyFields());
}

QByteArray Document::toJson(const QByteArray &bodyFields) const
{
    QByteArray out = "{\"id\":" + JsonText::quote(id) + ',';
    if (!rev.isEmpty())
        out += "\"rev\":" + JsonText::quote(rev) + ',';
    return out + bodyFields;
}

QByteArray Document::canonicalBody() const
{
    return canonicalBody(bodyFields());
}

QByteArray Document::canonicalBody(const QByteArray &bodyFields)
{
    return '{' + bodyFields;
}

QString Document::searchText() const
{
    QString words;
    QSet<QString> seen;
    const auto add = [&](const QString &text) {
        // Only the words are lower-cased: long runs (encoded data) are
        // skipped without being touched.
        TextWords::forEachWord(text, TextWords::kMinLength, TextWords::kMaxIndexedLength, [&](QStringView word) {
            QString lower = TextWords::toLower(word);
            if (seen.contains(lower))
                return;
            if (!words.isEmpty())
                words.append(QLatin1Char(' '));
            words.append(lower);
            seen.insert(std::move(lower));
        });
    };
    if (content)
        add(*content);
    if (data)
        JsonText::forEachString(*data, add);
    for (const QString &tag : indexedTags())
        add(tag);
    return words;
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

QStringList Document::tagKeys() const
{
    QStringList out;
    if (!tags)
        return out;
    QSet<QString> seen;
    for (const QString &tag : *tags) {
        QString key = tagKey(tag);
        if (key.isEmpty() || seen.contains(key))
            continue;
        seen.insert(key);
        out.append(std::move(key));
    }
    return out;
}

QString Document::tagKey(QStringView tag)
{
    return tag.trimmed().toString().toCaseFolded();
}
