#include "ClusterRestore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QUuid>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <variant>

#include <sys/stat.h>

#include "BackupFiles.h"
#include "ClusterLauncher.h"
#include "ClusterLayout.h"
#include "FileSync.h"
#include "SnapshotFile.h"

namespace ClusterRestore {

namespace {

int fail(int code, const QString &message)
{
    std::fprintf(stderr, "peacedb-cluster: %s\n", qPrintable(message));
    return code;
}

void say(const QString &text)
{
    std::fprintf(stdout, "%s\n", qPrintable(text));
    std::fflush(stdout);
}

QString absolute(const QString &path)
{
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

// The backup, verified; or the exit code after printing why not.
std::variant<BackupManifest, int> verified(const QString &backup)
{
    const Result<BackupManifest> manifest = BackupFiles::verify(backup);
    if (manifest.isOk())
        return manifest.value();
    const bool unusable = manifest.status().code() == Status::Code::BadRequest || manifest.status().code() == Status::Code::NotFound;
    return fail(unusable ? ClusterLauncher::ExitBadBackup : ClusterLauncher::ExitStartupFailed,
                QStringLiteral("the backup is refused: %1").arg(manifest.status().message()));
}

QString positions(const BackupManifest &manifest)
{
    QStringList out;
    for (const BackupManifest::Shard &shard : manifest.shards)
        out.append(QStringLiteral("shard %1 at seq %2 of term %3").arg(shard.shard).arg(shard.seq).arg(shard.term));
    return out.join(QStringLiteral(", "));
}

Status makeDirectory(const QString &path)
{
    if (::mkdir(QFile::encodeName(path).constData(), 0700) != 0)
        return Status::storageFailure(QStringLiteral("cannot create %1: %2").arg(path, QString::fromLocal8Bit(strerror(errno))));
    return Status::ok();
}

// One member's database from its shard's copy.
Status restoreMember(const QString &copy, const QString &dataDir, const BackupManifest::Shard &shard)
{
    Status status = makeDirectory(dataDir);
    if (!status.isOk())
        return status;
    const QString database = QDir(dataDir).filePath(QStringLiteral("peacedb.sqlite"));
    if (!QFile::copy(copy, database))
        return Status::storageFailure(QStringLiteral("cannot copy %1 to %2").arg(copy, database));
    const Result<SnapshotFile::Info> prepared = SnapshotFile::prepareInstall(database, QUuid::createUuid().toString(QUuid::WithoutBraces));
    if (!prepared.isOk())
        return prepared.status();
    if (prepared->seq != shard.seq || prepared->term != shard.term) {
        return Status::storageFailure(QStringLiteral("%1 reflects seq %2 of term %3 once copied, not seq %4 of term %5")
                                          .arg(database)
                                          .arg(prepared->seq)
                                          .arg(prepared->term)
                                          .arg(shard.seq)
                                          .arg(shard.term));
    }
    status = SnapshotFile::writeHardState(database, HardState{shard.term, -1, true});
    if (status.isOk())
        status = FileSync::syncFile(database);
    return status.isOk() ? FileSync::syncDirectory(dataDir) : status;
}

Status build(const QString &backup, const BackupManifest &manifest, const ClusterLayout &layout, const QString &directory)
{
    Status status = makeDirectory(directory);
    if (!status.isOk())
        return status;
    for (const ProcessSpec &process : layout.processes()) {
        if (process.role != ProcessSpec::Role::Node)
            continue;
        const BackupManifest::Shard &shard = manifest.shards.at(process.shard);
        say(QStringLiteral("%1: shard %2 at seq %3 of term %4").arg(process.name).arg(shard.shard).arg(shard.seq).arg(shard.term));
        status = restoreMember(QDir(backup).filePath(shard.file), QDir(directory).filePath(process.name), shard);
        if (!status.isOk())
            return status;
    }
    status = FileSync::writeAtomically(QDir(directory).filePath(QFileInfo(layout.configPath()).fileName()),
                                       QJsonDocument(layout.config()).toJson(QJsonDocument::Indented));
    if (status.isOk()) {
        status = FileSync::writeAtomically(QDir(directory).filePath(QStringLiteral("backup-manifest.json")),
                                           QJsonDocument(manifest.toJson()).toJson(QJsonDocument::Indented));
    }
    return status.isOk() ? FileSync::syncDirectory(directory) : status;
}

} // namespace

int verify(const ClusterOptions &options)
{
    const QString backup = absolute(options.backupDir);
    const std::variant<BackupManifest, int> manifest = verified(backup);
    if (const int *code = std::get_if<int>(&manifest))
        return *code;
    const BackupManifest &checked = std::get<BackupManifest>(manifest);
    say(QStringLiteral("%1: backup %2, taken %3 to %4: %5 shard(s), %6 bytes, every checksum matches; %7")
            .arg(backup, checked.id, checked.startedAt, checked.finishedAt)
            .arg(checked.shards.size())
            .arg(checked.totalBytes())
            .arg(positions(checked)));
    return ClusterLauncher::ExitOk;
}

int restore(const ClusterOptions &options)
{
    const QString backup = absolute(options.backupDir);
    const QString target = absolute(options.dataDir);
    const Status usable = BackupFiles::checkNewDirectory(target, QStringLiteral("restore into a new one"));
    if (!usable.isOk())
        return fail(ClusterLauncher::ExitClusterDirectory, usable.message());
    const std::variant<BackupManifest, int> verifiedManifest = verified(backup);
    if (const int *code = std::get_if<int>(&verifiedManifest))
        return *code;
    const BackupManifest &manifest = std::get<BackupManifest>(verifiedManifest);

    ClusterLayout::Request request;
    request.shards = int(manifest.shards.size());
    request.replicas = options.replicasGiven ? options.replicas : int(manifest.layout.first().members.size()) - 1;
    request.port = options.port;
    request.bindAddresses = options.bindAddresses;
    request.tls = options.tls;
    request.dataDir = target;
    const Result<ClusterLayout> layout = ClusterLayout::plan(request);
    if (!layout.isOk())
        return fail(ClusterLauncher::ExitBadCommandLine, layout.status().message());

    const QString building = target + QStringLiteral(".restoring-") + QString::number(QCoreApplication::applicationPid());
    say(QStringLiteral("restoring backup %1 (%2) into %3").arg(manifest.id, positions(manifest), target));
    Status status = build(backup, manifest, layout.value(), building);
    if (status.isOk())
        status = FileSync::rename(building, target);
    if (!status.isOk()) {
        QDir(building).removeRecursively();
        return fail(ClusterLauncher::ExitStartupFailed, QStringLiteral("restore failed, nothing was made: %1").arg(status.message()));
    }
    QString up = QStringLiteral("peacedb-cluster up --data %1 --shards %2 --replicas %3 --port %4")
                     .arg(target)
                     .arg(request.shards)
                     .arg(request.replicas)
                     .arg(request.port);
    if (request.bindAddresses)
        up += QStringLiteral(" --bind-addresses");
    if (request.tls)
        up += QStringLiteral(" --tls");
    say(QStringLiteral("restored: %1 holds a cluster of %2 shard(s) x %3 member(s); start it with\n  %4")
            .arg(target)
            .arg(request.shards)
            .arg(request.replicas + 1)
            .arg(up));
    return ClusterLauncher::ExitOk;
}

} // namespace ClusterRestore
