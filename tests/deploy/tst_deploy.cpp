// Unit test: the Docker deployment in deploy/.
//
// deploy/config/cluster.json is accepted by peacedb-server's own ServerConfig
// for the router and for every node identity, each node finding itself in the
// right shard. When docker-compose is installed (no Docker engine needed),
// deploy/docker-compose.replication.yml validates (`config -q`) and its
// normalized form has: the router and the nine nodes named as in the plan
// (the second router only in its profile), one named volume per node,
// the health check script on every service, one network per shard joined
// by its members and the routers (plus the routers' front network), only
// the router's port published, the token from the secret, and for every service an
// environment and command that ServerConfig accepts with the mounted
// cluster.json. The Dockerfile's final stage installs no package (it copies
// what the build stage collected) and has no curl.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTest>

#include "JsonText.h"
#include "ServerConfig.h"

namespace {

const QString kSourceDir = QStringLiteral(PEACEDB_SOURCE_DIR);
const QString kComposeFile = kSourceDir + QStringLiteral("/deploy/docker-compose.replication.yml");
const QString kClusterConfig = kSourceDir + QStringLiteral("/deploy/config/cluster.json");
const QString kConfigMount = QStringLiteral("/etc/peacedb/cluster.json");
const QString kTokenFile = QStringLiteral("/run/secrets/cluster-token");
const QString kDataDir = QStringLiteral("/var/lib/peacedb");

QStringList nodeNames()
{
    QStringList names;
    for (int shard = 0; shard < 3; ++shard) {
        for (const char *member : {"primary", "replica-1", "replica-2"})
            names.append(QStringLiteral("shard-%1-%2").arg(shard).arg(QLatin1String(member)));
    }
    return names;
}

QJsonObject readClusterConfig()
{
    QFile file(kClusterConfig);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(kClusterConfig));
    const Result<QJsonObject> root = JsonText::parseObject(file.readAll());
    if (!root.isOk())
        qFatal("%s: %s", qPrintable(kClusterConfig), qPrintable(root.status().message()));
    return root.value();
}

// Builds the configuration a process gets: cluster.json, then the
// environment, then --role; returns the first error.
Status configure(const QHash<QString, QString> &environment, const QString &role, ServerConfig *config)
{
    Status status = config->applyJson(readClusterConfig(), kClusterConfig);
    if (status.isOk())
        status = config->applyEnvironment(environment);
    if (status.isOk())
        status = config->setFromText(QStringLiteral("Server.Role"), role, QStringLiteral("--role"));
    if (status.isOk())
        status = config->validate();
    return status;
}

// docker-compose's normalized configuration as JSON, through python3-yaml
// (a dependency of Debian's docker-compose). Skips when either is missing.
struct ComposeOutput
{
    bool available = false;
    QString why;
    int validateExitCode = -1;
    QString validateErrors;
    QJsonObject config;
};

ComposeOutput runCompose()
{
    ComposeOutput out;
    const QString compose = QStandardPaths::findExecutable(QStringLiteral("docker-compose"));
    const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (compose.isEmpty() || python.isEmpty()) {
        out.why = QStringLiteral("docker-compose or python3 is not installed");
        return out;
    }
    // The defaults, whatever the caller's shell has set.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : environment.keys()) {
        if (name.startsWith(QLatin1String("PEACEDB_")) || name.startsWith(QLatin1String("COMPOSE_")))
            environment.remove(name);
    }
    const auto run = [&](const QStringList &arguments, QByteArray *output, QByteArray *errors) {
        QProcess process;
        process.setProcessEnvironment(environment);
        process.start(compose, QStringList{QStringLiteral("-f"), kComposeFile} + arguments);
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished();
            return -1;
        }
        *output = process.readAllStandardOutput();
        *errors = process.readAllStandardError();
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    };
    QByteArray output;
    QByteArray errors;
    out.validateExitCode = run({QStringLiteral("config"), QStringLiteral("-q")}, &output, &errors);
    out.validateErrors = QString::fromUtf8(errors);
    if (out.validateExitCode != 0) {
        out.available = true;
        return out;
    }
    if (run({QStringLiteral("config")}, &output, &errors) != 0) {
        out.available = true;
        out.validateErrors = QString::fromUtf8(errors);
        out.validateExitCode = 1;
        return out;
    }
    QProcess convert;
    convert.start(python, {QStringLiteral("-c"),
                           QStringLiteral("import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)")});
    convert.write(output);
    convert.closeWriteChannel();
    if (!convert.waitForFinished(30000) || convert.exitCode() != 0) {
        out.why = QStringLiteral("python3 cannot read YAML (python3-yaml missing?): %1")
                      .arg(QString::fromUtf8(convert.readAllStandardError()));
        return out;
    }
    out.available = true;
    out.config = QJsonDocument::fromJson(convert.readAllStandardOutput()).object();
    return out;
}

const ComposeOutput &compose()
{
    static const ComposeOutput output = runCompose();
    return output;
}

// "SOURCE:TARGET[:MODE]" volume entries of a service, by target.
QHash<QString, QString> volumesByTarget(const QJsonObject &service)
{
    QHash<QString, QString> out;
    for (const QJsonValue &volume : service.value(QStringLiteral("volumes")).toArray()) {
        const QStringList parts = volume.toString().split(QLatin1Char(':'));
        if (parts.size() >= 2)
            out.insert(parts.at(1), parts.at(0));
    }
    return out;
}

} // namespace

class TestDeploy : public QObject
{
    Q_OBJECT

private slots:
    void clusterConfigAcceptedForEveryNode();
    void clusterConfigAcceptedForTheRouter();
    void composeFileValidates();
    void composeServices();
    void composeVolumesPerNode();
    void composeHealthchecks();
    void composeOnlyRouterPortPublished();
    void composeTokenFromSecret();
    void composeServicesAcceptedByServerConfig();
    void dockerfileRuntimeStage();
    void composeNetworksPerShard();
};

void TestDeploy::clusterConfigAcceptedForEveryNode()
{
    const QStringList names = nodeNames();
    for (int index = 0; index < names.size(); ++index) {
        const QString self = QStringLiteral("http://%1:8080").arg(names.at(index));
        ServerConfig config;
        const Status status = configure({{QStringLiteral("PEACEDB_NODE_SELF"), self},
                                         {QStringLiteral("PEACEDB_SERVER_LISTEN"), QStringLiteral("0.0.0.0:8080")},
                                         {QStringLiteral("PEACEDB_SERVER_TOKEN_FILE"), kTokenFile}},
                                        QStringLiteral("node"), &config);
        QVERIFY2(status.isOk(), qPrintable(self + QStringLiteral(": ") + status.message()));
        const Result<std::pair<ShardLayout, int>> membership = config.nodeMembership();
        QVERIFY2(membership.isOk(), qPrintable(membership.status().message()));
        QCOMPARE(membership->first.id, index / 3);
        QCOMPARE(membership->second, index % 3);
        QCOMPARE(membership->first.members.at(membership->second), self);
        QCOMPARE(config.listenHost, QStringLiteral("0.0.0.0"));
        QCOMPARE(config.listenPort, quint16(8080));
    }
}

void TestDeploy::clusterConfigAcceptedForTheRouter()
{
    ServerConfig config;
    const Status status = configure({}, QStringLiteral("router"), &config);
    QVERIFY2(status.isOk(), qPrintable(status.message()));
    const Result<QVector<ShardLayout>> shards = config.shardLayout();
    QVERIFY2(shards.isOk(), qPrintable(shards.status().message()));
    QCOMPARE(shards->size(), 3);
    const QStringList names = nodeNames();
    for (int shard = 0; shard < 3; ++shard) {
        for (int member = 0; member < 3; ++member)
            QCOMPARE(shards->at(shard).members.at(member), QStringLiteral("http://%1:8080").arg(names.at(shard * 3 + member)));
    }
    // A node without PEACEDB_NODE_SELF is refused: every node must be told.
    ServerConfig anonymous;
    QVERIFY(!configure({}, QStringLiteral("node"), &anonymous).isOk());
}

void TestDeploy::composeFileValidates()
{
    if (!compose().available)
        QSKIP(qPrintable(compose().why));
    QVERIFY2(compose().validateExitCode == 0, qPrintable(compose().validateErrors));
}

void TestDeploy::composeServices()
{
    if (!compose().available || compose().validateExitCode != 0)
        QSKIP("needs a valid compose file and docker-compose");
    const QJsonObject services = compose().config.value(QStringLiteral("services")).toObject();
    QSet<QString> expected{QStringLiteral("router"), QStringLiteral("router-2")};
    for (const QString &name : nodeNames())
        expected.insert(name);
    const QStringList names = services.keys();
    QCOMPARE(QSet<QString>(names.begin(), names.end()), expected);
    // The second router is optional: only in its profile.
    QCOMPARE(services.value(QStringLiteral("router-2")).toObject().value(QStringLiteral("profiles")).toArray(),
             QJsonArray{QStringLiteral("second-router")});
    for (const QString &name : services.keys()) {
        if (name != QLatin1String("router-2"))
            QVERIFY2(!services.value(name).toObject().contains(QStringLiteral("profiles")), qPrintable(name));
    }
}

void TestDeploy::composeVolumesPerNode()
{
    if (!compose().available || compose().validateExitCode != 0)
        QSKIP("needs a valid compose file and docker-compose");
    const QJsonObject services = compose().config.value(QStringLiteral("services")).toObject();
    const QJsonObject declared = compose().config.value(QStringLiteral("volumes")).toObject();
    QSet<QString> used;
    for (const QString &name : services.keys()) {
        const QHash<QString, QString> volumes = volumesByTarget(services.value(name).toObject());
        const QString data = volumes.value(kDataDir);
        QVERIFY2(!data.isEmpty(), qPrintable(name + QStringLiteral(" has no volume at ") + kDataDir));
        QVERIFY2(declared.contains(data), qPrintable(name + QStringLiteral(": ") + data + QStringLiteral(" is not a named volume")));
        QVERIFY2(!used.contains(data), qPrintable(data + QStringLiteral(" is shared")));
        used.insert(data);
        QVERIFY2(volumes.value(kConfigMount).endsWith(QLatin1String("/deploy/config/cluster.json")), qPrintable(name));
    }
    for (const QString &name : nodeNames())
        QCOMPARE(volumesByTarget(services.value(name).toObject()).value(kDataDir), name + QStringLiteral("-data"));
}

void TestDeploy::composeHealthchecks()
{
    if (!compose().available || compose().validateExitCode != 0)
        QSKIP("needs a valid compose file and docker-compose");
    const QJsonObject services = compose().config.value(QStringLiteral("services")).toObject();
    for (const QString &name : services.keys()) {
        const QJsonObject check = services.value(name).toObject().value(QStringLiteral("healthcheck")).toObject();
        const QJsonArray test = check.value(QStringLiteral("test")).toArray();
        QVERIFY2(!test.isEmpty(), qPrintable(name + QStringLiteral(" has no healthcheck")));
        QCOMPARE(test.first().toString(), QStringLiteral("CMD"));
        QCOMPARE(test.size(), 2);
        QCOMPARE(test.at(1).toString(), QStringLiteral("/usr/local/bin/peacedb-healthcheck"));
        QVERIFY2(check.contains(QStringLiteral("interval")) && check.contains(QStringLiteral("retries")), qPrintable(name));
    }
}

void TestDeploy::composeOnlyRouterPortPublished()
{
    if (!compose().available || compose().validateExitCode != 0)
        QSKIP("needs a valid compose file and docker-compose");
    const QJsonObject services = compose().config.value(QStringLiteral("services")).toObject();
    for (const QString &name : services.keys()) {
        const QJsonArray ports = services.value(name).toObject().value(QStringLiteral("ports")).toArray();
        if (name == QLatin1String("router") || name == QLatin1String("router-2")) {
            QCOMPARE(ports.size(), 1);
            const QJsonObject port = ports.first().toObject();
            QCOMPARE(port.value(QStringLiteral("target")).toInt(), 8080);
            QCOMPARE(port.value(QStringLiteral("published")).toInt(), name == QLatin1String("router") ? 8080 : 8081);
        } else {
            QVERIFY2(ports.isEmpty(), qPrintable(name + QStringLiteral(" publishes a port")));
            QVERIFY2(!services.value(name).toObject().contains(QStringLiteral("network_mode")), qPrintable(name));
        }
    }
}

void TestDeploy::composeTokenFromSecret()
{
    if (!compose().available || compose().validateExitCode != 0)
        QSKIP("needs a valid compose file and docker-compose");
    const QJsonObject secrets = compose().config.value(QStringLiteral("secrets")).toObject();
    QVERIFY(secrets.value(QStringLiteral("cluster-token")).toObject().value(QStringLiteral("file")).toString().endsWith(
        QLatin1String("/deploy/secrets/cluster-token")));
    const QJsonObject services = compose().config.value(QStringLiteral("services")).toObject();
    for (const QString &name : services.keys()) {
        const QJsonObject service = services.value(name).toObject();
        QCOMPARE(service.value(QStringLiteral("secrets")).toArray().first().toObject().value(QStringLiteral("source")).toString(),
                 QStringLiteral("cluster-token"));
        QCOMPARE(service.value(QStringLiteral("environment")).toObject().value(QStringLiteral("PEACEDB_SERVER_TOKEN_FILE")).toString(),
                 kTokenFile);
        // Secure by default: every process knows the built-in admin's password.
        QCOMPARE(service.value(QStringLiteral("secrets")).toArray().at(1).toObject().value(QStringLiteral("source")).toString(),
                 QStringLiteral("admin-password"));
        QCOMPARE(service.value(QStringLiteral("environment")).toObject().value(QStringLiteral("PEACEDB_SERVER_ADMIN_PASSWORD_FILE")).toString(),
                 QStringLiteral("/run/secrets/admin-password"));
        QVERIFY(!service.value(QStringLiteral("environment")).toObject().contains(QStringLiteral("PEACEDB_SERVER_AUTHENTICATION")));
    }
}

void TestDeploy::composeServicesAcceptedByServerConfig()
{
    if (!compose().available || compose().validateExitCode != 0)
        QSKIP("needs a valid compose file and docker-compose");
    const QJsonObject services = compose().config.value(QStringLiteral("services")).toObject();
    QSet<QString> selves;
    for (const QString &name : services.keys()) {
        const QJsonObject service = services.value(name).toObject();
        QStringList command;
        for (const QJsonValue &argument : service.value(QStringLiteral("command")).toArray())
            command.append(argument.toString());
        QCOMPARE(command.size(), 4);
        QCOMPARE(command.at(0), QStringLiteral("--role"));
        QCOMPARE(command.at(2), QStringLiteral("--config"));
        QCOMPARE(command.at(3), kConfigMount);
        QHash<QString, QString> environment;
        const QJsonObject variables = service.value(QStringLiteral("environment")).toObject();
        for (auto it = variables.begin(); it != variables.end(); ++it)
            environment.insert(it.key(), it.value().toString());
        ServerConfig config;
        const Status status = configure(environment, command.at(1), &config);
        QVERIFY2(status.isOk(), qPrintable(name + QStringLiteral(": ") + status.message()));
        QCOMPARE(config.listenAddress(), QStringLiteral("0.0.0.0:8080"));
        const bool router = name.startsWith(QLatin1String("router"));
        QCOMPARE(config.role, router ? QStringLiteral("router") : QStringLiteral("node"));
        if (!router) {
            QCOMPARE(config.nodeSelf, QStringLiteral("http://%1:8080").arg(name));
            selves.insert(config.nodeSelf);
        }
    }
    QCOMPARE(selves.size(), 9);
}

void TestDeploy::dockerfileRuntimeStage()
{
    QFile file(kSourceDir + QStringLiteral("/deploy/Dockerfile"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(file.readAll());
    const QStringList stages = text.split(QRegularExpression(QStringLiteral("^FROM "), QRegularExpression::MultilineOption));
    QCOMPARE(stages.size(), 3); // the text before, the build stage, the runtime stage
    QVERIFY(stages.at(1).startsWith(QLatin1String("debian:12 AS build")));
    const QString runtime = stages.at(2);
    QVERIFY(runtime.startsWith(QLatin1String("debian:12\n")));
    // No package manager in the runtime stage: the libraries ldd finds are
    // copied from the build stage (/runtime), plus the health check script.
    QVERIFY(!runtime.contains(QLatin1String("apt-get")));
    QVERIFY(!runtime.contains(QLatin1String("curl")));
    QVERIFY(runtime.contains(QLatin1String("\nCOPY --from=build /runtime/ /\n")));
    QVERIFY(runtime.contains(QLatin1String("\nCOPY deploy/peacedb-healthcheck /usr/local/bin/peacedb-healthcheck\n")));
    const QString build = stages.at(1);
    for (const char *file : {"/build/bin/peacedb-server", "/usr/bin/tini", "/usr/bin/openssl", "sqldrivers/libqsqlite.so",
                             "tls/libqopensslbackend.so", "libssl.so.3", "libcrypto.so.3"})
        QVERIFY2(build.contains(QLatin1String(file)), file);
    QVERIFY(build.contains(QLatin1String("-DPEACEDB_SERVER_ONLY=ON")));
    QVERIFY(runtime.contains(QLatin1String("\nUSER peacedb:peacedb\n")));
    QVERIFY(runtime.contains(QLatin1String("\nVOLUME [\"/var/lib/peacedb\"]\n")));
    QVERIFY(runtime.contains(QLatin1String("\nHEALTHCHECK ")));
    QVERIFY(runtime.contains(QLatin1String("CMD [\"/usr/local/bin/peacedb-healthcheck\"]")));
    QVERIFY(runtime.contains(QLatin1String("ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"/usr/local/bin/peacedb-server\"]")));
    // Nothing else is copied in: no token, no configuration.
    QCOMPARE(runtime.count(QRegularExpression(QStringLiteral("^COPY "), QRegularExpression::MultilineOption)), 2);
}

void TestDeploy::composeNetworksPerShard()
{
    if (!compose().available || compose().validateExitCode != 0)
        QSKIP("needs a valid compose file and docker-compose");
    const QJsonObject services = compose().config.value(QStringLiteral("services")).toObject();
    const QJsonObject networks = compose().config.value(QStringLiteral("networks")).toObject();
    const QStringList shardNetworks{QStringLiteral("shard-0"), QStringLiteral("shard-1"), QStringLiteral("shard-2")};
    for (const QString &network : shardNetworks)
        QVERIFY2(networks.value(network).toObject().value(QStringLiteral("internal")).toBool(), qPrintable(network));
    const auto joined = [&services](const QString &name) {
        const QJsonValue value = services.value(name).toObject().value(QStringLiteral("networks"));
        const QStringList keys = value.isObject() ? value.toObject().keys() : QStringList();
        return QSet<QString>(keys.begin(), keys.end());
    };
    for (const char *router : {"router", "router-2"})
        QCOMPARE(joined(QLatin1String(router)), QSet<QString>({QStringLiteral("front"), shardNetworks.at(0), shardNetworks.at(1), shardNetworks.at(2)}));
    const QStringList names = nodeNames();
    for (int index = 0; index < names.size(); ++index)
        QCOMPARE(joined(names.at(index)), QSet<QString>({shardNetworks.at(index / 3)}));
}

QTEST_GUILESS_MAIN(TestDeploy)
#include "tst_deploy.moc"
