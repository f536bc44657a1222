#include "NetworkPartition.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>

#include <cerrno>
#include <csignal>
#include <unistd.h>

namespace {

const QString kPrefix = QStringLiteral("peacedb_faults_");
const QString kCgroupBase = QStringLiteral("/sys/fs/cgroup");

QString program(const QString &name)
{
    return QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"),
                                                 QStringLiteral("/usr/bin"), QStringLiteral("/bin")});
}

// The cgroup v2 mount point, if it is /sys/fs/cgroup or below it.
QString cgroup2Mount()
{
    QFile mounts(QStringLiteral("/proc/mounts"));
    if (!mounts.open(QIODevice::ReadOnly))
        return {};
    for (const QByteArray &line : mounts.readAll().split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() > 2 && fields.at(2) == "cgroup2") {
            const QString path = QString::fromUtf8(fields.at(1));
            if (path == kCgroupBase || path.startsWith(kCgroupBase + QLatin1Char('/')))
                return path;
        }
    }
    return {};
}

bool processRunning(qint64 pid)
{
    return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM);
}

// The pid in `peacedb_faults_<pid>`, 0 if the name is not one of ours.
qint64 ownerPid(const QString &name)
{
    return name.startsWith(kPrefix) ? name.mid(kPrefix.size()).toLongLong() : 0;
}

// Moves every process of cgroup `directory` (and its children) to `root`,
// then removes the directories.
void removeCgroup(const QString &directory, const QString &root)
{
    QDir dir(directory);
    for (const QString &child : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        removeCgroup(dir.filePath(child), root);
    QFile procs(dir.filePath(QStringLiteral("cgroup.procs")));
    if (procs.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> pids = procs.readAll().split('\n');
        for (const QByteArray &pid : pids) {
            if (pid.trimmed().isEmpty())
                continue;
            QFile target(root + QStringLiteral("/cgroup.procs"));
            if (target.open(QIODevice::WriteOnly))
                target.write(pid.trimmed());
        }
    }
    ::rmdir(QFile::encodeName(directory).constData());
}

} // namespace

NetworkPartition::NetworkPartition()
    : m_name(kPrefix + QString::number(QCoreApplication::applicationPid()))
{
}

NetworkPartition::~NetworkPartition()
{
    remove();
}

QString NetworkPartition::unavailableReason()
{
    if (::geteuid() != 0)
        return QStringLiteral("network partitions need root (nftables rules and cgroups); CI runs as root");
    if (program(QStringLiteral("nft")).isEmpty())
        return QStringLiteral("nft (package nftables) is not installed");
    if (program(QStringLiteral("ss")).isEmpty())
        return QStringLiteral("ss (package iproute2) is not installed");
    if (cgroup2Mount().isEmpty())
        return QStringLiteral("no cgroup v2 hierarchy mounted under /sys/fs/cgroup");
    QString output;
    if (!run(program(QStringLiteral("nft")), {QStringLiteral("list"), QStringLiteral("tables")}, {}, &output))
        return QStringLiteral("nft does not work here: %1").arg(output);
    return {};
}

void NetworkPartition::removeLeftovers()
{
    QString output;
    if (run(program(QStringLiteral("nft")), {QStringLiteral("list"), QStringLiteral("tables")}, {}, &output)) {
        static const QRegularExpression table(QStringLiteral("^table inet (peacedb_faults_\\d+)$"),
                                              QRegularExpression::MultilineOption);
        for (auto match = table.globalMatch(output); match.hasNext();) {
            const QString name = match.next().captured(1);
            if (!processRunning(ownerPid(name)))
                run(program(QStringLiteral("nft")), {QStringLiteral("delete"), QStringLiteral("table"),
                                                     QStringLiteral("inet"), name}, {}, nullptr);
        }
    }
    const QString root = cgroup2Mount();
    if (root.isEmpty())
        return;
    for (const QString &name : QDir(root).entryList({kPrefix + QLatin1Char('*')}, QDir::Dirs)) {
        if (!processRunning(ownerPid(name)))
            removeCgroup(QDir(root).filePath(name), root);
    }
}

bool NetworkPartition::run(const QString &program, const QStringList &arguments, const QByteArray &input,
                           QString *output)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForStarted(10000)) {
        if (output)
            *output = QStringLiteral("cannot run %1: %2").arg(program, process.errorString());
        return false;
    }
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    const bool finished = process.waitForFinished(20000);
    if (!finished) {
        process.kill();
        process.waitForFinished(5000);
    }
    if (output)
        *output = QString::fromUtf8(process.readAll()).trimmed();
    return finished && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

bool NetworkPartition::nft(const QByteArray &script, QString *error)
{
    QString output;
    if (run(program(QStringLiteral("nft")), {QStringLiteral("-f"), QStringLiteral("-")}, script, &output))
        return true;
    if (error)
        *error = QStringLiteral("nft failed: %1\nscript:\n%2").arg(output, QString::fromUtf8(script));
    return false;
}

QString NetworkPartition::cgroupDirectory(const QString &name) const
{
    return QStringLiteral("%1/%2/%3").arg(m_cgroupRoot, m_name, name);
}

bool NetworkPartition::setUp(QString *error)
{
    m_cgroupRoot = cgroup2Mount();
    if (m_cgroupRoot.isEmpty()) {
        *error = QStringLiteral("no cgroup v2 hierarchy under /sys/fs/cgroup");
        return false;
    }
    m_cgroupPrefix = m_cgroupRoot == kCgroupBase ? QString() : m_cgroupRoot.mid(kCgroupBase.size() + 1) + QLatin1Char('/');
    if (!QDir().mkpath(QStringLiteral("%1/%2").arg(m_cgroupRoot, m_name))) {
        *error = QStringLiteral("cannot create cgroup %1/%2").arg(m_cgroupRoot, m_name);
        return false;
    }
    const QByteArray script = "add table inet " + m_name.toUtf8() + "\n"
                              "add chain inet " + m_name.toUtf8()
                              + " output { type filter hook output priority 0; policy accept; }\n";
    m_tableCreated = nft(script, error);
    return m_tableCreated;
}

bool NetworkPartition::adopt(const QString &name, qint64 pid, const QString &address, quint16 port, QString *error)
{
    const QString directory = cgroupDirectory(name);
    if (!QDir().mkpath(directory)) {
        *error = QStringLiteral("cannot create cgroup %1").arg(directory);
        return false;
    }
    QFile procs(directory + QStringLiteral("/cgroup.procs"));
    if (!procs.open(QIODevice::WriteOnly) || procs.write(QByteArray::number(pid)) < 0 || !procs.flush()) {
        *error = QStringLiteral("cannot move pid %1 into %2: %3").arg(pid).arg(directory, procs.errorString());
        return false;
    }
    procs.close();
    m_endpoints.insert(name, Endpoint{address, port});
    return closeConnections(pid, error);
}

bool NetworkPartition::closeConnections(qint64 pid, QString *error)
{
    QString output;
    if (!run(program(QStringLiteral("ss")), {QStringLiteral("-tnpH")}, {}, &output)) {
        *error = QStringLiteral("ss -tnpH failed: %1").arg(output);
        return false;
    }
    const QString owner = QStringLiteral("pid=%1,").arg(pid);
    for (const QString &line : output.split(QLatin1Char('\n'))) {
        if (!line.contains(owner))
            continue;
        const QStringList fields = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (fields.size() < 5)
            continue;
        // A connection that ends on its own in between is no error.
        run(program(QStringLiteral("ss")),
            {QStringLiteral("-K"), QStringLiteral("-tn"), QStringLiteral("src"), fields.at(3), QStringLiteral("dst"),
             fields.at(4)},
            {}, nullptr);
    }
    return true;
}

bool NetworkPartition::cut(const QStringList &side, const QStringList &other, QString *error)
{
    QByteArray script;
    auto drop = [&](const QString &from, const QString &to) {
        const Endpoint target = m_endpoints.value(to);
        script += "add rule inet " + m_name.toUtf8() + " output socket cgroupv2 level 2 \""
                  + (m_cgroupPrefix + m_name + QLatin1Char('/') + from).toUtf8() + "\" ip daddr "
                  + target.address.toUtf8() + " tcp dport " + QByteArray::number(target.port) + " drop\n";
    };
    for (const QString &a : side) {
        for (const QString &b : other) {
            if (!m_endpoints.contains(a) || !m_endpoints.contains(b)) {
                *error = QStringLiteral("cut %1 / %2: not adopted").arg(a, b);
                return false;
            }
            drop(a, b);
            drop(b, a);
        }
    }
    return nft(script, error);
}

bool NetworkPartition::heal(QString *error)
{
    return nft("flush chain inet " + m_name.toUtf8() + " output\n", error);
}

void NetworkPartition::remove()
{
    if (m_tableCreated) {
        run(program(QStringLiteral("nft")), {QStringLiteral("delete"), QStringLiteral("table"), QStringLiteral("inet"), m_name},
            {}, nullptr);
        m_tableCreated = false;
    }
    if (!m_cgroupRoot.isEmpty() && QDir(QStringLiteral("%1/%2").arg(m_cgroupRoot, m_name)).exists())
        removeCgroup(QStringLiteral("%1/%2").arg(m_cgroupRoot, m_name), m_cgroupRoot);
    m_endpoints.clear();
}
