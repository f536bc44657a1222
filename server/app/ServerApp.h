// ServerApp: one peacedb-server process — wires the configuration, the data
// directory, storage, the write path and the HTTP front together, and takes
// them down in order on SIGTERM/SIGINT:
//
//   1. stop accepting connections; new requests get 503;
//   2. let every accepted write commit and be answered;
//   3. a replica set primary hands off: it waits until a replica holds its
//      whole log, steps down and asks that replica to stand for the next
//      term (ReplicationNode::handOff, bounded by 2 x FailoverTimeoutMs);
//   4. close the database (checkpointing the SQLite WAL), exit 0.
//
// A second signal, or Server.ShutdownTimeoutMs without drain, exits with 1
// at once (writes not yet answered were never acknowledged); a storage batch
// still stuck in SQLite kAbandonStorageMs later (a stalled disk, a file
// another process holds locked) is left behind: the process ends without
// closing the file, which the WAL makes as safe as a crash. Main thread;
// created by main() and alive until the event loop ends.
#pragma once

#include <QHostAddress>
#include <QObject>
#include <QTimer>

#include <memory>

#include "DataDirectory.h"
#include "Result.h"
#include "StorageOptions.h"
#include "ServerConfig.h"

class AuthStore;
class ClientAuth;
class CommitLog;
class DocumentApi;
class DocumentReader;
class DocumentService;
class GroupCommitter;
class HttpServer;
class MetricsApi;
class NodeApi;
class ReadPool;
class ReplicationApi;
class ReplicationNode;
class SignalWatcher;

class ServerApp : public QObject
{
    Q_OBJECT

public:
    // Process exit codes (documented in README).
    enum ExitCode {
        ExitOk = 0,
        ExitFailure = 1,
        ExitBadConfig = 2,
        ExitDataDirectory = 3,
        ExitDatabase = 4,
        ExitListen = 5,
    };
    // How long a stop that gave up on writes in flight (ShutdownTimeoutMs,
    // a second signal) still waits for the storage thread's batch (a clean
    // stop: what is left of ShutdownTimeoutMs, at least this).
    static constexpr int kAbandonStorageMs = 500;

    explicit ServerApp(const ServerConfig &config, QObject *parent = nullptr);
    ~ServerApp() override;

    // Brings the node up. On failure prints why and returns the exit code;
    // on success returns ExitOk and the node serves until shut down.
    int start();

    // The token from `tokenFile`, or from <data dir>/token (created with a
    // random one on first start) when it is empty.
    static Status loadToken(const QString &tokenFile, const DataDirectory &dataDirectory, QByteArray *token);
    // A secret from `configuredPath`, or from <data dir>/<defaultName>
    // (created 0600 with a random one on first start, *created set) when
    // it is empty; checked by TokenRules. `what` names it in messages.
    static Status loadSecret(const QString &configuredPath, const DataDirectory &dataDirectory, const QString &defaultName,
                             const QString &what, QByteArray *secret, bool *created);
    // Reads the TLS files: sets how this process checks https:// peers and,
    // with a certificate, makes `http` serve HTTPS.
    static Status setUpTls(const ServerConfig &config, HttpServer &http);
    // "http" or "https", as `http` serves.
    static QString scheme(const HttpServer &http);
    // "localhost", an address, or a name to look up; null if none.
    static QHostAddress resolveHost(const QString &host);

private:

    // The commit log for the configured role.
    Result<std::unique_ptr<CommitLog>> makeCommitLog(const QByteArray &token, const QString &databasePath,
                                                     const StorageOptions &storage, const QString &nodeId);
    // The users and keys, read from shard 0's members.
    std::unique_ptr<AuthStore> systemShardStore(const QByteArray &token);
    void beginShutdown(int signalNumber);
    void finishShutdown(int exitCode);

    ServerConfig m_config;
    DataDirectory m_dataDirectory;
    std::unique_ptr<SignalWatcher> m_signals;
    std::unique_ptr<GroupCommitter> m_committer;
    std::unique_ptr<DocumentReader> m_reader;
    std::unique_ptr<ReadPool> m_readPool;
    std::unique_ptr<CommitLog> m_commitLog;
    std::unique_ptr<DocumentService> m_service;
    std::unique_ptr<HttpServer> m_http;
    std::unique_ptr<DocumentApi> m_documentApi;
    std::unique_ptr<NodeApi> m_nodeApi;
    std::unique_ptr<MetricsApi> m_metricsApi;
    std::unique_ptr<ReplicationApi> m_replicationApi;
    std::unique_ptr<ClientAuth> m_auth;
    ReplicationNode *m_replication = nullptr; // m_commitLog, for a replica set member
    QTimer m_shutdownDeadline;
    enum class State { Running, Draining, HandingOff, Stopped };
    State m_state = State::Running;
};
