#include "ChunkWriter.h"

#include <QFile>
#include <QPointer>

// Lives on the writer's thread; touched only there once open() returned.
class ChunkWriter::Worker : public QObject
{
public:
    QFile file;
    QString error; // the first failure
};

ChunkWriter::ChunkWriter(QObject *parent)
    : QObject(parent)
    , m_worker(std::make_unique<Worker>())
{
    m_thread.setObjectName(QStringLiteral("chunk-writer"));
}

ChunkWriter::~ChunkWriter()
{
    m_thread.quit();
    m_thread.wait();
}

Status ChunkWriter::open(const QString &path)
{
    m_worker->file.setFileName(path);
    if (!m_worker->file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Status::storageFailure(QStringLiteral("cannot write %1: %2").arg(path, m_worker->file.errorString()));
    m_worker->moveToThread(&m_thread);
    m_thread.start();
    return Status::ok();
}

void ChunkWriter::write(const QByteArray &chunk)
{
    m_queuedBytes += chunk.size();
    Worker *worker = m_worker.get();
    QMetaObject::invokeMethod(worker, [this, worker, chunk] {
        if (worker->error.isEmpty() && worker->file.write(chunk) != chunk.size()) {
            worker->error = QStringLiteral("cannot write %1: %2").arg(worker->file.fileName(), worker->file.errorString());
            m_failed = true;
        }
        m_queuedBytes -= chunk.size();
        emit drained();
    });
}

void ChunkWriter::close(std::function<void(const Status &)> done)
{
    Worker *worker = m_worker.get();
    const QPointer<ChunkWriter> self(this);
    QMetaObject::invokeMethod(worker, [self, worker, done] {
        if (worker->error.isEmpty() && !worker->file.flush())
            worker->error = QStringLiteral("cannot write %1: %2").arg(worker->file.fileName(), worker->file.errorString());
        worker->file.close();
        const Status status = worker->error.isEmpty() ? Status::ok() : Status::storageFailure(worker->error);
        // Back on the owner's thread, unless the owner is gone.
        QMetaObject::invokeMethod(self.data(), [self, done, status] {
            if (self)
                done(status);
        });
    });
}
