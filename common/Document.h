// Document: one JSON document as clients see it.
//
//   {"id": "...", "rev": "3-<sha1>", "deleted": false,
//    "data": {...}, "tags": ["..."], "content": "..."}
//
// camelCase fields; data, tags and content are omitted when absent (null), as
// in the original PeaceDatabase. `data` is kept as the client's JSON text,
// minified (JsonText::minify): its numbers, key order and strings are stored
// and served exactly as sent. A plain value; any thread.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

#include "Result.h"

struct Document
{
    QString id;
    QString rev;
    bool deleted = false;
    std::optional<QByteArray> data; // a minified JSON object
    std::optional<QStringList> tags;
    std::optional<QString> content;

    // Reads a client's document. Refuses malformed JSON, wrong types,
    // duplicate and unknown top-level fields with a message that names the
    // problem; never guesses.
    static Result<Document> fromJsonText(QByteArrayView text);

    // Compact JSON with the fields in the order above.
    QByteArray toJson() const;

    // What the revision digest covers: every field except id and rev, as
    // compact JSON with the keys in sorted order.
    QByteArray canonicalBody() const;

    // What the full-text index stores: the distinct words (TextWords, 2 to
    // 64 characters, lower case) of content, of every string in data (at any
    // depth) and of the tags, separated by spaces. Deterministic: the index
    // removes a document by giving this text again.
    QString searchText() const;

    // Tags as the tag index sees them: trimmed, empty ones dropped, unique.
    QStringList indexedTags() const;
};
