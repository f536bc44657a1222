// LogEntry: one write in a node's ordered log, identified by (term, seq).
//
// Every change is a log entry — database create/delete included — so that a
// node that was down learns about all of them by replaying the log. For a
// document write the entry carries the stored document's exact JSON bytes
// (rev already computed by the primary), so applying an entry is
// deterministic and every replica stores the same bytes. A value; any thread.
#pragma once

#include <QByteArray>
#include <QString>

#include "Result.h"

struct LogEntry
{
    enum class Op {
        CreateDatabase = 1,
        DeleteDatabase = 2,
        PutDocument = 3, // a tombstone is a PutDocument with deleted = true
        Noop = 4,        // a new primary's first entry of its term
        Configure = 5,   // the replica set's members from here on (body: Membership::toJson())
    };

    qint64 seq = 0;
    qint64 term = 0;
    Op op = Op::PutDocument;
    QString db;          // empty for Noop
    QString id;          // PutDocument only
    QString rev;         // PutDocument only
    bool deleted = false; // PutDocument only
    // PutDocument: Document::toJson() of the stored document; Configure: the
    // new Membership's JSON.
    QByteArray body;
    qint64 timestampMs = 0; // wall clock of the primary when it accepted the write

    static QString opName(Op op);
    static std::optional<Op> opFromName(QStringView name);

    // The replication wire format: {"seq","term","op","db","ts","id","rev",
    // "deleted","body"} with the body embedded as the stored document's JSON
    // object (a Configure entry: "body" only), so its bytes travel unchanged.
    QByteArray toJson() const;
    // Appends toJson() to `out` (an append request writes its entries so,
    // copying each body once).
    void appendJson(QByteArray &out) const;
    // About how many bytes toJson() takes (ids and names counted as ASCII),
    // for sizing requests without encoding them.
    qint64 approximateJsonBytes() const { return body.size() + db.size() + id.size() + rev.size() + 120; }
    // REQUIRES: `minified` is a JSON object produced by JsonText::minify().
    static Result<LogEntry> fromJson(QByteArrayView minified);
};
