// SnapshotFile: making and installing a snapshot of a node's database — a
// consistent copy of the whole SQLite file at the node's commit point, used
// to bring a replica up to date when the log it needs was compacted away.
//
// Both functions block (they copy the whole file); run them off the main
// thread. They open their own QtSql connections and close them before
// returning; any thread.
#pragma once

#include <QMap>
#include <QString>

#include "ReplicationMessages.h"
#include "Result.h"

namespace SnapshotFile {

struct Info
{
    qint64 seq = 0;   // the commit point the copy reflects
    qint64 term = 0;  // the term of the entry at seq
    qint64 bytes = 0;
    QMap<QString, qint64> databases; // read() only: each database's seq
};

// Writes a consistent copy of `databasePath` to `targetPath` (SQLite
// VACUUM INTO, from one read transaction), without the log entries past its
// commit point, nor its rollback table.
Result<Info> create(const QString &databasePath, const QString &targetPath);

// What a snapshot file reflects, read without changing it (not even a
// journal beside it): its commit point, the term there, its size and every
// database's seq (its _changes position). StorageFailure for a file that is
// not a PeaceDB data file.
Result<Info> read(const QString &snapshotPath);

// Turns a downloaded snapshot into this node's database file-to-be: checks
// it is a PeaceDB file, keeps this node's identity, and marks its log as
// compacted through the snapshot's seq. Runs while the node still works.
Result<Info> prepareInstall(const QString &snapshotPath, const QString &nodeId);

// Just before the swap, while nothing has `databasePath` open: copies its
// rollback table into the prepared snapshot (entries this node rolled back
// stay on it for the operator) and writes the node's hard state as it is
// now — not as it was when the download began (the term or vote may have
// moved since; going back would let it vote twice in a term). Small.
Status finishInstall(const QString &snapshotPath, const QString &databasePath, const HardState &state);

// Writes `state` as the file's hard state (term, vote, voter); for a
// snapshot that becomes a member's database without a database of its own
// before it (a restore).
Status writeHardState(const QString &snapshotPath, const HardState &state);

// Replaces `databasePath` with the finished snapshot atomically: at every
// moment one complete database file is in place, even across a crash. The
// database must be closed with its SQLite WAL checkpointed away (an old
// -wal file next to the new file would be replayed into it: refused). The
// snapshot is fsynced, renamed over the database, and the directory
// fsynced.
Status swapInto(const QString &snapshotPath, const QString &databasePath);

} // namespace SnapshotFile
