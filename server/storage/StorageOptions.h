// StorageOptions: how a node opens its SQLite file (from ServerConfig's
// Storage.* settings). A plain value; any thread.
#pragma once

#include <QString>

struct StorageOptions
{
    QString synchronous = QStringLiteral("FULL"); // FULL or EXTRA: a commit is fsynced
    qint64 walAutoCheckpointPages = 4000;
    // The write-ahead log's bound, in pages: the writer completes a
    // checkpoint by then at the latest (see Checkpointer), and a restarted
    // log file is cut back to it.
    static constexpr qint64 kWalLimitFactor = 8;
    static constexpr qint64 kPageBytes = 4096; // SQLite's default, PeaceDB's files'
    qint64 walLimitPages() const { return kWalLimitFactor * (walAutoCheckpointPages > 0 ? walAutoCheckpointPages : 1); }
    qint64 cacheSizeKB = 16384;
    QString integrityCheck = QStringLiteral("none"); // at start: none, quick or full
};
