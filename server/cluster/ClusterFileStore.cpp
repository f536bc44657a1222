#include "ClusterFileStore.h"

#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

#include "JsonText.h"

Result<ClusterFile> ClusterFileStore::read(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return Status::notFound(QStringLiteral("%1 does not exist").arg(path));
    if (!file.open(QIODevice::ReadOnly))
        return Status::badRequest(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const Result<QJsonObject> root = JsonText::parseObject(file.readAll());
    if (!root.isOk())
        return Status::badRequest(QStringLiteral("%1: %2").arg(path, root.status().message()));
    Result<ClusterFile> cluster = ClusterFile::fromJson(root.value());
    if (!cluster.isOk())
        return Status::badRequest(QStringLiteral("%1: %2").arg(path, cluster.status().message()));
    return cluster;
}

Status ClusterFileStore::write(const QString &path, const ClusterFile &file)
{
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return Status::internal(QStringLiteral("cannot write %1: %2").arg(path, out.errorString()));
    out.write(QJsonDocument(file.toJson()).toJson(QJsonDocument::Indented));
    if (!out.commit())
        return Status::internal(QStringLiteral("cannot write %1: %2").arg(path, out.errorString()));
    return Status::ok();
}
