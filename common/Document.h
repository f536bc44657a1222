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
    // The same for text that JsonText::minify() already validated (a stored
    // body, an element of a validated bulk request): skips validation.
    static Result<Document> fromMinified(QByteArrayView minified);
    // A new server-assigned id: 32 hex digits of a random UUID (POST and
    // _bulk_docs without an id, on a node or on the router).
    static QString newId();

    // Compact JSON with the fields in the order above.
    QByteArray toJson() const;

    // What the revision digest covers: every field except id and rev, as
    // compact JSON in the order above: {"deleted":...,"data":...,...}.
    QByteArray canonicalBody() const;

    // The fields after id and rev, closing brace included: the shared tail
    // of toJson() and canonicalBody(), for callers that need both.
    QByteArray bodyFields() const;
    QByteArray toJson(const QByteArray &bodyFields) const;
    static QByteArray canonicalBody(const QByteArray &bodyFields);

    // What the full-text index stores, in UTF-8: the distinct words
    // (TextWords, 2 to 64 characters, lower case) of content, of every string
    // in data (at any depth) and of the tags, in order of first appearance,
    // separated by spaces. Deterministic, and the same bytes in every version:
    // the index removes a document by giving this text again.
    QByteArray searchText() const;

    // Tags as full-text search sees them: trimmed, empty ones dropped, unique.
    QStringList indexedTags() const;
    // The keys the tag index stores: tagKey() of every tag, empty ones
    // dropped, unique (so "Red" and "red" are one key).
    QStringList tagKeys() const;
    // How tags compare, as in the original PeaceDatabase (ordinal
    // ignore-case): trimmed, then Unicode simple case folding
    // (QString::toCaseFolded), so "EVEN", "even" and "Even" are one tag and
    // so are "ΣΟΦΙΑ" and "σοφια"; no normalization, no full folding ("ß"
    // and "ss" stay two tags).
    static QString tagKey(QStringView tag);
};
