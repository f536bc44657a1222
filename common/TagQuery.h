// TagQuery: the body of POST /v1/db/{db}/_find/tags, validated.
//
//   {"allOf": ["a", "b"], "anyOf": ["c", "d"], "noneOf": ["e"], "skip": 0, "limit": 100, "after": "id"}
//
// Matches live documents that have every allOf tag, at least one anyOf tag
// (when anyOf is given) and no noneOf tag. Tags compare as
// Document::tagKey says (trimmed, ignoring case, as in the original
// PeaceDatabase); the lists hold those keys, empty ones dropped. skip,
// limit and after page the matches (PageRequest). Pure; any thread.
#pragma once

#include <QJsonObject>
#include <QStringList>

#include "PageRequest.h"
#include "Result.h"

struct TagQuery
{
    QStringList allOf;
    QStringList anyOf;
    bool hasAnyOf = false; // "anyOf": [] matches nothing, an absent anyOf matches all
    QStringList noneOf;
    PageRequest page;

    static Result<TagQuery> fromJson(const QJsonObject &object, qint64 defaultLimit, qint64 maxLimit);
};
