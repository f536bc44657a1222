#include "ClusterLauncher.h"

#include "SecretFile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QTcpServer>

#include <cstdio>
#include <functional>
#include <utility>

#include "ClusterCertificates.h"
#include "ClusterFileStore.h"
#include "ClusterMemberList.h"
#include "HttpClientPool.h"
#include "HttpConnection.h"
#include "HttpServer.h"
#include "JsonText.h"
#include "OpenApiApi.h"
#include "SignalWatcher.h"
#include "Supervisor.h"
#include "TlsFiles.h"
#include "SupervisorApi.h"
#include "TokenRules.h"

namespace {

// How long `up` waits for every shard to have a primary.
constexpr qint64 kReadyTimeoutMs = 60000;


void say(const QString &text)
{
    std::fprintf(stdout, "%s\n", qPrintable(text));
    std::fflush(stdout);
}

void complain(const QString &text)
{
    std::fprintf(stderr, "peacedb-cluster: %s\n", qPrintable(text));
    std::fflush(stderr);
}

} // namespace

ClusterLauncher::ClusterLauncher(const ClusterOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
}

ClusterLauncher::~ClusterLauncher()
{
    // The API refers to the supervisor; the supervisor's processes kill
    // whatever still runs when they are destroyed.
    m_api.reset();
    m_http.reset();
    m_supervisor.reset();
}

QString ClusterLauncher::defaultServerBinary()
{
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("peacedb-server"));
}

int ClusterLauncher::start()
{
    m_serverBinary = m_options.serverBinary.isEmpty() ? defaultServerBinary() : m_options.serverBinary;
    const QFileInfo binary(m_serverBinary);
    if (!binary.isFile() || !binary.isExecutable()) {
        complain(QStringLiteral("the server binary %1 %2; build peacedb-server or pass --server PATH")
                     .arg(m_serverBinary, binary.exists() ? QStringLiteral("is not an executable file") : QStringLiteral("does not exist")));
        return ExitBadCommandLine;
    }
    m_serverBinary = binary.absoluteFilePath();

    ClusterLayout::Request request;
    request.shards = m_options.shards;
    request.replicas = m_options.replicas;
    request.port = m_options.port;
    request.bindAddresses = m_options.bindAddresses;
    request.router = m_options.router;
    request.tls = m_options.tls;
    request.dataDir = QDir::cleanPath(QFileInfo(m_options.dataDir).absoluteFilePath());
    if (!m_options.backupRoot.isEmpty())
        request.backupRoot = QDir::cleanPath(QFileInfo(m_options.backupRoot).absoluteFilePath());
    // The members added and removed since the cluster was made.
    const Result<ClusterMemberList> members = ClusterMemberList::read(QDir(request.dataDir).filePath(QStringLiteral("members.json")));
    if (!members.isOk()) {
        complain(members.status().message());
        return ExitClusterDirectory;
    }
    request.joined = members->joined;
    request.removed = members->removed;
    Result<ClusterLayout> layout = ClusterLayout::plan(request);
    if (!layout.isOk()) {
        complain(layout.status().message());
        return ExitBadCommandLine;
    }
    m_layout = std::move(layout).value();

    Status status = takeDirectory();
    if (!status.isOk()) {
        complain(status.message());
        return ExitClusterDirectory;
    }
    status = checkPorts();
    if (!status.isOk()) {
        complain(status.message());
        return ExitStartupFailed;
    }
    m_http = std::make_unique<HttpServer>();
    if (m_layout->tls()) {
        status = prepareTls();
        if (!status.isOk()) {
            complain(status.message());
            return ExitStartupFailed;
        }
    }
    QString listenError;
    bool addressInUse = false;
    if (!m_http->listenOn(QHostAddress(m_layout->supervisorHost()), m_layout->supervisorPort(), ConnectionGuard::Limits(),
                          &listenError, &addressInUse)) {
        complain(QStringLiteral("the supervisor endpoint cannot listen: %1").arg(listenError));
        return ExitStartupFailed;
    }
    // Only now that the ports are free (see step 4 in the header).
    status = prepareFiles();
    if (!status.isOk()) {
        complain(status.message());
        return ExitClusterDirectory;
    }
    m_http->setToken(m_token);

    const Supervisor::Timeouts timeouts{m_options.startupTimeoutMs, m_options.stopTimeoutMs};
    m_supervisor = std::make_unique<Supervisor>(*m_layout, m_serverBinary, QProcessEnvironment::systemEnvironment(), timeouts);
    connect(m_supervisor.get(), &Supervisor::changed, this, &ClusterLauncher::onChanged);
    connect(m_supervisor.get(), &Supervisor::processExited, this, &ClusterLauncher::onProcessExited);
    SupervisorApi::MemberChanges changes;
    changes.add = [this](int shard, SupervisorApi::ProcessDone done) { addMember(shard, std::move(done)); };
    changes.remove = [this](const QString &name, SupervisorApi::ProcessDone done) { removeMember(name, std::move(done)); };
    m_api = std::make_unique<SupervisorApi>(*m_supervisor, changes);
    m_clock.start();
    m_api->registerRoutes(*m_http);
    OpenApiApi::registerRoutes(*m_http);
    m_signals = std::make_unique<SignalWatcher>();
    connect(m_signals.get(), &SignalWatcher::terminationRequested, this, &ClusterLauncher::onTerminationRequested);

    say(QStringLiteral("peacedb-cluster: starting %1 process(es) of %2 in %3")
            .arg(m_layout->processes().size())
            .arg(m_layout->router() ? QStringLiteral("a router and %1 shard(s) x %2 member(s)")
                                          .arg(m_layout->shards())
                                          .arg(m_layout->replicas() + 1)
                                    : QStringLiteral("%1 shard(s) x %2 member(s)").arg(m_layout->shards()).arg(m_layout->replicas() + 1))
            .arg(m_layout->dataDir()));
    writeClusterFile();
    // From the event loop, so that every outcome (even an immediate one)
    // reaches a running loop.
    QMetaObject::invokeMethod(
        this, [this] { m_supervisor->startAll([this](const Status &result) { onStartedAll(result); }); },
        Qt::QueuedConnection);
    return ExitOk;
}

Status ClusterLauncher::takeDirectory()
{
    const QString dir = m_layout->dataDir();
    const Status locked = m_directory.prepare(dir);
    if (locked.code() == Status::Code::Unavailable) {
        return Status::unavailable(QStringLiteral("%1 is in use by another peacedb-cluster (see peacedb-cluster status "
                                                  "--data %1)")
                                       .arg(dir));
    }
    if (!locked.isOk())
        return locked;

    QFile existing(m_layout->configPath());
    if (!existing.exists())
        return Status::ok();
    if (!existing.open(QIODevice::ReadOnly))
        return Status::badRequest(QStringLiteral("cannot read %1: %2").arg(existing.fileName(), existing.errorString()));
    const Result<QJsonObject> config = JsonText::parseObject(existing.readAll());
    if (!config.isOk())
        return Status::badRequest(QStringLiteral("%1: %2").arg(existing.fileName(), config.status().message()));
    return m_layout->compatibleWith(config.value());
}

Status ClusterLauncher::prepareFiles()
{
    QStringList directories{m_layout->logDir(), m_layout->backupRoot()};
    for (const ProcessSpec &process : m_layout->processes())
        directories.append(process.dataDir);
    for (const QString &path : directories) {
        if (!QDir().mkpath(path))
            return Status::badRequest(QStringLiteral("cannot create %1").arg(path));
    }
    Status status = prepareSecret(m_layout->tokenPath(), &m_token, nullptr);
    if (status.isOk())
        status = prepareSecret(m_layout->adminPasswordPath(), &m_adminPassword, &m_adminPasswordCreated);
    return status.isOk() ? writeConfig() : status;
}

Status ClusterLauncher::prepareSecret(const QString &path, QByteArray *secret, bool *created)
{
    const Result<SecretFile::Loaded> loaded = SecretFile::load(path, true, QFileInfo(path).fileName());
    if (!loaded.isOk())
        return loaded.status();
    // The cluster directory is the launcher's own: tighten what it finds.
    if (loaded->othersMayAccess)
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    *secret = loaded->secret;
    if (created)
        *created = loaded->created;
    return Status::ok();
}

Status ClusterLauncher::prepareTls()
{
    QList<std::pair<QString, QString>> processes{{QStringLiteral("supervisor"), m_layout->supervisorHost()}};
    for (const ProcessSpec &process : m_layout->processes())
        processes.append({process.name, process.host});
    const Status made = ClusterCertificates(m_layout->tlsDir()).ensure(processes);
    if (!made.isOk())
        return made;
    // The supervisor serves with its certificate and shows it to the members
    // it probes (they ask every client for one).
    const TlsFiles files{m_layout->certificatePath(QStringLiteral("supervisor")), m_layout->keyPath(QStringLiteral("supervisor")),
                         m_layout->caPath(), QString()};
    const Result<TlsFiles::Loaded> loaded = files.load();
    if (!loaded.isOk())
        return loaded.status();
    HttpConnection::setTlsConfiguration(loaded->client);
    m_http->setTls(loaded->server);
    return Status::ok();
}

Status ClusterLauncher::writeConfig()
{
    QSaveFile file(m_layout->configPath());
    if (!file.open(QIODevice::WriteOnly))
        return Status::badRequest(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    file.write(QJsonDocument(m_layout->config()).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return Status::badRequest(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    return Status::ok();
}

Status ClusterLauncher::checkPorts() const
{
    for (const ProcessSpec &process : m_layout->processes()) {
        QTcpServer probe;
        if (probe.listen(QHostAddress(process.host), process.port))
            continue;
        if (probe.serverError() == QAbstractSocket::AddressInUseError) {
            return Status::unavailable(QStringLiteral("port %1 on %2, where %3 should listen, is already in use")
                                           .arg(process.port)
                                           .arg(process.host, process.name));
        }
        return Status::unavailable(QStringLiteral("%1 cannot listen on %2:%3: %4")
                                       .arg(process.name, process.host)
                                       .arg(process.port)
                                       .arg(probe.errorString()));
    }
    return Status::ok();
}

void ClusterLauncher::onStartedAll(const Status &status)
{
    if (m_stopping)
        return; // a signal came during start-up; stopEverything() finishes
    if (!status.isOk()) {
        complain(QStringLiteral("start-up failed: %1").arg(status.message()));
        complain(QStringLiteral("every process has been stopped"));
        m_stopping = true;
        m_finished = true;
        writeClusterFile();
        QCoreApplication::exit(ExitStartupFailed);
        return;
    }
    m_up = true;
    for (const SupervisedProcess *process : m_supervisor->processes())
        m_reportedStates.insert(process->spec().name, SupervisedProcess::stateName(process->state()));
    m_readyClock.start();
    m_readyTimer.setInterval(200);
    connect(&m_readyTimer, &QTimer::timeout, this, &ClusterLauncher::checkReady);
    m_readyTimer.start();
    checkReady();
}

void ClusterLauncher::checkReady()
{
    if (m_stopping || !m_readyTimer.isActive() || m_probesInFlight > 0)
        return;
    if (m_readyClock.elapsed() > kReadyTimeoutMs) {
        m_readyTimer.stop();
        complain(QStringLiteral("the cluster is not ready after %1 s: %2").arg(kReadyTimeoutMs / 1000).arg(m_notReady));
        complain(QStringLiteral("stopping every process; the logs are in %1").arg(m_layout->dataDir() + QStringLiteral("/logs")));
        stopEverything(ExitStartupFailed);
        return;
    }
    const auto probe = [this](const ProcessSpec &spec, const std::function<void(const QJsonObject &, int)> &seen) {
        HttpClientPool *&pool = m_readyProbes[spec.name];
        if (!pool)
            pool = new HttpClientPool(QUrl(spec.url), QByteArray(), 1, 1000, this);
        ++m_probesInFlight;
        pool->get(QByteArrayLiteral("/healthz"), [this, seen](const HttpClientReply &reply) {
            --m_probesInFlight;
            seen(QJsonDocument::fromJson(reply.body).object(), reply.status);
        });
    };
    const auto ready = [this] {
        m_readyTimer.stop();
        for (HttpClientPool *pool : std::as_const(m_readyProbes))
            pool->deleteLater(); // one of them is answering right now
        m_readyProbes.clear();
        printSummary();
    };
    if (const ProcessSpec *router = m_layout->router()) {
        probe(*router, [this, ready](const QJsonObject &health, int status) {
            if (status == 200 && health.value(QStringLiteral("status")).toString() == QLatin1String("ok"))
                return ready();
            const QJsonValue without = health.value(QStringLiteral("shardsWithoutPrimary"));
            m_notReady = status == 0 ? QStringLiteral("the router does not answer")
                : health.value(QStringLiteral("status")).toString() == QLatin1String("starting")
                    ? QStringLiteral("the router has not heard from every shard")
                    : QStringLiteral("shards without a primary: %1").arg(QString::fromUtf8(JsonText::compact(without.toArray())));
        });
        return;
    }
    for (const ProcessSpec &spec : m_layout->processes()) {
        if (m_shardsReady.contains(spec.shard))
            continue;
        probe(spec, [this, ready, shard = spec.shard](const QJsonObject &health, int) {
            if (health.value(QStringLiteral("writable")).toBool())
                m_shardsReady.insert(shard);
            if (m_probesInFlight > 0)
                return;
            QStringList missing;
            for (int s = 0; s < m_layout->shards(); ++s) {
                if (!m_shardsReady.contains(s))
                    missing.append(QString::number(s));
            }
            if (missing.isEmpty())
                return ready();
            m_notReady = QStringLiteral("shards without a primary: [%1]").arg(missing.join(QLatin1Char(',')));
        });
    }
}

void ClusterLauncher::printSummary() const
{
    say(QStringLiteral("peacedb-cluster: up: %1 process(es), cluster directory %2; ready: every shard has a primary")
            .arg(m_layout->processes().size())
            .arg(m_layout->dataDir()));
    qsizetype nameWidth = 0;
    qsizetype urlWidth = 0;
    for (const ProcessSpec &process : m_layout->processes()) {
        nameWidth = qMax(nameWidth, process.name.size());
        urlWidth = qMax(urlWidth, process.url.size());
    }
    for (const SupervisedProcess *process : m_supervisor->processes()) {
        const ProcessSpec &spec = process->spec();
        say(QStringLiteral("  %1  %2  pid %3  log %4")
                .arg(spec.name.leftJustified(nameWidth), spec.url.leftJustified(urlWidth))
                .arg(process->pid())
                .arg(spec.logPath));
    }
    say(QStringLiteral("router:       %1").arg(m_layout->router() ? m_layout->router()->url : QStringLiteral("none (--no-router)")));
    say(QStringLiteral("supervisor:   %1 (token in %2)").arg(m_layout->supervisorUrl(), m_layout->tokenPath()));
    // The first credential is shown once, when it is made; then only its file holds it.
    say(m_adminPasswordCreated
            ? QStringLiteral("sign in:      user admin, password %1 (saved in %2; shown this once)")
                  .arg(QString::fromLatin1(m_adminPassword), m_layout->adminPasswordPath())
            : QStringLiteral("sign in:      user admin, password in %1").arg(m_layout->adminPasswordPath()));
    if (m_layout->tls()) {
        say(QStringLiteral("tls:          every process serves HTTPS; verify with the CA %1 (curl --cacert %1)")
                .arg(m_layout->caPath()));
    }
    say(QStringLiteral("cluster file: %1").arg(m_layout->clusterFilePath()));
    say(QStringLiteral("Ctrl-C stops everything; a process that exits stays down until "
                       "`peacedb-cluster start NAME --data %1`.")
            .arg(m_layout->dataDir()));
}

void ClusterLauncher::onTerminationRequested()
{
    if (m_finished)
        return;
    if (m_stopping) {
        say(QStringLiteral("peacedb-cluster: second signal: killing every process now"));
        m_killed = true;
        m_supervisor->killAll();
        return;
    }
    say(QStringLiteral("peacedb-cluster: stopping every process"));
    stopEverything(ExitOk);
}

void ClusterLauncher::stopEverything(int exitCode)
{
    m_stopping = true;
    m_http->setDraining(true);
    m_supervisor->stopAll([this, exitCode](const Status &) {
        for (const SupervisedProcess *process : m_supervisor->processes()) {
            if (process->lastExit().contains(QLatin1String("did not stop")))
                complain(QStringLiteral("%1 %2").arg(process->spec().name, process->lastExit()));
        }
        m_finished = true;
        writeClusterFile();
        m_http->stopListening();
        say(QStringLiteral("peacedb-cluster: stopped"));
        QCoreApplication::exit(m_killed ? int(ExitStartupFailed) : exitCode);
    });
}

void ClusterLauncher::onProcessExited(const QString &name, qint64 pid, const QString &description)
{
    if (!m_up || m_stopping)
        return;
    say(QStringLiteral("peacedb-cluster: %1 (pid %2) %3; it stays down until `peacedb-cluster start %1 --data %4`")
            .arg(name)
            .arg(pid)
            .arg(description, m_layout->dataDir()));
}

void ClusterLauncher::onChanged()
{
    writeClusterFile();
    if (!m_up || m_stopping)
        return;
    for (const SupervisedProcess *process : m_supervisor->processes()) {
        const QString state = SupervisedProcess::stateName(process->state());
        QString &reported = m_reportedStates[process->spec().name];
        if (reported == state)
            continue;
        const QString previous = std::exchange(reported, state);
        const QString &name = process->spec().name;
        switch (process->state()) {
        case SupervisedProcess::State::Running:
            say(QStringLiteral("peacedb-cluster: %1 is running (pid %2)").arg(name).arg(process->pid()));
            break;
        case SupervisedProcess::State::Stopping:
            say(QStringLiteral("peacedb-cluster: stopping %1").arg(name));
            break;
        case SupervisedProcess::State::Stopped:
            // An unexpected exit of a running process has its own line
            // (onProcessExited).
            if (previous == QLatin1String("stopping"))
                say(QStringLiteral("peacedb-cluster: %1 stopped (%2)").arg(name, process->lastExit()));
            else if (previous == QLatin1String("starting"))
                say(QStringLiteral("peacedb-cluster: %1 did not come up (%2)").arg(name, process->lastExit()));
            break;
        case SupervisedProcess::State::Starting:
            say(QStringLiteral("peacedb-cluster: starting %1").arg(name));
            break;
        }
    }
}

void ClusterLauncher::writeClusterFile()
{
    ClusterFile file;
    file.launcherPid = m_finished ? 0 : QCoreApplication::applicationPid();
    file.dataDir = m_layout->dataDir();
    file.configFile = m_layout->configPath();
    file.tokenFile = m_layout->tokenPath();
    file.supervisorUrl = m_layout->supervisorUrl();
    file.routerUrl = m_layout->router() ? m_layout->router()->url : QString();
    file.shards = m_layout->shards();
    file.replicas = m_layout->replicas();
    file.processes = m_supervisor->describe();
    const Status status = ClusterFileStore::write(m_layout->clusterFilePath(), file);
    if (!status.isOk() && !m_clusterFileWarned) {
        m_clusterFileWarned = true;
        complain(status.message());
    }
}

// --- membership changes ---------------------------------------------------------

HttpClientPool *ClusterLauncher::routerClient()
{
    if (!m_routerClient)
        m_routerClient = new HttpClientPool(QUrl(m_layout->router()->url), m_token, 2, 60000, this);
    return m_routerClient;
}

Status ClusterLauncher::saveMemberList() const
{
    return ClusterMemberList{m_layout->request().joined, m_layout->request().removed}.write(m_layout->membersPath());
}

namespace {

// The router's refusal as a Status of the same kind, with its reason.
Status routerRefusal(const HttpClientReply &reply, const QString &what)
{
    if (!reply.answered())
        return Status::unavailable(QStringLiteral("%1: the router did not answer: %2").arg(what, reply.error));
    const Result<QJsonObject> body = JsonText::parseObject(reply.body);
    const QString reason = body.isOk() ? body->value(QStringLiteral("error")).toString() : QString::fromUtf8(reply.body.left(300));
    const QString message = QStringLiteral("%1: %2").arg(what, reason);
    switch (reply.status) {
    case 400: return Status::badRequest(message);
    case 404: return Status::notFound(message);
    case 409: return Status::conflict(message);
    default: return Status::unavailable(QStringLiteral("%1 (HTTP %2)").arg(message).arg(reply.status));
    }
}

} // namespace

void ClusterLauncher::addMember(int shard, ProcessDone done)
{
    if (!m_up || m_stopping)
        return done(Status::unavailable(QStringLiteral("the cluster is not up")));
    if (!m_layout->router())
        return done(Status::conflict(QStringLiteral("a cluster without a router: membership changes go through the router")));
    if (m_changingMembers)
        return done(Status::conflict(QStringLiteral("another membership change of this cluster is in progress")));
    // The address first (the router adds the member by its URL); the name
    // once the router has given it its id.
    const Result<ProcessSpec> planned = m_layout->nextJoined(shard, 0);
    if (!planned.isOk())
        return done(planned.status());
    m_changingMembers = true;
    const QByteArray body = JsonText::compact(QJsonObject{{QStringLiteral("url"), planned->url}});
    routerClient()->post("/v1/_cluster/shards/" + QByteArray::number(shard) + "/members", body,
                         [this, shard, done](const HttpClientReply &reply) {
        const auto finish = [this, done](const Result<ClusterFile::Process> &result) {
            m_changingMembers = false;
            done(result);
        };
        if (reply.status != 202)
            return finish(routerRefusal(reply, QStringLiteral("the router did not add the member")));
        const Result<QJsonObject> answer = JsonText::parseObject(reply.body);
        const int member = answer.isOk() ? answer->value(QStringLiteral("member")).toInt(-1) : -1;
        const Result<ProcessSpec> spec = member >= 0 ? m_layout->nextJoined(shard, member)
                                                     : Result<ProcessSpec>(Status::internal(QStringLiteral("the router gave no member id")));
        if (!spec.isOk())
            return finish(spec.status());
        const QString leftOver = QStringLiteral("; member %1 of shard %2 is in the replica set without a process: remove it "
                                                "(peacedb-cluster remove-member %3)")
                                     .arg(member)
                                     .arg(shard)
                                     .arg(spec->name);
        if (m_layout->tls()) {
            const Status made = ClusterCertificates(m_layout->tlsDir()).ensure({{spec->name, spec->host}});
            if (!made.isOk())
                return finish(Status::internal(made.message() + leftOver));
        }
        if (!QDir().mkpath(spec->dataDir))
            return finish(Status::internal(QStringLiteral("cannot create %1%2").arg(spec->dataDir, leftOver)));
        m_layout->addJoined(spec.value());
        const Status saved = saveMemberList();
        if (!saved.isOk())
            complain(saved.message());
        m_supervisor->add(*m_layout, spec.value());
        m_reportedStates.insert(spec->name, QStringLiteral("stopped"));
        writeClusterFile();
        say(QStringLiteral("peacedb-cluster: %1 joins shard %2 as member %3 at %4").arg(spec->name).arg(shard).arg(member).arg(spec->url));
        const QString name = spec->name;
        m_supervisor->start(name, [this, name, finish, leftOver](const Status &status) {
            SupervisedProcess *process = m_supervisor->find(name);
            if (!status.isOk() || !process)
                return finish(Status::unavailable(status.message() + QStringLiteral(" (start it with peacedb-cluster start %1, or remove it)").arg(name)));
            finish(Supervisor::describe(*process));
        });
    });
}

void ClusterLauncher::removeMember(const QString &name, ProcessDone done)
{
    if (!m_up || m_stopping)
        return done(Status::unavailable(QStringLiteral("the cluster is not up")));
    if (!m_layout->router())
        return done(Status::conflict(QStringLiteral("a cluster without a router: membership changes go through the router")));
    const ProcessSpec *found = m_layout->find(name);
    if (!found || found->role != ProcessSpec::Role::Node)
        return done(Status::notFound(QStringLiteral("no member named '%1'").arg(name)));
    if (m_changingMembers)
        return done(Status::conflict(QStringLiteral("another membership change of this cluster is in progress")));
    m_changingMembers = true;
    const ProcessSpec spec = *found;
    const ProcessDone finish = [this, done](const Result<ClusterFile::Process> &result) {
        m_changingMembers = false;
        done(result);
    };
    routerClient()->request("DELETE", "/v1/_cluster/shards/" + QByteArray::number(spec.shard) + "/members/" + spec.name.toUtf8(),
                            QByteArray(), [this, spec, finish](const HttpClientReply &reply) {
        if (reply.status != 202)
            return finish(routerRefusal(reply, QStringLiteral("the router did not remove the member")));
        waitUntilRemoved(spec, m_clock.elapsed() + 60000, finish);
    });
}

void ClusterLauncher::waitUntilRemoved(const ProcessSpec &spec, qint64 deadlineMs, ProcessDone done)
{
    routerClient()->get("/v1/_cluster/status", [this, spec, deadlineMs, done](const HttpClientReply &reply) {
        const Result<QJsonObject> status = reply.status == 200 ? JsonText::parseObject(reply.body)
                                                               : Result<QJsonObject>(Status::unavailable(reply.error));
        bool listed = true;
        bool pending = true;
        if (status.isOk()) {
            const QJsonObject shard = status->value(QStringLiteral("shards")).toArray().at(spec.shard).toObject();
            pending = shard.value(QStringLiteral("membershipPending")).toBool(true);
            listed = false;
            for (const QJsonValue &member : shard.value(QStringLiteral("members")).toArray())
                listed = listed || member.toObject().value(QStringLiteral("member")).toInt(-1) == spec.member;
        }
        if (!listed && !pending)
            return finishRemoval(spec, done);
        if (m_clock.elapsed() > deadlineMs) {
            return done(Status::unavailable(QStringLiteral("the removal of %1 is in the log but not committed after 60 s; its "
                                                           "process keeps running (see peacedb-cluster status)")
                                                .arg(spec.name)));
        }
        QTimer::singleShot(200, this, [this, spec, deadlineMs, done] { waitUntilRemoved(spec, deadlineMs, done); });
    });
}

void ClusterLauncher::finishRemoval(const ProcessSpec &spec, ProcessDone done)
{
    SupervisedProcess *process = m_supervisor->find(spec.name);
    if (!process)
        return done(Status::internal(QStringLiteral("%1 has no process").arg(spec.name)));
    ClusterFile::Process described = Supervisor::describe(*process);
    m_supervisor->remove(spec.name, [this, spec, described, done](const Status &) {
        m_layout->remove(spec.name);
        m_reportedStates.remove(spec.name);
        const Status saved = saveMemberList();
        if (!saved.isOk())
            complain(saved.message());
        writeClusterFile();
        say(QStringLiteral("peacedb-cluster: %1 left shard %2 and is stopped").arg(spec.name).arg(spec.shard));
        ClusterFile::Process removed = described;
        removed.pid = 0;
        removed.state = QStringLiteral("removed");
        done(removed);
    });
}
