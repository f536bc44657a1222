#include "SupervisorClient.h"

#include <QDir>
#include <QFile>
#include <QUrl>

#include "ClusterFileStore.h"
#include "ClusterRequest.h"

Result<SupervisorClient> SupervisorClient::open(const QString &dataDir)
{
    Result<ClusterFile> cluster = ClusterFileStore::read(QDir(dataDir).filePath(QStringLiteral("cluster.json")));
    if (!cluster.isOk()) {
        if (cluster.status().code() == Status::Code::NotFound) {
            return Status::notFound(QStringLiteral("no cluster in %1 (no cluster.json); start one with "
                                                   "peacedb-cluster up --data %1")
                                        .arg(dataDir));
        }
        return cluster.status();
    }
    if (cluster->launcherPid <= 0) {
        return Status::unavailable(QStringLiteral("the cluster in %1 is not running (its launcher has stopped); start it "
                                                  "with peacedb-cluster up --data %1")
                                       .arg(dataDir));
    }
    QFile tokenFile(cluster->tokenFile);
    if (!tokenFile.open(QIODevice::ReadOnly))
        return Status::badRequest(QStringLiteral("cannot read the token file %1: %2").arg(cluster->tokenFile, tokenFile.errorString()));
    SupervisorClient client;
    client.m_cluster = std::move(cluster).value();
    client.m_token = tokenFile.readAll().trimmed();
    return client;
}

Result<ClusterFile::Process> SupervisorClient::start(const QString &name, int timeoutMs) const
{
    return post("/v1/_supervisor/nodes/" + QUrl::toPercentEncoding(name) + "/start", timeoutMs);
}

Result<ClusterFile::Process> SupervisorClient::stop(const QString &name, int timeoutMs) const
{
    return post("/v1/_supervisor/nodes/" + QUrl::toPercentEncoding(name) + "/stop", timeoutMs);
}

Result<ClusterFile::Process> SupervisorClient::addMember(int shard, int timeoutMs) const
{
    return post("/v1/_supervisor/shards/" + QByteArray::number(shard) + "/members", timeoutMs);
}

Result<ClusterFile::Process> SupervisorClient::removeMember(const QString &name, int timeoutMs) const
{
    return post("/v1/_supervisor/nodes/" + QUrl::toPercentEncoding(name) + "/remove", timeoutMs);
}

Result<ClusterFile::Process> SupervisorClient::post(const QByteArray &path, int timeoutMs) const
{
    const Result<ClusterRequest::Answer> answer =
        ClusterRequest::send(m_cluster.supervisorUrl, m_cluster.dataDir, m_token, "POST", path, QByteArray(), timeoutMs);
    if (!answer.isOk()) {
        if (answer.status().code() != Status::Code::Unavailable)
            return answer.status();
        return Status::unavailable(QStringLiteral("cannot reach the launcher's supervisor endpoint: %1 (is peacedb-cluster up still "
                                                  "running for %2?)")
                                       .arg(answer.status().message(), m_cluster.dataDir));
    }
    if (answer->status == 200)
        return ClusterFile::Process::fromJson(answer->body);
    const QString message = answer->error();
    switch (answer->status) {
    case 401: return Status::unauthorized(QStringLiteral("the supervisor refused the token: %1").arg(message));
    case 400: return Status::badRequest(message);
    case 404: return Status::notFound(message);
    case 409: return Status::conflict(message);
    case 503: return Status::unavailable(message);
    default: return Status::internal(QStringLiteral("the supervisor answered %1: %2").arg(answer->status).arg(message));
    }
}
