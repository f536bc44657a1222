#include "FileSync.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace FileSync {

namespace {

Status failure(const QString &what, const QString &path)
{
    return Status::storageFailure(QStringLiteral("%1 %2: %3").arg(what, path, QString::fromLocal8Bit(strerror(errno))));
}

Status syncPath(const QString &path, int flags)
{
    const int fd = ::open(QFile::encodeName(path).constData(), flags | O_CLOEXEC);
    if (fd < 0)
        return failure(QStringLiteral("cannot open"), path);
    const bool synced = ::fsync(fd) == 0;
    const Status status = synced ? Status::ok() : failure(QStringLiteral("cannot fsync"), path);
    ::close(fd);
    return status;
}

} // namespace

Status syncFile(const QString &path)
{
    return syncPath(path, O_RDONLY);
}

Status syncDirectory(const QString &path)
{
    return syncPath(path, O_RDONLY | O_DIRECTORY);
}

Status writeAtomically(const QString &path, const QByteArray &contents)
{
    const QString temporary = path + QStringLiteral(".tmp");
    const int fd = ::open(QFile::encodeName(temporary).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return failure(QStringLiteral("cannot create"), temporary);
    qint64 written = 0;
    while (written < contents.size()) {
        const ssize_t n = ::write(fd, contents.constData() + written, size_t(contents.size() - written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const Status status = failure(QStringLiteral("cannot write"), temporary);
            ::close(fd);
            ::unlink(QFile::encodeName(temporary).constData());
            return status;
        }
        written += n;
    }
    const bool synced = ::fsync(fd) == 0;
    const Status status = synced ? Status::ok() : failure(QStringLiteral("cannot fsync"), temporary);
    ::close(fd);
    if (!status.isOk()) {
        ::unlink(QFile::encodeName(temporary).constData());
        return status;
    }
    return rename(temporary, path);
}

Status rename(const QString &from, const QString &to)
{
    if (::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) != 0) {
        return Status::storageFailure(
            QStringLiteral("cannot move %1 to %2: %3").arg(from, to, QString::fromLocal8Bit(strerror(errno))));
    }
    return syncDirectory(QFileInfo(to).absolutePath());
}

} // namespace FileSync
