// LogWrite: one submission to a member's storage — what one Ready of
// ReplicationCore changes in the log and hard state, plus how far the log is
// committed (GroupCommitter writes it; ReplicationDriver makes it).
#pragma once

#include <QVector>

#include <optional>

#include "LogEntry.h"
#include "ReplicationMessages.h"

struct LogWrite
{
    qint64 truncateFromSeq = 0;         // cut the log from here first (0: no cut)
    std::optional<HardState> hardState;
    QVector<LogEntry> entries;          // continue the log (after the cut, if any)
    qint64 commitThroughSeq = 0;        // entries up to here may be applied once durable
};
