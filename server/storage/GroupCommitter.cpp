#include "GroupCommitter.h"

#include "StorageWriter.h"

GroupCommitter::GroupCommitter(const QString &path, const StorageOptions &options, qint64 maxBatchEntries,
                               QObject *parent)
    : QObject(parent)
    , m_path(path)
    , m_options(options)
    , m_maxBatchEntries(maxBatchEntries)
{
    m_thread.setObjectName(QStringLiteral("storage-writer"));
}

GroupCommitter::~GroupCommitter()
{
    stop();
}

Status GroupCommitter::start()
{
    m_writer = new StorageWriter(m_path, m_options);
    m_writer->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_writer, &QObject::deleteLater);
    m_thread.start();
    Status status;
    StorageWriter *writer = m_writer;
    QMetaObject::invokeMethod(
        m_writer, [writer, &status] { status = writer->open(); }, Qt::BlockingQueuedConnection);
    if (!status.isOk()) {
        stop();
        return status;
    }
    m_durableSeq = m_lastQueuedSeq = m_writer->lastSeq();
    m_durableTerm = m_writer->lastTerm();
    m_appliedSeq = m_commitThrough = m_writer->appliedSeq();
    return Status::ok();
}

void GroupCommitter::stop()
{
    if (!m_thread.isRunning())
        return;
    StorageWriter *writer = m_writer;
    QMetaObject::invokeMethod(writer, [writer] { writer->close(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    m_writer = nullptr;
    m_queue.clear();
}

void GroupCommitter::append(const QVector<LogEntry> &entries, qint64 commitThroughSeq)
{
    if (m_broken || entries.isEmpty())
        return;
    Q_ASSERT(entries.first().seq == m_lastQueuedSeq + 1);
    for (const LogEntry &entry : entries)
        m_queue.push_back(entry);
    m_lastQueuedSeq = entries.last().seq;
    m_commitThrough = qMax(m_commitThrough, qMin(commitThroughSeq, m_lastQueuedSeq));
    dispatch();
}

void GroupCommitter::commitThrough(qint64 seq)
{
    if (seq <= m_commitThrough)
        return;
    m_commitThrough = seq;
    dispatch();
}

void GroupCommitter::dispatch()
{
    if (m_inFlight || m_broken || !m_writer)
        return;
    // Nothing to append, and nothing durable that may now be applied.
    if (m_queue.empty() && qMin(m_commitThrough, m_durableSeq) <= m_appliedSeq)
        return;
    WriteBatch batch;
    const qsizetype count = qsizetype(qMin<qint64>(qint64(m_queue.size()), m_maxBatchEntries));
    batch.entries.reserve(count);
    for (qsizetype i = 0; i < count; ++i) {
        batch.entries.append(std::move(m_queue.front()));
        m_queue.pop_front();
    }
    batch.applyThroughSeq = m_commitThrough;
    m_inFlight = true;
    StorageWriter *writer = m_writer;
    QMetaObject::invokeMethod(
        writer,
        [this, writer, batch = std::move(batch)] {
            const WriteBatchResult result = writer->write(batch);
            // Runs on the storage thread; stop() waits for this thread, so
            // `this` is alive while the answer is posted back.
            QMetaObject::invokeMethod(this, [this, result] { onWritten(result); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void GroupCommitter::onWritten(const WriteBatchResult &result)
{
    m_inFlight = false;
    m_durableSeq = result.lastSeq;
    m_durableTerm = result.lastTerm;
    m_appliedSeq = result.appliedSeq;
    m_lastBatchMicros = result.elapsedMicros;
    if (!result.status.isOk()) {
        m_queue.clear();
        m_lastQueuedSeq = m_durableSeq;
        m_commitThrough = qMin(m_commitThrough, m_durableSeq);
        m_broken = result.fatal;
        emit failed(result.status, result.fatal, m_durableSeq);
    } else {
        ++m_batchesWritten;
        m_entriesWritten += result.entryCount;
        emit durable(m_durableSeq, m_appliedSeq);
    }
    dispatch();
    if (isIdle())
        emit idle();
}
