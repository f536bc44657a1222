// ClusterCommandLine: parses and checks the arguments of peacedb-cluster
//
//   peacedb-cluster up [--shards N] [--replicas N] [--port P] [--data DIR]
//                      [--bind-addresses] [--no-router] [--server PATH]
//                      [--startup-timeout-ms MS] [--stop-timeout-ms MS]
//   peacedb-cluster start NAME [--data DIR]
//   peacedb-cluster stop NAME [--data DIR]
//   peacedb-cluster status [--data DIR]
//   peacedb-cluster backup --to BACKUP [--data DIR]
//   peacedb-cluster verify --from BACKUP
//   peacedb-cluster restore --from BACKUP --data NEWDIR [--replicas N] [--port P]
//                           [--bind-addresses] [--tls]
//   peacedb-cluster add-member --shard N [--data DIR]
//   peacedb-cluster remove-member NAME [--data DIR]
//   peacedb-cluster --help | --version
//
// Options may come before or after the command, as "--name value" or
// "--name=value" (a value that starts with "--" only in the second form).
// --help, -h, --version or the command "help" ask for the help or version
// text, wherever they are (but not as an option's value). An option that
// the command does not take, a missing or malformed value, an unknown
// command or a stray argument is an error whose message names the
// argument; so is a backup, restore or verify without the directories it
// needs (restore never falls back to ./cluster). Pure (no I/O); any thread.
#pragma once

#include <QString>
#include <QStringList>

#include "ClusterOptions.h"
#include "Result.h"

class ClusterCommandLine
{
public:
    // `arguments` without the program name.
    static Result<ClusterOptions> parse(const QStringList &arguments);
    // The text printed by --help.
    static QString helpText();
};
