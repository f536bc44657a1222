// SnapshotFile: making and installing a snapshot of a node's database — a
// consistent copy of the whole SQLite file at the node's commit point, used
// to bring a replica up to date when the log it needs was compacted away.
//
// Both functions block (they copy the whole file); run them off the main
// thread. They open their own QtSql connections and close them before
// returning; any thread.
#pragma once

#include <QString>

#include "ReplicationMessages.h"
#include "Result.h"

namespace SnapshotFile {

struct Info
{
    qint64 seq = 0;   // the commit point the copy reflects
    qint64 term = 0;  // the term of the entry at seq
    qint64 bytes = 0;
};

// Writes a consistent copy of `databasePath` to `targetPath` (SQLite
// VACUUM INTO, from one read transaction), without the log entries past its
// commit point, nor its rollback table.
Result<Info> create(const QString &databasePath, const QString &targetPath);

// Turns a downloaded snapshot into this node's database file-to-be: checks
// it is a PeaceDB file, keeps this node's identity, term and vote, and marks
// its log as compacted through the snapshot's seq. The caller then swaps it
// in while the node's storage is closed.
Result<Info> prepareInstall(const QString &snapshotPath, const QString &nodeId, const HardState &state);

// Copies the rollback table of `databasePath` (the node's database, not
// being written) into the prepared snapshot: entries this node rolled back
// stay on it for the operator. Small; runs while the node's storage is
// stopped, just before the swap.
Status keepRollback(const QString &snapshotPath, const QString &databasePath);

} // namespace SnapshotFile
