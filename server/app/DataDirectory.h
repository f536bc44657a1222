// DataDirectory: a node's data directory, made ready and held exclusively.
//
// prepare() creates the directory, proves it is writable (by creating and
// syncing a file in it) and takes an flock() on <dir>/LOCK, so that a second
// server on the same directory is refused instead of corrupting the log. The
// lock is the kernel's: it goes away with the process, however the process
// ends (a PID-file lock would be fooled by PID reuse in containers). Main
// thread; owned by the ServerApp.
#pragma once

#include <QString>

#include "Status.h"

class DataDirectory
{
public:
    DataDirectory() = default;
    ~DataDirectory();
    DataDirectory(const DataDirectory &) = delete;
    DataDirectory &operator=(const DataDirectory &) = delete;

    // Unavailable: in use by another process. BadRequest: cannot be created
    // or written.
    Status prepare(const QString &path);
    void release();

    QString path() const { return m_path; }
    QString filePath(const QString &name) const;

private:
    QString m_path;
    int m_lockFd = -1;
};
