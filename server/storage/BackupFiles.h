// BackupFiles: the files of a cluster backup directory (docs/backup.md):
//
//   DIR/shard-<S>.sqlite   shard S's snapshot (SnapshotFile::create on the
//                          member it was copied from)
//   DIR/manifest.json      the BackupManifest, with every file's SHA-256
//   DIR/manifest.sha256    "<SHA-256 of manifest.json>  manifest.json\n",
//                          as sha256sum writes it (`sha256sum -c` checks it)
//
// A backup is made in a directory of its own and published (renamed to its
// name) only once every file and the manifest are durable, so a directory
// with a manifest is complete; verify() proves it was not damaged since.
//
// Blocking (they read or fsync whole files); any thread. Nothing here
// writes into a backup it reads.
#pragma once

#include <QString>

#include "BackupManifest.h"
#include "Result.h"
#include "SnapshotFile.h"

namespace BackupFiles {

inline const QString kManifest = QStringLiteral("manifest.json");
inline const QString kManifestChecksum = QStringLiteral("manifest.sha256");

// The SHA-256 of a file, 64 lowercase hex digits.
Result<QString> sha256(const QString &path);

// A shard file as copied: what SnapshotFile::read() says of it, and its
// SHA-256. StorageFailure when it is not a PeaceDB snapshot.
struct Inspected
{
    SnapshotFile::Info info;
    QString sha256;
};
Result<Inspected> inspect(const QString &path);

// OK when `path` (absolute) may become a new directory: its parent exists
// and it is missing or an empty directory, not a symbolic link. BadRequest
// otherwise, ending with `advice` ("back up into a new one").
Status checkNewDirectory(const QString &path, const QString &advice);

// Where a backup asked for as `requested` goes, given the directory backups
// may be written under (`root`, Server.BackupRoot): `requested` relative to
// the root, or absolute and inside it — after resolving symbolic links of
// its parent, so no link leads out of the root. Forbidden when there is no
// root (backups through the API are off) or the path leads out of it;
// BadRequest for an empty path, a missing parent, or a target that is not
// a new directory (checkNewDirectory). Reads the file system only.
Result<QString> backupTarget(const QString &root, const QString &requested);

// Writes manifest.json and then manifest.sha256 into `dir`, each durably
// (FileSync::writeAtomically).
Status writeManifest(const QString &dir, const BackupManifest &manifest);

// Makes `dir` durable (every file in it, then the directory) and renames it
// to `target`: a name that does not exist, or an empty directory.
Status publish(const QString &dir, const QString &target);

// Checks the backup in `dir` without changing anything: manifest.sha256
// against manifest.json, the manifest itself (BackupManifest::fromJson),
// then every shard file's presence and size, its SHA-256, and that it is a
// PeaceDB snapshot at the manifest's term, seq and database positions.
// BadRequest naming the first problem (a missing, incomplete or damaged
// backup); StorageFailure when a file cannot be read.
Result<BackupManifest> verify(const QString &dir);

} // namespace BackupFiles
