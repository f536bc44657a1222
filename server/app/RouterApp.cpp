#include "RouterApp.h"

#include "BackupApi.h"
#include "ClusterApi.h"
#include "ClusterBackup.h"
#include "ClusterEvents.h"
#include "HealthMonitor.h"
#include "AuthStore.h"
#include "ClientAuth.h"
#include "HttpServer.h"
#include "MetricsApi.h"
#include "OpenApiApi.h"
#include "ShardClient.h"
#include "ReplicationCoordinator.h"
#include "MembershipChanges.h"
#include "RouterApi.h"
#include "ServerApp.h"
#include "SignalWatcher.h"

#include <QCoreApplication>
#include <QDir>
#include <QLoggingCategory>
#include <QTcpSocket>

#include <cstdio>

Q_LOGGING_CATEGORY(lcRouter, "peacedb.router")

namespace {

void fail(const QString &message)
{
    std::fprintf(stderr, "peacedb-server: %s\n", qPrintable(message));
}

} // namespace

RouterApp::RouterApp(const ServerConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
}

RouterApp::~RouterApp()
{
    m_http.reset();
}

int RouterApp::start()
{
    Status status = m_dataDirectory.prepare(m_config.dataDir);
    if (!status.isOk()) {
        fail(status.message());
        return ServerApp::ExitDataDirectory;
    }
    QByteArray token;
    status = ServerApp::loadToken(m_config.tokenFile, m_dataDirectory, &token);
    if (!status.isOk()) {
        fail(status.message());
        return ServerApp::ExitBadConfig;
    }
    // Before anything that may connect to a member.
    m_http = std::make_unique<HttpServer>();
    m_http->setToken(token);
    status = ServerApp::setUpTls(m_config, *m_http);
    if (!status.isOk()) {
        fail(status.message());
        return ServerApp::ExitBadConfig;
    }
    const Result<QVector<ShardLayout>> shards = m_config.shardLayout();
    if (!shards.isOk()) {
        fail(shards.status().message());
        return ServerApp::ExitBadConfig;
    }

    m_events = std::make_unique<ClusterEvents>();
    HealthMonitor::Settings monitor;
    monitor.shards = shards.value();
    monitor.token = token;
    monitor.intervalMs = m_config.healthCheckIntervalMs;
    monitor.failoverTimeoutMs = m_config.failoverTimeoutMs;
    monitor.maxReplicationLagMs = m_config.maxReplicationLagMs;
    monitor.automaticFailover = m_config.automaticFailover;
    monitor.stateDir = m_dataDirectory.path();
    m_monitor = std::make_unique<HealthMonitor>(monitor, m_events.get());
    m_coordinator = std::make_unique<ReplicationCoordinator>(m_monitor.get(), m_events.get());
    ShardClient::Settings client;
    // A node answers a write within WriteTimeoutMs (503 "quorum not
    // reached" at the latest); a node that says nothing for longer is gone.
    client.requestTimeoutMs = m_config.writeTimeoutMs + 5000;
    client.token = token;
    m_shards = std::make_unique<ShardClient>(client, m_monitor.get());

    auto store = std::make_unique<RemoteAuthStore>(
        [shards = m_shards.get()](const QByteArray &method, const QByteArray &target, const QByteArray &body,
                                  HttpClientPool::Callback done) { shards->toSystemShard(method, target, body, std::move(done)); });
    Result<std::unique_ptr<ClientAuth>> auth =
        ClientAuth::create(m_config, m_dataDirectory, std::move(store), true, m_config.healthCheckIntervalMs);
    if (!auth.isOk()) {
        fail(auth.status().message());
        return ServerApp::ExitBadConfig;
    }
    m_auth = std::move(auth).value();
    m_auth->install(*m_http);
    RouterApi::Settings routes;
    routes.readQuorum = int(m_config.readQuorum);
    // ServerConfig only accepts the names of the modes.
    routes.defaultReadPreference = ReadPreference::modeFromName(m_config.defaultReadPreference).value_or(ReadPreference::Mode::Primary);
    routes.maxPageSize = m_config.maxPageSize;
    routes.maxBulkDocs = m_config.maxBulkDocs;
    m_routerApi = std::make_unique<RouterApi>(m_shards.get(), routes, m_monitor.get(), m_http.get());
    m_routerApi->registerRoutes(*m_http);
    m_membershipChanges =
        std::make_unique<MembershipChanges>(m_monitor.get(), m_coordinator.get(), m_events.get(), m_config.replaceTimeoutMs);
    m_clusterApi = std::make_unique<ClusterApi>(m_monitor.get(), m_coordinator.get(), m_membershipChanges.get(), m_events.get());
    m_clusterApi->registerRoutes(*m_http);
    // Made like the data directory; a root that cannot be made leaves the
    // router serving, its backups refused with the reason.
    if (!m_config.backupRoot.isEmpty() && !QDir().mkpath(m_config.backupRoot))
        qCWarning(lcRouter, "cannot create the backup root %s (Server.BackupRoot)", qPrintable(m_config.backupRoot));
    m_backup = std::make_unique<ClusterBackup>(m_monitor.get(), m_events.get(), ClusterBackup::Settings{token, m_config.backupRoot});
    m_backupApi = std::make_unique<BackupApi>(m_backup.get());
    m_backupApi->registerRoutes(*m_http);
    MetricsApi::Sources metrics;
    metrics.http = m_http.get();
    metrics.role = QStringLiteral("router");
    metrics.monitor = m_monitor.get();
    metrics.events = m_events.get();
    metrics.traffic = &m_shards->traffic();
    m_metricsApi = std::make_unique<MetricsApi>(metrics);
    m_metricsApi->registerRoutes(*m_http);
    OpenApiApi::registerRoutes(*m_http);

    const QHostAddress address = ServerApp::resolveHost(m_config.listenHost);
    if (address.isNull()) {
        fail(QStringLiteral("cannot resolve listen host %1").arg(m_config.listenHost));
        return ServerApp::ExitListen;
    }
    ConnectionGuard::Limits limits;
    limits.framing.maxBodyBytes = m_config.maxBodyBytes;
    limits.framing.maxHeaderBytes = m_config.maxHeaderBytes;
    limits.idleTimeoutMs = m_config.idleTimeoutMs;
    limits.headerTimeoutMs = m_config.headerTimeoutMs;
    limits.bodyTimeoutMs = m_config.bodyTimeoutMs;
    limits.maxConnections = int(m_config.maxConnections);
    limits.maxConnectionsPerAddress = int(m_config.maxConnectionsPerAddress);
    QString error;
    bool addressInUse = false;
    if (!m_http->listenOn(address, m_config.listenPort, limits, &error, &addressInUse)) {
        fail(error);
        return ServerApp::ExitListen;
    }
    m_monitor->start();
    m_auth->start();
    m_signals = std::make_unique<SignalWatcher>();
    connect(m_signals.get(), &SignalWatcher::terminationRequested, this, &RouterApp::beginShutdown);
    qCInfo(lcRouter, "PeaceDB %s router listening on %s://%s:%u over %d shards (health checks every %lld ms, failover "
                     "after %lld ms)",
           PEACEDB_VERSION, qPrintable(ServerApp::scheme(*m_http)), qPrintable(address.toString()), unsigned(m_http->port()), int(shards->size()),
           m_config.healthCheckIntervalMs, m_config.failoverTimeoutMs);
    return ServerApp::ExitOk;
}

void RouterApp::beginShutdown(int signalNumber)
{
    if (m_draining) {
        qCWarning(lcRouter, "second signal %d: exiting without waiting for requests in flight", signalNumber);
        QCoreApplication::exit(ServerApp::ExitFailure);
        return;
    }
    m_draining = true;
    qCInfo(lcRouter, "signal %d: shutting down (no new requests; answering the ones in flight)", signalNumber);
    m_http->stopListening();
    m_http->setDraining(true);
    m_shutdownDeadline.setSingleShot(true);
    connect(&m_shutdownDeadline, &QTimer::timeout, this, [this] {
        qCWarning(lcRouter, "shutdown timeout: %d replies still in flight", m_http->repliesInFlight());
        finishShutdown(ServerApp::ExitFailure);
    });
    m_shutdownDeadline.start(int(m_config.shutdownTimeoutMs));
    connect(m_http.get(), &HttpServer::repliesDrained, this, [this] { finishShutdown(ServerApp::ExitOk); });
    if (m_http->repliesInFlight() == 0)
        finishShutdown(ServerApp::ExitOk);
}

void RouterApp::finishShutdown(int exitCode)
{
    // Once: the deadline and the last answer can come in one pass of the
    // event loop, and the first says how the stop went.
    if (m_stopped)
        return;
    m_stopped = true;
    m_shutdownDeadline.stop();
    for (QTcpSocket *socket : m_http->findChildren<QTcpSocket *>()) {
        socket->flush();
        socket->disconnectFromHost();
    }
    m_dataDirectory.release();
    qCInfo(lcRouter, "stopped");
    QCoreApplication::exit(exitCode);
}
