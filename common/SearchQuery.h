// SearchQuery: the terms of a full-text search (GET /v1/db/{db}/_search?q=).
//
// As in the original PeaceDatabase, the query is split into words made of
// letters and digits (any script: Latin, Cyrillic, ...), compared without
// case (TextWords); words shorter than two characters are ignored; a
// document matches when it contains every word. Pure; any thread.
#pragma once

#include <QString>
#include <QStringList>

struct SearchQuery
{
    QStringList terms; // lowercase, unique, in query order

    static SearchQuery fromText(QStringView text);

    bool isEmpty() const { return terms.isEmpty(); }

    // An SQLite FTS5 MATCH expression: every term quoted, implicitly ANDed.
    QString toFts5Match() const;
};
