#include "StorageFault.h"

#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

#include <cerrno>
#include <csignal>
#include <unistd.h>

namespace {

constexpr int kControlTimeoutMs = 10000;
const QString kPreloadDirectory = QStringLiteral("/usr/lib/fiu");

// libfiu's failure points for each kind, and the errno they fail with.
QStringList failurePoints(StorageFault::Kind kind)
{
    switch (kind) {
    case StorageFault::Kind::DiskFull: return {QStringLiteral("posix/io/rw/pwrite"), QStringLiteral("posix/io/rw/pwritev")};
    case StorageFault::Kind::IoError: return {QStringLiteral("posix/io/sync/fsync"), QStringLiteral("posix/io/sync/fdatasync")};
    }
    return {};
}

int failureErrno(StorageFault::Kind kind)
{
    return kind == StorageFault::Kind::DiskFull ? ENOSPC : EIO;
}

} // namespace

StorageFault::StorageFault() = default;

QString StorageFault::unavailableReason()
{
    for (const QString &program : {QStringLiteral("fiu-run"), QStringLiteral("fiu-ctrl")}) {
        if (QStandardPaths::findExecutable(program).isEmpty())
            return QStringLiteral("%1 is missing: deploy/install-deps.sh installs it (Debian package fiu-utils)").arg(program);
    }
    if (!QFileInfo::exists(kPreloadDirectory + QStringLiteral("/fiu_posix_preload.so")))
        return QStringLiteral("%1/fiu_posix_preload.so is missing (Debian package fiu-utils)").arg(kPreloadDirectory);
    return {};
}

QString StorageFault::kindName(Kind kind)
{
    switch (kind) {
    case Kind::DiskFull: return QStringLiteral("disk full");
    case Kind::IoError: return QStringLiteral("I/O error");
    }
    return {};
}

QStringList StorageFault::wrapper() const
{
    return {QStringLiteral("fiu-run"), QStringLiteral("-x"), QStringLiteral("-f"), m_dir.filePath(QStringLiteral("fiu"))};
}

bool StorageFault::inject(qint64 pid, Kind kind, QString *error)
{
    return control(pid, true, kind, error);
}

bool StorageFault::clear(qint64 pid, Kind kind, QString *error)
{
    return control(pid, false, kind, error);
}

bool StorageFault::control(qint64 pid, bool enable, Kind kind, QString *error)
{
    const QString prefix = m_dir.filePath(QStringLiteral("fiu"));
    if (!m_dir.isValid() || pid <= 0 || !QFileInfo::exists(QStringLiteral("%1-%2.in").arg(prefix).arg(pid))) {
        *error = QStringLiteral("%1 %2 in process %3: it does not run under %4")
                     .arg(enable ? QStringLiteral("cannot inject") : QStringLiteral("cannot clear"), kindName(kind))
                     .arg(pid)
                     .arg(wrapper().join(QLatin1Char(' ')));
        return false;
    }
    QStringList arguments{QStringLiteral("-f"), prefix};
    for (const QString &point : failurePoints(kind)) {
        arguments << QStringLiteral("-c")
                  << (enable ? QStringLiteral("enable name=%1,failinfo=%2").arg(point).arg(failureErrno(kind))
                             : QStringLiteral("disable name=%1").arg(point));
    }
    arguments << QString::number(pid);
    QProcess control;
    control.setProcessChannelMode(QProcess::MergedChannels);
    control.setChildProcessModifier([] { ::setpgid(0, 0); });
    control.start(QStringLiteral("fiu-ctrl"), arguments);
    if (!control.waitForStarted(kControlTimeoutMs)) {
        *error = QStringLiteral("cannot run fiu-ctrl: %1").arg(control.errorString());
        return false;
    }
    if (!control.waitForFinished(kControlTimeoutMs)) {
        // Its shell and the cat it may be waiting in.
        ::kill(-pid_t(control.processId()), SIGKILL);
        control.waitForFinished(kControlTimeoutMs);
        *error = QStringLiteral("fiu-ctrl %1: no answer from process %2 within %3 ms")
                     .arg(arguments.join(QLatin1Char(' ')))
                     .arg(pid)
                     .arg(kControlTimeoutMs);
        return false;
    }
    // fiu-ctrl exits with 0 whatever happened; it prints what went wrong.
    const QString output = QString::fromUtf8(control.readAll()).trimmed();
    if (control.exitStatus() != QProcess::NormalExit || control.exitCode() != 0 || !output.isEmpty()) {
        *error = QStringLiteral("fiu-ctrl %1: exit code %2: %3").arg(arguments.join(QLatin1Char(' '))).arg(control.exitCode()).arg(output);
        return false;
    }
    return true;
}
