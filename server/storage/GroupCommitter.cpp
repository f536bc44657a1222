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
    if (m_options.walAutoCheckpointPages > 0) {
        m_checkpointer = std::make_unique<Checkpointer>(m_path, m_options, m_options.walAutoCheckpointPages);
        m_checkpointer->start();
        Checkpointer *checkpointer = m_checkpointer.get();
        m_writer->setWalObserver([checkpointer](int frames) { return checkpointer->walGrew(frames); });
    }
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
    m_initialHardState = m_writer->hardState();
    m_initialHistory = m_writer->termHistory();
    m_initialMemberships = m_writer->memberships();
    m_compactedSeq = m_initialHistory.compactedSeq();
    return Status::ok();
}

bool GroupCommitter::stop(int timeoutMs, bool checkpoint)
{
    if (!m_writer)
        return true;
    StorageWriter *writer = m_writer;
    QThread *thread = &m_thread;
    if (!m_stopping) {
        m_stopping = true;
        QMetaObject::invokeMethod(
            writer, [writer, thread, checkpoint] {
                writer->close(checkpoint);
                thread->quit();
            },
            Qt::QueuedConnection);
    }
    if (!m_thread.wait(timeoutMs < 0 ? QDeadlineTimer(QDeadlineTimer::Forever) : QDeadlineTimer(timeoutMs)))
        return false;
    m_writer = nullptr;
    // After the writer: it reports to the checkpointer until it is gone.
    if (m_checkpointer) {
        m_checkpointer->stop();
        m_checkpointer.reset();
    }
    m_queue.clear();
    m_queuedBytes = 0;
    m_stopping = false;
    return true;
}

bool GroupCommitter::isIdle() const
{
    return !m_inFlight && m_queue.empty() && !m_pendingHardState && m_pendingTruncate == 0
        && qMin(m_commitThrough, m_durableSeq) <= m_appliedSeq;
}

quint64 GroupCommitter::submit(const LogWrite &write)
{
    const quint64 ticket = m_nextTicket++;
    if (m_broken)
        return ticket;
    if (write.truncateFromSeq > 0) {
        // Entries still queued from the cut on never reach the disk; the
        // ones already written are cut by the next batch.
        while (!m_queue.empty() && m_queue.back().seq >= write.truncateFromSeq) {
            m_queuedBytes -= m_queue.back().body.size();
            m_queue.pop_back();
        }
        for (auto &[pending, lastSeq] : m_tickets)
            lastSeq = qMin(lastSeq, write.truncateFromSeq - 1); // their cut entries need no writing
        if (write.truncateFromSeq <= m_durableSeq || m_inFlight)
            m_pendingTruncate = m_pendingTruncate ? qMin(m_pendingTruncate, write.truncateFromSeq) : write.truncateFromSeq;
        m_lastQueuedSeq = qMin(m_lastQueuedSeq, write.truncateFromSeq - 1);
        m_commitThrough = qMin(m_commitThrough, m_lastQueuedSeq);
    }
    if (write.hardState)
        m_pendingHardState = write.hardState;
    if (!write.entries.isEmpty()) {
        Q_ASSERT(write.entries.first().seq == m_lastQueuedSeq + 1);
        for (const LogEntry &entry : write.entries) {
            m_queuedBytes += entry.body.size();
            m_queue.push_back(entry);
        }
        m_lastQueuedSeq = write.entries.last().seq;
    }
    m_commitThrough = qMax(m_commitThrough, qMin(write.commitThroughSeq, m_lastQueuedSeq));
    m_tickets.emplace_back(ticket, write.entries.isEmpty() ? 0 : write.entries.last().seq);
    dispatch();
    return ticket;
}

quint64 GroupCommitter::append(const QVector<LogEntry> &entries, qint64 commitThroughSeq)
{
    LogWrite write;
    write.entries = entries;
    write.commitThroughSeq = commitThroughSeq;
    return submit(write);
}

void GroupCommitter::commitThrough(qint64 seq)
{
    if (seq <= m_commitThrough)
        return;
    m_commitThrough = qMin(seq, m_lastQueuedSeq);
    dispatch();
}

void GroupCommitter::dispatch()
{
    if (m_inFlight || m_broken || !m_writer || m_stopping)
        return;
    const bool applyPending = qMin(m_commitThrough, m_durableSeq) > m_appliedSeq;
    if (m_queue.empty() && !m_pendingHardState && m_pendingTruncate == 0 && !applyPending && m_tickets.empty())
        return;
    WriteBatch batch;
    batch.truncateFromSeq = m_pendingTruncate;
    batch.hardState = m_pendingHardState;
    m_pendingTruncate = 0;
    m_pendingHardState.reset();
    const qsizetype count = qsizetype(qMin<qint64>(qint64(m_queue.size()), m_maxBatchEntries));
    batch.entries.reserve(count);
    for (qsizetype i = 0; i < count; ++i) {
        m_queuedBytes -= m_queue.front().body.size();
        batch.entries.append(std::move(m_queue.front()));
        m_queue.pop_front();
    }
    batch.applyThroughSeq = m_commitThrough;
    batch.retainEntries = m_retainEntries;
    // The submissions this batch completes: all whose entries it (or an
    // earlier batch) holds.
    const qint64 batchEnd = batch.entries.isEmpty() ? m_durableSeq : batch.entries.last().seq;
    quint64 ticket = m_completedTicket;
    while (!m_tickets.empty() && m_tickets.front().second <= batchEnd) {
        ticket = m_tickets.front().first;
        m_tickets.pop_front();
    }
    m_inFlight = true;
    StorageWriter *writer = m_writer;
    QMetaObject::invokeMethod(
        writer,
        [this, writer, ticket, batch = std::move(batch)] {
            const WriteBatchResult result = writer->write(batch);
            // Runs on the storage thread; stop() waits for this thread, so
            // `this` is alive while the answer is posted back.
            QMetaObject::invokeMethod(this, [this, result, ticket] { onWritten(result, ticket); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void GroupCommitter::onWritten(const WriteBatchResult &result, quint64 ticket)
{
    m_inFlight = false;
    m_durableSeq = result.lastSeq;
    m_durableTerm = result.lastTerm;
    m_appliedSeq = result.appliedSeq;
    m_lastBatchMicros = result.elapsedMicros;
    if (!result.status.isOk()) {
        m_queue.clear();
        m_queuedBytes = 0;
        m_tickets.clear();
        m_pendingTruncate = 0;
        m_pendingHardState.reset();
        m_lastQueuedSeq = m_durableSeq;
        m_commitThrough = qMin(m_commitThrough, m_durableSeq);
        m_broken = result.fatal;
        emit failed(result.status, result.fatal, m_durableSeq);
    } else {
        ++m_batchesWritten;
        m_entriesWritten += result.entryCount;
        m_completedTicket = qMax(m_completedTicket, ticket);
        if (result.compactedSeq > m_compactedSeq) {
            m_compactedSeq = result.compactedSeq;
            emit compacted(result.compactedSeq, result.compactedTerm);
        }
        emit durable(m_durableSeq, m_appliedSeq, m_completedTicket);
    }
    dispatch();
    if (isIdle())
        emit idle();
}
