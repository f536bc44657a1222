#include "BackupFiles.h"

#include "FileSync.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

namespace BackupFiles {

namespace {

Result<QByteArray> readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Status::storageFailure(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const QByteArray contents = file.readAll();
    if (file.error() != QFile::NoError)
        return Status::storageFailure(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    return contents;
}

QByteArray checksumLine(const QByteArray &manifest)
{
    return QCryptographicHash::hash(manifest, QCryptographicHash::Sha256).toHex() + "  " + kManifest.toUtf8() + '\n';
}

Status damaged(const QString &message)
{
    return Status::badRequest(message);
}

// Presence and size of every shard file: an incomplete copy is named
// before any checksum is computed.
Status checkSizes(const QDir &dir, const BackupManifest &manifest)
{
    for (const BackupManifest::Shard &shard : manifest.shards) {
        const QFileInfo file(dir.filePath(shard.file));
        if (!file.isFile())
            return damaged(QStringLiteral("%1 is incomplete: %2 is missing").arg(dir.path(), shard.file));
        if (file.size() != shard.bytes) {
            return damaged(QStringLiteral("%1 is damaged or incomplete: it has %2 bytes, the manifest says %3")
                               .arg(file.filePath())
                               .arg(file.size())
                               .arg(shard.bytes));
        }
    }
    return Status::ok();
}

Status checkShard(const QDir &dir, const BackupManifest::Shard &shard)
{
    const QString path = dir.filePath(shard.file);
    const Result<QString> digest = sha256(path);
    if (!digest.isOk())
        return digest.status();
    if (digest.value() != shard.sha256) {
        return damaged(QStringLiteral("%1 is damaged: its SHA-256 is %2, the manifest says %3").arg(path, digest.value(), shard.sha256));
    }
    const Result<SnapshotFile::Info> info = SnapshotFile::read(path);
    if (!info.isOk())
        return damaged(QStringLiteral("%1 is not a usable snapshot: %2").arg(path, info.status().message()));
    if (info->seq != shard.seq || info->term != shard.term || info->databases != shard.databases) {
        return damaged(QStringLiteral("%1 reflects seq %2 of term %3 and %4 database(s); the manifest says seq %5 of term %6 and "
                                      "%7 database(s)")
                           .arg(path)
                           .arg(info->seq)
                           .arg(info->term)
                           .arg(info->databases.size())
                           .arg(shard.seq)
                           .arg(shard.term)
                           .arg(shard.databases.size()));
    }
    return Status::ok();
}

} // namespace

Result<QString> sha256(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Status::storageFailure(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file) || file.error() != QFile::NoError)
        return Status::storageFailure(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    return QString::fromLatin1(hash.result().toHex());
}

Result<Inspected> inspect(const QString &path)
{
    const Result<SnapshotFile::Info> info = SnapshotFile::read(path);
    if (!info.isOk())
        return info.status();
    const Result<QString> digest = sha256(path);
    if (!digest.isOk())
        return digest.status();
    return Inspected{info.value(), digest.value()};
}

Status writeManifest(const QString &dir, const BackupManifest &manifest)
{
    const QByteArray text = QJsonDocument(manifest.toJson()).toJson(QJsonDocument::Indented);
    const Status written = FileSync::writeAtomically(QDir(dir).filePath(kManifest), text);
    if (!written.isOk())
        return written;
    return FileSync::writeAtomically(QDir(dir).filePath(kManifestChecksum), checksumLine(text));
}

Status checkNewDirectory(const QString &path, const QString &advice)
{
    const QFileInfo info(path);
    if (!QFileInfo(info.absolutePath()).isDir())
        return Status::badRequest(QStringLiteral("%1 does not exist; make it first").arg(info.absolutePath()));
    if (info.isSymLink())
        return Status::badRequest(QStringLiteral("%1 is a symbolic link; %2").arg(path, advice));
    if (info.exists() && (!info.isDir() || !QDir(path).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)))
        return Status::badRequest(QStringLiteral("%1 already exists and is not an empty directory; %2").arg(path, advice));
    return Status::ok();
}

Result<QString> backupTarget(const QString &root, const QString &requested)
{
    if (root.isEmpty()) {
        return Status::forbidden(QStringLiteral("backups through the API are off on this router: set Server.BackupRoot "
                                                "(PEACEDB_SERVER_BACKUP_ROOT) to the directory backups may be written under"));
    }
    if (requested.isEmpty()) {
        return Status::badRequest(
            QStringLiteral("to is required: the directory to make, relative to the backup root %1 or an absolute path inside it").arg(root));
    }
    const QString canonicalRoot = QFileInfo(root).canonicalFilePath();
    if (canonicalRoot.isEmpty() || !QFileInfo(canonicalRoot).isDir())
        return Status::badRequest(QStringLiteral("the backup root %1 (Server.BackupRoot) does not exist; make it first").arg(root));
    const QString target = QDir::cleanPath(QDir::isAbsolutePath(requested) ? requested : QDir(canonicalRoot).filePath(requested));
    const QFileInfo info(target);
    const QString parent = QFileInfo(info.absolutePath()).canonicalFilePath();
    const QString outside = QStringLiteral("%1 is outside the backup root %2 (Server.BackupRoot); back up into a directory inside it")
                                .arg(requested.left(200), canonicalRoot);
    const auto below = [](const QString &path, const QString &directory) {
        return path != directory && path.startsWith(directory.endsWith(QLatin1Char('/')) ? directory : directory + QLatin1Char('/'));
    };
    // The path as written first (under the root as configured or as it
    // really is), so a missing parent outside the root is refused as
    // outside, not as missing.
    if (!below(target, canonicalRoot) && !below(target, QDir::cleanPath(root)))
        return Status::forbidden(outside);
    if (parent.isEmpty())
        return Status::badRequest(QStringLiteral("%1 does not exist; make it first").arg(info.absolutePath()));
    // Symbolic links on the way: where the parent really is.
    if (parent != canonicalRoot && !below(parent, canonicalRoot))
        return Status::forbidden(outside);
    const QString resolved = QDir(parent).filePath(info.fileName());
    const Status usable = checkNewDirectory(resolved, QStringLiteral("back up into a new one"));
    if (!usable.isOk())
        return usable;
    return resolved;
}

Status publish(const QString &dir, const QString &target)
{
    for (const QString &name : QDir(dir).entryList(QDir::Files | QDir::Hidden)) {
        const Status synced = FileSync::syncFile(QDir(dir).filePath(name));
        if (!synced.isOk())
            return synced;
    }
    const Status synced = FileSync::syncDirectory(dir);
    if (!synced.isOk())
        return synced;
    return FileSync::rename(dir, target);
}

Result<BackupManifest> verify(const QString &path)
{
    const QDir dir(path);
    if (!QFileInfo(path).isDir())
        return Status::notFound(QStringLiteral("%1 is not a directory").arg(path));
    if (!QFileInfo::exists(dir.filePath(kManifest))) {
        return damaged(QStringLiteral("%1 is not a complete backup: it has no %2 (a backup gets its manifest last, once "
                                      "every shard is copied)")
                           .arg(path, kManifest));
    }
    if (!QFileInfo::exists(dir.filePath(kManifestChecksum)))
        return damaged(QStringLiteral("%1 is not a complete backup: it has no %2").arg(path, kManifestChecksum));
    const Result<QByteArray> text = readAll(dir.filePath(kManifest));
    if (!text.isOk())
        return text.status();
    const Result<QByteArray> checksum = readAll(dir.filePath(kManifestChecksum));
    if (!checksum.isOk())
        return checksum.status();
    if (checksum.value() != checksumLine(text.value())) {
        return damaged(QStringLiteral("%1 is damaged: its SHA-256 is %2, %3 says %4")
                           .arg(dir.filePath(kManifest),
                                QString::fromLatin1(checksumLine(text.value()).left(64)),
                                kManifestChecksum,
                                QString::fromUtf8(checksum->trimmed().left(64))));
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(text.value(), &error);
    if (!document.isObject())
        return damaged(QStringLiteral("%1 is not a JSON object: %2").arg(dir.filePath(kManifest), error.errorString()));
    Result<BackupManifest> manifest = BackupManifest::fromJson(document.object());
    if (!manifest.isOk())
        return damaged(QStringLiteral("%1: %2").arg(dir.filePath(kManifest), manifest.status().message()));
    Status status = checkSizes(dir, manifest.value());
    for (qsizetype i = 0; status.isOk() && i < manifest->shards.size(); ++i)
        status = checkShard(dir, manifest->shards.at(i));
    if (!status.isOk())
        return status;
    return manifest;
}

} // namespace BackupFiles
