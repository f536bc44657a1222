// ServerConfig: every setting of peacedb-server, with defaults, validation
// and the order in which sources override each other:
//
//   built-in defaults < config file (--config) < environment < command line
//
// Each setting has a dotted key ("Server.MaxBodyBytes"), the same name in the
// JSON file ({"Server": {"MaxBodyBytes": ...}}) and an environment variable
// derived from it (PEACEDB_SERVER_MAX_BODY_BYTES). Every error names the key
// and the source it came from. Pure (the environment is passed in); any
// thread.
#pragma once

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include "Result.h"
#include "Status.h"

// One shard's replica set: its member URLs, the configured primary first
// (member index = position in this list).
struct ShardLayout
{
    int id = 0;
    QStringList members;
};

struct ServerConfig
{
    // Server
    QString role = QStringLiteral("standalone");
    QString listenHost = QStringLiteral("127.0.0.1");
    quint16 listenPort = 8080;
    QString dataDir = QStringLiteral("./data");
    QString tokenFile;                // empty: <dataDir>/token, created on first start
    QString authentication = QStringLiteral("required"); // "required" or "off"
    QString backupRoot;               // router: where POST /v1/_cluster/backup may write; empty: nowhere
    QString adminPasswordFile;        // the built-in admin's; empty: <dataDir>/admin-password, created on first start
    // TLS (PEM files; empty: plain HTTP). With a certificate and key the
    // process serves HTTPS only; https:// URLs of other processes are
    // verified against CaFile; ClientCaFile makes clients present a
    // certificate it signed (mutual TLS between members).
    QString tlsCertFile;
    QString tlsKeyFile;
    QString tlsCaFile;
    QString tlsClientCaFile;
    qint64 maxBodyBytes = 16 * 1024 * 1024;
    qint64 maxHeaderBytes = 64 * 1024;
    qint64 maxPageSize = 1000;
    qint64 maxBulkDocs = 1000;        // documents per _bulk_docs request
    qint64 maxDatabases = 10000;
    qint64 readThreads = 2;           // workers running lists, queries and stats
    qint64 maxQueuedReads = 64;       // such reads waiting for a worker; more get 503
    qint64 maxPendingWrites = 100000; // entries accepted but not yet durable and committed
    qint64 maxPendingWriteBytes = 256 * 1024 * 1024;
    qint64 idleTimeoutMs = 120000;
    qint64 headerTimeoutMs = 10000;   // a request's header block must arrive within this
    qint64 bodyTimeoutMs = 60000;     // and its body within this after the headers
    qint64 maxConnections = 4096;
    qint64 maxConnectionsPerAddress = 512;
    qint64 shutdownTimeoutMs = 10000;
    QString logFormat = QStringLiteral("text"); // "text" or "json" (LogLine)
    // Storage
    QString synchronous = QStringLiteral("FULL");
    qint64 walAutoCheckpointPages = 4000;
    qint64 cacheSizeKB = 16384;
    qint64 maxBatchEntries = 8192;
    QString integrityCheck = QStringLiteral("none");
    qint64 logRetentionEntries = 100000;
    // Sharding (the keys of the original plan's appsettings.Replication.json)
    bool shardingEnabled = false;
    QString shardingMode = QStringLiteral("Distributed");
    qint64 shardCount = 1;
    QJsonArray shards; // [{"Id": 0, "Primary": "http://...", "Replicas": ["http://...", ...]}]
    bool replicationEnabled = false;
    qint64 replicaCount = 2;
    qint64 writeQuorum = 2;
    qint64 readQuorum = 1;
    // A router's read preference for reads that name none (ReadPreference).
    QString defaultReadPreference = QStringLiteral("primary");
    // Whether a router promotes a member when a shard's primary is down
    // (false: only operators do, through /v1/_cluster/shards/{id}/promote).
    bool automaticFailover = true;
    // Tuned for fast failover (README, "Failover"); the plan's 5000/3000 are
    // in resources/appsettings.Replication.json.
    qint64 failoverTimeoutMs = 600;
    qint64 healthCheckIntervalMs = 100;
    qint64 maxReplicationLagMs = 10000;
    qint64 heartbeatIntervalMs = 50;
    // A primary's lease (ReplicationCore::Options::leaseMs): how long a
    // failover waits for an old primary to stop serving. 0: derived
    // (effectiveLeaseMs).
    qint64 leaseMs = 0;
    // LeaseMs as set, else a third of FailoverTimeoutMs and at least two
    // heartbeats (200 ms with the built-in timings).
    qint64 effectiveLeaseMs() const
    {
        return leaseMs > 0 ? leaseMs : qMin(failoverTimeoutMs, qMax(failoverTimeoutMs / 3, 2 * heartbeatIntervalMs));
    }
    qint64 writeTimeoutMs = 5000;
    qint64 replicationBatchEntries = 1000;
    qint64 maxInflight = 4;
    qint64 entryCacheBytes = 64 * 1024 * 1024;
    // Router: how long a member replacement waits for the new member to
    // catch up (a snapshot of a large shard takes a while).
    qint64 replaceTimeoutMs = 30 * 60 * 1000;
    // Node (which replica set member this process is)
    qint64 nodeShardId = -1; // -1: the shard that lists nodeSelf
    QString nodeSelf; // this member's URL, exactly as in Sharding.Shards
    // A member added by a membership change (not in Sharding.Shards): the id
    // the change gave it (with Node.ShardId). -1: its position in Sharding.Shards.
    qint64 nodeMemberId = -1;

    // Every key, in documentation order.
    static QStringList keys();
    // PEACEDB_ + the key in upper snake case: Server.MaxBodyBytes ->
    // PEACEDB_SERVER_MAX_BODY_BYTES.
    static QString environmentName(const QString &key);

    // Applies a parsed config file. Unknown sections and keys are errors.
    Status applyJson(const QJsonObject &root, const QString &source);
    // Applies every PEACEDB_* variable that names a key; other variables are
    // ignored, but a PEACEDB_* variable that names no key is an error.
    Status applyEnvironment(const QHash<QString, QString> &environment);
    // Applies one setting given as text (environment, command line).
    Status setFromText(const QString &key, const QString &text, const QString &source);

    // Cross-checks the settings for the configured role: for a node, the
    // shard layout and its own membership; the error names the key.
    Status validate() const;
    // The shards, checked (ids 0..ShardCount-1, valid unique URLs, member
    // counts matching ReplicaCount, safe quorums).
    Result<QVector<ShardLayout>> shardLayout() const;
    // For a node: its shard's layout and its own member id.
    Result<std::pair<ShardLayout, int>> nodeMembership() const;

    QString listenAddress() const;
    // The effective settings as JSON (for GET /v1/_admin/config).
    QJsonObject toJson() const;
};
