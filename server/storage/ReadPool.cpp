#include "ReadPool.h"

#include <QMetaObject>

ReadPool::ReadPool(const Options &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
    for (int i = 0; i < qMax(1, options.threads); ++i)
        m_threads.emplace_back([this] { runWorker(); });
}

ReadPool::~ReadPool()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
        m_queue.clear();
    }
    m_wake.notify_all();
    for (std::thread &thread : m_threads)
        thread.join();
}

bool ReadPool::enqueue(Work work, std::function<void()> finish, Admission admission)
{
    const quint64 id = m_nextId++;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (admission == Admission::Bounded && int(m_queue.size()) >= m_options.maxQueued) {
            ++m_refused;
            return false;
        }
        m_queue.push_back(Job{id, std::move(work)});
    }
    m_finishers.insert(id, std::move(finish));
    m_wake.notify_one();
    return true;
}

void ReadPool::finished(quint64 id)
{
    const std::function<void()> finish = m_finishers.take(id);
    ++m_completed;
    if (finish)
        finish();
}

int ReadPool::queued() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return int(m_queue.size());
}

void ReadPool::suspend()
{
    std::unique_lock<std::mutex> lock(m_mutex);
    m_suspended = true;
    ++m_generation;
    m_wake.notify_all();
    m_settled.wait(lock, [this] { return m_running == 0 && m_openReaders == 0; });
}

void ReadPool::resume()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_suspended = false;
    }
    m_wake.notify_all();
}

void ReadPool::runWorker()
{
    DocumentReader reader;
    bool open = false;
    quint64 openedGeneration = 0;
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [&] {
            return m_stopping || (open && openedGeneration != m_generation) || (!m_suspended && !m_queue.empty());
        });
        if (open && (m_stopping || openedGeneration != m_generation)) {
            lock.unlock();
            reader.close();
            lock.lock();
            open = false;
            --m_openReaders;
            m_settled.notify_all();
            continue;
        }
        if (m_stopping)
            return;
        Job job = std::move(m_queue.front());
        m_queue.pop_front();
        ++m_running;
        Status opened;
        if (!open) {
            openedGeneration = m_generation;
            ++m_openReaders;
            lock.unlock();
            opened = reader.open(m_options.path, m_options.storage);
            open = true; // closed (and counted) like an open one, even if it failed
        } else {
            lock.unlock();
        }
        job.work(opened.isOk() ? &reader : nullptr, opened);
        if (!opened.isOk())
            openedGeneration = ~quint64(0); // try again for the next query
        QMetaObject::invokeMethod(this, [this, id = job.id] { finished(id); }, Qt::QueuedConnection);
        job.work = nullptr;
        lock.lock();
        --m_running;
        m_settled.notify_all();
    }
}
