// BackupCommand: `peacedb-cluster backup --to BACKUP [--data DIR]`. Finds
// the running cluster's router and token in DIR/cluster.json, asks it for
// POST /v1/_cluster/backup {"to": BACKUP as an absolute path} (the router
// writes the backup, so BACKUP is on the router's machine: here the same
// one), then follows GET /v1/_cluster/backup, printing each shard's
// progress, until the backup is over. Stopping the command does not stop
// the backup: the router finishes it.
//
// Main thread (needs a QCoreApplication); blocking. Returns the exit code:
// ExitOk once the backup is complete, ExitStartupFailed (1) when the router
// refuses it (another backup runs: 409, a bad target) or it fails.
#pragma once

#include "ClusterOptions.h"

namespace BackupCommand {

int run(const ClusterOptions &options);

} // namespace BackupCommand
