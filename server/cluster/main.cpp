// peacedb-cluster: runs a local PeaceDB cluster — a router and every replica
// set member as peacedb-server processes on this machine — starts, stops or
// lists its processes, and backs it up and restores it (see
// ClusterCommandLine::helpText()).
#include <QCoreApplication>
#include <QDir>

#include <cerrno>
#include <csignal>
#include <cstdio>

#include "BackupCommand.h"
#include "ClusterCommandLine.h"
#include "ClusterFileStore.h"
#include "ClusterLauncher.h"
#include "ClusterRestore.h"
#include "ClusterStatus.h"
#include "SupervisorClient.h"

#include <sys/stat.h>

namespace {

// How long `start` and `stop` wait for the launcher's answer: it answers a
// start once the process listens and a stop once it has exited.
constexpr int kRequestTimeoutMs = 10 * 60 * 1000;

int fail(int code, const QString &message)
{
    std::fprintf(stderr, "peacedb-cluster: %s\n", qPrintable(message));
    return code;
}

bool pidAlive(qint64 pid)
{
    return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM);
}

int runStartOrStop(const ClusterOptions &options)
{
    const Result<SupervisorClient> client = SupervisorClient::open(options.dataDir);
    if (!client.isOk())
        return fail(ClusterLauncher::ExitStartupFailed, client.status().message());
    const bool start = options.command == ClusterOptions::Command::Start;
    const Result<ClusterFile::Process> process = start ? client->start(options.process, kRequestTimeoutMs)
                                                       : client->stop(options.process, kRequestTimeoutMs);
    if (!process.isOk())
        return fail(ClusterLauncher::ExitStartupFailed, process.status().message());
    if (start) {
        std::printf("%s is running: %s, pid %lld, log %s\n", qPrintable(process->name), qPrintable(process->url),
                    static_cast<long long>(process->pid), qPrintable(process->log));
    } else {
        std::printf("%s is stopped%s\n", qPrintable(process->name),
                    process->lastExit.isEmpty() ? "" : qPrintable(QStringLiteral(" (%1)").arg(process->lastExit)));
    }
    return ClusterLauncher::ExitOk;
}

int runMemberChange(const ClusterOptions &options)
{
    const Result<SupervisorClient> client = SupervisorClient::open(options.dataDir);
    if (!client.isOk())
        return fail(ClusterLauncher::ExitStartupFailed, client.status().message());
    const bool add = options.command == ClusterOptions::Command::AddMember;
    const Result<ClusterFile::Process> process =
        add ? client->addMember(options.shard, kRequestTimeoutMs) : client->removeMember(options.process, kRequestTimeoutMs);
    if (!process.isOk())
        return fail(ClusterLauncher::ExitStartupFailed, process.status().message());
    if (add) {
        std::printf("%s joined shard %d as member %d: %s, pid %lld, log %s (a learner until it has caught up)\n",
                    qPrintable(process->name), process->shard, process->member, qPrintable(process->url),
                    static_cast<long long>(process->pid), qPrintable(process->log));
    } else {
        std::printf("%s left shard %d and is stopped; its data stays in %s\n", qPrintable(process->name), process->shard,
                    qPrintable(process->dataDir));
    }
    return ClusterLauncher::ExitOk;
}

int runStatus(const ClusterOptions &options)
{
    const Result<ClusterFile> file = ClusterFileStore::read(QDir(options.dataDir).filePath(QStringLiteral("cluster.json")));
    if (!file.isOk()) {
        if (file.status().code() == Status::Code::NotFound)
            return fail(ClusterLauncher::ExitStartupFailed, QStringLiteral("no cluster in %1 (no cluster.json)").arg(options.dataDir));
        return fail(ClusterLauncher::ExitStartupFailed, file.status().message());
    }
    std::fputs(qPrintable(ClusterStatus::format(file.value(), pidAlive)), stdout);
    return ClusterLauncher::ExitOk;
}

} // namespace

int main(int argc, char *argv[])
{
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    // Data files, logs, snapshots and directories are the owner's alone
    // (0600 / 0700), whatever the umask the process was started with.
    ::umask(077);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("peacedb-cluster"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PEACEDB_VERSION));

    const Result<ClusterOptions> options = ClusterCommandLine::parse(QCoreApplication::arguments().mid(1));
    if (!options.isOk())
        return fail(ClusterLauncher::ExitBadCommandLine, options.status().message() + QStringLiteral(" (see --help)"));

    switch (options->command) {
    case ClusterOptions::Command::Help:
        std::fputs(qPrintable(ClusterCommandLine::helpText()), stdout);
        return ClusterLauncher::ExitOk;
    case ClusterOptions::Command::Version:
        std::printf("peacedb-cluster %s\n", PEACEDB_VERSION);
        return ClusterLauncher::ExitOk;
    case ClusterOptions::Command::Start:
    case ClusterOptions::Command::Stop:
        return runStartOrStop(options.value());
    case ClusterOptions::Command::Status:
        return runStatus(options.value());
    case ClusterOptions::Command::AddMember:
    case ClusterOptions::Command::RemoveMember:
        return runMemberChange(options.value());
    case ClusterOptions::Command::Backup:
        return BackupCommand::run(options.value());
    case ClusterOptions::Command::Verify:
        return ClusterRestore::verify(options.value());
    case ClusterOptions::Command::Restore:
        return ClusterRestore::restore(options.value());
    case ClusterOptions::Command::Up:
        break;
    }
    ClusterLauncher launcher(options.value());
    const int code = launcher.start();
    if (code != ClusterLauncher::ExitOk)
        return code;
    return app.exec();
}
