// docs/openapi.json against the code: the route table (ApiRoutes) and the
// document list the same routes, with the same needs and processes; every
// process serves the document without credentials; every documented
// example, replayed against a real standalone node, a real cluster's
// router, member and launcher, is answered with the documented status and a
// body the schema accepts (tests/openapi/validator/replay.js: Ajv, JSON
// Schema 2020-12, and the official OpenAPI 3.1 schema for the document);
// and the validation fails when the schema and the answers disagree.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include "ApiRoutes.h"
#include "ClusterProcesses.h"
#include "ServerProcess.h"
#include "TestHttpClient.h"

namespace {

const QString kDocument = QStringLiteral(PEACEDB_SOURCE_DIR "/docs/openapi.json");
const QString kValidator = QStringLiteral(PEACEDB_SOURCE_DIR "/tests/openapi/validator");

QString needName(AccessRules::Need need)
{
    using Need = AccessRules::Need;
    switch (need) {
    case Need::None: return QStringLiteral("None");
    case Need::Cluster: return QStringLiteral("Cluster");
    case Need::Authenticated: return QStringLiteral("Authenticated");
    case Need::ReadAll: return QStringLiteral("ReadAll");
    case Need::Read: return QStringLiteral("Read");
    case Need::Write: return QStringLiteral("Write");
    case Need::Admin: return QStringLiteral("Admin");
    case Need::Operator: return QStringLiteral("Operator");
    }
    return QString();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QByteArray passwordIn(const QString &path)
{
    return readFile(path).trimmed();
}

// "GET /v1/db/{db}" -> "need; servers" for the document and for the table.
using RouteMap = QMap<QString, QString>;

RouteMap documentRoutes(const QJsonObject &document)
{
    RouteMap out;
    const QJsonObject paths = document.value(QStringLiteral("paths")).toObject();
    for (auto path = paths.begin(); path != paths.end(); ++path) {
        const QJsonObject item = path.value().toObject();
        for (auto operation = item.begin(); operation != item.end(); ++operation) {
            const QJsonObject o = operation.value().toObject();
            QStringList servers;
            for (const QJsonValue &server : o.value(QStringLiteral("x-peacedb-servers")).toArray())
                servers.append(server.toString());
            servers.sort();
            out.insert(operation.key().toUpper() + QLatin1Char(' ') + path.key(),
                       o.value(QStringLiteral("x-peacedb-need")).toString() + QStringLiteral("; ") + servers.join(QLatin1Char(',')));
        }
    }
    return out;
}

RouteMap tableRoutes()
{
    RouteMap out;
    const auto add = [&out](const ApiRoutes::Route &route, bool member) {
        QStringList servers;
        if (route.router)
            servers.append(QStringLiteral("router"));
        if (route.node)
            servers.append(member ? QStringLiteral("member") : QStringLiteral("node"));
        if (route.launcher)
            servers.append(QStringLiteral("launcher"));
        servers.sort();
        out.insert(QLatin1String(route.method) + QLatin1Char(' ') + QLatin1String(route.pattern),
                   needName(route.need) + QStringLiteral("; ") + servers.join(QLatin1Char(',')));
    };
    for (const ApiRoutes::Route &route : ApiRoutes::all())
        add(route, false);
    for (const ApiRoutes::Route &route : ApiRoutes::memberRoutes())
        add(route, true);
    return out;
}

// Runs the validator; its output in *output.
int runValidator(const QStringList &arguments, QString *output, int timeoutMs = 240000)
{
    QProcess node;
    node.setWorkingDirectory(kValidator);
    node.setProcessChannelMode(QProcess::MergedChannels);
    node.start(QStringLiteral("node"), QStringList{QStringLiteral("replay.js")} + arguments);
    if (!node.waitForFinished(timeoutMs)) {
        node.kill();
        node.waitForFinished();
        *output = QString::fromUtf8(node.readAll()) + QStringLiteral("\n(timed out)");
        return -1;
    }
    *output = QString::fromUtf8(node.readAll());
    return node.exitStatus() == QProcess::NormalExit ? node.exitCode() : -1;
}

// The validator's lines, indented (its closing "N passed, N failed" is not
// the test's).
QString indented(const QString &output)
{
    QStringList lines = output.trimmed().split(QLatin1Char('\n'));
    for (QString &line : lines)
        line.prepend(QStringLiteral("    "));
    return lines.join(QLatin1Char('\n'));
}

} // namespace

class TestOpenApi : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(kValidator + QStringLiteral("/node_modules/ajv")),
                 "the validator's packages are missing: run deploy/install-deps.sh");
    }

    // Every route of the table is documented with its need and the processes
    // that serve it, and nothing else is documented.
    void routeTableMatchesTheDocument()
    {
        QJsonParseError error;
        const QJsonDocument parsed = QJsonDocument::fromJson(readFile(kDocument), &error);
        QVERIFY2(parsed.isObject(), qPrintable(error.errorString()));
        const RouteMap documented = documentRoutes(parsed.object());
        const RouteMap table = tableRoutes();
        QStringList problems;
        for (auto it = table.begin(); it != table.end(); ++it) {
            if (!documented.contains(it.key()))
                problems << QStringLiteral("missing from the document: %1").arg(it.key());
            else if (documented.value(it.key()) != it.value())
                problems << QStringLiteral("%1: the table says %2, the document %3").arg(it.key(), it.value(), documented.value(it.key()));
        }
        for (auto it = documented.begin(); it != documented.end(); ++it) {
            if (!table.contains(it.key()))
                problems << QStringLiteral("documented but not a route: %1").arg(it.key());
        }
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
        QCOMPARE(documented.size(), ApiRoutes::all().size() + ApiRoutes::memberRoutes().size());
    }

    // The document is valid OpenAPI 3.1 (the official schema) and every
    // schema in it compiles.
    void documentIsValidOpenApi()
    {
        QString output;
        QCOMPARE(runValidator({kDocument, QStringLiteral("--check-only")}, &output, 60000), 0);
        qInfo().noquote() << indented(output);
        // A response without its description is caught.
        QJsonObject document = QJsonDocument::fromJson(readFile(kDocument)).object();
        QJsonObject paths = document.value(QStringLiteral("paths")).toObject();
        QJsonObject health = paths.value(QStringLiteral("/healthz")).toObject();
        QJsonObject get = health.value(QStringLiteral("get")).toObject();
        QJsonObject responses = get.value(QStringLiteral("responses")).toObject();
        QJsonObject ok = responses.value(QStringLiteral("200")).toObject();
        ok.remove(QStringLiteral("description"));
        responses.insert(QStringLiteral("200"), ok);
        get.insert(QStringLiteral("responses"), responses);
        health.insert(QStringLiteral("get"), get);
        paths.insert(QStringLiteral("/healthz"), health);
        document.insert(QStringLiteral("paths"), paths);
        QTemporaryDir dir;
        const QString broken = dir.filePath(QStringLiteral("openapi.json"));
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QJsonDocument(document).toJson());
        file.close();
        QCOMPARE(runValidator({broken, QStringLiteral("--check-only")}, &output, 60000), 1);
        QVERIFY2(output.contains(QLatin1String("description")), qPrintable(output));
    }

    void examplesHoldAgainstLiveProcesses()
    {
        QTemporaryDir nodeDir;
        ServerProcess node(nodeDir.path());
        node.setAuthentication(true);
        QVERIFY2(node.start(), qPrintable(node.output()));

        // The backups the examples make; it outlives the cluster.
        QTemporaryDir scratch;
        ClusterProcesses::Options options;
        options.shards = 2;
        options.replicas = 2;
        options.authentication = true;
        options.backupRoot = scratch.path();
        ClusterProcesses cluster(options);
        QVERIFY2(cluster.start(), qPrintable(cluster.error()));
        QVERIFY2(cluster.waitForHealthy(30000), qPrintable(cluster.describe()));

        const QByteArray nodeToken = passwordIn(QDir(nodeDir.path()).filePath(QStringLiteral("token")));
        const QByteArray nodePassword = passwordIn(QDir(nodeDir.path()).filePath(QStringLiteral("admin-password")));
        const QByteArray clusterPassword = passwordIn(QDir(cluster.directory()).filePath(QStringLiteral("admin-password")));
        const QString member = ClusterProcesses::nodeName(0, 0);
        const QString launcher = QStringLiteral("http://127.0.0.1:%1").arg(cluster.routerPort() - 1);

        // Every process serves the document as it is in the repository,
        // without credentials.
        const QByteArray expected = readFile(kDocument);
        for (const auto &[host, port] : {std::pair<QString, quint16>{QStringLiteral("127.0.0.1"), node.port()},
                                         {QStringLiteral("127.0.0.1"), cluster.routerPort()},
                                         {cluster.host(member), cluster.port(member)},
                                         {QStringLiteral("127.0.0.1"), quint16(cluster.routerPort() - 1)}}) {
            TestHttpClient client(port, host);
            const TestHttpResponse response = client.get("/v1/_openapi.json");
            QCOMPARE(response.status, 200);
            QVERIFY(response.header("Content-Type").startsWith("application/json"));
            QVERIFY2(response.body == expected, qPrintable(QStringLiteral("port %1 serves another document").arg(port)));
        }

        const QJsonObject targets{
            {QStringLiteral("node"), QJsonObject{{QStringLiteral("url"), node.url()},
                                                 {QStringLiteral("token"), QString::fromLatin1(nodeToken)},
                                                 {QStringLiteral("adminPassword"), QString::fromLatin1(nodePassword)}}},
            {QStringLiteral("member"), QJsonObject{{QStringLiteral("url"), cluster.url(member)},
                                                   {QStringLiteral("token"), QString::fromLatin1(cluster.token())},
                                                   {QStringLiteral("adminPassword"), QString::fromLatin1(clusterPassword)}}},
            {QStringLiteral("router"), QJsonObject{{QStringLiteral("url"), cluster.routerUrl()},
                                                   {QStringLiteral("token"), QString::fromLatin1(cluster.token())},
                                                   {QStringLiteral("adminPassword"), QString::fromLatin1(clusterPassword)},
                                                   {QStringLiteral("scratch"), scratch.path()}}},
            {QStringLiteral("launcher"), QJsonObject{{QStringLiteral("url"), launcher},
                                                     {QStringLiteral("token"), QString::fromLatin1(cluster.token())},
                                                     {QStringLiteral("adminPassword"), QString::fromLatin1(clusterPassword)}}},
        };
        QTemporaryDir dir;
        const QString targetsPath = dir.filePath(QStringLiteral("targets.json"));
        {
            QFile file(targetsPath);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QJsonDocument(targets).toJson());
        }
        QString output;
        const int exitCode = runValidator({kDocument, targetsPath}, &output);
        cluster.drainOutput();
        qInfo().noquote() << indented(output);
        if (exitCode != 0)
            qInfo().noquote() << cluster.log(QStringLiteral("router"));
        QVERIFY2(exitCode == 0, qPrintable(output.right(6000)));
        QVERIFY(output.contains(QLatin1String(" 0 failed")));

        // The validation can fail: with docsAlive documented as a string (and
        // the examples changed to match), the live answers no longer pass.
        QJsonObject document = QJsonDocument::fromJson(expected).object();
        QJsonObject components = document.value(QStringLiteral("components")).toObject();
        QJsonObject schemas = components.value(QStringLiteral("schemas")).toObject();
        QJsonObject stats = schemas.value(QStringLiteral("DatabaseStats")).toObject();
        QJsonObject properties = stats.value(QStringLiteral("properties")).toObject();
        properties.insert(QStringLiteral("docsAlive"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}});
        stats.insert(QStringLiteral("properties"), properties);
        schemas.insert(QStringLiteral("DatabaseStats"), stats);
        components.insert(QStringLiteral("schemas"), schemas);
        document.insert(QStringLiteral("components"), components);
        QByteArray mutated = QJsonDocument(document).toJson();
        mutated.replace("\"docsAlive\": 3", "\"docsAlive\": \"3\"");
        const QString mutatedPath = dir.filePath(QStringLiteral("mutated.json"));
        {
            QFile file(mutatedPath);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(mutated);
        }
        const QString routerOnlyPath = dir.filePath(QStringLiteral("router.json"));
        {
            QFile file(routerOnlyPath);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QJsonDocument(QJsonObject{{QStringLiteral("router"), targets.value(QStringLiteral("router"))}}).toJson());
        }
        QCOMPARE(runValidator({mutatedPath, routerOnlyPath, QStringLiteral("--only=databaseStats")}, &output), 1);
        qInfo().noquote() << indented(output);
        QVERIFY2(output.contains(QLatin1String("does not match the schema: data/docsAlive must be string")), qPrintable(output));
        QVERIFY2(!output.contains(QLatin1String("the documented example does not match")), qPrintable(output));
    }
};

QTEST_GUILESS_MAIN(TestOpenApi)
#include "tst_openapi.moc"
