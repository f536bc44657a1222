// ClusterOptions: what one peacedb-cluster invocation was asked to do, as
// parsed by ClusterCommandLine. A value; any thread.
#pragma once

#include <QString>

struct ClusterOptions
{
    enum class Command { Up, Start, Stop, Status, Backup, Restore, Verify, AddMember, RemoveMember, Help, Version };

    Command command = Command::Help;
    QString process;                 // start/stop/remove-member: the process name
    int shard = -1;                  // add-member: --shard
    QString dataDir = QStringLiteral("./cluster"); // restore: the new cluster directory
    QString backupDir;               // backup: --to; restore, verify: --from
    QString backupRoot;              // up: --backup-root; empty: DIR/backups
    // up (port, replicas, bindAddresses and tls: restore too)
    int shards = 3;
    int replicas = 2;
    bool replicasGiven = false;      // restore: otherwise the backed-up cluster's
    int port = 8080;                 // the router's; nodes use port+1 ..., the supervisor port-1
    bool bindAddresses = false;      // each node on its own 127.0.0.N
    bool router = true;              // --no-router: nodes only
    bool tls = false;                // --tls: HTTPS between every pair of processes
    QString serverBinary;            // empty: peacedb-server next to peacedb-cluster
    int startupTimeoutMs = 30000;    // per process, until it answers HTTP
    int stopTimeoutMs = 15000;       // SIGTERM to SIGKILL
};
