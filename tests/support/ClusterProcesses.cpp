#include "ClusterProcesses.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QProcessEnvironment>
#include <QSslCertificate>
#include <QSslKey>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTest>
#include <QThread>
#include <QUrl>

#include <csignal>
#include <cerrno>
#include <memory>
#include <vector>

#include <sys/prctl.h>

namespace {

bool pidAlive(qint64 pid)
{
    return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM);
}

// A base port P such that P-1 .. P+count are free on 127.0.0.1 right now
// (with bindAddresses, member i's port P+1+i on 127.0.0.(i+2) instead),
// below the kernel's ephemeral range so outgoing connections do not take them.
quint16 freePortBlock(int count, bool bindAddresses)
{
    for (int attempt = 0; attempt < 50; ++attempt) {
        const quint16 base = quint16(QRandomGenerator::global()->bounded(20000, 32000 - count - 2));
        std::vector<std::unique_ptr<QTcpServer>> holders;
        bool free = true;
        for (int port = base - 1; port <= base + count && free; ++port) {
            const int member = port - base - 1;
            const QHostAddress address = bindAddresses && member >= 0 && member < count - 1
                                             ? QHostAddress(QStringLiteral("127.0.0.%1").arg(member + 2))
                                             : QHostAddress(QHostAddress::LocalHost);
            auto holder = std::make_unique<QTcpServer>();
            free = holder->listen(address, quint16(port));
            holders.push_back(std::move(holder));
        }
        if (free)
            return base;
    }
    return 0;
}

// The member a shard of /v1/_cluster/status names as primary, if the router
// reaches it and it reports itself as a writable primary; else -1.
int servingPrimary(const QJsonObject &shard)
{
    // Members are listed by id, and ids have gaps once members were removed.
    const int primary = shard.value(QStringLiteral("primaryMember")).toInt(-1);
    QJsonObject member;
    for (const QJsonValue &value : shard.value(QStringLiteral("members")).toArray()) {
        if (value.toObject().value(QStringLiteral("member")).toInt(-1) == primary)
            member = value.toObject();
    }
    const bool serving = member.value(QStringLiteral("reachable")).toBool()
                         && member.value(QStringLiteral("role")).toString() == QLatin1String("primary")
                         && member.value(QStringLiteral("writable")).toBool();
    return serving ? primary : -1;
}

} // namespace

ClusterProcesses::ClusterProcesses(const Options &options)
    : m_options(options)
{
    m_launcher.setProcessChannelMode(QProcess::MergedChannels);
    // A test that is killed (a timeout, a crash) never runs the destructor:
    // the launcher then gets SIGTERM and stops the cluster.
    m_launcher.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
}

ClusterProcesses::~ClusterProcesses()
{
    if (m_options.tls)
        TestHttpClient::setDefaultTls(std::nullopt);
    if (m_options.signInAsAdmin)
        TestHttpClient::setDefaultHeaders({});
    for (qint64 pid : std::as_const(m_paused))
        ::kill(pid_t(pid), SIGCONT);
    readClusterFile();
    const QJsonArray processes = m_file.value(QStringLiteral("processes")).toArray();
    for (const QJsonValue &process : processes)
        m_seenPids.insert(process.toObject().value(QStringLiteral("pid")).toInteger());
    if (m_launcher.state() == QProcess::Running) {
        ::kill(pid_t(m_launcher.processId()), SIGTERM);
        if (!m_launcher.waitForFinished(20000)) {
            m_launcher.kill();
            m_launcher.waitForFinished(5000);
        }
    }
    // Whatever the launcher could not stop.
    for (qint64 pid : std::as_const(m_seenPids)) {
        if (pidAlive(pid))
            ::kill(pid_t(pid), SIGKILL);
    }
}

bool ClusterProcesses::start(int timeoutMs)
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary directory");
        return false;
    }
    const int processes = m_options.shards * (m_options.replicas + 1) + 1;
    m_launcher.setProcessEnvironment(processEnvironment());

    QDeadlineTimer deadline(timeoutMs);
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (attempt > 0) {
            // The launcher exited after writing this layout: start afresh.
            QDir(m_dir.path()).removeRecursively();
            QDir().mkpath(m_dir.path());
        }
        m_port = freePortBlock(processes, m_options.bindAddresses);
        if (!m_port) {
            m_error = QStringLiteral("no free block of %1 ports").arg(processes + 1);
            return false;
        }
        if (m_prepare) {
            const QString problem = m_prepare(m_port, m_dir.path());
            if (!problem.isEmpty()) {
                m_error = QStringLiteral("preparing %1 failed: %2").arg(m_dir.path(), problem);
                return false;
            }
        }
        m_output.clear();
        QStringList arguments{QStringLiteral("up"), QStringLiteral("--shards"), QString::number(m_options.shards),
                              QStringLiteral("--replicas"), QString::number(m_options.replicas), QStringLiteral("--port"),
                              QString::number(m_port), QStringLiteral("--data"), m_dir.path()};
        if (m_options.bindAddresses)
            arguments << QStringLiteral("--bind-addresses");
        if (m_options.tls)
            arguments << QStringLiteral("--tls");
        if (!m_options.backupRoot.isEmpty())
            arguments << QStringLiteral("--backup-root") << m_options.backupRoot;
        if (m_options.launcherWrapper.isEmpty()) {
            m_launcher.start(QStringLiteral(PEACEDB_CLUSTER_BINARY), arguments);
        } else {
            m_launcher.start(m_options.launcherWrapper.first(),
                             m_options.launcherWrapper.mid(1) + QStringList{QStringLiteral(PEACEDB_CLUSTER_BINARY)} + arguments);
        }
        if (!m_launcher.waitForStarted(10000)) {
            m_error = QStringLiteral("cannot start peacedb-cluster: %1").arg(m_launcher.errorString());
            return false;
        }
        while (!deadline.hasExpired() && m_launcher.state() == QProcess::Running
               && !m_output.contains("peacedb-cluster: up:")) {
            m_launcher.waitForReadyRead(100);
            m_output += m_launcher.readAll();
        }
        m_output += m_launcher.readAll();
        if (m_output.contains("peacedb-cluster: up:"))
            break;
        if (m_launcher.state() == QProcess::Running) {
            m_error = QStringLiteral("the cluster did not come up in time:\n%1").arg(QString::fromUtf8(m_output));
            return false;
        }
        // Most likely a port was taken in between: try another block.
        m_error = QStringLiteral("peacedb-cluster exited:\n%1").arg(QString::fromUtf8(m_output));
        if (deadline.hasExpired())
            return false;
    }
    if (!m_output.contains("peacedb-cluster: up:"))
        return false;

    QFile tokenFile(tokenPath());
    if (!tokenFile.open(QIODevice::ReadOnly)) {
        m_error = QStringLiteral("cannot read %1").arg(tokenPath());
        return false;
    }
    m_token = tokenFile.readAll().trimmed();
    if (m_options.tls) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates(QSslCertificate::fromPath(m_dir.filePath(QStringLiteral("tls/ca.pem"))));
        tls.setLocalCertificate(QSslCertificate::fromPath(m_dir.filePath(QStringLiteral("tls/supervisor.pem"))).value(0));
        QFile key(m_dir.filePath(QStringLiteral("tls/supervisor.key")));
        if (!key.open(QIODevice::ReadOnly)) {
            m_error = QStringLiteral("cannot read %1").arg(key.fileName());
            return false;
        }
        tls.setPrivateKey(QSslKey(key.readAll(), QSsl::Ec));
        TestHttpClient::setDefaultTls(tls);
    }
    if (m_options.signInAsAdmin) {
        QFile password(m_dir.filePath(QStringLiteral("admin-password")));
        if (!password.open(QIODevice::ReadOnly)) {
            m_error = QStringLiteral("cannot read %1").arg(password.fileName());
            return false;
        }
        TestHttpClient::setDefaultHeaders(
            {{QByteArrayLiteral("Authorization"), "Basic " + QByteArray("admin:" + password.readAll().trimmed()).toBase64()}});
    }
    if (!readClusterFile()) {
        m_error = QStringLiteral("cannot read cluster.json");
        return false;
    }
    m_error.clear();
    return true;
}

QProcessEnvironment ClusterProcesses::processEnvironment() const
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (!m_options.authentication)
        environment.insert(QStringLiteral("PEACEDB_SERVER_AUTHENTICATION"), QStringLiteral("off"));
    for (const QString &variable : m_options.environment) {
        const qsizetype equals = variable.indexOf(QLatin1Char('='));
        environment.insert(variable.left(equals), variable.mid(equals + 1));
    }
    return environment;
}

bool ClusterProcesses::readClusterFile()
{
    QFile file(m_dir.filePath(QStringLiteral("cluster.json")));
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll());
    if (!document.isObject())
        return false; // being rewritten; keep the last good copy
    m_file = document.object();
    for (const QJsonValue &process : m_file.value(QStringLiteral("processes")).toArray()) {
        const qint64 pid = process.toObject().value(QStringLiteral("pid")).toInteger();
        if (pid > 0)
            m_seenPids.insert(pid);
    }
    return true;
}

QJsonObject ClusterProcesses::process(const QString &name) const
{
    for (const QJsonValue &entry : m_file.value(QStringLiteral("processes")).toArray()) {
        if (entry.toObject().value(QStringLiteral("name")).toString() == name)
            return entry.toObject();
    }
    return {};
}

QString ClusterProcesses::url(const QString &name) const
{
    return process(name).value(QStringLiteral("url")).toString();
}

QString ClusterProcesses::dataDir(const QString &name) const
{
    return process(name).value(QStringLiteral("dataDir")).toString();
}

QString ClusterProcesses::host(const QString &name) const
{
    const QString host = QUrl(url(name)).host();
    return host.isEmpty() ? QStringLiteral("127.0.0.1") : host;
}

quint16 ClusterProcesses::port(const QString &name) const
{
    return quint16(QUrl(url(name)).port());
}

QStringList ClusterProcesses::processNames() const
{
    QStringList names;
    for (const QJsonValue &process : m_file.value(QStringLiteral("processes")).toArray())
        names << process.toObject().value(QStringLiteral("name")).toString();
    return names;
}

qint64 ClusterProcesses::pid(const QString &name)
{
    for (int attempt = 0; attempt < 20 && !readClusterFile(); ++attempt)
        QThread::msleep(10);
    for (const QJsonValue &value : m_file.value(QStringLiteral("processes")).toArray()) {
        const QJsonObject process = value.toObject();
        if (process.value(QStringLiteral("name")).toString() == name)
            return process.value(QStringLiteral("state")).toString() == QLatin1String("running")
                       ? process.value(QStringLiteral("pid")).toInteger()
                       : 0;
    }
    return 0;
}

void ClusterProcesses::kill(const QString &name)
{
    const qint64 victim = pid(name);
    if (victim <= 0)
        return;
    ::kill(pid_t(victim), SIGKILL);
    m_paused.remove(victim);
    waitUntil([victim] { return !pidAlive(victim) || QFile::exists(QStringLiteral("/proc/%1/status").arg(victim)) == false; },
              10000);
    // A zombie until the launcher reaps it; that is gone enough.
}

void ClusterProcesses::pause(const QString &name)
{
    const qint64 target = pid(name);
    if (target > 0 && ::kill(pid_t(target), SIGSTOP) == 0)
        m_paused.insert(target);
}

void ClusterProcesses::resume(const QString &name)
{
    const qint64 target = pid(name);
    if (target > 0) {
        ::kill(pid_t(target), SIGCONT);
        m_paused.remove(target);
    }
}

bool ClusterProcesses::startProcess(const QString &name, QString *error)
{
    const TestHttpResponse response =
        send(QStringLiteral("127.0.0.1"), quint16(m_port - 1), "POST", "/v1/_supervisor/nodes/" + name.toUtf8() + "/start", {}, 60000);
    if (response.status != 200 && error)
        *error = QStringLiteral("start %1: %2 %3 %4").arg(name).arg(response.status).arg(response.error, QString::fromUtf8(response.body));
    readClusterFile();
    return response.status == 200;
}

bool ClusterProcesses::stopProcess(const QString &name, QString *error)
{
    const TestHttpResponse response =
        send(QStringLiteral("127.0.0.1"), quint16(m_port - 1), "POST", "/v1/_supervisor/nodes/" + name.toUtf8() + "/stop", {}, 60000);
    if (response.status != 200 && error)
        *error = QStringLiteral("stop %1: %2 %3 %4").arg(name).arg(response.status).arg(response.error, QString::fromUtf8(response.body));
    readClusterFile();
    return response.status == 200;
}

bool ClusterProcesses::addMember(int shard, QString *name, QString *error)
{
    const TestHttpResponse response = send(QStringLiteral("127.0.0.1"), quint16(m_port - 1), "POST",
                                           "/v1/_supervisor/shards/" + QByteArray::number(shard) + "/members", {}, 120000);
    if (response.status != 200 && error)
        *error = QStringLiteral("add-member %1: %2 %3 %4").arg(shard).arg(response.status).arg(response.error, QString::fromUtf8(response.body));
    if (response.status == 200 && name)
        *name = response.json().value(QStringLiteral("name")).toString();
    readClusterFile();
    return response.status == 200;
}

bool ClusterProcesses::removeMember(const QString &name, QString *error)
{
    const TestHttpResponse response =
        send(QStringLiteral("127.0.0.1"), quint16(m_port - 1), "POST", "/v1/_supervisor/nodes/" + name.toUtf8() + "/remove", {}, 120000);
    if (response.status != 200 && error)
        *error = QStringLiteral("remove-member %1: %2 %3 %4").arg(name).arg(response.status).arg(response.error, QString::fromUtf8(response.body));
    readClusterFile();
    return response.status == 200;
}

TestHttpResponse ClusterProcesses::send(const QString &host, quint16 port, const QByteArray &method, const QByteArray &path,
                                        const QByteArray &body, int timeoutMs)
{
    drainOutput();
    // A fresh connection per request: a request is never sent twice, and a
    // killed process cannot leave a dead keep-alive connection behind.
    TestHttpClient client(port, host);
    const TestHttpClient::Headers headers{{QByteArrayLiteral("Authorization"), "Bearer " + m_token}};
    return client.request(method, path, body, headers, timeoutMs);
}

TestHttpResponse ClusterProcesses::router(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                                          int timeoutMs)
{
    return send(QStringLiteral("127.0.0.1"), m_port, method, path, body, timeoutMs);
}

TestHttpResponse ClusterProcesses::request(const QString &name, const QByteArray &method, const QByteArray &path,
                                           const QByteArray &body, int timeoutMs)
{
    return send(host(name), port(name), method, path, body, timeoutMs);
}

QJsonObject ClusterProcesses::status(int timeoutMs)
{
    return status(m_port, timeoutMs);
}

QJsonObject ClusterProcesses::status(quint16 routerPort, int timeoutMs)
{
    const TestHttpResponse response = send(QStringLiteral("127.0.0.1"), routerPort, "GET", "/v1/_cluster/status", {}, timeoutMs);
    return response.status == 200 ? response.json() : QJsonObject();
}

int ClusterProcesses::primaryOf(int shard, int timeoutMs)
{
    return primaryOf(shard, m_port, timeoutMs);
}

int ClusterProcesses::primaryOf(int shard, quint16 routerPort, int timeoutMs)
{
    const QJsonArray shards = status(routerPort, timeoutMs).value(QStringLiteral("shards")).toArray();
    if (shard >= shards.size())
        return -1;
    return servingPrimary(shards.at(shard).toObject());
}

bool ClusterProcesses::waitForHealthy(int timeoutMs)
{
    return waitUntil(
        [this] {
            const QJsonArray shards = status().value(QStringLiteral("shards")).toArray();
            if (shards.size() != m_options.shards)
                return false;
            for (const QJsonValue &value : shards) {
                const QJsonObject shard = value.toObject();
                if (servingPrimary(shard) < 0)
                    return false;
                for (const QJsonValue &member : shard.value(QStringLiteral("members")).toArray()) {
                    if (!member.toObject().value(QStringLiteral("reachable")).toBool())
                        return false;
                }
            }
            return true;
        },
        timeoutMs);
}

QJsonArray ClusterProcesses::events(qint64 since)
{
    const TestHttpResponse response =
        router("GET", "/v1/_cluster/events?limit=1000&since=" + QByteArray::number(since));
    return response.json().value(QStringLiteral("events")).toArray();
}

bool ClusterProcesses::waitUntil(const std::function<bool()> &predicate, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        drainOutput();
        if (predicate())
            return true;
        if (deadline.hasExpired())
            return predicate();
        QThread::msleep(50);
    }
}

bool ClusterProcesses::waitProcessingEvents(const std::function<bool()> &predicate, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!predicate()) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(20);
        drainOutput();
    }
    return true;
}

void ClusterProcesses::sleep(int milliseconds)
{
    QDeadlineTimer deadline(milliseconds);
    while (!deadline.hasExpired()) {
        drainOutput();
        QThread::msleep(std::min<qint64>(50, std::max<qint64>(1, deadline.remainingTime())));
    }
}

void ClusterProcesses::drainOutput()
{
    if (m_launcher.state() != QProcess::NotRunning) {
        m_launcher.waitForReadyRead(0);
        m_output += m_launcher.readAll();
    }
}

QString ClusterProcesses::output()
{
    drainOutput();
    return QString::fromUtf8(m_output);
}

QString ClusterProcesses::log(const QString &name, int maxChars) const
{
    QFile file(m_dir.filePath(QStringLiteral("logs/%1.log").arg(name)));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll()).right(maxChars);
}

QString ClusterProcesses::describe()
{
    QString out;
    const QJsonArray shards = status().value(QStringLiteral("shards")).toArray();
    for (const QJsonValue &shardValue : shards) {
        const QJsonObject shard = shardValue.toObject();
        out += QStringLiteral("shard %1:").arg(shard.value(QStringLiteral("id")).toInt());
        for (const QJsonValue &memberValue : shard.value(QStringLiteral("members")).toArray()) {
            const QJsonObject member = memberValue.toObject();
            out += QStringLiteral(" [%1 %2 term %3 seq %4 commit %5%6]")
                       .arg(member.value(QStringLiteral("member")).toInt())
                       .arg(member.value(QStringLiteral("role")).toString())
                       .arg(member.value(QStringLiteral("term")).toInteger())
                       .arg(member.value(QStringLiteral("seq")).toInteger())
                       .arg(member.value(QStringLiteral("commitSeq")).toInteger())
                       .arg(member.value(QStringLiteral("reachable")).toBool() ? QString() : QStringLiteral(" unreachable"));
        }
        out += QLatin1Char('\n');
    }
    if (shards.isEmpty())
        out = QStringLiteral("(the router did not answer)\n");
    return out;
}
