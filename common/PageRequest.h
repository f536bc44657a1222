// PageRequest: skip/limit of a list request, validated.
//
// skip >= 0; 0 <= limit <= maxLimit (a larger limit is an error, never
// silently clamped); a missing limit means defaultLimit. Pure; any thread.
#pragma once

#include <QJsonObject>
#include <QString>

#include <optional>

#include "Result.h"

struct PageRequest
{
    qint64 skip = 0;
    qint64 limit = 100;

    // From query-string values (absent = std::nullopt), e.g. "?skip=10&limit=5".
    static Result<PageRequest> fromText(const std::optional<QString> &skip, const std::optional<QString> &limit,
                                        qint64 defaultLimit, qint64 maxLimit);
    // From the "skip" and "limit" members of a JSON request body.
    static Result<PageRequest> fromJson(const QJsonObject &object, qint64 defaultLimit, qint64 maxLimit);
};
