#include "ReplicaSetProcesses.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QThread>

#include <algorithm>

namespace {

QJsonObject merged(QJsonObject base, const QJsonObject &extra)
{
    for (auto it = extra.begin(); it != extra.end(); ++it) {
        if (it.value().isObject() && base.value(it.key()).isObject())
            base.insert(it.key(), merged(base.value(it.key()).toObject(), it.value().toObject()));
        else
            base.insert(it.key(), it.value());
    }
    return base;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size() && file.flush();
}

} // namespace

ReplicaSetProcesses::ReplicaSetProcesses()
    : ReplicaSetProcesses(Options())
{
}

ReplicaSetProcesses::ReplicaSetProcesses(const Options &options)
    : m_options(options)
{
    if (!prepare() && m_error.isEmpty())
        m_error = QStringLiteral("cannot prepare the replica set");
}

ReplicaSetProcesses::~ReplicaSetProcesses()
{
    // A crash-like stop is enough (the directory goes away) and much faster
    // than a clean one that may wait for writes that cannot commit.
    for (Member &member : m_members) {
        if (member.process) {
            member.process->resume();
            member.process->kill();
        }
    }
}

bool ReplicaSetProcesses::prepare()
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary directory: %1").arg(m_dir.errorString());
        return false;
    }
    if (m_options.members < 1) {
        m_error = QStringLiteral("a replica set needs at least one member");
        return false;
    }

    // Free ports: hold them all at once so they differ, then let them go.
    std::vector<std::unique_ptr<QTcpServer>> holders;
    for (int i = 0; i < m_options.members + m_options.spares; ++i) {
        auto holder = std::make_unique<QTcpServer>();
        if (!holder->listen(QHostAddress::LocalHost, 0)) {
            m_error = QStringLiteral("cannot find a free port: %1").arg(holder->errorString());
            return false;
        }
        Member member;
        member.port = holder->serverPort();
        member.url = QStringLiteral("http://127.0.0.1:%1").arg(member.port);
        member.dataDir = m_dir.filePath(QStringLiteral("member%1").arg(i));
        if (!QDir().mkpath(member.dataDir)) {
            m_error = QStringLiteral("cannot create %1").arg(member.dataDir);
            return false;
        }
        m_members.push_back(std::move(member));
        holders.push_back(std::move(holder));
    }
    holders.clear();

    QByteArray random(24, Qt::Uninitialized);
    QRandomGenerator::global()->generate(random.begin(), random.end());
    m_token = random.toHex();
    const QString tokenPath = m_dir.filePath(QStringLiteral("token"));
    if (!writeFile(tokenPath, m_token + '\n')) {
        m_error = QStringLiteral("cannot write %1").arg(tokenPath);
        return false;
    }

    QJsonArray replicas;
    for (int i = 1; i < m_options.members; ++i)
        replicas.append(m_members.at(size_t(i)).url);
    QJsonObject replication{{QStringLiteral("Enabled"), true},
                                  {QStringLiteral("ReplicaCount"), m_options.members - 1},
                                  {QStringLiteral("WriteQuorum"), m_options.writeQuorum},
                                  {QStringLiteral("FailoverTimeoutMs"), m_options.failoverTimeoutMs},
                                  {QStringLiteral("HeartbeatIntervalMs"), m_options.heartbeatIntervalMs},
                                  {QStringLiteral("WriteTimeoutMs"), m_options.writeTimeoutMs}};
    if (m_options.entryCacheBytes >= 0)
        replication.insert(QStringLiteral("EntryCacheBytes"), m_options.entryCacheBytes);
    const QJsonObject shard{{QStringLiteral("Id"), 0},
                            {QStringLiteral("Primary"), m_members.front().url},
                            {QStringLiteral("Replicas"), replicas}};
    const QJsonObject config = merged(
        QJsonObject{{QStringLiteral("Server"), QJsonObject{{QStringLiteral("Role"), QStringLiteral("node")}}},
                    {QStringLiteral("Sharding"), QJsonObject{{QStringLiteral("Enabled"), true},
                                                             {QStringLiteral("ShardCount"), 1},
                                                             {QStringLiteral("Replication"), replication},
                                                             {QStringLiteral("Shards"), QJsonArray{shard}}}}},
        m_options.extraConfig);
    if (!writeFile(configPath(), QJsonDocument(config).toJson())) {
        m_error = QStringLiteral("cannot write %1").arg(configPath());
        return false;
    }

    for (int i = 0; i < size(); ++i) {
        Member &member = m_members.at(size_t(i));
        member.process = std::make_unique<ServerProcess>(
            member.dataDir, QStringList{QStringLiteral("--config"), configPath(), QStringLiteral("--token-file"), tokenPath});
        member.process->setListenAddress(QStringLiteral("127.0.0.1:%1").arg(member.port));
        QStringList environment{QStringLiteral("PEACEDB_NODE_SELF=%1").arg(member.url)};
        if (isSpare(i))
            environment << QStringLiteral("PEACEDB_NODE_SHARD_ID=0") << QStringLiteral("PEACEDB_NODE_MEMBER_ID=%1").arg(i);
        member.process->setEnvironment(environment);
    }
    return true;
}

QString ReplicaSetProcesses::url(int member) const
{
    return m_members.at(size_t(member)).url;
}

quint16 ReplicaSetProcesses::port(int member) const
{
    return m_members.at(size_t(member)).port;
}

QString ReplicaSetProcesses::dataDir(int member) const
{
    return m_members.at(size_t(member)).dataDir;
}

QString ReplicaSetProcesses::configPath() const
{
    return m_dir.filePath(QStringLiteral("config.json"));
}

int ReplicaSetProcesses::memberOf(const QString &url) const
{
    for (int i = 0; i < size(); ++i) {
        if (m_members.at(size_t(i)).url == url)
            return i;
    }
    return -1;
}

bool ReplicaSetProcesses::start(const QList<int> &members)
{
    QList<int> order = members;
    if (order.isEmpty()) {
        for (int i = 0; i < m_options.members; ++i)
            order.append(i);
    }
    std::stable_sort(order.begin(), order.end(), [](int a, int b) { return (a == 0) < (b == 0); });
    for (int member : order) {
        if (!startMember(member))
            return false;
    }
    return true;
}

bool ReplicaSetProcesses::startMember(int member, int timeoutMs)
{
    Member &m = m_members.at(size_t(member));
    m.client.reset();
    m.paused = false;
    if (!m.process->start(timeoutMs)) {
        m_error = QStringLiteral("member %1 (%2) did not start:\n%3").arg(member).arg(m.url, m.process->output().right(4000));
        m.process->kill();
        return false;
    }
    return true;
}

void ReplicaSetProcesses::kill(int member)
{
    Member &m = m_members.at(size_t(member));
    m.process->kill();
    m.earlierOutput += m.process->output();
    m.paused = false;
    m.client.reset();
}

void ReplicaSetProcesses::pause(int member)
{
    Member &m = m_members.at(size_t(member));
    m.process->pause();
    m.paused = true;
}

void ReplicaSetProcesses::resume(int member)
{
    Member &m = m_members.at(size_t(member));
    m.process->resume();
    m.paused = false;
}

bool ReplicaSetProcesses::restart(int member, int timeoutMs)
{
    if (isRunning(member)) {
        resume(member);
        kill(member);
    }
    return startMember(member, timeoutMs);
}

bool ReplicaSetProcesses::isRunning(int member)
{
    ServerProcess &process = *m_members.at(size_t(member)).process;
    return process.isRunning() && process.isAlive();
}

bool ReplicaSetProcesses::isLive(int member)
{
    return isRunning(member) && !m_members.at(size_t(member)).paused;
}

TestHttpResponse ReplicaSetProcesses::request(int member, const QByteArray &method, const QByteArray &path,
                                              const QByteArray &body, int timeoutMs)
{
    Member &m = m_members.at(size_t(member));
    const TestHttpClient::Headers headers{{QByteArrayLiteral("Authorization"), "Bearer " + m_token}};
    if (method != "GET") {
        TestHttpClient once(m.port);
        return once.request(method, path, body, headers, timeoutMs);
    }
    if (!m.client)
        m.client = std::make_unique<TestHttpClient>(m.port);
    TestHttpResponse response = m.client->request(method, path, body, headers, timeoutMs);
    if (response.status == 0 && response.error == QLatin1String("connection closed")) {
        m.client = std::make_unique<TestHttpClient>(m.port);
        response = m.client->request(method, path, body, headers, timeoutMs);
    }
    if (response.status == 0)
        m.client.reset();
    return response;
}

QJsonObject ReplicaSetProcesses::state(int member, int timeoutMs)
{
    const TestHttpResponse response = get(member, "/v1/_replication/state", timeoutMs);
    return response.status == 200 ? response.json() : QJsonObject();
}

bool ReplicaSetProcesses::wal(int member, qint64 since, QJsonArray *entries, QString *error)
{
    for (int page = 0; page < 100000; ++page) {
        const TestHttpResponse response =
            get(member, "/v1/_replication/wal?limit=1000&since=" + QByteArray::number(since), 20000);
        if (response.status != 200) {
            *error = QStringLiteral("member %1 GET /v1/_replication/wal?since=%2: %3 %4 %5")
                         .arg(member)
                         .arg(since)
                         .arg(response.status)
                         .arg(response.error, QString::fromUtf8(response.body.left(300)));
            return false;
        }
        const QJsonObject json = response.json();
        const QJsonArray batch = json.value(QStringLiteral("entries")).toArray();
        for (const QJsonValue &entry : batch)
            entries->append(entry);
        if (batch.isEmpty() || since + batch.size() >= json.value(QStringLiteral("lastSeq")).toInteger())
            return true;
        since = batch.last().toObject().value(QStringLiteral("seq")).toInteger();
    }
    *error = QStringLiteral("member %1: too many /wal pages").arg(member);
    return false;
}

int ReplicaSetProcesses::waitForPrimary(int timeoutMs, bool requireWritable)
{
    int found = -1;
    const bool settled = waitUntil(
        [&] {
            found = -1;
            QString agreed;
            QList<QJsonObject> states;
            for (int i = 0; i < size(); ++i) {
                if (!isLive(i))
                    continue;
                const QJsonObject s = state(i, 2000);
                if (s.isEmpty())
                    return false;
                const QString primary = s.value(QStringLiteral("primary")).toString();
                if (primary.isEmpty() || (!agreed.isEmpty() && primary != agreed))
                    return false;
                agreed = primary;
                states.append(s);
                if (s.value(QStringLiteral("role")).toString() == QLatin1String("primary"))
                    found = i;
            }
            if (found < 0 || url(found) != agreed)
                return false;
            for (const QJsonObject &s : std::as_const(states)) {
                if (s.value(QStringLiteral("member")).toInt() == found)
                    return !requireWritable || s.value(QStringLiteral("writable")).toBool();
            }
            return false;
        },
        timeoutMs);
    return settled ? found : -1;
}

bool ReplicaSetProcesses::waitUntil(const std::function<bool()> &predicate, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        drainOutput();
        if (predicate())
            return true;
        if (deadline.hasExpired())
            return false;
        QThread::msleep(50);
    }
}

bool ReplicaSetProcesses::waitForConvergence(int timeoutMs, const QList<int> &members)
{
    return waitUntil(
        [&] {
            QList<int> which = members;
            if (which.isEmpty()) {
                for (int i = 0; i < size(); ++i) {
                    if (isLive(i))
                        which.append(i);
                }
            }
            qint64 lastSeq = -1;
            qint64 lastTerm = -1;
            for (int i : std::as_const(which)) {
                const QJsonObject s = state(i, 2000);
                if (s.isEmpty())
                    return false;
                const qint64 seq = s.value(QStringLiteral("lastSeq")).toInteger();
                const qint64 term = s.value(QStringLiteral("lastTerm")).toInteger();
                if ((lastSeq >= 0 && (seq != lastSeq || term != lastTerm)) || s.value(QStringLiteral("commitSeq")).toInteger() != seq
                    || s.value(QStringLiteral("appliedSeq")).toInteger() != seq) {
                    return false;
                }
                lastSeq = seq;
                lastTerm = term;
            }
            return true;
        },
        timeoutMs);
}

void ReplicaSetProcesses::sleep(int milliseconds)
{
    waitUntil([] { return false; }, milliseconds);
}

void ReplicaSetProcesses::drainOutput()
{
    for (Member &member : m_members)
        member.process->drainOutput();
}

QString ReplicaSetProcesses::describe()
{
    QStringList lines;
    for (int i = 0; i < size(); ++i) {
        if (!isRunning(i)) {
            lines.append(QStringLiteral("member %1 %2: not running").arg(i).arg(url(i)));
            continue;
        }
        if (!isLive(i)) {
            lines.append(QStringLiteral("member %1 %2: paused").arg(i).arg(url(i)));
            continue;
        }
        const QJsonObject s = state(i, 2000);
        if (s.isEmpty()) {
            lines.append(QStringLiteral("member %1 %2: no answer to /v1/_replication/state").arg(i).arg(url(i)));
            continue;
        }
        QJsonObject brief = s;
        brief.remove(QStringLiteral("events"));
        lines.append(QStringLiteral("member %1: %2").arg(i).arg(QString::fromUtf8(QJsonDocument(brief).toJson(QJsonDocument::Compact))));
    }
    return lines.join(QLatin1Char('\n'));
}

QString ReplicaSetProcesses::output(int member, int maxChars)
{
    Member &m = m_members.at(size_t(member));
    const QString all = m.earlierOutput + m.process->output();
    return all.right(maxChars);
}
