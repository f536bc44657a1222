// Document: one JSON document as clients see it.
//
//   {"id": "...", "rev": "3-<sha1>", "deleted": false,
//    "data": {...}, "tags": ["..."], "content": "..."}
//
// camelCase fields; data, tags and content are omitted when absent (null), as
// in the original PeaceDatabase. A plain value; any thread.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

#include "Result.h"

struct Document
{
    QString id;
    QString rev;
    bool deleted = false;
    std::optional<QJsonObject> data;
    std::optional<QStringList> tags;
    std::optional<QString> content;

    // Reads a client's document. Refuses wrong types and unknown top-level
    // fields with a message that names the field; never guesses.
    static Result<Document> fromJson(const QJsonObject &object);
    static Result<Document> fromJsonText(const QByteArray &text);

    // Compact JSON with the fields in the order above.
    QByteArray toJson() const;

    // What the revision digest covers: every field except id and rev, as
    // compact JSON with sorted keys (deterministic on every node).
    QByteArray canonicalBody() const;

    // Text the full-text index sees: content, every string in data (at any
    // depth) and the tags, separated by newlines.
    QString searchText() const;

    // Tags as the tag index sees them: trimmed, empty ones dropped, unique.
    QStringList indexedTags() const;
};
