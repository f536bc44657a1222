#include "Checkpointer.h"

#include <QLoggingCategory>
#include <QSqlQuery>

#include "SqliteConnection.h"

Q_LOGGING_CATEGORY(lcCheckpoint, "peacedb.storage")

namespace {

// Once the log holds the threshold, checkpoints here follow the writer
// closely: one starts whenever this fraction of the threshold (125 pages,
// 500 KB by default) is not yet copied. Each completes what it found, and
// fsyncs the database file: many small fsyncs beside the writer's log
// fsyncs hold its commits up far less than a few big ones (standalone p99
// at 32 connections: 8-23 ms every 1,000 pages, 32-48 ms every 4,000,
// 7-10 ms every 125; every 62 did no better).
constexpr qint64 kStepFraction = 32;
// What the writer may be left to copy itself when it completes a
// checkpoint: a quarter of the threshold.
constexpr qint64 kLittleFraction = 4;
// The writer completes a checkpoint when the log holds this many times the
// threshold and only a little of it is left to copy: the log restarts about
// every 64 MB of commits by default. Restarting costs the writer an fsync of
// the database file; every 16 MB made the standalone p99 several times
// worse.
constexpr qint64 kRestartFactor = 4;

} // namespace

// The connection, on the checkpoint thread.
class Checkpointer::Worker : public QObject
{
public:
    Worker(const QString &path, const StorageOptions &options)
        : m_path(path)
        , m_options(options)
    {
    }

    // A PASSIVE checkpoint; returns whether it ran, and in *backfilled how
    // many frames of the log are now in the database file.
    bool checkpoint(qint64 *backfilled)
    {
        if (!m_connection.isOpen()) {
            const Status opened = m_connection.open(m_path, SqliteConnection::Mode::Writer, m_options);
            if (!opened.isOk()) {
                qCWarning(lcCheckpoint, "cannot open %s for checkpoints: %s", qPrintable(m_path), qPrintable(opened.message()));
                m_connection.close();
                return false;
            }
        }
        QSqlQuery query(m_connection.database());
        if (!query.exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)"))) {
            qCWarning(lcCheckpoint, "checkpoint of %s failed: %s", qPrintable(m_path), qPrintable(query.lastError().text()));
            return false;
        }
        // One row: busy, frames in the log, frames checkpointed.
        if (query.next() && query.value(0).toInt() == 0)
            *backfilled = query.value(2).toLongLong();
        return true;
    }

    void close() { m_connection.close(); }

private:
    QString m_path;
    StorageOptions m_options;
    SqliteConnection m_connection;
};

Checkpointer::Checkpointer(const QString &path, const StorageOptions &options, qint64 thresholdPages, QObject *parent)
    : QObject(parent)
    , m_path(path)
    , m_options(options)
    , m_thresholdPages(qMax<qint64>(1, thresholdPages))
{
    // Its own connection never checkpoints on commit either (it commits nothing).
    m_options.walAutoCheckpointPages = 0;
}

Checkpointer::~Checkpointer()
{
    stop();
}

void Checkpointer::start()
{
    if (m_thread.isRunning())
        return;
    m_worker = new Worker(m_path, m_options);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.setObjectName(QStringLiteral("checkpoint"));
    m_thread.start(QThread::LowPriority);
}

void Checkpointer::stop()
{
    if (!m_thread.isRunning())
        return;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker] { worker->close(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    m_worker = nullptr;
    m_queued = false;
}

bool Checkpointer::walGrew(int frames)
{
    // Frames not yet in the database file: a checkpoint copies only those.
    if (frames < m_lastFrames.exchange(frames))
        m_backfilled = 0; // the log restarted from its beginning
    const qint64 pending = frames - qMin<qint64>(m_backfilled.load(), frames);
    const qint64 little = qMax<qint64>(1, m_thresholdPages / kLittleFraction);
    // The writer completes a checkpoint when little is left to copy, and at
    // the log's bound however much is.
    if ((frames >= kRestartFactor * m_thresholdPages && pending <= little)
        || frames >= StorageOptions::kWalLimitFactor * m_thresholdPages)
        return true;
    const qint64 step = qMax<qint64>(1, m_thresholdPages / kStepFraction);
    if (frames < m_thresholdPages || pending < step || m_queued.exchange(true))
        return false;
    Worker *worker = m_worker;
    if (!worker) {
        m_queued = false;
        return false;
    }
    QMetaObject::invokeMethod(worker, [this, worker] {
        qint64 backfilled = -1;
        if (worker->checkpoint(&backfilled))
            ++m_checkpoints;
        if (backfilled >= 0)
            m_backfilled = backfilled;
        m_queued = false;
    }, Qt::QueuedConnection);
    return false;
}
