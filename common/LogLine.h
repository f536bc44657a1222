// LogLine: one log event as one line of text, for people (`text`) or log
// shippers (`json`, one object per line):
//
//   text  2026-11-27T19:05:52.123Z INFO peacedb.replication shard=0 term=3 promoted
//   json  {"component":"peacedb.replication","level":"info","message":"promoted",
//          "shard":0,"term":3,"time":"2026-11-27T19:05:52.123Z"}
//
// The shard and term of an event come from a leading "shard N: " or
// "shard N term T: " in its message (the convention of every message about
// a shard), which is then cut from the message; otherwise from the process's
// defaults (a replica set member's own shard and current term); otherwise
// they are left out. Times are UTC. Pure; any thread.
#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <optional>

namespace LogLine {

enum class Format { Text, Json };

// "text" or "json" (as in Server.LogFormat); nothing for anything else.
std::optional<Format> formatFromName(const QString &name);

struct Context
{
    std::optional<int> shard;
    std::optional<qint64> term;
};

// The line for one event, without the trailing newline. `component` is the
// Qt logging category ("default" for uncategorized messages).
QByteArray format(Format format, qint64 timeMsSinceEpoch, QtMsgType level, const QString &component,
                  const QString &message, const Context &defaults);

} // namespace LogLine
