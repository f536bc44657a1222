// StorageFault: makes the storage calls of chosen processes of a local
// cluster fail, with libfiu (Debian's fiu-utils, installed by
// deploy/install-deps.sh), for the fault-injection tests.
//
// The cluster's launcher runs under wrapper(), `fiu-run -x -f DIR/fiu`:
// fiu-run preloads libfiu's POSIX wrappers (LD_PRELOAD) and the launcher
// passes its environment on, so every process of the cluster runs with
// them — restarts included — each with a control FIFO pair
// DIR/fiu-PID.in/.out that fiu-ctrl talks to. Nothing fails until inject():
//   DiskFull  pwrite and pwritev fail with ENOSPC: every write SQLite makes
//             to the database, its WAL and its shared-memory index;
//   IoError   fsync and fdatasync fail with EIO: every commit, after its
//             data was written.
// write() is left alone: the process's sockets and its log use it too, and
// the nemesis is a failing disk, not a failing network. A fault lasts until
// clear() or the end of the process; a restarted process starts without.
//
// A process that ends normally removes its FIFOs; one that is killed leaves
// them in DIR, a QTemporaryDir this object removes when it is destroyed (let
// it outlive the cluster). fiu-ctrl blocks while the process does not read
// its FIFO (paused, or dead since the check): it runs in a process group of
// its own that is killed after a bound. Test thread only; owned by the test.
#pragma once

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

class StorageFault
{
public:
    enum class Kind { DiskFull, IoError };

    StorageFault();
    StorageFault(const StorageFault &) = delete;
    StorageFault &operator=(const StorageFault &) = delete;

    // Empty when faults can be injected here, else why not.
    static QString unavailableReason();
    static QString kindName(Kind kind);

    // The command to run the launcher under (ClusterProcesses::Options::
    // launcherWrapper).
    QStringList wrapper() const;
    // Makes `pid`'s storage calls fail as `kind` says, from now on.
    bool inject(qint64 pid, Kind kind, QString *error);
    // Ends the fault (the process's storage works again).
    bool clear(qint64 pid, Kind kind, QString *error);

private:
    bool control(qint64 pid, bool enable, Kind kind, QString *error);

    QTemporaryDir m_dir;
};
