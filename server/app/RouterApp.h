// RouterApp: one peacedb-server --role router process — the client API over
// the shards (RouterApi on a ShardClient), the HealthMonitor and
// ReplicationCoordinator that fail over dead primaries, the operator API
// (/v1/_cluster/*, backups included) and the event record. It keeps no data: its data
// directory only holds the generated token when --token-file is not given.
//
// SIGTERM/SIGINT: stop accepting, let the requests in flight be answered (up
// to Server.ShutdownTimeoutMs), exit 0. Main thread; created by main().
#pragma once

#include <QObject>
#include <QTimer>

#include <memory>

#include "DataDirectory.h"
#include "ServerConfig.h"

class BackupApi;
class ClientAuth;
class ClusterBackup;
class ClusterApi;
class ClusterEvents;
class HealthMonitor;
class HttpServer;
class MetricsApi;
class ReplicationCoordinator;
class MembershipChanges;
class RouterApi;
class ShardClient;
class SignalWatcher;

class RouterApp : public QObject
{
    Q_OBJECT

public:
    explicit RouterApp(const ServerConfig &config, QObject *parent = nullptr);
    ~RouterApp() override;

    // Brings the router up; returns ServerApp's exit codes.
    int start();

private:
    void beginShutdown(int signalNumber);
    void finishShutdown(int exitCode);

    ServerConfig m_config;
    DataDirectory m_dataDirectory;
    std::unique_ptr<SignalWatcher> m_signals;
    std::unique_ptr<ClusterEvents> m_events;
    std::unique_ptr<HealthMonitor> m_monitor;
    std::unique_ptr<ReplicationCoordinator> m_coordinator;
    std::unique_ptr<MembershipChanges> m_membershipChanges;
    std::unique_ptr<ShardClient> m_shards;
    std::unique_ptr<HttpServer> m_http;
    std::unique_ptr<RouterApi> m_routerApi;
    std::unique_ptr<ClusterApi> m_clusterApi;
    std::unique_ptr<ClusterBackup> m_backup;
    std::unique_ptr<BackupApi> m_backupApi;
    std::unique_ptr<MetricsApi> m_metricsApi;
    std::unique_ptr<ClientAuth> m_auth;
    QTimer m_shutdownDeadline;
    bool m_draining = false;
    bool m_stopped = false;
};
