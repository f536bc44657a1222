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
//   tags(db, tag, id)                      the tag index: Document::tagKey of
//                                          each tag (case-folded)
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

// Version 2: the tag index holds case-folded keys (version 1 held the tags
// as written, compared case-sensitively).
constexpr int kVersion = 2;
constexpr int kOldestUpgradable = 1;

// Reads (without changing anything) whether the file is empty or a PeaceDB
// data file of a version this build reads or upgrades; the error says what
// it is instead. Sets *empty.
Status check(SqliteConnection &connection, bool *empty);
// Creates the schema in an empty file.
Status create(SqliteConnection &connection);
// Brings a checked, non-empty file of an older version to kVersion in one
// transaction (nothing changes on failure); nothing to do for a current one.
// From 1: every tag index row is rewritten as its Document::tagKey.
Status upgrade(SqliteConnection &connection);
// Runs SQLite's integrity check: "quick" (quick_check) or "full"
// (integrity_check); the error lists the first problems found.
Status verify(SqliteConnection &connection, const QString &depth);

// The full-text table of the database created by log entry `createdSeq`.
QString fullTextTable(qint64 createdSeq);
QString createFullTextTable(qint64 createdSeq);

} // namespace StorageSchema
