#include "DataDirectory.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

DataDirectory::~DataDirectory()
{
    release();
}

QString DataDirectory::filePath(const QString &name) const
{
    return QDir(m_path).filePath(name);
}

Status DataDirectory::prepare(const QString &path)
{
    const QFileInfo info(path);
    if (info.exists() && !info.isDir())
        return Status::badRequest(QStringLiteral("data directory %1 is not a directory").arg(path));
    if (!QDir().mkpath(path))
        return Status::badRequest(QStringLiteral("cannot create data directory %1").arg(path));
    m_path = QFileInfo(path).absoluteFilePath();

    const QByteArray probe = QFile::encodeName(filePath(QStringLiteral(".write-test")));
    const int probeFd = ::open(probe.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (probeFd < 0 || ::write(probeFd, "ok", 2) != 2 || ::fsync(probeFd) != 0) {
        const QString reason = QString::fromLocal8Bit(std::strerror(errno));
        if (probeFd >= 0)
            ::close(probeFd);
        return Status::badRequest(QStringLiteral("data directory %1 is not writable: %2").arg(m_path, reason));
    }
    ::close(probeFd);
    ::unlink(probe.constData());

    const QByteArray lockPath = QFile::encodeName(filePath(QStringLiteral("LOCK")));
    m_lockFd = ::open(lockPath.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_lockFd < 0)
        return Status::badRequest(QStringLiteral("cannot open %1: %2").arg(QString::fromLocal8Bit(lockPath), QString::fromLocal8Bit(std::strerror(errno))));
    if (::flock(m_lockFd, LOCK_EX | LOCK_NB) != 0) {
        char holder[32] = {};
        [[maybe_unused]] const ssize_t got = ::pread(m_lockFd, holder, sizeof holder - 1, 0);
        ::close(m_lockFd);
        m_lockFd = -1;
        return Status::unavailable(QStringLiteral("data directory %1 is in use by another peacedb-server (pid %2)")
                                       .arg(m_path, QString::fromLatin1(holder).trimmed()));
    }
    const QByteArray pid = QByteArray::number(qint64(::getpid())) + '\n';
    if (::ftruncate(m_lockFd, 0) == 0)
        [[maybe_unused]] const ssize_t written = ::pwrite(m_lockFd, pid.constData(), size_t(pid.size()), 0);
    return Status::ok();
}

void DataDirectory::release()
{
    if (m_lockFd >= 0) {
        ::flock(m_lockFd, LOCK_UN);
        ::close(m_lockFd);
        m_lockFd = -1;
    }
}
