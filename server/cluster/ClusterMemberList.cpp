#include "ClusterMemberList.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include "JsonText.h"

Result<ClusterMemberList> ClusterMemberList::read(const QString &path)
{
    ClusterMemberList list;
    QFile file(path);
    if (!file.exists())
        return list;
    if (!file.open(QIODevice::ReadOnly))
        return Status::badRequest(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const Result<QJsonObject> root = JsonText::parseObject(file.readAll());
    if (!root.isOk())
        return Status::badRequest(QStringLiteral("%1: %2").arg(path, root.status().message()));
    for (const QJsonValue &value : root->value(QStringLiteral("joined")).toArray()) {
        const QJsonObject entry = value.toObject();
        ClusterLayout::Request::Joined joined;
        joined.shard = entry.value(QStringLiteral("shard")).toInt(-1);
        joined.member = entry.value(QStringLiteral("member")).toInt(-1);
        joined.host = entry.value(QStringLiteral("host")).toString();
        const int port = entry.value(QStringLiteral("port")).toInt(0);
        if (joined.shard < 0 || joined.member < 0 || joined.host.isEmpty() || port < 1 || port > 65535)
            return Status::badRequest(QStringLiteral("%1: a joined member needs shard, member, host and port").arg(path));
        joined.port = quint16(port);
        list.joined.append(joined);
    }
    for (const QJsonValue &value : root->value(QStringLiteral("removed")).toArray()) {
        if (!value.isString())
            return Status::badRequest(QStringLiteral("%1: removed lists process names").arg(path));
        list.removed.append(value.toString());
    }
    return list;
}

Status ClusterMemberList::write(const QString &path) const
{
    QJsonArray joinedArray;
    for (const ClusterLayout::Request::Joined &entry : joined) {
        joinedArray.append(QJsonObject{{QStringLiteral("shard"), entry.shard},
                                       {QStringLiteral("member"), entry.member},
                                       {QStringLiteral("host"), entry.host},
                                       {QStringLiteral("port"), entry.port}});
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Status::badRequest(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    file.write(QJsonDocument(QJsonObject{{QStringLiteral("joined"), joinedArray},
                                         {QStringLiteral("removed"), QJsonArray::fromStringList(removed)}})
                   .toJson(QJsonDocument::Indented));
    if (!file.commit())
        return Status::badRequest(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return Status::ok();
}
