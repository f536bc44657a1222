// ClusterLayout: the plan of a local cluster, decided from the launcher's
// options before anything starts — every process's name, address, data
// directory and log file, the shared configuration file's contents, and the
// command line and environment each process is started with.
//
// Files under the cluster directory DIR:
//   DIR/cluster-config.json   the configuration every process reads (--config)
//   DIR/token                 the cluster token (--token-file)
//   DIR/cluster.json          the launcher's process list (ClusterFile)
//   DIR/router, DIR/shard<S>-node<M>   data directories
//   DIR/logs/<name>.log       each process's stdout and stderr
//
// Ports: the router listens on 127.0.0.1:P, member i (counting shard by
// shard, primaries first within a shard) on P+1+i, the supervisor endpoint
// on 127.0.0.1:P-1. With bindAddresses member i listens on 127.0.0.(i+2)
// instead of 127.0.0.1, with the same port, so that firewall rules can cut
// one member off. Member 0 of each shard is its configured primary.
//
// Members change online (peacedb-cluster add-member / remove-member): a
// member added since is `joined` (named shard<S>-node<ID> after the id its
// change gave it, on a port after every other one), a removed one is no
// longer a process; the configuration file keeps describing the first
// members (the replica sets' log holds the rest). The launcher records both
// in DIR/members.json (ClusterMemberList) and plans with them.
//
// Pure (paths are joined as text, nothing is touched); any thread.
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include "ProcessSpec.h"
#include "Result.h"

class ClusterLayout
{
public:
    struct Request
    {
        int shards = 3;
        int replicas = 2;
        int port = 8080;
        bool bindAddresses = false;
        bool router = true;
        bool tls = false; // every process serves HTTPS (DIR/tls)
        QString dataDir; // used as given; the launcher passes an absolute path
        // Where the router may write backups (Server.BackupRoot); empty:
        // dataDir/backups. Used as given, like dataDir.
        QString backupRoot;
        // Members added since the cluster was made, and the names of members
        // removed (DIR/members.json).
        struct Joined
        {
            int shard = 0;
            int member = 0;
            QString host;
            quint16 port = 0;
        };
        QVector<Joined> joined;
        QStringList removed;
    };

    // BadRequest when the ports or addresses do not fit (e.g. port + members
    // beyond 65535, more than 253 members with bindAddresses).
    static Result<ClusterLayout> plan(const Request &request);

    // The router first (when there is one), then the members shard by shard.
    const QVector<ProcessSpec> &processes() const { return m_processes; }
    // nullptr if no process has that name.
    const ProcessSpec *find(const QString &name) const;
    QStringList names() const;
    const ProcessSpec *router() const;

    int shards() const { return m_request.shards; }
    int replicas() const { return m_request.replicas; }
    // A majority of each replica set.
    int writeQuorum() const { return (m_request.replicas + 1) / 2 + 1; }
    QString dataDir() const { return m_request.dataDir; }
    QString configPath() const { return path(QStringLiteral("cluster-config.json")); }
    QString tokenPath() const { return path(QStringLiteral("token")); }
    // The built-in admin's password, shared by every process.
    QString adminPasswordPath() const { return path(QStringLiteral("admin-password")); }
    QString clusterFilePath() const { return path(QStringLiteral("cluster.json")); }
    // The membership changes made since (ClusterMemberList).
    QString membersPath() const { return path(QStringLiteral("members.json")); }
    QString logDir() const { return path(QStringLiteral("logs")); }
    QString backupRoot() const { return m_request.backupRoot.isEmpty() ? path(QStringLiteral("backups")) : m_request.backupRoot; }
    QString supervisorHost() const { return QStringLiteral("127.0.0.1"); }
    quint16 supervisorPort() const { return quint16(m_request.port - 1); }
    QString supervisorUrl() const;
    bool tls() const { return m_request.tls; }
    QString tlsDir() const { return path(QStringLiteral("tls")); }
    // With tls(): what process `name` serves with and checks others against.
    QString certificatePath(const QString &name) const { return tlsDir() + QLatin1Char('/') + name + QStringLiteral(".pem"); }
    QString keyPath(const QString &name) const { return tlsDir() + QLatin1Char('/') + name + QStringLiteral(".key"); }
    QString caPath() const { return tlsDir() + QStringLiteral("/ca.pem"); }
    QString scheme() const { return m_request.tls ? QStringLiteral("https") : QStringLiteral("http"); }

    // The configuration every process reads: Server.Role node and the
    // Sharding section (shards with their member URLs, majority write
    // quorum, the default replication timings). A process's own identity is
    // in its environment (environment()).
    QJsonObject config() const;
    // Ok when an existing cluster directory's configuration describes the
    // same shards and members (data written under another layout would be
    // in the wrong shards); BadRequest saying what differs otherwise.
    Status compatibleWith(const QJsonObject &existingConfig) const;

    // The peacedb-server arguments of a process.
    QStringList arguments(const ProcessSpec &process) const;
    // The variables to add to the launcher's environment for a process:
    // PEACEDB_NODE_SELF and PEACEDB_NODE_SHARD_ID for members.
    QHash<QString, QString> environment(const ProcessSpec &process) const;
    // The variables to remove from the launcher's environment (a member's
    // identity must not leak into the router).
    QStringList environmentToRemove(const ProcessSpec &process) const;

    static QString nodeName(int shard, int member);

    // The process of a member added to `shard` with id `member` on the next
    // free address (after every process ever planned, removed ones too).
    // BadRequest when no port is left.
    Result<ProcessSpec> nextJoined(int shard, int member) const;
    // Adds a joined member's process; removes a process (a removed member).
    void addJoined(const ProcessSpec &process);
    void remove(const QString &name);
    const Request &request() const { return m_request; }

private:
    QString path(const QString &name) const;

    void complete(ProcessSpec &process) const;

    Request m_request;
    QVector<ProcessSpec> m_processes;
    QVector<ProcessSpec> m_configured; // the configuration file's members (removed ones too)
    int m_lastPortOffset = 0;          // the highest port - P used by any process ever planned
};
