// FieldQuery: the body of POST /v1/db/{db}/_find/fields, validated.
//
//   {"equalsMap": {"city": "Paris", "address.zip": "75001", "active": true},
//    "numericField": "age", "min": 18, "max": 65, "skip": 0, "limit": 100,
//    "after": "id"}
//
// Field names address the document's "data" object ("city" and "data.city"
// are the same field); dots go into nested objects and "[n]" into arrays.
// An equalsMap value matches a string field with the same text, a number
// field with the same value and a boolean field with "true"/"false" (as in the
// original PeaceDatabase, values may be given as strings). skip, limit and
// after page the matches (PageRequest). Pure; any thread.
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QVector>

#include <optional>

#include "PageRequest.h"
#include "Result.h"

struct FieldCondition
{
    QString field;    // as the client wrote it
    QString jsonPath; // SQLite JSON path into the stored document, e.g. $."data"."city"
    QJsonValue value; // string, number or boolean
};

struct FieldQuery
{
    QVector<FieldCondition> equals;
    QString numericField;    // empty: no range condition
    QString numericJsonPath;
    std::optional<double> min;
    std::optional<double> max;
    PageRequest page;

    static Result<FieldQuery> fromJson(const QJsonObject &object, qint64 defaultLimit, qint64 maxLimit);

    // "address.city" -> $."data"."address"."city"; "items[2].name" ->
    // $."data"."items"[2]."name". Refuses empty segments and quotes.
    static Result<QString> jsonPathOf(const QString &field);
};
