// PageRequest: skip/limit/after of a list request, validated.
//
// 0 <= skip <= RequestLimits::kMaxSkip (deeper pages use `after`);
// 0 <= limit <= maxLimit (a larger limit is an error, never
// silently clamped); a missing limit means defaultLimit. `after` (optional)
// is an exclusive start id for keyset paging: only matches whose id sorts
// strictly after it (byte order of UTF-8, as the lists are sorted) are
// skipped and returned; it must be a valid document id (NameRules), though
// no document needs to have it. Pure; any thread.
#pragma once

#include <QJsonObject>
#include <QString>

#include <optional>

#include "Result.h"

struct PageRequest
{
    qint64 skip = 0;
    qint64 limit = 100;
    QString after = {}; // empty: from the first match

    // From query-string values (absent = std::nullopt), e.g.
    // "?skip=10&limit=5&after=abc". A present but empty after is an error.
    static Result<PageRequest> fromText(const std::optional<QString> &skip, const std::optional<QString> &limit,
                                        qint64 defaultLimit, qint64 maxLimit,
                                        const std::optional<QString> &after = std::nullopt);
    // From the "skip", "limit" and "after" members of a JSON request body
    // (null is the same as absent).
    static Result<PageRequest> fromJson(const QJsonObject &object, qint64 defaultLimit, qint64 maxLimit);
};
