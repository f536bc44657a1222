// LogHandler: the process's Qt message handler. Every qDebug/qInfo/
// qWarning/qCritical (of any logging category) becomes one LogLine on
// stderr, as text or JSON (Server.LogFormat, --log-format). A replica set
// member sets its shard and current term, which every line then carries
// unless its message names a shard itself.
//
// Static state; install() on the main thread before any other thread
// starts; lines may come from any thread (each is one write).
#pragma once

#include "LogLine.h"

class LogHandler
{
public:
    LogHandler() = delete;

    static void install(LogLine::Format format);
    static void setFormat(LogLine::Format format);
    static void setShard(int shard);
    static void setTerm(qint64 term);
};
