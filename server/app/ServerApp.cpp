#include "ServerApp.h"

#include "Membership.h"

#include "SecretFile.h"

#include "AuthStore.h"
#include "ClientAuth.h"
#include "DocumentApi.h"
#include "DocumentReader.h"
#include "DocumentService.h"
#include "GroupCommitter.h"
#include "HttpConnection.h"
#include "HttpServer.h"
#include "LogHandler.h"
#include "MetricsApi.h"
#include "OpenApiApi.h"
#include "NodeApi.h"
#include "ReadPool.h"
#include "SignalWatcher.h"
#include "ReplicationApi.h"
#include "ReplicationNode.h"
#include "StandaloneLog.h"
#include "TlsFiles.h"
#include "TokenRules.h"

#include <QCoreApplication>
#include <QFile>
#include <QHostAddress>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>
#include <QTcpSocket>

#include <cstdio>

#include <unistd.h>

Q_LOGGING_CATEGORY(lcServer, "peacedb.server")

namespace {

void fail(const QString &message)
{
    std::fprintf(stderr, "peacedb-server: %s\n", qPrintable(message));
}

using Pools = std::shared_ptr<QVector<QPointer<HttpClientPool>>>;

// Sends to pools[index], then to the next while none answers (or answers 5xx).
void askMembers(const Pools &pools, int index, const QByteArray &method, const QByteArray &target, const QByteArray &body,
                HttpClientPool::Callback done)
{
    while (index < pools->size() && !pools->at(index))
        ++index;
    if (index >= pools->size()) {
        HttpClientReply none;
        none.error = QStringLiteral("no member of shard 0 answered");
        return done(none);
    }
    pools->at(index)->request(method, target, body, [=](const HttpClientReply &reply) {
        if (reply.answered() && reply.status < 500)
            return done(reply);
        askMembers(pools, index + 1, method, target, body, done);
    });
}

} // namespace

Status ServerApp::setUpTls(const ServerConfig &config, HttpServer &http)
{
    TlsFiles files{config.tlsCertFile, config.tlsKeyFile, config.tlsCaFile, config.tlsClientCaFile};
    const Result<TlsFiles::Loaded> loaded = files.load();
    if (!loaded.isOk())
        return loaded.status();
    HttpConnection::setTlsConfiguration(loaded->client);
    if (loaded->serving)
        http.setTls(loaded->server);
    return Status::ok();
}

QString ServerApp::scheme(const HttpServer &http)
{
    return http.servesTls() ? QStringLiteral("https") : QStringLiteral("http");
}

QHostAddress ServerApp::resolveHost(const QString &host)
{
    if (host == QLatin1String("localhost"))
        return QHostAddress(QHostAddress::LocalHost);
    QHostAddress address(host);
    if (!address.isNull())
        return address;
    const QHostInfo info = QHostInfo::fromName(host);
    return info.addresses().isEmpty() ? QHostAddress() : info.addresses().first();
}

ServerApp::ServerApp(const ServerConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
}

ServerApp::~ServerApp()
{
    if (m_committer)
        m_committer->stop();
    // Replies still held (reads and writes waiting for storage) are
    // answered while their server is there; then the server goes.
    m_readPool.reset();
    m_auth.reset();
    m_replicationApi.reset();
    m_metricsApi.reset();
    m_nodeApi.reset();
    m_documentApi.reset();
    m_service.reset();
    m_commitLog.reset();
    m_http.reset();
    if (m_reader)
        m_reader->close();
}

Status ServerApp::loadToken(const QString &tokenFile, const DataDirectory &dataDirectory, QByteArray *token)
{
    return loadSecret(tokenFile, dataDirectory, QStringLiteral("token"), QStringLiteral("token"), token, nullptr);
}

Status ServerApp::loadSecret(const QString &configuredPath, const DataDirectory &dataDirectory, const QString &defaultName,
                             const QString &what, QByteArray *secret, bool *created)
{
    // A file of the operator's is read as it is; the default one in the data
    // directory is created on first start.
    const bool generated = configuredPath.isEmpty();
    const QString path = generated ? dataDirectory.filePath(defaultName) : configuredPath;
    const Result<SecretFile::Loaded> loaded = SecretFile::load(path, generated, what);
    if (!loaded.isOk())
        return loaded.status();
    if (loaded->created)
        qCInfo(lcServer, "created %s file %s", qPrintable(what), qPrintable(path));
    if (loaded->othersMayAccess) {
        qCWarning(lcServer, "%s file %s can be read or written by other users: chmod 600 it (anyone who reads it can "
                            "write, drop databases and kill nodes)",
                  qPrintable(what), qPrintable(path));
    }
    *secret = loaded->secret;
    if (created)
        *created = loaded->created;
    return Status::ok();
}

std::unique_ptr<AuthStore> ServerApp::systemShardStore(const QByteArray &token)
{
    // Shard 0's members, asked in turn: a primary answers with what is
    // committed, a replica with what it has applied (a moment behind).
    auto pools = std::make_shared<QVector<QPointer<HttpClientPool>>>();
    const Result<QVector<ShardLayout>> shards = m_config.shardLayout();
    if (shards.isOk() && !shards->isEmpty()) {
        for (const QString &member : shards->first().members)
            pools->append(new HttpClientPool(QUrl(member), token, 2, int(m_config.writeTimeoutMs + 5000), this));
    }
    return std::make_unique<RemoteAuthStore>([pools](const QByteArray &method, const QByteArray &target, const QByteArray &body,
                                                     HttpClientPool::Callback done) {
        askMembers(pools, 0, method, method == "GET" ? target + "?readPreference=primaryPreferred" : target, body, std::move(done));
    });
}

Result<std::unique_ptr<CommitLog>> ServerApp::makeCommitLog(const QByteArray &token, const QString &databasePath,
                                                             const StorageOptions &storage, const QString &nodeId)
{
    if (m_config.role != QLatin1String("node")) {
        auto log = std::make_unique<StandaloneLog>(m_committer.get());
        log->setPendingLimits(m_config.maxPendingWrites, m_config.maxPendingWriteBytes);
        return std::unique_ptr<CommitLog>(std::move(log));
    }
    const Result<std::pair<ShardLayout, int>> membership = m_config.nodeMembership();
    if (!membership.isOk())
        return membership.status();
    ReplicationNode::Settings settings;
    settings.shardId = membership->first.id;
    settings.members = membership->first.members;
    settings.self = membership->second;
    settings.selfUrl = Membership::normalizeUrl(m_config.nodeSelf).value();
    settings.core.self = settings.self;
    settings.core.writeQuorum = int(m_config.writeQuorum);
    settings.core.leaseMs = m_config.effectiveLeaseMs();
    settings.failoverTimeoutMs = m_config.failoverTimeoutMs;
    settings.core.heartbeatIntervalMs = m_config.heartbeatIntervalMs;
    settings.core.electionTimeoutMs = qBound(qint64(500), m_config.failoverTimeoutMs / 2, qint64(5000));
    settings.core.requestTimeoutMs = qMax(qint64(1000), m_config.failoverTimeoutMs / 2);
    settings.core.maxBatchEntries = m_config.replicationBatchEntries;
    settings.core.maxInflight = int(m_config.maxInflight);
    settings.entryCacheBytes = m_config.entryCacheBytes;
    settings.maxReplicationLagMs = m_config.maxReplicationLagMs;
    settings.maxPendingWrites = m_config.maxPendingWrites;
    settings.maxPendingWriteBytes = m_config.maxPendingWriteBytes;
    settings.logRetentionEntries = m_config.logRetentionEntries;
    settings.token = token;
    settings.dataDir = m_dataDirectory.path();
    settings.databasePath = databasePath;
    settings.storageOptions = storage;
    settings.nodeId = nodeId;
    settings.bootstrap = settings.self == 0;
    auto node = std::make_unique<ReplicationNode>(settings, m_committer.get(), m_reader.get());
    m_replication = node.get();
    return std::unique_ptr<CommitLog>(std::move(node));
}

int ServerApp::start()
{
    Status status = m_dataDirectory.prepare(m_config.dataDir);
    if (!status.isOk()) {
        fail(status.message());
        return ExitDataDirectory;
    }
    QByteArray token;
    status = loadToken(m_config.tokenFile, m_dataDirectory, &token);
    if (!status.isOk()) {
        fail(status.message());
        return ExitBadConfig;
    }

    // Before anything that may connect to another member.
    m_http = std::make_unique<HttpServer>();
    m_http->setToken(token);
    status = setUpTls(m_config, *m_http);
    if (!status.isOk()) {
        fail(status.message());
        return ExitBadConfig;
    }

    StorageOptions storage;
    storage.synchronous = m_config.synchronous;
    storage.walAutoCheckpointPages = m_config.walAutoCheckpointPages;
    storage.cacheSizeKB = m_config.cacheSizeKB;
    storage.integrityCheck = m_config.integrityCheck;
    const QString databasePath = m_dataDirectory.filePath(QStringLiteral("peacedb.sqlite"));

    m_committer = std::make_unique<GroupCommitter>(databasePath, storage, m_config.maxBatchEntries);
    status = m_committer->start();
    if (!status.isOk()) {
        fail(QStringLiteral("cannot open database %1: %2").arg(databasePath, status.message()));
        return ExitDatabase;
    }
    m_committer->setLogRetention(m_config.logRetentionEntries);
    m_reader = std::make_unique<DocumentReader>();
    status = m_reader->open(databasePath, storage);
    if (!status.isOk()) {
        fail(QStringLiteral("cannot open database %1: %2").arg(databasePath, status.message()));
        return ExitDatabase;
    }
    const Result<StorageState> stored = m_reader->state();
    if (!stored.isOk()) {
        fail(QStringLiteral("cannot read database %1: %2").arg(databasePath, stored.status().message()));
        return ExitDatabase;
    }
    Result<std::unique_ptr<CommitLog>> commitLog = makeCommitLog(token, databasePath, storage, stored->nodeId);
    if (!commitLog.isOk()) {
        fail(commitLog.status().message());
        return ExitBadConfig;
    }
    m_commitLog = std::move(commitLog).value();
    m_service = std::make_unique<DocumentService>(m_commitLog.get(), m_reader.get(), m_replication ? m_config.writeTimeoutMs : 0);
    m_service->setMaxDatabases(m_config.maxDatabases);

    ReadPool::Options readPool;
    readPool.path = databasePath;
    readPool.storage = storage;
    readPool.threads = int(m_config.readThreads);
    readPool.maxQueued = int(m_config.maxQueuedReads);
    m_readPool = std::make_unique<ReadPool>(readPool);
    if (m_replication)
        m_replication->setReadPool(m_readPool.get());
    m_documentApi = std::make_unique<DocumentApi>(m_service.get(), m_reader.get(), m_readPool.get(),
                                                  DocumentApi::Limits{m_config.maxPageSize, m_config.maxBulkDocs});
    NodeApi::Sources sources;
    sources.http = m_http.get();
    sources.service = m_service.get();
    sources.reader = m_reader.get();
    sources.committer = m_committer.get();
    sources.role = m_config.role;
    sources.config = m_config.toJson();
    m_nodeApi = std::make_unique<NodeApi>(sources);
    m_nodeApi->registerRoutes(*m_http);
    MetricsApi::Sources metrics;
    metrics.http = m_http.get();
    metrics.role = m_config.role;
    metrics.committer = m_committer.get();
    metrics.service = m_service.get();
    metrics.replication = m_replication;
    m_metricsApi = std::make_unique<MetricsApi>(metrics);
    m_metricsApi->registerRoutes(*m_http);
    OpenApiApi::registerRoutes(*m_http);
    m_documentApi->registerRoutes(*m_http);
    if (m_replication) {
        m_replicationApi = std::make_unique<ReplicationApi>(m_replication);
        m_replicationApi->registerRoutes(*m_http);
    }
    Result<std::unique_ptr<ClientAuth>> auth = m_replication
        ? ClientAuth::create(m_config, m_dataDirectory, systemShardStore(token), false,
                             qMax<qint64>(1000, m_config.healthCheckIntervalMs))
        : ClientAuth::create(m_config, m_dataDirectory, std::make_unique<LocalAuthStore>(m_service.get(), m_reader.get()),
                             true, 0);
    if (!auth.isOk()) {
        fail(auth.status().message());
        return ExitBadConfig;
    }
    m_auth = std::move(auth).value();
    m_auth->install(*m_http);

    const QHostAddress address = resolveHost(m_config.listenHost);
    if (address.isNull()) {
        fail(QStringLiteral("cannot resolve listen host %1").arg(m_config.listenHost));
        return ExitListen;
    }
    ConnectionGuard::Limits limits;
    limits.framing.maxBodyBytes = m_config.maxBodyBytes;
    limits.framing.maxHeaderBytes = m_config.maxHeaderBytes;
    if (m_replication) {
        limits.framing.internalPathPrefix = QByteArrayLiteral("/v1/_replication/");
        limits.framing.maxInternalBodyBytes = ReplicationNode::maxRequestBytes(m_config.maxBodyBytes);
    }
    limits.idleTimeoutMs = m_config.idleTimeoutMs;
    limits.headerTimeoutMs = m_config.headerTimeoutMs;
    limits.bodyTimeoutMs = m_config.bodyTimeoutMs;
    limits.maxConnections = int(m_config.maxConnections);
    limits.maxConnectionsPerAddress = int(m_config.maxConnectionsPerAddress);
    QString error;
    bool addressInUse = false;
    if (!m_http->listenOn(address, m_config.listenPort, limits, &error, &addressInUse)) {
        fail(error);
        return ExitListen;
    }

    if (m_replication) {
        LogHandler::setShard(m_replication->shardId());
        LogHandler::setTerm(m_replication->term());
        connect(m_replication, &ReplicationNode::event, this, [this] { LogHandler::setTerm(m_replication->term()); });
        m_replication->start();
    }
    m_auth->start();
    m_signals = std::make_unique<SignalWatcher>();
    connect(m_signals.get(), &SignalWatcher::terminationRequested, this, &ServerApp::beginShutdown);

    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                                                                            : address.toString();
    qCInfo(lcServer, "PeaceDB %s (%s) listening on %s://%s:%u, data in %s, log at seq %lld", PEACEDB_VERSION,
           qPrintable(m_config.role), qPrintable(scheme(*m_http)), qPrintable(host), unsigned(m_http->port()), qPrintable(m_dataDirectory.path()),
           m_committer->durableSeq());
    return ExitOk;
}

void ServerApp::beginShutdown(int signalNumber)
{
    if (m_state != State::Running) {
        qCWarning(lcServer, "second signal %d: exiting without waiting for in-flight writes", signalNumber);
        finishShutdown(ExitFailure);
        return;
    }
    m_state = State::Draining;
    qCInfo(lcServer, "signal %d: shutting down (no new requests; finishing in-flight writes)", signalNumber);
    m_http->stopListening();
    m_http->setDraining(true);
    m_service->stopAcceptingWrites(QStringLiteral("the node is shutting down"));

    m_shutdownDeadline.setSingleShot(true);
    connect(&m_shutdownDeadline, &QTimer::timeout, this, [this] {
        qCWarning(lcServer, "shutdown timeout: %d replies still in flight", m_http->repliesInFlight());
        finishShutdown(ExitFailure);
    });
    m_shutdownDeadline.start(int(m_config.shutdownTimeoutMs));
    const auto checkDrained = [this] {
        if (m_state != State::Draining || m_service->hasPendingWrites() || m_http->repliesInFlight() != 0)
            return;
        if (!m_replication)
            return finishShutdown(ExitOk);
        // A primary hands its role to a caught-up replica before it goes.
        m_state = State::HandingOff;
        m_replication->handOff(2 * m_config.failoverTimeoutMs, [this](bool handedOff, const QString &detail) {
            if (handedOff)
                qCInfo(lcServer, "handed off: %s", qPrintable(detail));
            else
                qCInfo(lcServer, "no hand-off: %s", qPrintable(detail));
            finishShutdown(ExitOk);
        });
    };
    connect(m_service.get(), &DocumentService::drained, this, checkDrained);
    connect(m_http.get(), &HttpServer::repliesDrained, this, checkDrained);
    checkDrained();
}

void ServerApp::finishShutdown(int exitCode)
{
    if (m_state == State::Stopped)
        return;
    m_state = State::Stopped;
    // A clean stop may still wait for the storage thread (a batch applying
    // entries, the term a hand-off wrote) for what is left of
    // ShutdownTimeoutMs; one that gave up on writes, only briefly.
    const int storageWaitMs = exitCode == ExitOk ? qMax(kAbandonStorageMs, m_shutdownDeadline.remainingTime()) : kAbandonStorageMs;
    m_shutdownDeadline.stop();
    // Push answers already written out of the socket buffers before closing.
    for (QTcpSocket *socket : m_http->findChildren<QTcpSocket *>()) {
        socket->flush();
        socket->disconnectFromHost();
    }
    // A batch stuck in SQLite (a stalled disk, a file another process
    // holds locked) is left behind: the process ends without it, as in a
    // crash — nothing in it was acknowledged, and the WAL leaves the file
    // as of the last commit.
    if (!m_committer->stop(storageWaitMs, exitCode == ExitOk)) {
        qCWarning(lcServer, "the storage thread is still busy %d ms later (stalled disk? locked database file?): exiting "
                            "without it; nothing acknowledged is lost, the next start rolls the unfinished batch back",
                  storageWaitMs);
        fflush(stdout);
        fflush(stderr);
        ::_exit(ExitFailure);
    }
    m_readPool->suspend(); // closes the workers' connections; queued reads never run
    m_reader->close();
    m_dataDirectory.release();
    qCInfo(lcServer, "stopped at seq %lld", m_committer->durableSeq());
    QCoreApplication::exit(exitCode);
}
