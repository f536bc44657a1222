// Client authentication against real processes: secure by default, every
// route of the API for every kind of client (generated from ApiRoutes, with
// the expected answers written out by hand below), nothing changed on a
// refusal, the back-off after failed sign-ins, authentication off, and users
// and keys that live in the cluster: through two routers, across a failover
// and a router restart, a removed key refused everywhere within moments.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include "ApiRoutes.h"
#include "ClusterProcesses.h"
#include "ServerProcess.h"
#include "TestHttpClient.h"

using Need = AccessRules::Need;

namespace {

enum class Client { None, WrongPassword, Reader, OtherWriter, Writer, KeyReader, Admin, Token };

const QList<Client> kClients{Client::None,      Client::WrongPassword, Client::Reader, Client::OtherWriter,
                             Client::Writer,    Client::KeyReader,     Client::Admin,  Client::Token};

QString clientName(Client client)
{
    switch (client) {
    case Client::None: return QStringLiteral("no credentials");
    case Client::WrongPassword: return QStringLiteral("wrong password");
    case Client::Reader: return QStringLiteral("reader of orders");
    case Client::OtherWriter: return QStringLiteral("writer of another database");
    case Client::Writer: return QStringLiteral("writer of orders");
    case Client::KeyReader: return QStringLiteral("API key, reader of orders");
    case Client::Admin: return QStringLiteral("admin");
    case Client::Token: return QStringLiteral("cluster token");
    }
    return QString();
}

// The documented answer, written out rather than asked of AccessRules.
bool expectAllowed(Need need, Client client)
{
    switch (need) {
    case Need::None: return true;
    case Need::Cluster: return client == Client::Token;
    case Need::Authenticated: return client != Client::None && client != Client::WrongPassword;
    case Need::ReadAll: return client == Client::Admin || client == Client::Token;
    case Need::Read:
        return client == Client::Reader || client == Client::Writer || client == Client::KeyReader || client == Client::Admin
            || client == Client::Token;
    case Need::Write: return client == Client::Writer || client == Client::Admin || client == Client::Token;
    case Need::Admin:
    case Need::Operator: return client == Client::Admin || client == Client::Token;
    }
    return false;
}

QByteArray basic(const QByteArray &user, const QByteArray &password)
{
    return "Basic " + QByteArray(user + ':' + password).toBase64();
}

TestHttpClient::Headers authorization(const QByteArray &value)
{
    return {{QByteArrayLiteral("Authorization"), value}};
}

QByteArray passwordIn(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll().trimmed() : QByteArray();
}

// The users, key and data a route-table run needs, made through `port`.
struct Fixture
{
    quint16 port = 0;
    QByteArray adminPassword;
    QByteArray token;
    QByteArray readerKey;
    int wrongAttempts = 0;

    TestHttpResponse asAdmin(const QByteArray &method, const QByteArray &path, const QByteArray &body = {})
    {
        return TestHttpClient(port).request(method, path, body, authorization(basic("admin", adminPassword)));
    }

    QByteArray header(Client client)
    {
        switch (client) {
        case Client::None: return QByteArray();
        case Client::WrongPassword: return basic("writer", "not-the-password");
        case Client::Reader: return basic("reader", "reader-password-1");
        case Client::OtherWriter: return basic("other", "other-password-1");
        case Client::Writer: return basic("writer", "writer-password-1");
        case Client::KeyReader: return "Bearer " + readerKey;
        case Client::Admin: return basic("admin", adminPassword);
        case Client::Token: return "Bearer " + token;
        }
        return QByteArray();
    }

    // Makes the users, the key, the databases and a document; false with
    // *why on failure.
    bool setUp(QString *why)
    {
        const auto check = [why](const TestHttpResponse &response, const char *what) {
            if (response.status == 200 || response.status == 201)
                return true;
            *why = QStringLiteral("%1: %2 %3").arg(QLatin1String(what)).arg(response.status).arg(QString::fromUtf8(response.body));
            return false;
        };
        if (!check(asAdmin("PUT", "/v1/db/orders"), "create orders") || !check(asAdmin("PUT", "/v1/db/other"), "create other")
            || !check(asAdmin("PUT", "/v1/_users/reader", R"({"password":"reader-password-1","roles":["reader:orders"]})"), "reader")
            || !check(asAdmin("PUT", "/v1/_users/other", R"({"password":"other-password-1","roles":["writer:other"]})"), "other")
            || !check(asAdmin("PUT", "/v1/_users/writer", R"({"password":"writer-password-1","roles":["writer:orders"]})"), "writer")
            || !check(asAdmin("PUT", "/v1/db/orders/docs/doc1", R"({"data":{"v":1}})"), "doc1")) {
            return false;
        }
        const TestHttpResponse key = asAdmin("POST", "/v1/_keys", R"({"name":"dashboard","roles":["reader:orders"]})");
        if (!check(key, "key"))
            return false;
        readerKey = key.json().value(QStringLiteral("key")).toString().toLatin1();
        return !readerKey.isEmpty();
    }

    // What a refusal must not change: databases, the document log, users, keys.
    QByteArray fingerprint()
    {
        return asAdmin("GET", "/v1/db").body + asAdmin("GET", "/v1/db/orders/_changes").body + asAdmin("GET", "/v1/db/other/_changes").body
            + asAdmin("GET", "/v1/_users").body + asAdmin("GET", "/v1/_keys").body;
    }

    static QByteArray path(const ApiRoutes::Route &route)
    {
        QByteArray path(route.pattern);
        const bool databaseRoute = path == "/v1/db/{db}";
        // Creating and dropping a database use one of their own.
        path.replace("{db}", databaseRoute && QByteArray(route.method) != "GET" && QByteArray(route.method) != "HEAD" ? "scratch" : "orders");
        path.replace("/v1/_keys/{id}", "/v1/_keys/0000000000000000");
        path.replace("/shards/{id}/", "/shards/99/");
        path.replace("{id}", "doc1");
        path.replace("{name}", "someone");
        path.replace("{node}", "no-such-node");
        return path;
    }

    static QByteArray body(const ApiRoutes::Route &route)
    {
        const QByteArray pattern(route.pattern);
        if (pattern.endsWith("/_bulk_docs"))
            return R"({"docs":[{"data":{"bulk":true}}]})";
        if (pattern.contains("/docs"))
            return R"({"data":{"v":2}})";
        if (pattern.contains("/_find/"))
            return "{}";
        if (pattern.startsWith("/v1/_users/"))
            return R"({"password":"someone-password-1","roles":[]})";
        if (pattern == "/v1/_keys")
            return R"({"name":"made by the route table","roles":[]})";
        if (pattern.contains("/promote"))
            return R"({"node":"http://127.0.0.1:1"})";
        return QByteArray(route.method) == "POST" ? QByteArray("{}") : QByteArray();
    }

    TestHttpResponse send(const ApiRoutes::Route &route, Client client)
    {
        TestHttpClient http(port);
        if (client == Client::WrongPassword) {
            // Four failures per address, so the back-off never answers first.
            http.setLocalAddress(QStringLiteral("127.0.0.%1").arg(10 + wrongAttempts++ / 4));
        }
        const QByteArray value = header(client);
        return http.request(route.method, path(route), body(route), value.isEmpty() ? TestHttpClient::Headers() : authorization(value));
    }

    // Every route × client: refusals first (401 without or with a bad
    // credential, 403 without the role; nothing changes), then the allowed
    // requests (never 401/403). Returns the failures, one per line.
    QStringList checkRouteTable(bool router)
    {
        QStringList failures;
        const QByteArray before = fingerprint();
        for (int pass = 0; pass < 2; ++pass) {
            const bool refusals = pass == 0;
            for (const ApiRoutes::Route &route : ApiRoutes::all()) {
                if (!(router ? route.router : route.node))
                    continue;
                for (Client client : kClients) {
                    const bool allowed = expectAllowed(route.need, client);
                    if (allowed == refusals)
                        continue;
                    // An allowed kill would end the process under test.
                    if (allowed && QByteArray(route.pattern) == "/v1/_admin/kill")
                        continue;
                    const TestHttpResponse response = send(route, client);
                    const bool credentialProblem = client == Client::None || client == Client::WrongPassword;
                    const int expected = credentialProblem ? 401 : 403;
                    const bool ok = allowed ? (response.status != 0 && response.status != 401 && response.status != 403)
                                            : response.status == expected;
                    if (!ok) {
                        failures << QStringLiteral("%1 %2 as %3: %4 %5 (expected %6)")
                                        .arg(QLatin1String(route.method), QLatin1String(route.pattern), clientName(client))
                                        .arg(response.status)
                                        .arg(QString::fromUtf8(response.body.left(200)))
                                        .arg(allowed ? QStringLiteral("not 401/403") : QString::number(expected));
                    }
                    if (response.status == 401 && !response.header("WWW-Authenticate").contains("Basic"))
                        failures << QStringLiteral("%1 %2: 401 without a Basic challenge").arg(QLatin1String(route.method), QLatin1String(route.pattern));
                }
            }
            if (refusals && fingerprint() != before)
                failures << QStringLiteral("a refused request changed something");
        }
        return failures;
    }
};

} // namespace

class TestAuth : public QObject
{
    Q_OBJECT

private slots:
    // A standalone node started as the README says: authentication required,
    // the admin password made, saved 0600 and printed once.
    void secureByDefault()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        server.setAuthentication(true);
        QVERIFY2(server.start(), qPrintable(server.output()));
        const QString passwordPath = QDir(dir.path()).filePath(QStringLiteral("admin-password"));
        const QByteArray password = passwordIn(passwordPath);
        QVERIFY(password.size() >= 16);
        QCOMPARE(QFile(passwordPath).permissions() & ~(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser),
                 QFile::Permissions());
        QVERIFY2(server.output().contains(QString::fromLatin1(password)), qPrintable(server.output()));

        TestHttpClient client(server.port());
        const TestHttpResponse anonymous = client.put("/v1/db/orders");
        QCOMPARE(anonymous.status, 401);
        QVERIFY(anonymous.header("WWW-Authenticate").contains("Basic realm=\"peacedb\""));
        QCOMPARE(client.get("/healthz").status, 200);
        QCOMPARE(client.get("/metrics").status, 200);
        QCOMPARE(client.request("GET", "/v1/db", {}, authorization(basic("admin", password))).status, 200);
        QCOMPARE(client.request("GET", "/v1/db/orders", {}, authorization(basic("admin", password))).status, 404); // never created

        // Printed once: a restart keeps the file and does not show it again.
        QCOMPARE(server.terminate(), 0);
        QVERIFY2(server.start(), qPrintable(server.output()));
        QVERIFY2(!server.output().contains(QString::fromLatin1(password)), qPrintable(server.output()));
        QCOMPARE(passwordIn(passwordPath), password);
        QCOMPARE(TestHttpClient(server.port()).request("GET", "/v1/db", {}, authorization(basic("admin", password))).status, 200);
    }

    void routeTableOnANode()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        server.setAuthentication(true);
        QVERIFY2(server.start(), qPrintable(server.output()));
        Fixture fixture{server.port(), passwordIn(QDir(dir.path()).filePath(QStringLiteral("admin-password"))), server.token()};
        QString why;
        QVERIFY2(fixture.setUp(&why), qPrintable(why));
        const QStringList failures = fixture.checkRouteTable(false);
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QLatin1Char('\n'))));
        // Users and keys survive a restart (they are data).
        QCOMPARE(server.terminate(), 0);
        QVERIFY2(server.start(), qPrintable(server.output()));
        fixture.port = server.port();
        QCOMPARE(TestHttpClient(server.port()).request("GET", "/v1/db/orders/docs/doc1", {}, authorization(fixture.header(Client::Reader))).status, 200);
        QCOMPARE(TestHttpClient(server.port()).request("GET", "/v1/db/orders/docs/doc1", {}, authorization(fixture.header(Client::KeyReader))).status, 200);
    }

    void badRequestsChangeNothing()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        server.setAuthentication(true);
        QVERIFY2(server.start(), qPrintable(server.output()));
        Fixture fixture{server.port(), passwordIn(QDir(dir.path()).filePath(QStringLiteral("admin-password"))), server.token()};
        const QByteArray before = fixture.asAdmin("GET", "/v1/_users").body;
        QCOMPARE(fixture.asAdmin("PUT", "/v1/_users/bob", R"({"password":"short","roles":[]})").status, 400);
        QCOMPARE(fixture.asAdmin("PUT", "/v1/_users/bob", R"({"roles":[]})").status, 400); // a new user needs a password
        QCOMPARE(fixture.asAdmin("PUT", "/v1/_users/bob", R"({"password":"long-enough-pw","roles":["owner:x"]})").status, 400);
        QCOMPARE(fixture.asAdmin("PUT", "/v1/_users/bob", R"({"password":"long-enough-pw","roles":[],"x":1})").status, 400);
        QCOMPARE(fixture.asAdmin("PUT", "/v1/_users/b%3Ab", R"({"password":"long-enough-pw","roles":[]})").status, 400);
        QCOMPARE(fixture.asAdmin("PUT", "/v1/_users/admin", R"({"password":"long-enough-pw","roles":[]})").status, 400);
        QCOMPARE(fixture.asAdmin("DELETE", "/v1/_users/admin").status, 400);
        QCOMPARE(fixture.asAdmin("DELETE", "/v1/_users/nobody").status, 404);
        QCOMPARE(fixture.asAdmin("POST", "/v1/_keys", R"({"roles":[]})").status, 400);
        QCOMPARE(fixture.asAdmin("DELETE", "/v1/_keys/0123456789abcdef").status, 404);
        QCOMPARE(fixture.asAdmin("GET", "/v1/_users").body, before);
        QCOMPARE(fixture.asAdmin("GET", "/v1/_keys").json().value(QStringLiteral("total")).toInt(), 0);
        // Only the cluster token may name the reserved database.
        QCOMPARE(fixture.asAdmin("GET", "/v1/db/_auth/docs/table").status, 400);
        QCOMPARE(fixture.asAdmin("GET", "/v1/db").json().value(QStringLiteral("total")).toInt(), 0);
        // A user's password change takes effect at once; the old one fails.
        QCOMPARE(fixture.asAdmin("PUT", "/v1/_users/bob", R"({"password":"first-password","roles":[]})").status, 201);
        TestHttpClient client(server.port());
        QCOMPARE(client.request("GET", "/v1/_session", {}, authorization(basic("bob", "first-password"))).status, 200);
        QCOMPARE(fixture.asAdmin("PUT", "/v1/_users/bob", R"({"password":"second-password","roles":["admin"]})").status, 200);
        QCOMPARE(client.request("GET", "/v1/_session", {}, authorization(basic("bob", "first-password"))).status, 401);
        const TestHttpResponse session = client.request("GET", "/v1/_session", {}, authorization(basic("bob", "second-password")));
        QCOMPARE(session.status, 200);
        QCOMPARE(session.json().value(QStringLiteral("roles")).toArray(), QJsonArray{"admin"});
        // Secrets never reach the log.
        QVERIFY(!server.output().contains(QLatin1String("second-password")));
        QVERIFY(!server.output().contains(QLatin1String("pbkdf2")));
    }

    void failedSignInsBackOff()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        server.setAuthentication(true);
        QVERIFY2(server.start(), qPrintable(server.output()));
        const QByteArray password = passwordIn(QDir(dir.path()).filePath(QStringLiteral("admin-password")));
        TestHttpClient attacker(server.port());
        attacker.setLocalAddress(QStringLiteral("127.0.0.3"));
        for (int i = 0; i < 5; ++i)
            QCOMPARE(attacker.request("GET", "/v1/db", {}, authorization(basic("admin", "guess-" + QByteArray::number(i)))).status, 401);
        // Now it must wait, even with the right password...
        const TestHttpResponse refused = attacker.request("GET", "/v1/db", {}, authorization(basic("admin", password)));
        QCOMPARE(refused.status, 429);
        QVERIFY(refused.header("Retry-After").toInt() >= 1);
        // ...while the cluster token from that address and other addresses work.
        QCOMPARE(attacker.request("GET", "/v1/db", {}, authorization("Bearer " + server.token())).status, 200);
        QCOMPARE(TestHttpClient(server.port()).request("GET", "/v1/db", {}, authorization(basic("admin", password))).status, 200);
        QVERIFY2(server.waitForOutput(QStringLiteral("failed sign-in as admin from 127.0.0.3"), 5000), qPrintable(server.output()));
        QTest::qWait(refused.header("Retry-After").toInt() * 1000 + 100);
        QCOMPARE(attacker.request("GET", "/v1/db", {}, authorization(basic("admin", password))).status, 200);
    }

    void authenticationOff()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        QVERIFY2(server.start(), qPrintable(server.output()));
        QVERIFY(server.output().contains(QLatin1String("Server.Authentication is off")));
        QVERIFY(!QFile::exists(QDir(dir.path()).filePath(QStringLiteral("admin-password"))));
        TestHttpClient client(server.port());
        QCOMPARE(client.put("/v1/db/orders").status, 201);
        QCOMPARE(client.get("/v1/_session").json().value(QStringLiteral("kind")).toString(), QStringLiteral("anonymous"));
        // The operator API still needs the cluster token.
        QCOMPARE(client.get("/v1/_admin/config").status, 401);
        QCOMPARE(client.request("GET", "/v1/_admin/config", {}, authorization("Bearer " + server.token())).status, 200);
    }

    // Users and keys through the router of a cluster: the route table, a
    // second router, a failover of shard 0 (which holds them), a router restart.
    void usersLiveInTheCluster()
    {
        ClusterProcesses::Options options;
        options.shards = 2;
        options.replicas = 2;
        options.authentication = true;
        ClusterProcesses cluster(options);
        QVERIFY2(cluster.start(), qPrintable(cluster.error()));
        Fixture fixture{cluster.routerPort(), passwordIn(QDir(cluster.directory()).filePath(QStringLiteral("admin-password"))),
                        cluster.token()};
        QVERIFY(!fixture.adminPassword.isEmpty());
        QVERIFY2(cluster.waitUntil([&] { return cluster.output().contains(QLatin1String("sign in:      user admin, password ")); }, 5000),
                 qPrintable(cluster.output()));
        QString why;
        QVERIFY2(fixture.setUp(&why), qPrintable(why));
        const QStringList failures = fixture.checkRouteTable(true);
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QLatin1Char('\n'))));

        // A member checks client credentials itself (from shard 0, within a second).
        const QString member = ClusterProcesses::nodeName(1, 1);
        QVERIFY(cluster.waitUntil([&] {
            return TestHttpClient(cluster.port(member))
                       .request("GET", "/v1/db/orders/docs/doc1?readPreference=nearest", {}, authorization(fixture.header(Client::Writer)))
                       .status
                == 200;
        }, 5000));

        // A second router knows the same users; a key removed through the
        // first stops working on it within a health-check interval or two.
        QTemporaryDir routerDir;
        ServerProcess second(routerDir.path(), {QStringLiteral("--role"), QStringLiteral("router"), QStringLiteral("--config"),
                                                cluster.configPath(), QStringLiteral("--token-file"), cluster.tokenPath()});
        second.setAuthentication(true);
        QVERIFY2(second.start(30000), qPrintable(second.output()));
        TestHttpClient secondClient(second.port());
        QVERIFY(cluster.waitUntil([&] {
            return secondClient.request("GET", "/v1/db/orders/docs/doc1", {}, authorization(fixture.header(Client::KeyReader))).status == 200;
        }, 10000));
        const QString keyId = QString::fromLatin1(fixture.readerKey.mid(5, 16));
        QCOMPARE(fixture.asAdmin("DELETE", "/v1/_keys/" + keyId.toLatin1()).status, 200);
        QElapsedTimer revoked;
        revoked.start();
        QCOMPARE(TestHttpClient(cluster.routerPort()).request("GET", "/v1/db/orders/docs/doc1", {}, authorization(fixture.header(Client::KeyReader))).status, 401);
        QVERIFY(cluster.waitUntil([&] {
            return secondClient.request("GET", "/v1/db/orders/docs/doc1", {}, authorization(fixture.header(Client::KeyReader))).status == 401;
        }, 2000));
        qInfo("the removed key was refused by the second router %lld ms after its removal", revoked.elapsed());
        QVERIFY2(revoked.elapsed() < 1000, qPrintable(QString::number(revoked.elapsed())));

        // Shard 0's primary dies: the users are still there, and new ones can be made.
        const int primary = cluster.primaryOf(0);
        QVERIFY(primary >= 0);
        cluster.kill(ClusterProcesses::nodeName(0, primary));
        QVERIFY(cluster.waitUntil([&] {
            const int next = cluster.primaryOf(0, 1000);
            return next >= 0 && next != primary;
        }, 15000));
        QVERIFY(cluster.waitUntil([&] {
            return fixture.asAdmin("PUT", "/v1/_users/late", R"({"password":"late-password-1","roles":["reader:*"]})").status == 201;
        }, 10000));
        QCOMPARE(TestHttpClient(cluster.routerPort()).request("GET", "/v1/db", {}, authorization(basic("late", "late-password-1"))).status, 200);
        QCOMPARE(secondClient.request("GET", "/v1/db/orders/docs/doc1", {}, authorization(fixture.header(Client::Reader))).status, 200);

        // The first router restarts and knows every user.
        cluster.kill(QStringLiteral("router"));
        QVERIFY2(cluster.startProcess(QStringLiteral("router"), &why), qPrintable(why));
        QVERIFY(cluster.waitUntil([&] {
            return TestHttpClient(cluster.routerPort()).request("GET", "/v1/db", {}, authorization(basic("late", "late-password-1"))).status == 200;
        }, 10000));
        QCOMPARE(TestHttpClient(cluster.routerPort()).request("PUT", "/v1/db/orders/docs/after", R"({"data":{}})",
                                                              authorization(fixture.header(Client::Writer))).status,
                 200);
        QCOMPARE(second.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAuth)
#include "tst_auth.moc"
