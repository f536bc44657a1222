#include "ClusterFile.h"

#include <QJsonArray>

namespace {

QJsonValue pidValue(qint64 pid)
{
    return pid > 0 ? QJsonValue(pid) : QJsonValue(QJsonValue::Null);
}

QJsonValue indexValue(int index)
{
    return index >= 0 ? QJsonValue(index) : QJsonValue(QJsonValue::Null);
}

Status invalidField(const QString &field, const QString &expected)
{
    return Status::badRequest(QStringLiteral("cluster file: %1 must be %2").arg(field, expected));
}

// Reads an optional non-negative integer (null or absent: `absent`).
Result<qint64> optionalInteger(const QJsonObject &object, const QString &field, qint64 absent)
{
    const QJsonValue value = object.value(field);
    if (value.isNull() || value.isUndefined())
        return absent;
    if (!value.isDouble() || value.toDouble() != double(value.toInteger()) || value.toInteger() < 0)
        return invalidField(field, QStringLiteral("a non-negative integer or null"));
    return value.toInteger();
}

Result<QString> requiredString(const QJsonObject &object, const QString &field)
{
    const QJsonValue value = object.value(field);
    if (!value.isString() || value.toString().isEmpty())
        return invalidField(field, QStringLiteral("a non-empty string"));
    return value.toString();
}

} // namespace

QJsonObject ClusterFile::Process::toJson() const
{
    QJsonObject object{{QStringLiteral("name"), name},
                       {QStringLiteral("role"), role},
                       {QStringLiteral("shard"), indexValue(shard)},
                       {QStringLiteral("member"), indexValue(member)},
                       {QStringLiteral("url"), url},
                       {QStringLiteral("pid"), pidValue(pid)},
                       {QStringLiteral("state"), state},
                       {QStringLiteral("log"), log},
                       {QStringLiteral("dataDir"), dataDir}};
    if (!lastExit.isEmpty())
        object.insert(QStringLiteral("lastExit"), lastExit);
    return object;
}

Result<ClusterFile::Process> ClusterFile::Process::fromJson(const QJsonObject &object)
{
    Process process;
    for (const auto &[field, target] : {std::pair{QStringLiteral("name"), &process.name},
                                        std::pair{QStringLiteral("role"), &process.role},
                                        std::pair{QStringLiteral("url"), &process.url},
                                        std::pair{QStringLiteral("state"), &process.state},
                                        std::pair{QStringLiteral("log"), &process.log},
                                        std::pair{QStringLiteral("dataDir"), &process.dataDir}}) {
        const Result<QString> value = requiredString(object, field);
        if (!value.isOk())
            return value.status();
        *target = value.value();
    }
    process.lastExit = object.value(QStringLiteral("lastExit")).toString();
    const Result<qint64> pid = optionalInteger(object, QStringLiteral("pid"), 0);
    const Result<qint64> shard = optionalInteger(object, QStringLiteral("shard"), -1);
    const Result<qint64> member = optionalInteger(object, QStringLiteral("member"), -1);
    for (const Result<qint64> *value : {&pid, &shard, &member}) {
        if (!value->isOk())
            return value->status();
    }
    process.pid = pid.value();
    process.shard = int(shard.value());
    process.member = int(member.value());
    return process;
}

QJsonObject ClusterFile::toJson() const
{
    QJsonArray list;
    for (const Process &process : processes)
        list.append(process.toJson());
    return QJsonObject{{QStringLiteral("launcherPid"), pidValue(launcherPid)},
                       {QStringLiteral("dataDir"), dataDir},
                       {QStringLiteral("configFile"), configFile},
                       {QStringLiteral("tokenFile"), tokenFile},
                       {QStringLiteral("supervisor"), supervisorUrl},
                       {QStringLiteral("router"), routerUrl.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(routerUrl)},
                       {QStringLiteral("shards"), shards},
                       {QStringLiteral("replicas"), replicas},
                       {QStringLiteral("processes"), list}};
}

Result<ClusterFile> ClusterFile::fromJson(const QJsonObject &object)
{
    ClusterFile file;
    for (const auto &[field, target] : {std::pair{QStringLiteral("dataDir"), &file.dataDir},
                                        std::pair{QStringLiteral("configFile"), &file.configFile},
                                        std::pair{QStringLiteral("tokenFile"), &file.tokenFile},
                                        std::pair{QStringLiteral("supervisor"), &file.supervisorUrl}}) {
        const Result<QString> value = requiredString(object, field);
        if (!value.isOk())
            return value.status();
        *target = value.value();
    }
    const QJsonValue router = object.value(QStringLiteral("router"));
    if (!router.isNull() && !router.isUndefined() && !router.isString())
        return invalidField(QStringLiteral("router"), QStringLiteral("a URL or null"));
    file.routerUrl = router.toString();
    const Result<qint64> launcherPid = optionalInteger(object, QStringLiteral("launcherPid"), 0);
    const Result<qint64> shards = optionalInteger(object, QStringLiteral("shards"), 0);
    const Result<qint64> replicas = optionalInteger(object, QStringLiteral("replicas"), 0);
    for (const Result<qint64> *value : {&launcherPid, &shards, &replicas}) {
        if (!value->isOk())
            return value->status();
    }
    file.launcherPid = launcherPid.value();
    file.shards = int(shards.value());
    file.replicas = int(replicas.value());
    const QJsonValue processes = object.value(QStringLiteral("processes"));
    if (!processes.isArray())
        return invalidField(QStringLiteral("processes"), QStringLiteral("an array"));
    const QJsonArray list = processes.toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (!list.at(i).isObject())
            return invalidField(QStringLiteral("processes[%1]").arg(i), QStringLiteral("an object"));
        Result<Process> process = Process::fromJson(list.at(i).toObject());
        if (!process.isOk()) {
            QString message = process.status().message();
            message.replace(QStringLiteral("cluster file: "), QStringLiteral("cluster file: processes[%1].").arg(i));
            return Status::badRequest(message);
        }
        file.processes.append(std::move(process).value());
    }
    return file;
}

const ClusterFile::Process *ClusterFile::find(const QString &name) const
{
    for (const Process &process : processes) {
        if (process.name == name)
            return &process;
    }
    return nullptr;
}
