// ReadPool: runs a node's costly reads (lists, queries, counts) on worker
// threads, each with its own read connection, so that one client's query
// never holds up the thread that serves HTTP and replication (a primary that
// stalls there loses its lease and the cluster fails over).
//
// submit() queues a query; a worker runs it against its DocumentReader and
// the answer callback runs on the pool's (main) thread. The queue is
// bounded: submit() returns false when it is full, and the caller answers
// 503 with Retry-After. Reads see only applied entries (DocumentReader), and
// a query starts after it was submitted, so what it returns is at least as
// new as the moment it was admitted.
//
// suspend() waits for the queries in flight and closes every worker's
// connection (a snapshot install swaps the database file); queued queries
// wait until resume(), when the workers reopen the file.
//
// The answer callback — which usually holds an HTTP reply — never leaves the
// main thread; only the query and its result cross.
//
// Main thread (submit, suspend, resume); owns its worker threads.
#pragma once

#include <QHash>
#include <QObject>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "DocumentReader.h"
#include "Result.h"
#include "StorageOptions.h"

class ReadPool : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString path;
        StorageOptions storage;
        int threads = 2;
        int maxQueued = 64; // queries waiting for a worker; more are refused
    };

    explicit ReadPool(const Options &options, QObject *parent = nullptr);
    ~ReadPool() override;

    // Whether a query must find room in the queue (Bounded), or was let in
    // before and has waited since (Admitted: a read held until its member
    // applied what it had committed, counted against maxQueued then).
    enum class Admission { Bounded, Admitted };

    // Queues `query`; `done` gets its result on this object's thread.
    // False, with nothing queued, when maxQueued queries already wait and
    // the query is Bounded.
    template <typename T>
    bool submit(std::function<Result<T>(DocumentReader &)> query, std::function<void(const Result<T> &)> done,
                Admission admission = Admission::Bounded)
    {
        auto result = std::make_shared<std::optional<Result<T>>>();
        return enqueue(
            [query = std::move(query), result](DocumentReader *reader, const Status &opened) {
                if (reader)
                    result->emplace(query(*reader));
                else
                    result->emplace(opened);
            },
            [done = std::move(done), result] { done(**result); }, admission);
    }

    void suspend();
    void resume();

    int queued() const;
    int maxQueued() const { return m_options.maxQueued; }
    qint64 refusedTotal() const { return m_refused; }
    qint64 completedTotal() const { return m_completed; }

private:
    using Work = std::function<void(DocumentReader *reader, const Status &opened)>;
    struct Job
    {
        quint64 id = 0;
        Work work;
    };

    bool enqueue(Work work, std::function<void()> finish, Admission admission);
    void runWorker();
    void finished(quint64 id);

    const Options m_options;
    std::vector<std::thread> m_threads;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;    // workers: a job, a reopen or the end
    std::condition_variable m_settled; // suspend(): jobs done and connections closed
    std::deque<Job> m_queue;
    quint64 m_generation = 0;          // a change closes every worker's connection
    int m_running = 0;
    int m_openReaders = 0;
    bool m_suspended = false;
    bool m_stopping = false;

    // Main thread only.
    QHash<quint64, std::function<void()>> m_finishers;
    quint64 m_nextId = 1;
    qint64 m_refused = 0;
    qint64 m_completed = 0;
};
