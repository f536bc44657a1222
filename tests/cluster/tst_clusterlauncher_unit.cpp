// Unit test: the pure parts of the local cluster launcher (server/cluster).
//
// ClusterCommandLine: every option, the defaults, and every refusal with a
// message naming the argument. ClusterLayout: names, ports, addresses and
// paths of every process; the shared configuration (and that peacedb-server's
// own ServerConfig accepts it for every process, with each member finding
// itself); the arguments and environment each process gets; when an existing
// directory's configuration is compatible. ClusterFile: the JSON codec and its
// refusals, and the file store. ClusterStatus: the `status` table, with a fake
// pid check.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include "ClusterCommandLine.h"
#include "ClusterFile.h"
#include "ClusterFileStore.h"
#include "ClusterLayout.h"
#include "ClusterMemberList.h"
#include "ClusterStatus.h"
#include "ServerConfig.h"

Q_DECLARE_METATYPE(ClusterOptions::Command)

namespace {

ClusterLayout::Request request(int shards, int replicas, int port = 9000, bool bindAddresses = false, bool router = true)
{
    ClusterLayout::Request out;
    out.shards = shards;
    out.replicas = replicas;
    out.port = port;
    out.bindAddresses = bindAddresses;
    out.router = router;
    out.dataDir = QStringLiteral("/c");
    return out;
}

ClusterLayout plan(const ClusterLayout::Request &request)
{
    Result<ClusterLayout> layout = ClusterLayout::plan(request);
    if (!layout.isOk())
        qFatal("plan failed: %s", qPrintable(layout.status().message()));
    return std::move(layout).value();
}

// The value following `option` in a process's arguments; empty if absent.
QString argumentValue(const QStringList &arguments, const QString &option)
{
    const qsizetype index = arguments.indexOf(option);
    return index >= 0 && index + 1 < arguments.size() ? arguments.at(index + 1) : QString();
}

ClusterFile sampleFile()
{
    ClusterFile file;
    file.launcherPid = 100;
    file.dataDir = QStringLiteral("/c");
    file.configFile = QStringLiteral("/c/cluster-config.json");
    file.tokenFile = QStringLiteral("/c/token");
    file.supervisorUrl = QStringLiteral("http://127.0.0.1:8079");
    file.routerUrl = QStringLiteral("http://127.0.0.1:8080");
    file.shards = 2;
    file.replicas = 1;
    const auto process = [](const QString &name, const QString &role, int shard, int member, int port, qint64 pid,
                            const QString &state, const QString &lastExit) {
        ClusterFile::Process entry;
        entry.name = name;
        entry.role = role;
        entry.shard = shard;
        entry.member = member;
        entry.url = QStringLiteral("http://127.0.0.1:%1").arg(port);
        entry.pid = pid;
        entry.state = state;
        entry.lastExit = lastExit;
        entry.log = QStringLiteral("/c/logs/%1.log").arg(name);
        entry.dataDir = QStringLiteral("/c/%1").arg(name);
        return entry;
    };
    file.processes = {
        process(QStringLiteral("router"), QStringLiteral("router"), -1, -1, 8080, 101, QStringLiteral("running"), QString()),
        process(QStringLiteral("shard0-node0"), QStringLiteral("node"), 0, 0, 8081, 102, QStringLiteral("running"), QString()),
        process(QStringLiteral("shard0-node1"), QStringLiteral("node"), 0, 1, 8082, 0, QStringLiteral("stopped"),
                QStringLiteral("killed by signal 9")),
        process(QStringLiteral("shard1-node0"), QStringLiteral("node"), 1, 0, 8083, 0, QStringLiteral("stopped"), QString()),
    };
    return file;
}

void compareProcesses(const ClusterFile::Process &actual, const ClusterFile::Process &expected)
{
    QCOMPARE(actual.name, expected.name);
    QCOMPARE(actual.role, expected.role);
    QCOMPARE(actual.shard, expected.shard);
    QCOMPARE(actual.member, expected.member);
    QCOMPARE(actual.url, expected.url);
    QCOMPARE(actual.pid, expected.pid);
    QCOMPARE(actual.state, expected.state);
    QCOMPARE(actual.lastExit, expected.lastExit);
    QCOMPARE(actual.log, expected.log);
    QCOMPARE(actual.dataDir, expected.dataDir);
}

void compareFiles(const ClusterFile &actual, const ClusterFile &expected)
{
    QCOMPARE(actual.launcherPid, expected.launcherPid);
    QCOMPARE(actual.dataDir, expected.dataDir);
    QCOMPARE(actual.configFile, expected.configFile);
    QCOMPARE(actual.tokenFile, expected.tokenFile);
    QCOMPARE(actual.supervisorUrl, expected.supervisorUrl);
    QCOMPARE(actual.routerUrl, expected.routerUrl);
    QCOMPARE(actual.shards, expected.shards);
    QCOMPARE(actual.replicas, expected.replicas);
    QCOMPARE(actual.processes.size(), expected.processes.size());
    for (qsizetype i = 0; i < expected.processes.size(); ++i) {
        compareProcesses(actual.processes.at(i), expected.processes.at(i));
        if (QTest::currentTestFailed())
            return;
    }
}

} // namespace

class TestClusterLauncherUnit : public QObject
{
    Q_OBJECT

private slots:
    // ---- ClusterCommandLine ----

    void commandLineDefaults()
    {
        const Result<ClusterOptions> options = ClusterCommandLine::parse({QStringLiteral("up")});
        QVERIFY2(options.isOk(), qPrintable(options.status().message()));
        QCOMPARE(options->command, ClusterOptions::Command::Up);
        QCOMPARE(options->dataDir, QStringLiteral("./cluster"));
        QCOMPARE(options->shards, 3);
        QCOMPARE(options->replicas, 2);
        QCOMPARE(options->port, 8080);
        QCOMPARE(options->bindAddresses, false);
        QCOMPARE(options->router, true);
        QCOMPARE(options->serverBinary, QString());
        QCOMPARE(options->startupTimeoutMs, 30000);
        QCOMPARE(options->stopTimeoutMs, 15000);
        QCOMPARE(options->process, QString());
    }

    void commandLineEveryOptionOfUp()
    {
        const Result<ClusterOptions> options = ClusterCommandLine::parse(
            {QStringLiteral("--shards"), QStringLiteral("4"), QStringLiteral("up"), QStringLiteral("--replicas=1"),
             QStringLiteral("--port"), QStringLiteral("9000"), QStringLiteral("--data"), QStringLiteral("/tmp/x"),
             QStringLiteral("--bind-addresses"), QStringLiteral("--no-router"), QStringLiteral("--server=/opt/peacedb-server"),
             QStringLiteral("--startup-timeout-ms"), QStringLiteral("5000"), QStringLiteral("--stop-timeout-ms=100"), QStringLiteral("--tls"),
             QStringLiteral("--backup-root=/srv/backups")});
        QVERIFY2(options.isOk(), qPrintable(options.status().message()));
        QCOMPARE(options->command, ClusterOptions::Command::Up);
        QCOMPARE(options->shards, 4);
        QCOMPARE(options->replicas, 1);
        QCOMPARE(options->port, 9000);
        QCOMPARE(options->dataDir, QStringLiteral("/tmp/x"));
        QCOMPARE(options->bindAddresses, true);
        QCOMPARE(options->router, false);
        QCOMPARE(options->tls, true);
        QCOMPARE(options->serverBinary, QStringLiteral("/opt/peacedb-server"));
        QCOMPARE(options->startupTimeoutMs, 5000);
        QCOMPARE(options->stopTimeoutMs, 100);
        QCOMPARE(options->backupRoot, QStringLiteral("/srv/backups"));
    }

    void commandLineBounds_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("shards");
        QTest::addColumn<int>("replicas");
        QTest::addColumn<int>("port");
        QTest::newRow("smallest") << QStringList{QStringLiteral("up"), QStringLiteral("--shards=1"), QStringLiteral("--replicas=0"),
                                                 QStringLiteral("--port=2")}
                                  << 1 << 0 << 2;
        QTest::newRow("largest") << QStringList{QStringLiteral("up"), QStringLiteral("--shards=1024"), QStringLiteral("--replicas=15"),
                                                QStringLiteral("--port=65534")}
                                 << 1024 << 15 << 65534;
        QTest::newRow("last one wins") << QStringList{QStringLiteral("up"), QStringLiteral("--shards=2"), QStringLiteral("--shards=5")}
                                       << 5 << 2 << 8080;
    }
    void commandLineBounds()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, shards);
        QFETCH(int, replicas);
        QFETCH(int, port);
        const Result<ClusterOptions> options = ClusterCommandLine::parse(arguments);
        QVERIFY2(options.isOk(), qPrintable(options.status().message()));
        QCOMPARE(options->shards, shards);
        QCOMPARE(options->replicas, replicas);
        QCOMPARE(options->port, port);
    }

    void commandLineOtherCommands_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<ClusterOptions::Command>("command");
        QTest::addColumn<QString>("process");
        QTest::addColumn<QString>("dataDir");
        QTest::newRow("status") << QStringList{QStringLiteral("status")} << ClusterOptions::Command::Status << QString()
                                << QStringLiteral("./cluster");
        QTest::newRow("status --data before") << QStringList{QStringLiteral("--data"), QStringLiteral("d"), QStringLiteral("status")}
                                              << ClusterOptions::Command::Status << QString() << QStringLiteral("d");
        QTest::newRow("start") << QStringList{QStringLiteral("start"), QStringLiteral("shard0-node1"), QStringLiteral("--data=d")}
                               << ClusterOptions::Command::Start << QStringLiteral("shard0-node1") << QStringLiteral("d");
        QTest::newRow("stop") << QStringList{QStringLiteral("stop"), QStringLiteral("router")} << ClusterOptions::Command::Stop
                              << QStringLiteral("router") << QStringLiteral("./cluster");
        QTest::newRow("--help") << QStringList{QStringLiteral("--help")} << ClusterOptions::Command::Help << QString()
                                << QStringLiteral("./cluster");
        QTest::newRow("-h") << QStringList{QStringLiteral("-h")} << ClusterOptions::Command::Help << QString() << QStringLiteral("./cluster");
        QTest::newRow("help command") << QStringList{QStringLiteral("help")} << ClusterOptions::Command::Help << QString()
                                      << QStringLiteral("./cluster");
        QTest::newRow("--help wins over a bad value")
            << QStringList{QStringLiteral("up"), QStringLiteral("--shards"), QStringLiteral("0"), QStringLiteral("--help")}
            << ClusterOptions::Command::Help << QString() << QStringLiteral("./cluster");
        QTest::newRow("--version") << QStringList{QStringLiteral("status"), QStringLiteral("--version")}
                                   << ClusterOptions::Command::Version << QString() << QStringLiteral("./cluster");
        // An option's value is never a request for help.
        QTest::newRow("--data help") << QStringList{QStringLiteral("up"), QStringLiteral("--data"), QStringLiteral("help")}
                                     << ClusterOptions::Command::Up << QString() << QStringLiteral("help");
        QTest::newRow("stop help") << QStringList{QStringLiteral("stop"), QStringLiteral("help")} << ClusterOptions::Command::Stop
                                   << QStringLiteral("help") << QStringLiteral("./cluster");
        QTest::newRow("--data=--help") << QStringList{QStringLiteral("status"), QStringLiteral("--data=--help")}
                                       << ClusterOptions::Command::Status << QString() << QStringLiteral("--help");
        QTest::newRow("add-member") << QStringList{QStringLiteral("add-member"), QStringLiteral("--shard"), QStringLiteral("2"), QStringLiteral("--data"), QStringLiteral("d")}
                                    << ClusterOptions::Command::AddMember << QString() << QStringLiteral("d");
        QTest::newRow("remove-member") << QStringList{QStringLiteral("remove-member"), QStringLiteral("shard0-node4")}
                                       << ClusterOptions::Command::RemoveMember << QStringLiteral("shard0-node4") << QStringLiteral("./cluster");
    }
    void commandLineOtherCommands()
    {
        QFETCH(QStringList, arguments);
        QFETCH(ClusterOptions::Command, command);
        QFETCH(QString, process);
        QFETCH(QString, dataDir);
        const Result<ClusterOptions> options = ClusterCommandLine::parse(arguments);
        QVERIFY2(options.isOk(), qPrintable(options.status().message()));
        QCOMPARE(options->command, command);
        QCOMPARE(options->process, process);
        QCOMPARE(options->dataDir, dataDir);
    }

    void commandLineErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const auto up = [](std::initializer_list<const char *> rest) {
            QStringList out{QStringLiteral("up")};
            for (const char *argument : rest)
                out.append(QString::fromUtf8(argument));
            return out;
        };
        QTest::newRow("nothing") << QStringList() << QStringLiteral("missing command: up, start, stop, status, backup, restore, verify, add-member or remove-member");
        QTest::newRow("only options") << QStringList{QStringLiteral("--data"), QStringLiteral("d")}
                                      << QStringLiteral("missing command: up, start, stop, status, backup, restore, verify, add-member or remove-member");
        QTest::newRow("unknown command") << QStringList{QStringLiteral("launch")}
                                         << QStringLiteral("unknown command 'launch' (expected up, start, stop, status, backup, restore, verify, add-member or remove-member)");
        QTest::newRow("unknown long option") << up({"--shardz", "2"}) << QStringLiteral("unknown option '--shardz'");
        QTest::newRow("--shard for up") << up({"--shard", "2"}) << QStringLiteral("--shard is an option of add-member, not of up");
        QTest::newRow("add-member without --shard") << QStringList{QStringLiteral("add-member")}
                                                     << QStringLiteral("add-member needs --shard N, the shard the member joins");
        QTest::newRow("add-member --shard out of range")
            << QStringList{QStringLiteral("add-member"), QStringLiteral("--shard"), QStringLiteral("1024")}
            << QStringLiteral("--shard must be an integer from 0 to 1023, not '1024'");
        QTest::newRow("remove-member without a name") << QStringList{QStringLiteral("remove-member")}
                                                      << QStringLiteral("remove-member needs the name of a process (e.g. shard0-node1 or router)");
        QTest::newRow("unknown long option with value") << up({"--colour=red"}) << QStringLiteral("unknown option '--colour'");
        QTest::newRow("unknown short option") << up({"-x"}) << QStringLiteral("unknown option '-x'");
        QTest::newRow("bare --") << up({"--"}) << QStringLiteral("unknown option '--'");
        QTest::newRow("shards 0") << up({"--shards", "0"}) << QStringLiteral("--shards must be an integer from 1 to 1024, not '0'");
        QTest::newRow("shards 2000") << up({"--shards", "2000"}) << QStringLiteral("--shards must be an integer from 1 to 1024, not '2000'");
        QTest::newRow("shards text") << up({"--shards=three"}) << QStringLiteral("--shards must be an integer from 1 to 1024, not 'three'");
        QTest::newRow("shards empty") << up({"--shards="}) << QStringLiteral("--shards must be an integer from 1 to 1024, not ''");
        QTest::newRow("shards fraction") << up({"--shards", "1.5"}) << QStringLiteral("--shards must be an integer from 1 to 1024, not '1.5'");
        QTest::newRow("replicas -1") << up({"--replicas", "-1"}) << QStringLiteral("--replicas must be an integer from 0 to 15, not '-1'");
        QTest::newRow("replicas 16") << up({"--replicas", "16"}) << QStringLiteral("--replicas must be an integer from 0 to 15, not '16'");
        QTest::newRow("port 1") << up({"--port", "1"}) << QStringLiteral("--port must be an integer from 2 to 65534, not '1'");
        QTest::newRow("port 65535") << up({"--port", "65535"}) << QStringLiteral("--port must be an integer from 2 to 65534, not '65535'");
        QTest::newRow("port 70000") << up({"--port=70000"}) << QStringLiteral("--port must be an integer from 2 to 65534, not '70000'");
        QTest::newRow("startup timeout 99") << up({"--startup-timeout-ms", "99"})
                                            << QStringLiteral("--startup-timeout-ms must be an integer from 100 to 3600000, not '99'");
        QTest::newRow("stop timeout too long") << up({"--stop-timeout-ms", "3600001"})
                                               << QStringLiteral("--stop-timeout-ms must be an integer from 100 to 3600000, not '3600001'");
        QTest::newRow("value missing at the end") << up({"--shards"}) << QStringLiteral("--shards needs a value");
        QTest::newRow("value missing before an option") << up({"--data", "--no-router"}) << QStringLiteral("--data needs a value");
        QTest::newRow("empty data") << up({"--data="}) << QStringLiteral("--data needs a non-empty path");
        QTest::newRow("blank server") << up({"--server", " "}) << QStringLiteral("--server needs a non-empty path");
        QTest::newRow("flag with a value") << up({"--no-router=yes"}) << QStringLiteral("--no-router takes no value");
        QTest::newRow("bind-addresses with a value") << up({"--bind-addresses=1"}) << QStringLiteral("--bind-addresses takes no value");
        QTest::newRow("up with a stray argument") << up({"now"}) << QStringLiteral("unexpected argument 'now'");
        QTest::newRow("start without a name") << QStringList{QStringLiteral("start")}
                                              << QStringLiteral("start needs the name of a process (e.g. shard0-node1 or router)");
        QTest::newRow("stop without a name") << QStringList{QStringLiteral("stop"), QStringLiteral("--data"), QStringLiteral("d")}
                                             << QStringLiteral("stop needs the name of a process (e.g. shard0-node1 or router)");
        QTest::newRow("start with two names") << QStringList{QStringLiteral("start"), QStringLiteral("a"), QStringLiteral("b")}
                                              << QStringLiteral("unexpected argument 'b'");
        QTest::newRow("status with a name") << QStringList{QStringLiteral("status"), QStringLiteral("router")}
                                            << QStringLiteral("unexpected argument 'router'");
        QTest::newRow("--shards for status") << QStringList{QStringLiteral("status"), QStringLiteral("--shards"), QStringLiteral("2")}
                                             << QStringLiteral("--shards is an option of up, not of status");
        QTest::newRow("--port for stop") << QStringList{QStringLiteral("stop"), QStringLiteral("router"), QStringLiteral("--port=9000")}
                                         << QStringLiteral("--port is an option of up and restore, not of stop");
        QTest::newRow("--bind-addresses for start")
            << QStringList{QStringLiteral("start"), QStringLiteral("router"), QStringLiteral("--bind-addresses")}
            << QStringLiteral("--bind-addresses is an option of up and restore, not of start");
        QTest::newRow("--server for status") << QStringList{QStringLiteral("status"), QStringLiteral("--server"), QStringLiteral("/x")}
                                             << QStringLiteral("--server is an option of up, not of status");
        QTest::newRow("backup without --to") << QStringList{QStringLiteral("backup"), QStringLiteral("--data"), QStringLiteral("d")}
                                             << QStringLiteral("backup needs --to DIR");
        QTest::newRow("restore without --data") << QStringList{QStringLiteral("restore"), QStringLiteral("--from"), QStringLiteral("b")}
                                                << QStringLiteral("restore needs --data DIR");
        QTest::newRow("restore without --from") << QStringList{QStringLiteral("restore"), QStringLiteral("--data"), QStringLiteral("n")}
                                                << QStringLiteral("restore needs --from DIR");
        QTest::newRow("verify without --from") << QStringList{QStringLiteral("verify")} << QStringLiteral("verify needs --from DIR");
        QTest::newRow("--from for backup") << QStringList{QStringLiteral("backup"), QStringLiteral("--from=b")}
                                           << QStringLiteral("--from is an option of restore and verify, not of backup");
        QTest::newRow("--to for restore") << QStringList{QStringLiteral("restore"), QStringLiteral("--to=b")}
                                          << QStringLiteral("--to is an option of backup, not of restore");
        QTest::newRow("--data for verify") << QStringList{QStringLiteral("verify"), QStringLiteral("--from=b"), QStringLiteral("--data=d")}
                                           << QStringLiteral("--data is an option of up, start, stop, status, backup, restore, add-member and remove-member, not of verify");
        QTest::newRow("--shards for restore")
            << QStringList{QStringLiteral("restore"), QStringLiteral("--from=b"), QStringLiteral("--data=n"), QStringLiteral("--shards=2")}
            << QStringLiteral("--shards is an option of up, not of restore");
        QTest::newRow("--backup-root for backup") << QStringList{QStringLiteral("backup"), QStringLiteral("--to=b"), QStringLiteral("--backup-root=r")}
                                                  << QStringLiteral("--backup-root is an option of up, not of backup");
        QTest::newRow("empty --to") << QStringList{QStringLiteral("backup"), QStringLiteral("--to=")} << QStringLiteral("--to needs a non-empty path");
        QTest::newRow("backup with a stray argument") << QStringList{QStringLiteral("backup"), QStringLiteral("now"), QStringLiteral("--to=b")}
                                                      << QStringLiteral("unexpected argument 'now'");
    }
    void commandLineBackupRestoreVerify()
    {
        Result<ClusterOptions> options = ClusterCommandLine::parse({QStringLiteral("backup"), QStringLiteral("--to"), QStringLiteral("/b")});
        QVERIFY2(options.isOk(), qPrintable(options.status().message()));
        QCOMPARE(options->command, ClusterOptions::Command::Backup);
        QCOMPARE(options->backupDir, QStringLiteral("/b"));
        QCOMPARE(options->dataDir, QStringLiteral("./cluster"));

        options = ClusterCommandLine::parse({QStringLiteral("verify"), QStringLiteral("--from=/b")});
        QVERIFY2(options.isOk(), qPrintable(options.status().message()));
        QCOMPARE(options->command, ClusterOptions::Command::Verify);
        QCOMPARE(options->backupDir, QStringLiteral("/b"));

        options = ClusterCommandLine::parse({QStringLiteral("restore"), QStringLiteral("--from"), QStringLiteral("/b"), QStringLiteral("--data"),
                                             QStringLiteral("/n")});
        QVERIFY2(options.isOk(), qPrintable(options.status().message()));
        QCOMPARE(options->command, ClusterOptions::Command::Restore);
        QCOMPARE(options->backupDir, QStringLiteral("/b"));
        QCOMPARE(options->dataDir, QStringLiteral("/n"));
        QCOMPARE(options->replicasGiven, false);
        QCOMPARE(options->port, 8080);

        options = ClusterCommandLine::parse({QStringLiteral("restore"), QStringLiteral("--from=/b"), QStringLiteral("--data=/n"),
                                             QStringLiteral("--replicas=1"), QStringLiteral("--port=9100"), QStringLiteral("--bind-addresses"),
                                             QStringLiteral("--tls")});
        QVERIFY2(options.isOk(), qPrintable(options.status().message()));
        QCOMPARE(options->replicasGiven, true);
        QCOMPARE(options->replicas, 1);
        QCOMPARE(options->port, 9100);
        QCOMPARE(options->bindAddresses, true);
        QCOMPARE(options->tls, true);
    }

    void commandLineErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const Result<ClusterOptions> options = ClusterCommandLine::parse(arguments);
        QVERIFY2(!options.isOk(), qPrintable(arguments.join(QLatin1Char(' '))));
        QCOMPARE(options.status().code(), Status::Code::BadRequest);
        QCOMPARE(options.status().message(), message);
    }

    void helpTextListsEveryCommandAndOption()
    {
        const QString help = ClusterCommandLine::helpText();
        for (const char *word : {"up", "start NAME", "stop NAME", "status", "backup --to BACKUP", "verify --from BACKUP",
                                 "restore --from BACKUP --data NEWDIR", "--data DIR", "--shards N", "--replicas N", "--port P",
                                 "--bind-addresses", "--no-router", "--tls", "--server PATH", "--startup-timeout-ms MS",
                                 "--stop-timeout-ms MS", "--help", "--version", "Exit codes"}) {
            QVERIFY2(help.contains(QLatin1String(word)), word);
        }
    }

    // ---- ClusterLayout ----

    void layoutNamesPortsAndPaths()
    {
        ClusterLayout::Request input = request(2, 1, 9000);
        input.dataDir = QStringLiteral("/c//");
        const ClusterLayout layout = plan(input);
        QCOMPARE(layout.names(), (QStringList{QStringLiteral("router"), QStringLiteral("shard0-node0"), QStringLiteral("shard0-node1"),
                                              QStringLiteral("shard1-node0"), QStringLiteral("shard1-node1")}));
        const QVector<ProcessSpec> &processes = layout.processes();
        const QList<int> shards{-1, 0, 0, 1, 1};
        const QList<int> members{-1, 0, 1, 0, 1};
        for (int i = 0; i < processes.size(); ++i) {
            const ProcessSpec &process = processes.at(i);
            QCOMPARE(process.role, i == 0 ? ProcessSpec::Role::Router : ProcessSpec::Role::Node);
            QCOMPARE(process.shard, shards.at(i));
            QCOMPARE(process.member, members.at(i));
            QCOMPARE(process.host, QStringLiteral("127.0.0.1"));
            QCOMPARE(process.port, quint16(9000 + i));
            QCOMPARE(process.url, QStringLiteral("http://127.0.0.1:%1").arg(9000 + i));
            QCOMPARE(process.dataDir, QStringLiteral("/c/") + process.name);
            QCOMPARE(process.logPath, QStringLiteral("/c/logs/%1.log").arg(process.name));
        }
        QCOMPARE(ClusterLayout::nodeName(3, 2), QStringLiteral("shard3-node2"));
        QCOMPARE(ProcessSpec::roleName(ProcessSpec::Role::Router), QStringLiteral("router"));
        QCOMPARE(ProcessSpec::roleName(ProcessSpec::Role::Node), QStringLiteral("node"));
        QCOMPARE(layout.shards(), 2);
        QCOMPARE(layout.replicas(), 1);
        QCOMPARE(layout.configPath(), QStringLiteral("/c/cluster-config.json"));
        QCOMPARE(layout.tokenPath(), QStringLiteral("/c/token"));
        QCOMPARE(layout.clusterFilePath(), QStringLiteral("/c/cluster.json"));
        QCOMPARE(layout.logDir(), QStringLiteral("/c/logs"));
        QCOMPARE(layout.supervisorHost(), QStringLiteral("127.0.0.1"));
        QCOMPARE(layout.supervisorPort(), quint16(8999));
        QCOMPARE(layout.supervisorUrl(), QStringLiteral("http://127.0.0.1:8999"));
        QVERIFY(layout.router());
        QCOMPARE(layout.router()->name, QStringLiteral("router"));
        QVERIFY(layout.find(QStringLiteral("shard1-node1")));
        QCOMPARE(layout.find(QStringLiteral("shard1-node1"))->port, quint16(9004));
        QVERIFY(!layout.find(QStringLiteral("shard2-node0")));
        QVERIFY(!layout.find(QString()));
    }

    void layoutWithoutRouter()
    {
        const ClusterLayout layout = plan(request(1, 2, 9000, false, false));
        QVERIFY(!layout.router());
        QVERIFY(!layout.find(QStringLiteral("router")));
        QCOMPARE(layout.names(), (QStringList{QStringLiteral("shard0-node0"), QStringLiteral("shard0-node1"), QStringLiteral("shard0-node2")}));
        // The members keep their ports: the router's port is left unused.
        QCOMPARE(layout.processes().first().port, quint16(9001));
        QCOMPARE(layout.supervisorPort(), quint16(8999));
    }

    void layoutRelativeAndRootDirectories()
    {
        ClusterLayout::Request input = request(1, 0);
        input.dataDir = QStringLiteral("cluster");
        QCOMPARE(plan(input).tokenPath(), QStringLiteral("cluster/token"));
        input.dataDir = QStringLiteral("/");
        QCOMPARE(plan(input).tokenPath(), QStringLiteral("/token"));
        QCOMPARE(plan(input).find(QStringLiteral("shard0-node0"))->dataDir, QStringLiteral("/shard0-node0"));
    }

    void layoutBindAddresses()
    {
        const ClusterLayout layout = plan(request(2, 2, 9000, true));
        const QVector<ProcessSpec> &processes = layout.processes();
        QCOMPARE(processes.size(), 7);
        QCOMPARE(processes.first().host, QStringLiteral("127.0.0.1"));
        QCOMPARE(processes.first().url, QStringLiteral("http://127.0.0.1:9000"));
        for (int i = 1; i < processes.size(); ++i) {
            const int member = i - 1; // counting shard by shard
            QCOMPARE(processes.at(i).host, QStringLiteral("127.0.0.%1").arg(member + 2));
            QCOMPARE(processes.at(i).port, quint16(9001 + member));
            QCOMPARE(processes.at(i).url, QStringLiteral("http://127.0.0.%1:%2").arg(member + 2).arg(9001 + member));
        }
        QCOMPARE(layout.supervisorHost(), QStringLiteral("127.0.0.1"));
        const QStringList listen = layout.arguments(*layout.find(QStringLiteral("shard1-node2")));
        QCOMPARE(argumentValue(listen, QStringLiteral("--listen")), QStringLiteral("127.0.0.7:9006"));
    }

    void layoutRefuses_data()
    {
        QTest::addColumn<int>("shards");
        QTest::addColumn<int>("replicas");
        QTest::addColumn<int>("port");
        QTest::addColumn<bool>("bindAddresses");
        QTest::addColumn<QString>("dataDir");
        QTest::addColumn<QString>("message");
        QTest::newRow("no shard") << 0 << 2 << 9000 << false << QStringLiteral("/c")
                                  << QStringLiteral("a cluster needs at least one shard and no negative replica count");
        QTest::newRow("negative replicas") << 1 << -1 << 9000 << false << QStringLiteral("/c")
                                           << QStringLiteral("a cluster needs at least one shard and no negative replica count");
        QTest::newRow("no directory") << 1 << 0 << 9000 << false << QString()
                                      << QStringLiteral("the cluster directory must not be empty");
        QTest::newRow("no room for the supervisor") << 1 << 0 << 1 << false << QStringLiteral("/c")
                                                    << QStringLiteral("--port 1 leaves no room: the supervisor needs port 0 and the 1 "
                                                                      "members ports 2 to 2, all between 1 and 65535");
        // 3 shards x 3 members: ports P+1 .. P+9 must stay <= 65535.
        QTest::newRow("too close to 65535") << 3 << 2 << 65527 << false << QStringLiteral("/c")
                                            << QStringLiteral("--port 65527 leaves no room: the supervisor needs port 65526 and the 9 "
                                                              "members ports 65528 to 65536, all between 1 and 65535");
        QTest::newRow("past 65535 by far") << 1024 << 15 << 60000 << false << QStringLiteral("/c")
                                           << QStringLiteral("--port 60000 leaves no room: the supervisor needs port 59999 and the 16384 "
                                                             "members ports 60001 to 76384, all between 1 and 65535");
        QTest::newRow("254 bound addresses") << 127 << 1 << 9000 << true << QStringLiteral("/c")
                                             << QStringLiteral("--bind-addresses gives each member its own 127.0.0.N address, so at "
                                                               "most 253 members, not 254");
    }
    void layoutRefuses()
    {
        QFETCH(int, shards);
        QFETCH(int, replicas);
        QFETCH(int, port);
        QFETCH(bool, bindAddresses);
        QFETCH(QString, dataDir);
        QFETCH(QString, message);
        ClusterLayout::Request input = request(shards, replicas, port, bindAddresses);
        input.dataDir = dataDir;
        const Result<ClusterLayout> layout = ClusterLayout::plan(input);
        QVERIFY(!layout.isOk());
        QCOMPARE(layout.status().code(), Status::Code::BadRequest);
        QCOMPARE(layout.status().message(), message);
    }

    void layoutLimitsThatFit_data()
    {
        QTest::addColumn<int>("shards");
        QTest::addColumn<int>("replicas");
        QTest::addColumn<int>("port");
        QTest::addColumn<bool>("bindAddresses");
        QTest::newRow("last member on 65535") << 3 << 2 << 65526 << false;
        QTest::newRow("supervisor on port 1") << 1 << 0 << 2 << false;
        QTest::newRow("253 bound addresses") << 253 << 0 << 9000 << true;
        QTest::newRow("largest cluster") << 1024 << 15 << 2 << false;
    }
    void layoutLimitsThatFit()
    {
        QFETCH(int, shards);
        QFETCH(int, replicas);
        QFETCH(int, port);
        QFETCH(bool, bindAddresses);
        const Result<ClusterLayout> layout = ClusterLayout::plan(request(shards, replicas, port, bindAddresses));
        QVERIFY2(layout.isOk(), qPrintable(layout.status().message()));
        QCOMPARE(layout->processes().size(), 1 + shards * (replicas + 1));
        QVERIFY(layout->processes().last().port <= 65535);
        if (bindAddresses)
            QCOMPARE(layout->processes().last().host, QStringLiteral("127.0.0.%1").arg(shards * (replicas + 1) + 1));
    }

    void layoutWriteQuorumIsAMajority_data()
    {
        QTest::addColumn<int>("replicas");
        QTest::addColumn<int>("quorum");
        QTest::newRow("1 member") << 0 << 1;
        QTest::newRow("2 members") << 1 << 2;
        QTest::newRow("3 members") << 2 << 2;
        QTest::newRow("4 members") << 3 << 3;
        QTest::newRow("5 members") << 4 << 3;
        QTest::newRow("16 members") << 15 << 9;
    }
    void layoutWriteQuorumIsAMajority()
    {
        QFETCH(int, replicas);
        QFETCH(int, quorum);
        const ClusterLayout layout = plan(request(1, replicas));
        QCOMPARE(layout.writeQuorum(), quorum);
        const QJsonObject replication =
            layout.config().value(QStringLiteral("Sharding")).toObject().value(QStringLiteral("Replication")).toObject();
        QCOMPARE(replication.value(QStringLiteral("WriteQuorum")).toInt(), quorum);
        QCOMPARE(replication.value(QStringLiteral("ReplicaCount")).toInt(), replicas);
    }

    void layoutConfig()
    {
        const ClusterLayout layout = plan(request(2, 2, 9000));
        const QJsonObject config = layout.config();
        QCOMPARE(config.keys(), (QStringList{QStringLiteral("Server"), QStringLiteral("Sharding")}));
        // Every process signs the built-in admin in with the same password file.
        QCOMPARE(config.value(QStringLiteral("Server")).toObject(),
                 (QJsonObject{{QStringLiteral("Role"), QStringLiteral("node")},
                              {QStringLiteral("AdminPasswordFile"), layout.adminPasswordPath()}}));
        const QJsonObject sharding = config.value(QStringLiteral("Sharding")).toObject();
        QCOMPARE(sharding.value(QStringLiteral("Enabled")), QJsonValue(true));
        QCOMPARE(sharding.value(QStringLiteral("ShardCount")), QJsonValue(2));
        const QJsonObject replication = sharding.value(QStringLiteral("Replication")).toObject();
        const ServerConfig defaults;
        QCOMPARE(replication.value(QStringLiteral("Enabled")), QJsonValue(true));
        QCOMPARE(replication.value(QStringLiteral("ReplicaCount")), QJsonValue(2));
        QCOMPARE(replication.value(QStringLiteral("WriteQuorum")), QJsonValue(2));
        QCOMPARE(replication.value(QStringLiteral("ReadQuorum")), QJsonValue(1));
        QCOMPARE(replication.value(QStringLiteral("FailoverTimeoutMs")).toInteger(), defaults.failoverTimeoutMs);
        QCOMPARE(replication.value(QStringLiteral("HealthCheckIntervalMs")).toInteger(), defaults.healthCheckIntervalMs);
        QCOMPARE(replication.value(QStringLiteral("MaxReplicationLagMs")).toInteger(), defaults.maxReplicationLagMs);
        QCOMPARE(replication.value(QStringLiteral("HeartbeatIntervalMs")).toInteger(), defaults.heartbeatIntervalMs);
        const QJsonArray expectedShards{
            QJsonObject{{QStringLiteral("Id"), 0},
                        {QStringLiteral("Primary"), QStringLiteral("http://127.0.0.1:9001")},
                        {QStringLiteral("Replicas"),
                         QJsonArray{QStringLiteral("http://127.0.0.1:9002"), QStringLiteral("http://127.0.0.1:9003")}}},
            QJsonObject{{QStringLiteral("Id"), 1},
                        {QStringLiteral("Primary"), QStringLiteral("http://127.0.0.1:9004")},
                        {QStringLiteral("Replicas"),
                         QJsonArray{QStringLiteral("http://127.0.0.1:9005"), QStringLiteral("http://127.0.0.1:9006")}}},
        };
        QCOMPARE(sharding.value(QStringLiteral("Shards")).toArray(), expectedShards);
        // The router is no member: the same shards without it.
        QCOMPARE(plan(request(2, 2, 9000, false, false)).config(), config);
    }

    void layoutConfigIsAcceptedByEveryProcess_data()
    {
        QTest::addColumn<int>("shards");
        QTest::addColumn<int>("replicas");
        QTest::addColumn<bool>("bindAddresses");
        QTest::newRow("1 x 1") << 1 << 0 << false;
        QTest::newRow("1 x 2") << 1 << 1 << false;
        QTest::newRow("3 x 3") << 3 << 2 << false;
        QTest::newRow("2 x 4, bound addresses") << 2 << 3 << true;
        QTest::newRow("4 x 16") << 4 << 15 << false;
    }
    void layoutConfigIsAcceptedByEveryProcess()
    {
        QFETCH(int, shards);
        QFETCH(int, replicas);
        QFETCH(bool, bindAddresses);
        const ClusterLayout layout = plan(request(shards, replicas, 9000, bindAddresses));
        for (const ProcessSpec &process : layout.processes()) {
            // As peacedb-server reads it: the file, the environment, then
            // the command line.
            ServerConfig config;
            Status status = config.applyJson(layout.config(), layout.configPath());
            QVERIFY2(status.isOk(), qPrintable(status.message()));
            status = config.applyEnvironment(layout.environment(process));
            QVERIFY2(status.isOk(), qPrintable(status.message()));
            const QStringList arguments = layout.arguments(process);
            const QString role = argumentValue(arguments, QStringLiteral("--role"));
            if (!role.isEmpty())
                QVERIFY(config.setFromText(QStringLiteral("Server.Role"), role, QStringLiteral("--role")).isOk());
            status = config.setFromText(QStringLiteral("Server.Listen"), argumentValue(arguments, QStringLiteral("--listen")),
                                        QStringLiteral("--listen"));
            QVERIFY2(status.isOk(), qPrintable(status.message()));
            status = config.validate();
            QVERIFY2(status.isOk(), qPrintable(process.name + QStringLiteral(": ") + status.message()));
            QCOMPARE(config.role, ProcessSpec::roleName(process.role));
            QCOMPARE(config.listenHost, process.host);
            QCOMPARE(config.listenPort, process.port);
            if (process.role == ProcessSpec::Role::Node) {
                const Result<std::pair<ShardLayout, int>> membership = config.nodeMembership();
                QVERIFY2(membership.isOk(), qPrintable(membership.status().message()));
                QCOMPARE(membership->first.id, process.shard);
                QCOMPARE(membership->second, process.member);
            }
        }
    }

    // --tls: https:// everywhere, the CA in the shared configuration, each
    // process its own certificate, members asking for client certificates
    // (the router not); every process's settings still validate.
    void layoutWithTls()
    {
        ClusterLayout::Request tls = request(2, 2, 9000);
        tls.tls = true;
        const ClusterLayout layout = plan(tls);
        QCOMPARE(layout.supervisorUrl(), QStringLiteral("https://127.0.0.1:8999"));
        QCOMPARE(layout.config().value(QStringLiteral("Server")).toObject().value(QStringLiteral("Tls")).toObject(),
                 (QJsonObject{{QStringLiteral("CaFile"), QStringLiteral("/c/tls/ca.pem")}}));
        for (const ProcessSpec &process : layout.processes()) {
            QVERIFY2(process.url.startsWith(QLatin1String("https://")), qPrintable(process.url));
            const QHash<QString, QString> environment = layout.environment(process);
            QCOMPARE(environment.value(QStringLiteral("PEACEDB_SERVER_TLS_CERT_FILE")), QStringLiteral("/c/tls/%1.pem").arg(process.name));
            QCOMPARE(environment.value(QStringLiteral("PEACEDB_SERVER_TLS_KEY_FILE")), QStringLiteral("/c/tls/%1.key").arg(process.name));
            QCOMPARE(environment.contains(QStringLiteral("PEACEDB_SERVER_TLS_CLIENT_CA_FILE")), process.role == ProcessSpec::Role::Node);
            ServerConfig config;
            QVERIFY(config.applyJson(layout.config(), layout.configPath()).isOk());
            QVERIFY(config.applyEnvironment(environment).isOk());
            if (process.role == ProcessSpec::Role::Router)
                QVERIFY(config.setFromText(QStringLiteral("Server.Role"), QStringLiteral("router"), QStringLiteral("--role")).isOk());
            const Status valid = config.validate();
            QVERIFY2(valid.isOk(), qPrintable(valid.message()));
        }
    }

    void layoutArgumentsAndEnvironment()
    {
        const ClusterLayout layout = plan(request(2, 1, 9000));
        const ProcessSpec &router = *layout.router();
        QCOMPARE(layout.arguments(router),
                 (QStringList{QStringLiteral("--role"), QStringLiteral("router"), QStringLiteral("--config"),
                              QStringLiteral("/c/cluster-config.json"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:9000"),
                              QStringLiteral("--token-file"), QStringLiteral("/c/token"), QStringLiteral("--data"),
                              QStringLiteral("/c/router")}));
        // The router writes backups only under DIR/backups, or --backup-root.
        QCOMPARE(layout.environment(router),
                 (QHash<QString, QString>{{QStringLiteral("PEACEDB_SERVER_BACKUP_ROOT"), QStringLiteral("/c/backups")}}));
        ClusterLayout::Request rooted = request(2, 1, 9000);
        rooted.backupRoot = QStringLiteral("/srv/backups");
        const ClusterLayout withRoot = plan(rooted);
        QCOMPARE(withRoot.environment(*withRoot.router()).value(QStringLiteral("PEACEDB_SERVER_BACKUP_ROOT")), QStringLiteral("/srv/backups"));
        const QStringList removed = layout.environmentToRemove(router);
        QCOMPARE(QSet<QString>(removed.begin(), removed.end()),
                 (QSet<QString>{QStringLiteral("PEACEDB_NODE_SELF"), QStringLiteral("PEACEDB_NODE_SHARD_ID"),
                                QStringLiteral("PEACEDB_NODE_MEMBER_ID")}));

        const ProcessSpec &node = *layout.find(QStringLiteral("shard1-node1"));
        QCOMPARE(layout.arguments(node),
                 (QStringList{QStringLiteral("--config"), QStringLiteral("/c/cluster-config.json"), QStringLiteral("--listen"),
                              QStringLiteral("127.0.0.1:9004"), QStringLiteral("--token-file"), QStringLiteral("/c/token"),
                              QStringLiteral("--data"), QStringLiteral("/c/shard1-node1")}));
        const QHash<QString, QString> nodeEnvironment{{QStringLiteral("PEACEDB_NODE_SELF"), QStringLiteral("http://127.0.0.1:9004")},
                                                      {QStringLiteral("PEACEDB_NODE_SHARD_ID"), QStringLiteral("1")}};
        QCOMPARE(layout.environment(node), nodeEnvironment);
        // A first member never inherits a member id of the launcher's environment.
        QCOMPARE(layout.environmentToRemove(node), QStringList{QStringLiteral("PEACEDB_NODE_MEMBER_ID")});
    }

    // Members added and removed since the cluster was made (members.json):
    // joined ones get the next ports and Node.MemberId, removed ones are no
    // processes, and the configuration file still lists the first members.
    void layoutWithMembershipChanges()
    {
        const ClusterLayout first = plan(request(2, 1, 9000)); // router 9000, members 9001-9004
        ClusterLayout::Request changed = request(2, 1, 9000);
        const Result<ProcessSpec> next = first.nextJoined(1, 2);
        QVERIFY(next.isOk());
        QCOMPARE(next->name, QStringLiteral("shard1-node2"));
        QCOMPARE(next->port, quint16(9005));
        QCOMPARE(next->url, QStringLiteral("http://127.0.0.1:9005"));
        QCOMPARE(next->dataDir, QStringLiteral("/c/shard1-node2"));
        QCOMPARE(first.nextJoined(2, 2).status().code(), Status::Code::NotFound);
        changed.joined.append({1, 2, next->host, next->port});
        changed.removed.append(QStringLiteral("shard1-node0"));
        ClusterLayout layout = plan(changed);
        QCOMPARE(layout.names(), (QStringList{QStringLiteral("router"), QStringLiteral("shard0-node0"), QStringLiteral("shard0-node1"),
                                              QStringLiteral("shard1-node1"), QStringLiteral("shard1-node2")}));
        const ProcessSpec &joined = *layout.find(QStringLiteral("shard1-node2"));
        QVERIFY(joined.joined);
        QCOMPARE(layout.environment(joined).value(QStringLiteral("PEACEDB_NODE_MEMBER_ID")), QStringLiteral("2"));
        QVERIFY(layout.environmentToRemove(joined).isEmpty());
        QVERIFY(layout.compatibleWith(first.config()).isOk());
        QCOMPARE(layout.config(), first.config());
        // The next one comes after every port used so far.
        QCOMPARE(layout.nextJoined(0, 3)->port, quint16(9006));
        layout.addJoined(layout.nextJoined(0, 3).value());
        layout.remove(QStringLiteral("shard0-node1"));
        QCOMPARE(layout.request().joined.size(), 2);
        QCOMPARE(layout.request().removed, (QStringList{QStringLiteral("shard1-node0"), QStringLiteral("shard0-node1")}));
        QVERIFY(!layout.find(QStringLiteral("shard0-node1")));
        QCOMPARE(layout.nextJoined(0, 4)->port, quint16(9007));
        // With --bind-addresses a joined member gets its own address too.
        ClusterLayout::Request bound = request(1, 2, 9000, true);
        QCOMPARE(plan(bound).nextJoined(0, 3)->host, QStringLiteral("127.0.0.5"));

        // members.json round trip.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("members.json"));
        QVERIFY(ClusterMemberList::read(path).isOk()); // missing: empty
        QVERIFY(ClusterMemberList::read(path)->joined.isEmpty());
        const ClusterMemberList written{layout.request().joined, layout.request().removed};
        QVERIFY(written.write(path).isOk());
        const Result<ClusterMemberList> back = ClusterMemberList::read(path);
        QVERIFY(back.isOk());
        QCOMPARE(back->removed, layout.request().removed);
        QCOMPARE(back->joined.size(), 2);
        QCOMPARE(back->joined.at(1).port, quint16(9006));
        QFile broken(path);
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write(R"({"joined":[{"shard":0}]})");
        broken.close();
        QCOMPARE(ClusterMemberList::read(path).status().code(), Status::Code::BadRequest);
    }

    void layoutCompatibility_data()
    {
        QTest::addColumn<int>("shards");
        QTest::addColumn<int>("replicas");
        QTest::addColumn<int>("port");
        QTest::addColumn<bool>("bindAddresses");
        QTest::addColumn<bool>("router");
        QTest::addColumn<bool>("compatible");
        QTest::newRow("same") << 2 << 1 << 9000 << false << true << true;
        QTest::newRow("same without router") << 2 << 1 << 9000 << false << false << true;
        QTest::newRow("other shard count") << 3 << 1 << 9000 << false << true << false;
        QTest::newRow("other replica count") << 2 << 2 << 9000 << false << true << false;
        QTest::newRow("other port") << 2 << 1 << 9100 << false << true << false;
        QTest::newRow("bound addresses") << 2 << 1 << 9000 << true << true << false;
    }
    void layoutCompatibility()
    {
        QFETCH(int, shards);
        QFETCH(int, replicas);
        QFETCH(int, port);
        QFETCH(bool, bindAddresses);
        QFETCH(bool, router);
        QFETCH(bool, compatible);
        const QJsonObject existing = plan(request(2, 1, 9000)).config();
        const Status status = plan(request(shards, replicas, port, bindAddresses, router)).compatibleWith(existing);
        QCOMPARE(status.isOk(), compatible);
        if (!compatible) {
            QCOMPARE(status.code(), Status::Code::BadRequest);
            QVERIFY2(status.message().startsWith(QLatin1String("/c holds a cluster of 2 shard(s) of 2 member(s), first member "
                                                               "http://127.0.0.1:9001, but these options make ")),
                     qPrintable(status.message()));
            QVERIFY2(status.message().endsWith(QLatin1String("use the same --shards, --replicas, --port and --bind-addresses, or "
                                                             "another --data")),
                     qPrintable(status.message()));
        }
    }

    void layoutCompatibilityWithForeignConfig()
    {
        const ClusterLayout layout = plan(request(1, 0, 9000));
        const Status status = layout.compatibleWith(QJsonObject{{QStringLiteral("Server"), QJsonObject()}});
        QVERIFY(!status.isOk());
        QVERIFY2(status.message().contains(QLatin1String("holds a cluster of 0 shard(s) of 0 member(s), first member none")),
                 qPrintable(status.message()));
    }

    // ---- ClusterFile and ClusterFileStore ----

    void clusterFileJson()
    {
        const QJsonObject json = sampleFile().toJson();
        QCOMPARE(json.value(QStringLiteral("launcherPid")), QJsonValue(100));
        QCOMPARE(json.value(QStringLiteral("dataDir")), QJsonValue(QStringLiteral("/c")));
        QCOMPARE(json.value(QStringLiteral("configFile")), QJsonValue(QStringLiteral("/c/cluster-config.json")));
        QCOMPARE(json.value(QStringLiteral("tokenFile")), QJsonValue(QStringLiteral("/c/token")));
        QCOMPARE(json.value(QStringLiteral("supervisor")), QJsonValue(QStringLiteral("http://127.0.0.1:8079")));
        QCOMPARE(json.value(QStringLiteral("router")), QJsonValue(QStringLiteral("http://127.0.0.1:8080")));
        QCOMPARE(json.value(QStringLiteral("shards")), QJsonValue(2));
        QCOMPARE(json.value(QStringLiteral("replicas")), QJsonValue(1));
        const QJsonArray processes = json.value(QStringLiteral("processes")).toArray();
        QCOMPARE(processes.size(), 4);
        const QJsonObject router = processes.at(0).toObject();
        QCOMPARE(router,
                 (QJsonObject{{QStringLiteral("name"), QStringLiteral("router")},
                              {QStringLiteral("role"), QStringLiteral("router")},
                              {QStringLiteral("shard"), QJsonValue::Null},
                              {QStringLiteral("member"), QJsonValue::Null},
                              {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:8080")},
                              {QStringLiteral("pid"), 101},
                              {QStringLiteral("state"), QStringLiteral("running")},
                              {QStringLiteral("log"), QStringLiteral("/c/logs/router.log")},
                              {QStringLiteral("dataDir"), QStringLiteral("/c/router")}}));
        const QJsonObject killed = processes.at(2).toObject();
        QCOMPARE(killed.value(QStringLiteral("pid")), QJsonValue(QJsonValue::Null));
        QCOMPARE(killed.value(QStringLiteral("shard")), QJsonValue(0));
        QCOMPARE(killed.value(QStringLiteral("member")), QJsonValue(1));
        QCOMPARE(killed.value(QStringLiteral("lastExit")), QJsonValue(QStringLiteral("killed by signal 9")));
        QVERIFY(!processes.at(3).toObject().contains(QStringLiteral("lastExit")));
    }

    void clusterFileRoundTrip()
    {
        const ClusterFile original = sampleFile();
        const QByteArray text = QJsonDocument(original.toJson()).toJson();
        const Result<ClusterFile> decoded = ClusterFile::fromJson(QJsonDocument::fromJson(text).object());
        QVERIFY2(decoded.isOk(), qPrintable(decoded.status().message()));
        compareFiles(decoded.value(), original);
    }

    void clusterFileStoppedLauncherWithoutRouter()
    {
        ClusterFile original = sampleFile();
        original.launcherPid = 0;
        original.routerUrl.clear();
        original.processes.removeFirst();
        for (ClusterFile::Process &process : original.processes)
            process.pid = 0;
        const QJsonObject json = original.toJson();
        QCOMPARE(json.value(QStringLiteral("launcherPid")), QJsonValue(QJsonValue::Null));
        QCOMPARE(json.value(QStringLiteral("router")), QJsonValue(QJsonValue::Null));
        const Result<ClusterFile> decoded = ClusterFile::fromJson(json);
        QVERIFY2(decoded.isOk(), qPrintable(decoded.status().message()));
        compareFiles(decoded.value(), original);

        // Absent optional fields read as null.
        QJsonObject sparse = json;
        sparse.remove(QStringLiteral("launcherPid"));
        sparse.remove(QStringLiteral("router"));
        const Result<ClusterFile> fromSparse = ClusterFile::fromJson(sparse);
        QVERIFY2(fromSparse.isOk(), qPrintable(fromSparse.status().message()));
        QCOMPARE(fromSparse->launcherPid, qint64(0));
        QCOMPARE(fromSparse->routerUrl, QString());
    }

    void clusterFileFind()
    {
        const ClusterFile file = sampleFile();
        QVERIFY(file.find(QStringLiteral("shard0-node1")));
        QCOMPARE(file.find(QStringLiteral("shard0-node1"))->member, 1);
        QVERIFY(!file.find(QStringLiteral("shard9-node9")));
    }

    void clusterFileRefuses_data()
    {
        QTest::addColumn<QString>("field");   // dotted path to change ("processes.1.pid")
        QTest::addColumn<QJsonValue>("value"); // undefined: remove the field
        QTest::addColumn<QString>("message");
        const QJsonValue remove(QJsonValue::Undefined);
        QTest::newRow("no dataDir") << QStringLiteral("dataDir") << remove
                                    << QStringLiteral("cluster file: dataDir must be a non-empty string");
        QTest::newRow("empty tokenFile") << QStringLiteral("tokenFile") << QJsonValue(QString())
                                         << QStringLiteral("cluster file: tokenFile must be a non-empty string");
        QTest::newRow("supervisor number") << QStringLiteral("supervisor") << QJsonValue(8079)
                                           << QStringLiteral("cluster file: supervisor must be a non-empty string");
        QTest::newRow("router number") << QStringLiteral("router") << QJsonValue(5)
                                       << QStringLiteral("cluster file: router must be a URL or null");
        QTest::newRow("negative launcherPid") << QStringLiteral("launcherPid") << QJsonValue(-1)
                                              << QStringLiteral("cluster file: launcherPid must be a non-negative integer or null");
        QTest::newRow("fractional shards") << QStringLiteral("shards") << QJsonValue(1.5)
                                           << QStringLiteral("cluster file: shards must be a non-negative integer or null");
        QTest::newRow("replicas text") << QStringLiteral("replicas") << QJsonValue(QStringLiteral("2"))
                                       << QStringLiteral("cluster file: replicas must be a non-negative integer or null");
        QTest::newRow("no processes") << QStringLiteral("processes") << remove
                                      << QStringLiteral("cluster file: processes must be an array");
        QTest::newRow("process not an object") << QStringLiteral("processes.2") << QJsonValue(5)
                                               << QStringLiteral("cluster file: processes[2] must be an object");
        QTest::newRow("process without name") << QStringLiteral("processes.0.name") << remove
                                              << QStringLiteral("cluster file: processes[0].name must be a non-empty string");
        QTest::newRow("process with empty state") << QStringLiteral("processes.3.state") << QJsonValue(QString())
                                                  << QStringLiteral("cluster file: processes[3].state must be a non-empty string");
        QTest::newRow("process pid negative") << QStringLiteral("processes.1.pid") << QJsonValue(-5)
                                              << QStringLiteral("cluster file: processes[1].pid must be a non-negative integer or null");
        QTest::newRow("process shard text") << QStringLiteral("processes.1.shard") << QJsonValue(QStringLiteral("0"))
                                            << QStringLiteral("cluster file: processes[1].shard must be a non-negative integer or null");
    }
    void clusterFileRefuses()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        QFETCH(QString, message);
        QJsonObject json = sampleFile().toJson();
        const QStringList path = field.split(QLatin1Char('.'));
        if (path.size() == 1) {
            if (value.isUndefined())
                json.remove(field);
            else
                json.insert(field, value);
        } else {
            QJsonArray processes = json.value(QStringLiteral("processes")).toArray();
            const int index = path.at(1).toInt();
            if (path.size() == 2) {
                processes.replace(index, value);
            } else {
                QJsonObject process = processes.at(index).toObject();
                if (value.isUndefined())
                    process.remove(path.at(2));
                else
                    process.insert(path.at(2), value);
                processes.replace(index, process);
            }
            json.insert(QStringLiteral("processes"), processes);
        }
        const Result<ClusterFile> decoded = ClusterFile::fromJson(json);
        QVERIFY(!decoded.isOk());
        QCOMPARE(decoded.status().code(), Status::Code::BadRequest);
        QCOMPARE(decoded.status().message(), message);
    }

    void clusterFileStore()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("cluster.json"));
        const Result<ClusterFile> missing = ClusterFileStore::read(path);
        QVERIFY(!missing.isOk());
        QCOMPARE(missing.status().code(), Status::Code::NotFound);

        const ClusterFile original = sampleFile();
        QVERIFY(ClusterFileStore::write(path, original).isOk());
        const Result<ClusterFile> read = ClusterFileStore::read(path);
        QVERIFY2(read.isOk(), qPrintable(read.status().message()));
        compareFiles(read.value(), original);
        // Rewriting replaces the whole file.
        ClusterFile changed = original;
        changed.processes.resize(1);
        QVERIFY(ClusterFileStore::write(path, changed).isOk());
        QCOMPARE(ClusterFileStore::read(path)->processes.size(), 1);

        QFile garbage(path);
        QVERIFY(garbage.open(QIODevice::WriteOnly | QIODevice::Truncate));
        garbage.write("{\"dataDir\": ");
        garbage.close();
        const Result<ClusterFile> broken = ClusterFileStore::read(path);
        QVERIFY(!broken.isOk());
        QCOMPARE(broken.status().code(), Status::Code::BadRequest);
        QVERIFY2(broken.status().message().startsWith(path + QStringLiteral(": ")), qPrintable(broken.status().message()));
    }

    // ---- ClusterStatus ----

    void statusTable()
    {
        QList<qint64> asked;
        const auto alive = [&asked](qint64 pid) {
            asked.append(pid);
            return pid == 100 || pid == 101;
        };
        const QString expected = QStringLiteral(
            "launcher pid 100 alive, supervisor http://127.0.0.1:8079\n"
            "NAME          ROLE    SHARD  URL                    PID  ALIVE                    LOG\n"
            "router        router  -      http://127.0.0.1:8080  101  yes                      /c/logs/router.log\n"
            "shard0-node0  node    0      http://127.0.0.1:8081  102  no (pid gone)            /c/logs/shard0-node0.log\n"
            "shard0-node1  node    0      http://127.0.0.1:8082  -    no (killed by signal 9)  /c/logs/shard0-node1.log\n"
            "shard1-node0  node    1      http://127.0.0.1:8083  -    no                       /c/logs/shard1-node0.log\n");
        QCOMPARE(ClusterStatus::format(sampleFile(), alive), expected);
        // Processes without a pid are not looked up.
        QCOMPARE(asked, (QList<qint64>{100, 101, 102}));
        QCOMPARE(ClusterStatus::aliveCount(sampleFile(), alive), 1);
    }

    void statusOfAGoneOrStoppedLauncher()
    {
        const auto nothingAlive = [](qint64) { return false; };
        ClusterFile file = sampleFile();
        QVERIFY(ClusterStatus::format(file, nothingAlive)
                    .startsWith(QLatin1String("launcher pid 100 gone (it did not stop cleanly), supervisor http://127.0.0.1:8079\n")));
        QCOMPARE(ClusterStatus::aliveCount(file, nothingAlive), 0);

        file.launcherPid = 0;
        for (ClusterFile::Process &process : file.processes)
            process.pid = 0;
        int asked = 0;
        const auto countingAlive = [&asked](qint64) {
            ++asked;
            return true;
        };
        const QString text = ClusterStatus::format(file, countingAlive);
        QVERIFY2(text.startsWith(QLatin1String("launcher stopped\nNAME")), qPrintable(text));
        QCOMPARE(text.count(QLatin1Char('\n')), 2 + 4);
        QVERIFY(!text.contains(QLatin1String("yes")));
        QCOMPARE(ClusterStatus::aliveCount(file, countingAlive), 0);
        QCOMPARE(asked, 0);
    }
};

QTEST_APPLESS_MAIN(TestClusterLauncherUnit)
#include "tst_clusterlauncher_unit.moc"
