// StorageOptions: how a node opens its SQLite file (from ServerConfig's
// Storage.* settings). A plain value; any thread.
#pragma once

#include <QString>

struct StorageOptions
{
    QString synchronous = QStringLiteral("FULL"); // FULL or EXTRA: a commit is fsynced
    qint64 walAutoCheckpointPages = 4000;
    qint64 cacheSizeKB = 16384;
    QString integrityCheck = QStringLiteral("none"); // at start: none, quick or full
};
