#include "FieldQuery.h"

#include "JsonText.h"

#include <QRegularExpression>

Result<QString> FieldQuery::jsonPathOf(const QString &field)
{
    const auto invalid = [&field](const QString &why) {
        return Status::badRequest(QStringLiteral("invalid field name '%1': %2").arg(field.left(80), why));
    };
    if (field.isEmpty())
        return Status::badRequest(QStringLiteral("invalid field name: it is empty"));
    QString relative = field;
    if (relative.startsWith(QLatin1String("data.")))
        relative = relative.mid(5);
    static const QRegularExpression segmentPattern(QStringLiteral("^([^\\[\\]]+)((?:\\[\\d{1,9}\\])*)$"));
    QString path = QStringLiteral("$.\"data\"");
    for (const QString &segment : relative.split(QLatin1Char('.'))) {
        const QRegularExpressionMatch match = segmentPattern.match(segment);
        if (!match.hasMatch())
            return invalid(QStringLiteral("use names separated by '.', with optional [index] after a name"));
        const QString name = match.captured(1);
        if (name.contains(QLatin1Char('"')) || name.contains(QLatin1Char('\\')))
            return invalid(QStringLiteral("quotes and backslashes are not allowed"));
        path += QStringLiteral(".\"") + name + QLatin1Char('"') + match.captured(2);
    }
    return path;
}

Result<FieldQuery> FieldQuery::fromJson(const QJsonObject &object, qint64 defaultLimit, qint64 maxLimit)
{
    static const QStringList known = {QStringLiteral("equalsMap"), QStringLiteral("numericField"),
                                      QStringLiteral("min"), QStringLiteral("max"), QStringLiteral("skip"),
                                      QStringLiteral("limit"), QStringLiteral("after")};
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key())) {
            return Status::badRequest(QStringLiteral("unknown field '%1'; expected %2")
                                          .arg(it.key().left(80), known.join(QStringLiteral(", "))));
        }
    }

    FieldQuery query;
    const Result<PageRequest> page = PageRequest::fromJson(object, defaultLimit, maxLimit);
    if (!page.isOk())
        return page.status();
    query.page = page.value();

    const QJsonValue equalsMap = object.value(QStringLiteral("equalsMap"));
    if (!equalsMap.isUndefined() && !equalsMap.isNull()) {
        if (!equalsMap.isObject()) {
            return Status::badRequest(
                QStringLiteral("equalsMap must be an object, not %1").arg(JsonText::typeName(equalsMap)));
        }
        const QJsonObject map = equalsMap.toObject();
        for (auto it = map.begin(); it != map.end(); ++it) {
            const QJsonValue value = it.value();
            if (!value.isString() && !value.isDouble() && !value.isBool()) {
                return Status::badRequest(QStringLiteral("equalsMap.%1 must be a string, number or boolean, not %2")
                                              .arg(it.key().left(80), JsonText::typeName(value)));
            }
            const Result<QString> path = jsonPathOf(it.key());
            if (!path.isOk())
                return path.status();
            query.equals.append(FieldCondition{it.key(), path.value(), value});
        }
    }

    const QJsonValue numericField = object.value(QStringLiteral("numericField"));
    if (!numericField.isUndefined() && !numericField.isNull()) {
        if (!numericField.isString()) {
            return Status::badRequest(
                QStringLiteral("numericField must be a string, not %1").arg(JsonText::typeName(numericField)));
        }
        if (!numericField.toString().trimmed().isEmpty()) {
            const Result<QString> path = jsonPathOf(numericField.toString());
            if (!path.isOk())
                return path.status();
            query.numericField = numericField.toString();
            query.numericJsonPath = path.value();
        }
    }
    for (const QString &bound : {QStringLiteral("min"), QStringLiteral("max")}) {
        const QJsonValue value = object.value(bound);
        if (value.isUndefined() || value.isNull())
            continue;
        if (!value.isDouble())
            return Status::badRequest(QStringLiteral("%1 must be a number, not %2").arg(bound, JsonText::typeName(value)));
        if (query.numericField.isEmpty())
            return Status::badRequest(QStringLiteral("%1 needs numericField").arg(bound));
        (bound == QLatin1String("min") ? query.min : query.max) = value.toDouble();
    }
    return query;
}
