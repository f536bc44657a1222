// Checkpointer: moves a node's SQLite write-ahead log into the database file
// on a thread of its own, with PRAGMA wal_checkpoint(PASSIVE) on a
// connection of its own, so that the writer's commits never run a
// checkpoint themselves. SQLite's automatic checkpoint runs inside the
// commit that crosses its threshold: it copies thousands of pages and
// fsyncs the database file while every client write of that batch waits —
// the tail of the write latency.
//
// The writer's connection gives up the automatic checkpoint and reports
// its log's size after each commit (walGrew(), from sqlite3_wal_hook on the
// writer thread); once the log holds thresholdPages frames, a checkpoint is
// queued here (one at a time) whenever 1/32 of that is not yet copied
// into the database file. PASSIVE never blocks the writer nor readers (it
// copies what no reader still needs and stops), and durability does not
// depend on it: a commit is durable once its log frames are fsynced.
//
// The log restarts from its beginning at the first commit after a complete
// checkpoint — which a checkpoint beside an unbroken stream of commits never
// is (one lands while it runs): the log grew to 1.2 GB in a bulk ingest. So
// once the log holds four times the threshold and little is left to copy,
// walGrew() asks the writer to complete one itself, between two commits
// (and at eight times, StorageOptions::walLimitPages(), in any case). That costs the writer an
// fsync of the database file, which is why it is not done more often: at
// every threshold it made a standalone node's p99 several times worse.
//
// Thread-safe: walGrew() from the writer thread, the rest from the owner's.
// Owned by the GroupCommitter, started and stopped with its writer (so it
// holds no connection while a snapshot is swapped in).
#pragma once

#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <memory>

#include "StorageOptions.h"

class Checkpointer : public QObject
{
    Q_OBJECT

public:
    Checkpointer(const QString &path, const StorageOptions &options, qint64 thresholdPages, QObject *parent = nullptr);
    ~Checkpointer() override;

    void start();
    // Waits for a checkpoint in progress; closes the connection.
    void stop();

    // The writer's log holds `frames` frames after a commit. True: the
    // writer should complete a checkpoint now, so the log restarts — the
    // checkpoints here have copied all but a little of a log four times
    // the threshold (completing costs the writer little), or the log has
    // reached its bound.
    bool walGrew(int frames);

    qint64 checkpoints() const { return m_checkpoints.load(); }

private:
    class Worker;

    QString m_path;
    StorageOptions m_options;
    qint64 m_thresholdPages;
    QThread m_thread;
    Worker *m_worker = nullptr; // lives on m_thread
    std::atomic<bool> m_queued{false};
    std::atomic<int> m_lastFrames{0};      // the log's length at the last commit
    std::atomic<qint64> m_backfilled{0};   // of those, copied by the last checkpoint
    std::atomic<qint64> m_checkpoints{0};
};
