// ChunkWriter: appends chunks to a new file on a thread of its own, so a
// slow or throttled disk never blocks the caller's event loop (the router's
// health checks run there; a write() stalled in the kernel's dirty-page
// throttling would silence them).
//
// write() queues a chunk and returns at once; queuedBytes() says how much
// waits, so the caller stops reading its source while it is at or above
// its mark and reads again on drained(), emitted each time a chunk is
// written. The first failed write is kept: later chunks are dropped,
// failed() turns true, and close() reports it. close() flushes and closes
// the file on the writer's thread and calls `done` on the caller's thread
// (not if the ChunkWriter is gone by then). Making the file durable is the
// caller's business (the whole directory is synced at the end).
//
// Create, use and destroy on one thread; destroying it drops queued
// chunks and waits for the chunk being written.
#pragma once

#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

#include "Status.h"

class ChunkWriter : public QObject
{
    Q_OBJECT

public:
    explicit ChunkWriter(QObject *parent = nullptr);
    ~ChunkWriter() override;

    // Creates or truncates `path`; StorageFailure with the reason.
    Status open(const QString &path);
    void write(const QByteArray &chunk);
    qint64 queuedBytes() const { return m_queuedBytes; }
    bool failed() const { return m_failed; }
    void close(std::function<void(const Status &)> done);

signals:
    void drained();

private:
    class Worker;

    QThread m_thread;
    std::unique_ptr<Worker> m_worker;
    std::atomic<qint64> m_queuedBytes{0};
    std::atomic<bool> m_failed{false};
};
