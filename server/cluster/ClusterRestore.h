// ClusterRestore: `peacedb-cluster verify --from BACKUP` and
// `peacedb-cluster restore --from BACKUP --data NEWDIR` (docs/backup.md).
//
// verify() checks the backup (BackupFiles::verify) and prints what it holds.
//
// restore(), in order, stopping at the first problem:
//   1. NEWDIR must be missing or an empty directory in an existing one
//      (ExitClusterDirectory otherwise);
//   2. the backup must verify: an incomplete or damaged backup is refused
//      with the reason and nothing is written (ExitBadBackup);
//   3. plans the new cluster (ClusterLayout): the backup's shards, the
//      backed-up cluster's replicas unless --replicas says otherwise, and
//      the ports and addresses of --port, --bind-addresses and --tls;
//   4. builds the cluster directory in NEWDIR.restoring-<pid> beside it:
//      for every member, its shard's copy as its database, made a member's
//      (SnapshotFile::prepareInstall: a node id of its own, its log
//      compacted at the copy's seq; SnapshotFile::writeHardState: the term
//      of that entry, no vote, a voter); cluster-config.json; the manifest
//      as backup-manifest.json; every file and directory fsynced;
//   5. renames it to NEWDIR (and fsyncs NEWDIR's parent).
// A failure after step 3 deletes the temporary directory; a crash leaves it
// under its own name, never a partial NEWDIR. The members of a shard start
// with the same log, so the router elects one of them; the token and admin
// password are made by `up` (a backup holds no secrets besides the users'
// hashed passwords and keys, which are data).
//
// Main thread; blocking. Each returns the exit code, having printed why.
#pragma once

#include "ClusterOptions.h"

namespace ClusterRestore {

int verify(const ClusterOptions &options);
int restore(const ClusterOptions &options);

} // namespace ClusterRestore
