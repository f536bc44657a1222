// StorageSchema: the tables of a node's SQLite file, created on first start
// and checked on every start.
//
//   meta(key, value)                       format, schemaVersion, nodeId,
//                                          currentTerm, votedFor, voter, appliedSeq
//                                          (the commit point), compactedSeq/Term
//   wal(seq, term, op, db, id, rev, deleted, body, ts)
//                                          the ordered log of every write
//   dbs(name, seq, docs_total, docs_deleted, created_seq, created_ts)
//   docs(rowid, db, id, rev, seq, deleted, body)
//                                          the current revision of each document
//   revs(db, id, rev, seq, deleted, body)  every earlier revision (?rev=)
//   tags(db, tag, id)                      the tag index
//   fts_<created_seq>(text)                one FTS5 index per database,
//                                          rowid = docs.rowid
//   rollback(seq, term, ..., rolled_back_ms)
//                                          log entries cut because the
//                                          primary did not have them
//
// Field queries use SQLite's JSON functions on docs.body. Runs on the thread
// of the connection it is given.
#pragma once

#include "SqliteConnection.h"
#include "Status.h"

namespace StorageSchema {

constexpr int kVersion = 1;

// Reads (without changing anything) whether the file is empty or a PeaceDB
// data file of a version this build reads; the error says what it is
// instead. Sets *empty.
Status check(SqliteConnection &connection, bool *empty);
// Creates the schema in an empty file.
Status create(SqliteConnection &connection);
// Runs SQLite's integrity check: "quick" (quick_check) or "full"
// (integrity_check); the error lists the first problems found.
Status verify(SqliteConnection &connection, const QString &depth);

// The full-text table of the database created by log entry `createdSeq`.
QString fullTextTable(qint64 createdSeq);
QString createFullTextTable(qint64 createdSeq);

} // namespace StorageSchema
