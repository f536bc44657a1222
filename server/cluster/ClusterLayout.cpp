#include "ClusterLayout.h"

#include <QJsonArray>

#include "ServerConfig.h"

namespace {

constexpr int kMaxBoundAddresses = 253; // 127.0.0.2 .. 127.0.0.254

} // namespace

Result<ClusterLayout> ClusterLayout::plan(const Request &request)
{
    if (request.shards < 1 || request.replicas < 0)
        return Status::badRequest(QStringLiteral("a cluster needs at least one shard and no negative replica count"));
    if (request.dataDir.isEmpty())
        return Status::badRequest(QStringLiteral("the cluster directory must not be empty"));
    const int members = request.shards * (request.replicas + 1);
    if (request.port < 2 || request.port + members > 65535) {
        return Status::badRequest(QStringLiteral("--port %1 leaves no room: the supervisor needs port %2 and the %3 members "
                                                 "ports %4 to %5, all between 1 and 65535")
                                      .arg(request.port)
                                      .arg(request.port - 1)
                                      .arg(members)
                                      .arg(request.port + 1)
                                      .arg(qint64(request.port) + members));
    }
    if (request.bindAddresses && members > kMaxBoundAddresses) {
        return Status::badRequest(QStringLiteral("--bind-addresses gives each member its own 127.0.0.N address, so at most "
                                                 "%1 members, not %2")
                                      .arg(kMaxBoundAddresses)
                                      .arg(members));
    }

    ClusterLayout layout;
    layout.m_request = request;
    if (request.router) {
        ProcessSpec router;
        router.name = QStringLiteral("router");
        router.role = ProcessSpec::Role::Router;
        router.host = QStringLiteral("127.0.0.1");
        router.port = quint16(request.port);
        layout.m_processes.append(router);
    }
    int index = 0;
    for (int shard = 0; shard < request.shards; ++shard) {
        for (int member = 0; member <= request.replicas; ++member, ++index) {
            ProcessSpec node;
            node.name = nodeName(shard, member);
            node.role = ProcessSpec::Role::Node;
            node.shard = shard;
            node.member = member;
            node.host = request.bindAddresses ? QStringLiteral("127.0.0.%1").arg(index + 2) : QStringLiteral("127.0.0.1");
            node.port = quint16(request.port + 1 + index);
            layout.complete(node);
            layout.m_configured.append(node);
            if (!request.removed.contains(node.name))
                layout.m_processes.append(node);
        }
    }
    layout.m_lastPortOffset = members;
    for (ProcessSpec &process : layout.m_processes)
        layout.complete(process);
    for (const Request::Joined &joined : request.joined) {
        ProcessSpec node;
        node.name = nodeName(joined.shard, joined.member);
        node.shard = joined.shard;
        node.member = joined.member;
        node.joined = true;
        node.host = joined.host;
        node.port = joined.port;
        layout.complete(node);
        layout.m_lastPortOffset = qMax(layout.m_lastPortOffset, int(joined.port) - request.port);
        if (!request.removed.contains(node.name))
            layout.m_processes.append(node);
    }
    return layout;
}

void ClusterLayout::complete(ProcessSpec &process) const
{
    process.url = QStringLiteral("%1://%2:%3").arg(scheme(), process.host).arg(process.port);
    process.dataDir = path(process.name);
    process.logPath = logDir() + QLatin1Char('/') + process.name + QStringLiteral(".log");
}

Result<ProcessSpec> ClusterLayout::nextJoined(int shard, int member) const
{
    if (shard < 0 || shard >= m_request.shards)
        return Status::notFound(QStringLiteral("no shard %1; shards are 0 to %2").arg(shard).arg(m_request.shards - 1));
    const int offset = m_lastPortOffset + 1;
    if (m_request.port + offset > 65535 || (m_request.bindAddresses && offset > kMaxBoundAddresses))
        return Status::badRequest(QStringLiteral("no port (or 127.0.0.N address) is left for another member"));
    ProcessSpec node;
    node.name = nodeName(shard, member);
    node.shard = shard;
    node.member = member;
    node.joined = true;
    node.host = m_request.bindAddresses ? QStringLiteral("127.0.0.%1").arg(offset + 1) : QStringLiteral("127.0.0.1");
    node.port = quint16(m_request.port + offset);
    complete(node);
    return node;
}

void ClusterLayout::addJoined(const ProcessSpec &process)
{
    m_request.joined.append(Request::Joined{process.shard, process.member, process.host, process.port});
    m_lastPortOffset = qMax(m_lastPortOffset, int(process.port) - m_request.port);
    m_processes.append(process);
}

void ClusterLayout::remove(const QString &name)
{
    if (!m_request.removed.contains(name))
        m_request.removed.append(name);
    m_processes.erase(std::remove_if(m_processes.begin(), m_processes.end(),
                                     [&name](const ProcessSpec &process) { return process.name == name; }),
                      m_processes.end());
}

QString ClusterLayout::path(const QString &name) const
{
    QString base = m_request.dataDir;
    while (base.size() > 1 && base.endsWith(QLatin1Char('/')))
        base.chop(1);
    if (!base.endsWith(QLatin1Char('/')))
        base += QLatin1Char('/');
    return base + name;
}

const ProcessSpec *ClusterLayout::find(const QString &name) const
{
    for (const ProcessSpec &process : m_processes) {
        if (process.name == name)
            return &process;
    }
    return nullptr;
}

QStringList ClusterLayout::names() const
{
    QStringList out;
    for (const ProcessSpec &process : m_processes)
        out.append(process.name);
    return out;
}

const ProcessSpec *ClusterLayout::router() const
{
    return m_request.router ? &m_processes.first() : nullptr;
}

QString ClusterLayout::supervisorUrl() const
{
    return QStringLiteral("%1://%2:%3").arg(scheme(), supervisorHost()).arg(supervisorPort());
}

QString ClusterLayout::nodeName(int shard, int member)
{
    return QStringLiteral("shard%1-node%2").arg(shard).arg(member);
}

QJsonObject ClusterLayout::config() const
{
    QVector<QJsonArray> replicas(m_request.shards);
    QVector<QString> primaries(m_request.shards);
    // The first members, as the cluster was made: later ones are in the log.
    for (const ProcessSpec &process : m_configured) {
        if (process.member == 0)
            primaries[process.shard] = process.url;
        else
            replicas[process.shard].append(process.url);
    }
    QJsonArray shards;
    for (int shard = 0; shard < m_request.shards; ++shard) {
        shards.append(QJsonObject{{QStringLiteral("Id"), shard},
                                  {QStringLiteral("Primary"), primaries.at(shard)},
                                  {QStringLiteral("Replicas"), replicas.at(shard)}});
    }
    const ServerConfig defaults;
    const QJsonObject replication{
        {QStringLiteral("Enabled"), true},
        {QStringLiteral("ReplicaCount"), m_request.replicas},
        {QStringLiteral("WriteQuorum"), writeQuorum()},
        {QStringLiteral("ReadQuorum"), 1},
        {QStringLiteral("FailoverTimeoutMs"), defaults.failoverTimeoutMs},
        {QStringLiteral("HealthCheckIntervalMs"), defaults.healthCheckIntervalMs},
        {QStringLiteral("MaxReplicationLagMs"), defaults.maxReplicationLagMs},
        {QStringLiteral("HeartbeatIntervalMs"), defaults.heartbeatIntervalMs},
    };
    QJsonObject server{{QStringLiteral("Role"), QStringLiteral("node")}, {QStringLiteral("AdminPasswordFile"), adminPasswordPath()}};
    if (m_request.tls)
        server.insert(QStringLiteral("Tls"), QJsonObject{{QStringLiteral("CaFile"), caPath()}});
    return QJsonObject{
        {QStringLiteral("Server"), server},
        {QStringLiteral("Sharding"), QJsonObject{{QStringLiteral("Enabled"), true},
                                                 {QStringLiteral("ShardCount"), m_request.shards},
                                                 {QStringLiteral("Replication"), replication},
                                                 {QStringLiteral("Shards"), shards}}},
    };
}

Status ClusterLayout::compatibleWith(const QJsonObject &existingConfig) const
{
    const QJsonObject existing = existingConfig.value(QStringLiteral("Sharding")).toObject();
    const QJsonObject planned = config().value(QStringLiteral("Sharding")).toObject();
    const auto describe = [](const QJsonObject &sharding) {
        const QJsonArray shards = sharding.value(QStringLiteral("Shards")).toArray();
        const int members = shards.isEmpty() ? 0 : 1 + int(shards.first().toObject().value(QStringLiteral("Replicas")).toArray().size());
        return QStringLiteral("%1 shard(s) of %2 member(s), first member %3")
            .arg(sharding.value(QStringLiteral("ShardCount")).toInt())
            .arg(members)
            .arg(shards.isEmpty() ? QStringLiteral("none") : shards.first().toObject().value(QStringLiteral("Primary")).toString());
    };
    if (existing.value(QStringLiteral("ShardCount")) != planned.value(QStringLiteral("ShardCount"))
        || existing.value(QStringLiteral("Shards")) != planned.value(QStringLiteral("Shards"))) {
        return Status::badRequest(QStringLiteral("%1 holds a cluster of %2, but these options make %3; use the same "
                                                 "--shards, --replicas, --port and --bind-addresses, or another --data")
                                      .arg(m_request.dataDir, describe(existing), describe(planned)));
    }
    return Status::ok();
}

QStringList ClusterLayout::arguments(const ProcessSpec &process) const
{
    QStringList out;
    if (process.role == ProcessSpec::Role::Router)
        out << QStringLiteral("--role") << QStringLiteral("router");
    out << QStringLiteral("--config") << configPath()
        << QStringLiteral("--listen") << process.host + QLatin1Char(':') + QString::number(process.port)
        << QStringLiteral("--token-file") << tokenPath()
        << QStringLiteral("--data") << process.dataDir;
    return out;
}

QHash<QString, QString> ClusterLayout::environment(const ProcessSpec &process) const
{
    QHash<QString, QString> variables;
    if (m_request.tls) {
        variables.insert(ServerConfig::environmentName(QStringLiteral("Server.Tls.CertFile")), certificatePath(process.name));
        variables.insert(ServerConfig::environmentName(QStringLiteral("Server.Tls.KeyFile")), keyPath(process.name));
        // Members accept only the cluster's processes (mutual TLS); the
        // router serves clients without certificates.
        if (process.role == ProcessSpec::Role::Node)
            variables.insert(ServerConfig::environmentName(QStringLiteral("Server.Tls.ClientCaFile")), caPath());
    }
    if (process.role == ProcessSpec::Role::Router)
        variables.insert(ServerConfig::environmentName(QStringLiteral("Server.BackupRoot")), backupRoot());
    if (process.role != ProcessSpec::Role::Node)
        return variables;
    variables.insert(ServerConfig::environmentName(QStringLiteral("Node.Self")), process.url);
    variables.insert(ServerConfig::environmentName(QStringLiteral("Node.ShardId")), QString::number(process.shard));
    if (process.joined)
        variables.insert(ServerConfig::environmentName(QStringLiteral("Node.MemberId")), QString::number(process.member));
    return variables;
}

QStringList ClusterLayout::environmentToRemove(const ProcessSpec &process) const
{
    if (process.role == ProcessSpec::Role::Node && process.joined)
        return {};
    if (process.role == ProcessSpec::Role::Node)
        return {ServerConfig::environmentName(QStringLiteral("Node.MemberId"))};
    return {ServerConfig::environmentName(QStringLiteral("Node.Self")),
            ServerConfig::environmentName(QStringLiteral("Node.ShardId")),
            ServerConfig::environmentName(QStringLiteral("Node.MemberId"))};
}
