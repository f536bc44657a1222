// Process test: the local cluster launcher, `peacedb-cluster`, running real
// peacedb-server processes on free 127.0.0.1 ports.
//
// Command-line mistakes (exit 2, nothing created) and commands without a
// cluster (exit 1). `up`: the summary, DIR/cluster.json, every process
// answering, a document written and read through the router, `status`, and a
// second `up` on the same directory refused (exit 3). `stop NAME` and
// `start NAME`; a SIGKILLed member staying down until started; the supervisor
// endpoint refusing a missing or wrong token and working with DIR/token.
// SIGTERM stopping every process (exit 0) and a new `up` finding the data.
// Two shards; a busy port (exit 1, naming the port, leaving no process and no
// configuration behind); --bind-addresses.
//
// Every cluster is held by a Launcher, whose destructor SIGKILLs the launcher
// and every process started from its directory, so a failing test leaves
// nothing running.
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <csignal>
#include <functional>
#include <memory>
#include <unistd.h>
#include <vector>

#include "TestHttpClient.h"

namespace {

// Generous: other test runs share the machine's two cores.
constexpr int kStartupTimeoutMs = 30000; // a small cluster answering
constexpr int kCommandTimeoutMs = 30000; // one peacedb-cluster command
constexpr int kStopTimeoutMs = 30000;    // the launcher stopping everything
constexpr int kRouterReadyMs = 30000;    // the router accepting a write

QString clusterBinary()
{
    return QStringLiteral(PEACEDB_CLUSTER_BINARY);
}

// Polls `predicate` (running the event loop in between) until it holds or
// timeoutMs passes.
bool waitUntil(const std::function<bool()> &predicate, int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!predicate()) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(50);
    }
    return true;
}

// Alive: the process exists and is not a zombie.
bool pidAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    const qsizetype nameEnd = text.lastIndexOf(')');
    if (nameEnd < 0 || nameEnd + 2 >= text.size())
        return false;
    const char state = text.at(nameEnd + 2);
    return state != 'Z' && state != 'X';
}

QByteArray commandLineOf(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return QByteArray();
    QByteArray text = file.readAll();
    text.replace('\0', ' ');
    return text;
}

// Every live process (but this one) whose command line mentions `text`.
QList<qint64> processesMentioning(const QString &text)
{
    QList<qint64> out;
    const QByteArray needle = text.toUtf8();
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (numeric && pid != ::getpid() && pidAlive(pid) && commandLineOf(pid).contains(needle))
            out.append(pid);
    }
    return out;
}

bool portFree(const QString &host, int port)
{
    QTcpServer probe;
    return probe.listen(QHostAddress(host), quint16(port));
}

// A base port P for a cluster of `members` replica set members: P-1
// (supervisor), P (router) and P+1 .. P+members (members, on 127.0.0.(i+2)
// with bindAddresses) are free right now. Random in 20000-60000, outside the
// kernel's ephemeral range, so that outgoing connections do not take the
// ports between this check and the launcher's. 0 if none was found.
int freePortBase(int members, bool bindAddresses = false)
{
    int ephemeralLow = 32768;
    int ephemeralHigh = 60999;
    QFile range(QStringLiteral("/proc/sys/net/ipv4/ip_local_port_range"));
    if (range.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> fields = range.readAll().simplified().split(' ');
        if (fields.size() == 2) {
            ephemeralLow = fields.at(0).toInt();
            ephemeralHigh = fields.at(1).toInt();
        }
    }
    for (int attempt = 0; attempt < 200; ++attempt) {
        const int base = QRandomGenerator::global()->bounded(20000, 60000 - members);
        if (base + members >= ephemeralLow && base - 1 <= ephemeralHigh)
            continue;
        bool free = portFree(QStringLiteral("127.0.0.1"), base - 1) && portFree(QStringLiteral("127.0.0.1"), base);
        for (int i = 0; free && i < members; ++i) {
            const QString host = bindAddresses ? QStringLiteral("127.0.0.%1").arg(i + 2) : QStringLiteral("127.0.0.1");
            free = portFree(host, base + 1 + i);
        }
        if (free)
            return base;
    }
    return 0;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QJsonObject readJsonFile(const QString &path)
{
    return QJsonDocument::fromJson(readFile(path)).object();
}

struct CommandResult
{
    int exitCode = -1; // -1: crashed or did not finish in time (then killed)
    QString out;
    QString err;

    QString describe() const
    {
        return QStringLiteral("exit code %1\nstdout:\n%2\nstderr:\n%3").arg(exitCode).arg(out, err);
    }
};

// Runs peacedb-cluster to completion (killing it after timeoutMs).
CommandResult runCluster(const QStringList &arguments, int timeoutMs = kCommandTimeoutMs)
{
    QProcess process;
    process.start(clusterBinary(), arguments);
    CommandResult result;
    if (!process.waitForStarted(10000)) {
        result.err = process.errorString();
        return result;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        result.err = QStringLiteral("(killed after %1 ms) ").arg(timeoutMs);
    } else if (process.exitStatus() == QProcess::NormalExit) {
        result.exitCode = process.exitCode();
    }
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err += QString::fromUtf8(process.readAllStandardError());
    return result;
}

// One request on a fresh connection (a kept-alive one may point at a process
// that has been restarted since).
TestHttpResponse request(const QString &url, const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                         const TestHttpClient::Headers &headers = {}, int timeoutMs = 10000)
{
    const QUrl parsed(url);
    TestHttpClient client(quint16(parsed.port()), parsed.host());
    return client.request(method, path, body, headers, timeoutMs);
}

// The built-in admin's credentials for the cluster in `dir` (its
// admin-password file, as a user would read it).
TestHttpClient::Headers admin(const QString &dir)
{
    QFile file(QDir(dir).filePath(QStringLiteral("admin-password")));
    const QByteArray password = file.open(QIODevice::ReadOnly) ? file.readAll().trimmed() : QByteArray();
    return {{QByteArrayLiteral("Authorization"), "Basic " + QByteArray("admin:" + password).toBase64()}};
}

bool answersHealthz(const QString &url)
{
    return request(url, "GET", "/healthz", {}, {}, 5000).status == 200;
}

// Creates database t and document a = {"x": 1} through the router, retrying
// while it cannot write yet (no answer, 503: it is still finding the
// primaries).
bool writeDocument(const QString &routerUrl, const TestHttpClient::Headers &auth, QString *error)
{
    TestHttpResponse last;
    const bool created = waitUntil(
        [&] {
            last = request(routerUrl, "PUT", "/v1/db/t", {}, auth);
            return last.status == 200 || last.status == 201;
        },
        kRouterReadyMs);
    if (!created) {
        *error = QStringLiteral("PUT /v1/db/t: %1 %2 %3").arg(last.status).arg(QString::fromUtf8(last.body), last.error);
        return false;
    }
    const bool written = waitUntil(
        [&] {
            last = request(routerUrl, "PUT", "/v1/db/t/docs/a", R"({"data":{"x":1}})", auth);
            // 409: an earlier attempt was applied although its answer was not 200.
            return last.status == 200 || last.status == 409;
        },
        kRouterReadyMs);
    if (!written)
        *error = QStringLiteral("PUT /v1/db/t/docs/a: %1 %2 %3").arg(last.status).arg(QString::fromUtf8(last.body), last.error);
    return written;
}

// Reads document a through the router (retrying while the router is not
// ready) and checks that its data is {"x": 1}.
bool readDocument(const QString &routerUrl, const TestHttpClient::Headers &auth, QString *error)
{
    TestHttpResponse last;
    const bool read = waitUntil(
        [&] {
            last = request(routerUrl, "GET", "/v1/db/t/docs/a", {}, auth);
            return last.status == 200 || last.status == 404;
        },
        kRouterReadyMs);
    if (!read || last.status != 200
        || last.json().value(QStringLiteral("data")).toObject() != QJsonObject{{QStringLiteral("x"), 1}}) {
        *error = QStringLiteral("GET /v1/db/t/docs/a: %1 %2 %3").arg(last.status).arg(QString::fromUtf8(last.body), last.error);
        return false;
    }
    return true;
}

// One `peacedb-cluster up` run by a test, on a directory of the test's
// choosing. The destructor SIGKILLs the launcher and every process started
// from the directory (each pid any cluster.json listed, and whatever else
// still mentions the directory on its command line).
class Launcher
{
public:
    explicit Launcher(const QString &dataDir)
        : m_dataDir(dataDir)
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
    }

    ~Launcher() { killEverything(); }

    Launcher(const Launcher &) = delete;
    Launcher &operator=(const Launcher &) = delete;

    // Runs `up --data DIR arguments...` and waits until it says that every
    // process is up; false if it exits or the time runs out first.
    bool up(const QStringList &arguments)
    {
        m_process.start(clusterBinary(), QStringList{QStringLiteral("up"), QStringLiteral("--data"), m_dataDir} + arguments);
        if (!m_process.waitForStarted(10000))
            return false;
        if (!waitForOutput(QStringLiteral("Ctrl-C stops everything"), kStartupTimeoutMs))
            return false;
        clusterFile();
        return true;
    }

    // Waits until the launcher has printed `text` (false if it exits first).
    bool waitForOutput(const QString &text, int timeoutMs)
    {
        waitUntil([&] { return output().contains(text) || m_process.state() == QProcess::NotRunning; }, timeoutMs);
        return output().contains(text);
    }

    QString output()
    {
        m_output += m_process.readAll();
        return QString::fromUtf8(m_output);
    }

    qint64 pid() const { return m_process.processId(); }
    QProcess &process() { return m_process; }

    // DIR/cluster.json as it is now; remembers its pids for the destructor.
    QJsonObject clusterFile()
    {
        const QJsonObject file = readJsonFile(QDir(m_dataDir).filePath(QStringLiteral("cluster.json")));
        for (const QJsonValue &process : file.value(QStringLiteral("processes")).toArray()) {
            const qint64 pid = process.toObject().value(QStringLiteral("pid")).toInteger();
            if (pid > 0)
                m_seenPids.insert(pid);
        }
        return file;
    }

    QJsonObject processEntry(const QString &name)
    {
        for (const QJsonValue &process : clusterFile().value(QStringLiteral("processes")).toArray()) {
            if (process.toObject().value(QStringLiteral("name")).toString() == name)
                return process.toObject();
        }
        return QJsonObject();
    }

    qint64 pidOf(const QString &name) { return processEntry(name).value(QStringLiteral("pid")).toInteger(); }
    QString urlOf(const QString &name) { return processEntry(name).value(QStringLiteral("url")).toString(); }

    // Every pid of the current cluster.json.
    QList<qint64> pids()
    {
        QList<qint64> out;
        for (const QJsonValue &process : clusterFile().value(QStringLiteral("processes")).toArray())
            out.append(process.toObject().value(QStringLiteral("pid")).toInteger());
        return out;
    }

    // The launcher's output and cluster.json, for failure messages.
    QString describe()
    {
        return QStringLiteral("launcher output:\n%1\ncluster.json:\n%2")
            .arg(output().right(4000), QString::fromUtf8(readFile(QDir(m_dataDir).filePath(QStringLiteral("cluster.json")))));
    }

    void killEverything()
    {
        clusterFile();
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(10000);
        }
        const QByteArray directory = m_dataDir.toUtf8();
        for (qint64 pid : std::as_const(m_seenPids)) {
            if (pidAlive(pid) && commandLineOf(pid).contains(directory))
                ::kill(pid_t(pid), SIGKILL);
        }
        for (qint64 pid : processesMentioning(m_dataDir))
            ::kill(pid_t(pid), SIGKILL);
        waitUntil([&] { return processesMentioning(m_dataDir).isEmpty(); }, 10000);
    }

private:
    QString m_dataDir;
    QProcess m_process;
    QByteArray m_output;
    QSet<qint64> m_seenPids;
};

QStringList upArguments(int shards, int replicas, int port)
{
    return {QStringLiteral("--shards"), QString::number(shards), QStringLiteral("--replicas"), QString::number(replicas),
            QStringLiteral("--port"), QString::number(port)};
}

// The line of `status` output that starts with `name`.
QString statusLine(const QString &statusOutput, const QString &name)
{
    for (const QString &line : statusOutput.split(QLatin1Char('\n'))) {
        if (line.startsWith(name + QLatin1Char(' ')))
            return line;
    }
    return QString();
}

} // namespace

class TestClusterLauncher : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(clusterBinary()).isExecutable(), PEACEDB_CLUSTER_BINARY);
    }

    void commandLineMistakesAndNoCluster()
    {
        QTemporaryDir temporary;
        QVERIFY(temporary.isValid());
        const QString dir = temporary.filePath(QStringLiteral("c"));

        CommandResult result = runCluster({QStringLiteral("up"), QStringLiteral("--shards"), QStringLiteral("0")});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(QLatin1String("--shards must be an integer from 1 to 1024, not '0' (see --help)")),
                 qPrintable(result.describe()));

        // Too close to 65535 for 1 + 3 x 3 processes: refused before the
        // directory is touched.
        result = runCluster({QStringLiteral("up"), QStringLiteral("--port"), QStringLiteral("65530"), QStringLiteral("--data"), dir});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(QLatin1String("--port 65530 leaves no room")), qPrintable(result.describe()));
        QVERIFY(!QFileInfo::exists(dir));

        result = runCluster({QStringLiteral("up"), QStringLiteral("--server"), temporary.filePath(QStringLiteral("no-such-server")),
                             QStringLiteral("--data"), dir});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(QLatin1String("does not exist")), qPrintable(result.describe()));
        QVERIFY(!QFileInfo::exists(dir));

        result = runCluster({QStringLiteral("start"), QStringLiteral("--data"), dir});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(QLatin1String("start needs the name of a process")), qPrintable(result.describe()));

        for (const QStringList &command : {QStringList{QStringLiteral("status")}, QStringList{QStringLiteral("stop"), QStringLiteral("router")},
                                           QStringList{QStringLiteral("start"), QStringLiteral("router")}}) {
            result = runCluster(command + QStringList{QStringLiteral("--data"), dir});
            QCOMPARE(result.exitCode, 1);
            QVERIFY2(result.err.contains(QStringLiteral("no cluster in %1").arg(dir)), qPrintable(result.describe()));
        }

        result = runCluster({QStringLiteral("--help")});
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.startsWith(QLatin1String("Usage:")), qPrintable(result.describe()));
        result = runCluster({QStringLiteral("--version")});
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.startsWith(QLatin1String("peacedb-cluster ")), qPrintable(result.describe()));
    }

    void upStartsEveryProcess()
    {
        QTemporaryDir temporary;
        QVERIFY(temporary.isValid());
        const QString dir = temporary.path();
        const int port = freePortBase(3);
        QVERIFY(port > 0);
        Launcher launcher(dir);
        QVERIFY2(launcher.up(upArguments(1, 2, port)), qPrintable(launcher.describe()));
        // "up" means ready: the README's first command works at once, no retry.
        const QString routerUrl = QStringLiteral("http://127.0.0.1:%1").arg(port);
        const TestHttpResponse created = request(routerUrl, "PUT", "/v1/db/first", {}, admin(dir));
        QVERIFY2(created.status == 201, qPrintable(QString::fromUtf8(created.body) + created.error));
        const TestHttpResponse health = request(routerUrl, "GET", "/healthz");
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QVERIFY2(launcher.output().contains(QLatin1String("ready: every shard has a primary")), qPrintable(launcher.output()));

        const QStringList names{QStringLiteral("router"), QStringLiteral("shard0-node0"), QStringLiteral("shard0-node1"),
                                QStringLiteral("shard0-node2")};
        // The summary: every process with its URL, pid and log, then the
        // router, the supervisor and the cluster file.
        const QString output = launcher.output();
        for (int i = 0; i < names.size(); ++i) {
            const QRegularExpression line(QStringLiteral("\\n  %1 +http://127\\.0\\.0\\.1:%2 +pid (\\d+) +log %3\\n")
                                              .arg(names.at(i))
                                              .arg(port + i)
                                              .arg(QRegularExpression::escape(QStringLiteral("%1/logs/%2.log").arg(dir, names.at(i)))));
            QVERIFY2(line.match(output).hasMatch(), qPrintable(names.at(i) + QStringLiteral(" missing in:\n") + output));
        }
        QVERIFY2(output.contains(QStringLiteral("\nrouter:       http://127.0.0.1:%1\n").arg(port)), qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral("\nsupervisor:   http://127.0.0.1:%1 (token in %2/token)\n").arg(port - 1).arg(dir)),
                 qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral("\ncluster file: %1/cluster.json\n").arg(dir)), qPrintable(output));

        // cluster.json
        const QJsonObject file = launcher.clusterFile();
        QCOMPARE(file.value(QStringLiteral("launcherPid")).toInteger(), launcher.pid());
        QCOMPARE(file.value(QStringLiteral("dataDir")).toString(), dir);
        QCOMPARE(file.value(QStringLiteral("configFile")).toString(), dir + QStringLiteral("/cluster-config.json"));
        QCOMPARE(file.value(QStringLiteral("tokenFile")).toString(), dir + QStringLiteral("/token"));
        QCOMPARE(file.value(QStringLiteral("supervisor")).toString(), QStringLiteral("http://127.0.0.1:%1").arg(port - 1));
        QCOMPARE(file.value(QStringLiteral("router")).toString(), QStringLiteral("http://127.0.0.1:%1").arg(port));
        QCOMPARE(file.value(QStringLiteral("shards")).toInt(), 1);
        QCOMPARE(file.value(QStringLiteral("replicas")).toInt(), 2);
        const QJsonArray processes = file.value(QStringLiteral("processes")).toArray();
        QCOMPARE(processes.size(), names.size());
        QSet<qint64> pids;
        for (int i = 0; i < names.size(); ++i) {
            const QJsonObject process = processes.at(i).toObject();
            const QString url = QStringLiteral("http://127.0.0.1:%1").arg(port + i);
            QCOMPARE(process.value(QStringLiteral("name")).toString(), names.at(i));
            QCOMPARE(process.value(QStringLiteral("role")).toString(), i == 0 ? QStringLiteral("router") : QStringLiteral("node"));
            QCOMPARE(process.value(QStringLiteral("shard")), i == 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(0));
            QCOMPARE(process.value(QStringLiteral("member")), i == 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(i - 1));
            QCOMPARE(process.value(QStringLiteral("url")).toString(), url);
            QCOMPARE(process.value(QStringLiteral("state")).toString(), QStringLiteral("running"));
            QCOMPARE(process.value(QStringLiteral("log")).toString(), QStringLiteral("%1/logs/%2.log").arg(dir, names.at(i)));
            QCOMPARE(process.value(QStringLiteral("dataDir")).toString(), QStringLiteral("%1/%2").arg(dir, names.at(i)));
            QVERIFY(QFileInfo(process.value(QStringLiteral("log")).toString()).isFile());
            const qint64 pid = process.value(QStringLiteral("pid")).toInteger();
            QVERIFY2(pidAlive(pid), qPrintable(names.at(i)));
            QVERIFY2(commandLineOf(pid).contains("peacedb-server"), commandLineOf(pid).constData());
            pids.insert(pid);
            QVERIFY2(answersHealthz(url), qPrintable(url));
        }
        QCOMPARE(pids.size(), names.size());

        // The token: 32 hex digits, readable by the owner only.
        const QByteArray token = readFile(dir + QStringLiteral("/token")).trimmed();
        QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{48}$")).match(QString::fromLatin1(token)).hasMatch(), token.constData());
        const QFile::Permissions others = QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther;
        QCOMPARE(QFileInfo(dir + QStringLiteral("/token")).permissions() & others, QFile::Permissions());
        const QJsonObject config = readJsonFile(dir + QStringLiteral("/cluster-config.json"));
        QCOMPARE(config.value(QStringLiteral("Sharding")).toObject().value(QStringLiteral("ShardCount")).toInt(), 1);

        // A document through the router.
        QString error;
        QVERIFY2(writeDocument(routerUrl, admin(dir), &error), qPrintable(error + QLatin1Char('\n') + launcher.describe()));
        QVERIFY2(readDocument(routerUrl, admin(dir), &error), qPrintable(error));

        // status: the launcher and every process alive.
        const CommandResult status = runCluster({QStringLiteral("status"), QStringLiteral("--data"), dir});
        QCOMPARE(status.exitCode, 0);
        const QString firstLine = QStringLiteral("launcher pid %1 alive, supervisor http://127.0.0.1:%2\n").arg(launcher.pid()).arg(port - 1);
        QVERIFY2(status.out.startsWith(firstLine), qPrintable(status.describe()));
        for (const QString &name : names) {
            const QString line = statusLine(status.out, name);
            QVERIFY2(QRegularExpression(QStringLiteral("^%1 .* \\d+ +yes +%2/logs/%1\\.log$").arg(name, QRegularExpression::escape(dir)))
                         .match(line)
                         .hasMatch(),
                     qPrintable(status.describe()));
        }

        // A second launcher on the same directory is refused and changes
        // nothing.
        const CommandResult second = runCluster(QStringList{QStringLiteral("up"), QStringLiteral("--data"), dir} + upArguments(1, 2, port));
        QCOMPARE(second.exitCode, 3);
        QVERIFY2(second.err.contains(QStringLiteral("%1 is in use by another peacedb-cluster").arg(dir)), qPrintable(second.describe()));
        QCOMPARE(launcher.process().state(), QProcess::Running);
        QCOMPARE(launcher.clusterFile().value(QStringLiteral("launcherPid")).toInteger(), launcher.pid());
        const QList<qint64> after = launcher.pids();
        QCOMPARE(QSet<qint64>(after.begin(), after.end()), pids);
        for (qint64 pid : pids)
            QVERIFY(pidAlive(pid));
        QVERIFY2(readDocument(routerUrl, admin(dir), &error), qPrintable(error));
    }

    void stopAndStartOneProcess()
    {
        QTemporaryDir temporary;
        QVERIFY(temporary.isValid());
        const QString dir = temporary.path();
        const int port = freePortBase(3);
        QVERIFY(port > 0);
        Launcher launcher(dir);
        QVERIFY2(launcher.up(upArguments(1, 2, port)), qPrintable(launcher.describe()));

        const QString name = QStringLiteral("shard0-node2");
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(port + 3);
        const qint64 oldPid = launcher.pidOf(name);
        QVERIFY(pidAlive(oldPid));

        CommandResult result = runCluster({QStringLiteral("stop"), name, QStringLiteral("--data"), dir});
        QCOMPARE(result.exitCode, 0);
        QCOMPARE(result.out, QStringLiteral("%1 is stopped (exited with code 0)\n").arg(name));
        QVERIFY(waitUntil([&] { return !pidAlive(oldPid); }, 10000));
        QJsonObject entry = launcher.processEntry(name);
        QCOMPARE(entry.value(QStringLiteral("state")).toString(), QStringLiteral("stopped"));
        QCOMPARE(entry.value(QStringLiteral("pid")), QJsonValue(QJsonValue::Null));
        QCOMPARE(entry.value(QStringLiteral("lastExit")).toString(), QStringLiteral("exited with code 0"));
        QVERIFY(!answersHealthz(url));
        QVERIFY2(launcher.waitForOutput(QStringLiteral("peacedb-cluster: %1 stopped (exited with code 0)").arg(name), 10000),
                 qPrintable(launcher.describe()));

        result = runCluster({QStringLiteral("status"), QStringLiteral("--data"), dir});
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(QRegularExpression(QStringLiteral("^%1 .* - +no \\(exited with code 0\\) ").arg(name))
                     .match(statusLine(result.out, name))
                     .hasMatch(),
                 qPrintable(result.describe()));
        for (const QString &other : {QStringLiteral("router"), QStringLiteral("shard0-node0"), QStringLiteral("shard0-node1")})
            QVERIFY2(statusLine(result.out, other).contains(QLatin1String(" yes ")), qPrintable(result.describe()));

        // Stopping a stopped process is no error.
        result = runCluster({QStringLiteral("stop"), name, QStringLiteral("--data"), dir});
        QCOMPARE(result.exitCode, 0);

        result = runCluster({QStringLiteral("start"), name, QStringLiteral("--data"), dir});
        QCOMPARE(result.exitCode, 0);
        const QRegularExpressionMatch started =
            QRegularExpression(QStringLiteral("^%1 is running: %2, pid (\\d+), log %3/logs/%1\\.log\\n$")
                                   .arg(name, QRegularExpression::escape(url), QRegularExpression::escape(dir)))
                .match(result.out);
        QVERIFY2(started.hasMatch(), qPrintable(result.describe()));
        const qint64 newPid = started.captured(1).toLongLong();
        QVERIFY(newPid != oldPid);
        QVERIFY(pidAlive(newPid));
        entry = launcher.processEntry(name);
        QCOMPARE(entry.value(QStringLiteral("state")).toString(), QStringLiteral("running"));
        QCOMPARE(entry.value(QStringLiteral("pid")).toInteger(), newPid);
        QCOMPARE(entry.value(QStringLiteral("url")).toString(), url);
        QVERIFY(answersHealthz(url));

        result = runCluster({QStringLiteral("start"), QStringLiteral("shard9-node9"), QStringLiteral("--data"), dir});
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.err.contains(QLatin1String("no process named 'shard9-node9'")), qPrintable(result.describe()));
    }

    void killedProcessStaysDown()
    {
        QTemporaryDir temporary;
        QVERIFY(temporary.isValid());
        const QString dir = temporary.path();
        const int port = freePortBase(3);
        QVERIFY(port > 0);
        Launcher launcher(dir);
        QVERIFY2(launcher.up(upArguments(1, 2, port)), qPrintable(launcher.describe()));

        const QString name = QStringLiteral("shard0-node1");
        const QString url = launcher.urlOf(name);
        const qint64 pid = launcher.pidOf(name);
        QVERIFY(pidAlive(pid));
        QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        QVERIFY2(launcher.waitForOutput(QStringLiteral("peacedb-cluster: %1 (pid %2) killed by signal 9; it stays down until "
                                                       "`peacedb-cluster start %1 --data %3`")
                                            .arg(name)
                                            .arg(pid)
                                            .arg(dir),
                                        20000),
                 qPrintable(launcher.describe()));
        QJsonObject entry = launcher.processEntry(name);
        QCOMPARE(entry.value(QStringLiteral("state")).toString(), QStringLiteral("stopped"));
        QCOMPARE(entry.value(QStringLiteral("pid")), QJsonValue(QJsonValue::Null));
        QCOMPARE(entry.value(QStringLiteral("lastExit")).toString(), QStringLiteral("killed by signal 9"));

        // Nothing restarts it: watch for a while.
        const QDeadlineTimer watch(1500);
        while (!watch.hasExpired()) {
            QCOMPARE(launcher.processEntry(name).value(QStringLiteral("state")).toString(), QStringLiteral("stopped"));
            QVERIFY(!answersHealthz(url));
            QTest::qWait(100);
        }
        const CommandResult status = runCluster({QStringLiteral("status"), QStringLiteral("--data"), dir});
        QCOMPARE(status.exitCode, 0);
        QVERIFY2(statusLine(status.out, name).contains(QLatin1String(" no (killed by signal 9) ")), qPrintable(status.describe()));
        // The others were left alone.
        for (const QString &other : {QStringLiteral("router"), QStringLiteral("shard0-node0"), QStringLiteral("shard0-node2")})
            QVERIFY2(pidAlive(launcher.pidOf(other)), qPrintable(other));

        const CommandResult start = runCluster({QStringLiteral("start"), name, QStringLiteral("--data"), dir});
        QCOMPARE(start.exitCode, 0);
        entry = launcher.processEntry(name);
        QCOMPARE(entry.value(QStringLiteral("state")).toString(), QStringLiteral("running"));
        const qint64 newPid = entry.value(QStringLiteral("pid")).toInteger();
        QVERIFY(newPid != pid);
        QVERIFY(pidAlive(newPid));
        QCOMPARE(entry.value(QStringLiteral("url")).toString(), url);
        QVERIFY(answersHealthz(url));
        QVERIFY2(launcher.waitForOutput(QStringLiteral("peacedb-cluster: %1 is running (pid %2)").arg(name).arg(newPid), 10000),
                 qPrintable(launcher.describe()));
    }

    void supervisorEndpointNeedsTheToken()
    {
        QTemporaryDir temporary;
        QVERIFY(temporary.isValid());
        const QString dir = temporary.path();
        const int port = freePortBase(2);
        QVERIFY(port > 0);
        Launcher launcher(dir);
        QVERIFY2(launcher.up(upArguments(1, 1, port)), qPrintable(launcher.describe()));

        const QString supervisor = QStringLiteral("http://127.0.0.1:%1").arg(port - 1);
        const QString name = QStringLiteral("shard0-node1");
        const QByteArray stopPath = "/v1/_supervisor/nodes/shard0-node1/stop";
        const QByteArray startPath = "/v1/_supervisor/nodes/shard0-node1/start";
        const QByteArray token = readFile(dir + QStringLiteral("/token")).trimmed();
        QVERIFY(!token.isEmpty());
        const qint64 pid = launcher.pidOf(name);
        QVERIFY(pidAlive(pid));

        // No header, a wrong token, the token with a character more or
        // less, another scheme, no scheme.
        const QList<QByteArray> refused{QByteArray(),         "Bearer wrong", "Bearer " + token + "x",
                                        "Bearer " + token.chopped(1), "Basic " + token, token};
        const QList<std::pair<QByteArray, QByteArray>> routes{
            {"POST", stopPath}, {"POST", startPath}, {"GET", "/v1/_supervisor/nodes"}};
        for (const QByteArray &authorization : refused) {
            TestHttpClient::Headers headers;
            if (!authorization.isEmpty())
                headers.append({"Authorization", authorization});
            for (const auto &[method, path] : routes) {
                const TestHttpResponse response = request(supervisor, method, path, {}, headers);
                QVERIFY2(response.status == 401, qPrintable(QStringLiteral("%1 %2 with '%3': %4 %5")
                                                                .arg(QString::fromLatin1(method), QString::fromLatin1(path),
                                                                     QString::fromLatin1(authorization))
                                                                .arg(response.status)
                                                                .arg(QString::fromUtf8(response.body))));
                QCOMPARE(response.json().value(QStringLiteral("ok")), QJsonValue(false));
            }
        }
        // Nothing changed.
        QVERIFY(pidAlive(pid));
        QCOMPARE(launcher.pidOf(name), pid);
        QCOMPARE(launcher.processEntry(name).value(QStringLiteral("state")).toString(), QStringLiteral("running"));
        QVERIFY(!launcher.output().contains(QLatin1String("stopping shard0-node1")));

        const TestHttpClient::Headers authorized{{"Authorization", "Bearer " + token}};
        TestHttpResponse response = request(supervisor, "GET", "/v1/_supervisor/nodes", {}, authorized);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json().value(QStringLiteral("total")).toInt(), 3);
        QCOMPARE(response.json().value(QStringLiteral("items")).toArray().at(2).toObject().value(QStringLiteral("name")).toString(), name);

        response = request(supervisor, "POST", stopPath, {}, authorized, kCommandTimeoutMs);
        QCOMPARE(response.status, 200);
        QJsonObject body = response.json();
        QCOMPARE(body.value(QStringLiteral("ok")), QJsonValue(true));
        QCOMPARE(body.value(QStringLiteral("name")).toString(), name);
        QCOMPARE(body.value(QStringLiteral("state")).toString(), QStringLiteral("stopped"));
        QCOMPARE(body.value(QStringLiteral("pid")), QJsonValue(QJsonValue::Null));
        QCOMPARE(body.value(QStringLiteral("lastExit")).toString(), QStringLiteral("exited with code 0"));
        QVERIFY(waitUntil([&] { return !pidAlive(pid); }, 10000));
        QCOMPARE(launcher.processEntry(name).value(QStringLiteral("state")).toString(), QStringLiteral("stopped"));
        // Stopping again answers at once.
        response = request(supervisor, "POST", stopPath, {}, authorized);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json().value(QStringLiteral("state")).toString(), QStringLiteral("stopped"));

        response = request(supervisor, "POST", startPath, {}, authorized, kCommandTimeoutMs);
        QCOMPARE(response.status, 200);
        body = response.json();
        QCOMPARE(body.value(QStringLiteral("ok")), QJsonValue(true));
        QCOMPARE(body.value(QStringLiteral("state")).toString(), QStringLiteral("running"));
        QCOMPARE(body.value(QStringLiteral("url")).toString(), QStringLiteral("http://127.0.0.1:%1").arg(port + 2));
        const qint64 newPid = body.value(QStringLiteral("pid")).toInteger();
        QVERIFY(newPid > 0 && newPid != pid);
        QVERIFY(pidAlive(newPid));
        QCOMPARE(launcher.pidOf(name), newPid);
        QVERIFY(answersHealthz(body.value(QStringLiteral("url")).toString()));
        // Starting a running process answers at once, with the same pid.
        response = request(supervisor, "POST", startPath, {}, authorized);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json().value(QStringLiteral("pid")).toInteger(), newPid);

        response = request(supervisor, "POST", "/v1/_supervisor/nodes/shard7-node0/start", {}, authorized);
        QCOMPARE(response.status, 404);
    }

    void sigtermStopsEverythingAndTheDataSurvives()
    {
        QTemporaryDir temporary;
        QVERIFY(temporary.isValid());
        const QString dir = temporary.path();
        const int port = freePortBase(3);
        QVERIFY(port > 0);
        const QString routerUrl = QStringLiteral("http://127.0.0.1:%1").arg(port);
        QByteArray token;
        {
            Launcher launcher(dir);
            QVERIFY2(launcher.up(upArguments(1, 2, port)), qPrintable(launcher.describe()));
            QString error;
            QVERIFY2(writeDocument(routerUrl, admin(dir), &error), qPrintable(error + QLatin1Char('\n') + launcher.describe()));
            token = readFile(dir + QStringLiteral("/token"));
            const QList<qint64> pids = launcher.pids();
            QCOMPARE(pids.size(), 4);

            QCOMPARE(::kill(pid_t(launcher.pid()), SIGTERM), 0);
            QVERIFY2(launcher.process().waitForFinished(kStopTimeoutMs), qPrintable(launcher.describe()));
            QCOMPARE(launcher.process().exitStatus(), QProcess::NormalExit);
            QCOMPARE(launcher.process().exitCode(), 0);
            const QString output = launcher.output();
            QVERIFY2(output.contains(QLatin1String("peacedb-cluster: stopping every process\n"))
                         && output.contains(QLatin1String("peacedb-cluster: stopped\n")),
                     qPrintable(output));
            for (qint64 pid : pids)
                QVERIFY2(waitUntil([pid] { return !pidAlive(pid); }, 5000), qPrintable(QString::number(pid)));
            QCOMPARE(processesMentioning(dir), QList<qint64>());

            // The last cluster.json: no launcher, no pid, every process
            // stopped cleanly.
            const QJsonObject file = launcher.clusterFile();
            QCOMPARE(file.value(QStringLiteral("launcherPid")), QJsonValue(QJsonValue::Null));
            for (const QJsonValue &value : file.value(QStringLiteral("processes")).toArray()) {
                const QJsonObject process = value.toObject();
                QCOMPARE(process.value(QStringLiteral("pid")), QJsonValue(QJsonValue::Null));
                QCOMPARE(process.value(QStringLiteral("state")).toString(), QStringLiteral("stopped"));
                QCOMPARE(process.value(QStringLiteral("lastExit")).toString(), QStringLiteral("exited with code 0"));
            }
        }

        CommandResult result = runCluster({QStringLiteral("status"), QStringLiteral("--data"), dir});
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.startsWith(QLatin1String("launcher stopped\n")), qPrintable(result.describe()));
        QVERIFY2(statusLine(result.out, QStringLiteral("router")).contains(QLatin1String(" no (exited with code 0) ")),
                 qPrintable(result.describe()));
        result = runCluster({QStringLiteral("stop"), QStringLiteral("router"), QStringLiteral("--data"), dir});
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.err.contains(QStringLiteral("the cluster in %1 is not running").arg(dir)), qPrintable(result.describe()));

        // The same directory again: same token, same data.
        Launcher again(dir);
        QVERIFY2(again.up(upArguments(1, 2, port)), qPrintable(again.describe()));
        QCOMPARE(readFile(dir + QStringLiteral("/token")), token);
        QString error;
        QVERIFY2(readDocument(routerUrl, admin(dir), &error), qPrintable(error + QLatin1Char('\n') + again.describe()));
    }

    // add-member starts a new member through the router and the launcher;
    // remove-member takes one out and stops it; the next `up` on the same
    // directory starts the set as it is now (members.json).
    void addAndRemoveMembers()
    {
        QTemporaryDir temporary;
        QVERIFY(temporary.isValid());
        const QString dir = temporary.path();
        const int port = freePortBase(5); // two more members than the set starts with
        QVERIFY(port > 0);
        const QString routerUrl = QStringLiteral("http://127.0.0.1:%1").arg(port);
        const auto membersOfShard0 = [&](const QByteArray &clusterToken) {
            const TestHttpResponse status = request(routerUrl, "GET", "/v1/_cluster/status", {},
                                                    {{QByteArrayLiteral("Authorization"), "Bearer " + clusterToken}});
            QMap<int, bool> out; // id -> learner
            for (const QJsonValue &value : status.json().value(QStringLiteral("shards")).toArray().at(0).toObject().value(QStringLiteral("members")).toArray())
                out.insert(value.toObject().value(QStringLiteral("member")).toInt(), value.toObject().value(QStringLiteral("learner")).toBool());
            return out;
        };
        {
            Launcher launcher(dir);
            QVERIFY2(launcher.up(upArguments(1, 2, port)), qPrintable(launcher.describe()));
            const QByteArray clusterToken = readFile(dir + QStringLiteral("/token")).trimmed();
            QString error;
            QVERIFY2(writeDocument(routerUrl, admin(dir), &error), qPrintable(error + QLatin1Char('\n') + launcher.describe()));

            CommandResult result = runCluster({QStringLiteral("add-member"), QStringLiteral("--shard"), QStringLiteral("0"),
                                               QStringLiteral("--data"), dir});
            QCOMPARE(result.exitCode, 0);
            const QString url = QStringLiteral("http://127.0.0.1:%1").arg(port + 4);
            QVERIFY2(result.out.startsWith(QStringLiteral("shard0-node3 joined shard 0 as member 3: %1, pid ").arg(url)),
                     qPrintable(result.describe()));
            QVERIFY(answersHealthz(url));
            QVERIFY2(waitUntil([&] { return membersOfShard0(clusterToken) == QMap<int, bool>{{0, false}, {1, false}, {2, false}, {3, false}}; },
                               kRouterReadyMs),
                     qPrintable(launcher.describe()));
            QCOMPARE(launcher.processEntry(QStringLiteral("shard0-node3")).value(QStringLiteral("state")).toString(), QStringLiteral("running"));

            result = runCluster({QStringLiteral("remove-member"), QStringLiteral("shard0-node1"), QStringLiteral("--data"), dir});
            QCOMPARE(result.exitCode, 0);
            QVERIFY2(result.out.startsWith(QLatin1String("shard0-node1 left shard 0 and is stopped")), qPrintable(result.describe()));
            QCOMPARE(membersOfShard0(clusterToken), (QMap<int, bool>{{0, false}, {2, false}, {3, false}}));
            QVERIFY(launcher.processEntry(QStringLiteral("shard0-node1")).isEmpty());
            QVERIFY(!answersHealthz(QStringLiteral("http://127.0.0.1:%1").arg(port + 2)));

            // Mistakes change nothing.
            result = runCluster({QStringLiteral("remove-member"), QStringLiteral("shard0-node9"), QStringLiteral("--data"), dir});
            QCOMPARE(result.exitCode, 1);
            QVERIFY2(result.err.contains(QLatin1String("no member named 'shard0-node9'")), qPrintable(result.describe()));
            result = runCluster({QStringLiteral("add-member"), QStringLiteral("--shard"), QStringLiteral("4"), QStringLiteral("--data"), dir});
            QCOMPARE(result.exitCode, 1);
            QVERIFY2(result.err.contains(QLatin1String("no shard 4")), qPrintable(result.describe()));
            QVERIFY2(readDocument(routerUrl, admin(dir), &error), qPrintable(error));

            QCOMPARE(::kill(pid_t(launcher.pid()), SIGTERM), 0);
            QVERIFY2(launcher.process().waitForFinished(kStopTimeoutMs), qPrintable(launcher.describe()));
        }
        const QJsonObject members = readJsonFile(dir + QStringLiteral("/members.json"));
        QCOMPARE(members.value(QStringLiteral("removed")).toArray(), QJsonArray{QStringLiteral("shard0-node1")});
        QCOMPARE(members.value(QStringLiteral("joined")).toArray().size(), 1);

        // The same directory again: the set as it is now.
        Launcher again(dir);
        QVERIFY2(again.up(upArguments(1, 2, port)), qPrintable(again.describe()));
        QVERIFY(again.processEntry(QStringLiteral("shard0-node1")).isEmpty());
        QCOMPARE(again.processEntry(QStringLiteral("shard0-node3")).value(QStringLiteral("state")).toString(), QStringLiteral("running"));
        const QByteArray clusterToken = readFile(dir + QStringLiteral("/token")).trimmed();
        QVERIFY2(waitUntil([&] { return membersOfShard0(clusterToken) == QMap<int, bool>{{0, false}, {2, false}, {3, false}}; }, kRouterReadyMs),
                 qPrintable(again.describe()));
        QString error;
        QVERIFY2(readDocument(routerUrl, admin(dir), &error), qPrintable(error + QLatin1Char('\n') + again.describe()));
    }

    void twoShards()
    {
        QTemporaryDir temporary;
        QVERIFY(temporary.isValid());
        const QString dir = temporary.path();
        const int port = freePortBase(4);
        QVERIFY(port > 0);
        Launcher launcher(dir);
        QVERIFY2(launcher.up(upArguments(2, 1, port)), qPrintable(launcher.describe()));

        const QStringList names{QStringLiteral("shard0-node0"), QStringLiteral("shard0-node1"), QStringLiteral("shard1-node0"),
                                QStringLiteral("shard1-node1")};
        for (int i = 0; i < names.size(); ++i) {
            const QJsonObject entry = launcher.processEntry(names.at(i));
            QCOMPARE(entry.value(QStringLiteral("shard")).toInt(), i / 2);
            QCOMPARE(entry.value(QStringLiteral("member")).toInt(), i % 2);
            QCOMPARE(entry.value(QStringLiteral("url")).toString(), QStringLiteral("http://127.0.0.1:%1").arg(port + 1 + i));
            QVERIFY(pidAlive(entry.value(QStringLiteral("pid")).toInteger()));
        }
        const QJsonObject sharding = readJsonFile(dir + QStringLiteral("/cluster-config.json")).value(QStringLiteral("Sharding")).toObject();
        QCOMPARE(sharding.value(QStringLiteral("ShardCount")).toInt(), 2);
        QCOMPARE(sharding.value(QStringLiteral("Replication")).toObject().value(QStringLiteral("WriteQuorum")).toInt(), 2);
        QCOMPARE(sharding.value(QStringLiteral("Shards")).toArray().at(1).toObject().value(QStringLiteral("Primary")).toString(),
                 QStringLiteral("http://127.0.0.1:%1").arg(port + 3));

        // Documents through the router land on both shards.
        const QString routerUrl = QStringLiteral("http://127.0.0.1:%1").arg(port);
        QString error;
        QVERIFY2(writeDocument(routerUrl, admin(dir), &error), qPrintable(error + QLatin1Char('\n') + launcher.describe()));
        constexpr int kDocuments = 16;
        for (int i = 0; i < kDocuments; ++i) {
            const QByteArray id = "d" + QByteArray::number(i);
            const TestHttpResponse put = request(routerUrl, "PUT", "/v1/db/t/docs/" + id, R"({"data":{"i":)" + QByteArray::number(i) + "}}", admin(dir));
            QVERIFY2(put.status == 200, qPrintable(QStringLiteral("%1: %2").arg(put.status).arg(QString::fromUtf8(put.body))));
        }
        for (int i = 0; i < kDocuments; ++i) {
            const TestHttpResponse get = request(routerUrl, "GET", "/v1/db/t/docs/d" + QByteArray::number(i), {}, admin(dir));
            QCOMPARE(get.status, 200);
            QCOMPARE(get.json().value(QStringLiteral("data")).toObject().value(QStringLiteral("i")).toInt(), i);
        }
        int total = 0;
        for (const QString &primary : {names.at(0), names.at(2)}) {
            const TestHttpResponse list = request(launcher.urlOf(primary), "GET", "/v1/db/t/_all_docs?limit=1000", {}, admin(dir));
            QCOMPARE(list.status, 200);
            const int count = list.json().value(QStringLiteral("total")).toInt();
            QVERIFY2(count > 0, qPrintable(primary + QStringLiteral(" holds no document")));
            total += count;
        }
        QCOMPARE(total, kDocuments + 1);
    }

    void busyPortFailsAndLeavesNothingBehind()
    {
        QTemporaryDir temporary;
        QVERIFY(temporary.isValid());
        const QString dir = temporary.filePath(QStringLiteral("c"));
        const int port = freePortBase(2);
        QVERIFY(port > 0);

        struct Case
        {
            int busyPort;
            QString message;
        };
        const QList<Case> cases{
            {port + 2, QStringLiteral("port %1 on 127.0.0.1, where shard0-node1 should listen, is already in use").arg(port + 2)},
            {port, QStringLiteral("port %1 on 127.0.0.1, where router should listen, is already in use").arg(port)},
            {port - 1, QStringLiteral("the supervisor endpoint cannot listen: 127.0.0.1 port %1 is already in use").arg(port - 1)},
        };
        for (const Case &busy : cases) {
            QTcpServer holder;
            QVERIFY(holder.listen(QHostAddress::LocalHost, quint16(busy.busyPort)));
            const CommandResult result = runCluster(QStringList{QStringLiteral("up"), QStringLiteral("--data"), dir} + upArguments(1, 1, port));
            QCOMPARE(result.exitCode, 1);
            QVERIFY2(result.err.contains(busy.message), qPrintable(result.describe()));
            QCOMPARE(processesMentioning(dir), QList<qint64>());
            QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/cluster.json")));
            // No configuration that would tie the directory to this port.
            QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/cluster-config.json")));
        }

        // So another port works on the same directory.
        const int otherPort = freePortBase(2);
        QVERIFY(otherPort > 0);
        Launcher launcher(dir);
        QVERIFY2(launcher.up(upArguments(1, 1, otherPort)), qPrintable(launcher.describe()));
        QVERIFY(answersHealthz(QStringLiteral("http://127.0.0.1:%1").arg(otherPort)));
    }

    void bindAddresses()
    {
        QTemporaryDir temporary;
        QVERIFY(temporary.isValid());
        const QString dir = temporary.path();
        const int port = freePortBase(2, true);
        QVERIFY(port > 0);
        Launcher launcher(dir);
        QVERIFY2(launcher.up(upArguments(1, 1, port) + QStringList{QStringLiteral("--bind-addresses")}), qPrintable(launcher.describe()));

        QCOMPARE(launcher.urlOf(QStringLiteral("router")), QStringLiteral("http://127.0.0.1:%1").arg(port));
        for (int member = 0; member < 2; ++member) {
            const QString url = QStringLiteral("http://127.0.0.%1:%2").arg(member + 2).arg(port + 1 + member);
            QCOMPARE(launcher.urlOf(QStringLiteral("shard0-node%1").arg(member)), url);
            QVERIFY2(answersHealthz(url), qPrintable(url));
            // Only on its own address.
            QVERIFY(!answersHealthz(QStringLiteral("http://127.0.0.1:%1").arg(port + 1 + member)));
        }
        const QJsonObject shard = readJsonFile(dir + QStringLiteral("/cluster-config.json"))
                                      .value(QStringLiteral("Sharding"))
                                      .toObject()
                                      .value(QStringLiteral("Shards"))
                                      .toArray()
                                      .at(0)
                                      .toObject();
        QCOMPARE(shard.value(QStringLiteral("Primary")).toString(), QStringLiteral("http://127.0.0.2:%1").arg(port + 1));
        QCOMPARE(shard.value(QStringLiteral("Replicas")).toArray(), QJsonArray{QStringLiteral("http://127.0.0.3:%1").arg(port + 2)});

        const QString routerUrl = QStringLiteral("http://127.0.0.1:%1").arg(port);
        QString error;
        QVERIFY2(writeDocument(routerUrl, admin(dir), &error), qPrintable(error + QLatin1Char('\n') + launcher.describe()));
        QVERIFY2(readDocument(routerUrl, admin(dir), &error), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestClusterLauncher)
#include "tst_clusterlauncher.moc"
