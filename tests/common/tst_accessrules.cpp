// Roles, patterns, the access decision, the stored users and keys, and the
// credential formats (common/AccessRules, common/AuthTable).
#include <QJsonArray>
#include <QTest>

#include "AccessRules.h"
#include "ApiRoutes.h"
#include "AuthTable.h"

using AccessRules::Need;
using AccessRules::Principal;

namespace {

Principal user(const QStringList &roles)
{
    return Principal{Principal::Kind::User, QStringLiteral("u"), roles};
}

} // namespace

class TestAccessRules : public QObject
{
    Q_OBJECT

private slots:
    void roles_data()
    {
        QTest::addColumn<QString>("role");
        QTest::addColumn<bool>("valid");
        QTest::newRow("admin") << "admin" << true;
        QTest::newRow("reader of one") << "reader:orders" << true;
        QTest::newRow("writer of all") << "writer:*" << true;
        QTest::newRow("prefix pattern") << "reader:logs-*" << true;
        QTest::newRow("empty pattern") << "reader:" << false;
        QTest::newRow("star inside") << "reader:a*b" << false;
        QTest::newRow("two stars") << "writer:**" << false;
        QTest::newRow("reserved name") << "reader:_auth" << false;
        QTest::newRow("bad characters") << "reader:a/b" << false;
        QTest::newRow("unknown kind") << "owner:orders" << false;
        QTest::newRow("case matters") << "Admin" << false;
        QTest::newRow("empty") << "" << false;
    }
    void roles()
    {
        QFETCH(QString, role);
        QFETCH(bool, valid);
        QCOMPARE(AccessRules::checkRole(role).isOk(), valid);
    }

    void parseRolesChecksTheArray()
    {
        const Result<QStringList> roles = AccessRules::parseRoles(QJsonArray{"writer:b", "admin", "writer:b"});
        QVERIFY(roles.isOk());
        QCOMPARE(roles.value(), (QStringList{"admin", "writer:b"}));
        QVERIFY(!AccessRules::parseRoles(QJsonValue("admin")).isOk());
        QVERIFY(!AccessRules::parseRoles(QJsonArray{1}).isOk());
        QJsonArray many;
        for (int i = 0; i <= AccessRules::kMaxRoles; ++i)
            many.append(QStringLiteral("reader:db%1").arg(i));
        QVERIFY(!AccessRules::parseRoles(many).isOk());
        QVERIFY(AccessRules::parseRoles(QJsonArray()).isOk());
    }

    void patterns()
    {
        QVERIFY(AccessRules::patternMatches(u"orders", u"orders"));
        QVERIFY(!AccessRules::patternMatches(u"orders", u"orders2"));
        QVERIFY(AccessRules::patternMatches(u"logs-*", u"logs-2026"));
        QVERIFY(AccessRules::patternMatches(u"logs-*", u"logs-"));
        QVERIFY(!AccessRules::patternMatches(u"logs-*", u"log"));
        QVERIFY(AccessRules::patternMatches(u"*", u"anything"));
        // No pattern reaches a reserved database.
        QVERIFY(!AccessRules::patternMatches(u"*", u"_auth"));
        QVERIFY(!AccessRules::patternMatches(u"_auth", u"_auth"));
    }

    // Who may do what: the whole table, written out by hand.
    void decisions_data()
    {
        QTest::addColumn<QStringList>("roles");
        QTest::addColumn<int>("need");
        QTest::addColumn<QString>("database");
        QTest::addColumn<bool>("allowed");
        const QStringList reader{"reader:orders"};
        const QStringList writer{"writer:orders"};
        const QStringList other{"writer:other"};
        const QStringList everything{"reader:*"};
        const QStringList admin{"admin"};
        const auto row = [](const char *name, const QStringList &roles, Need need, const char *db, bool allowed) {
            QTest::newRow(name) << roles << int(need) << QString::fromLatin1(db) << allowed;
        };
        row("reader reads", reader, Need::Read, "orders", true);
        row("reader writes", reader, Need::Write, "orders", false);
        row("reader reads another", reader, Need::Read, "other", false);
        row("reader lists", reader, Need::ReadAll, "", false);
        row("reader stats", reader, Need::Authenticated, "", true);
        row("reader admin", reader, Need::Admin, "", false);
        row("writer reads", writer, Need::Read, "orders", true);
        row("writer writes", writer, Need::Write, "orders", true);
        row("writer of other writes", other, Need::Write, "orders", false);
        row("writer of other reads", other, Need::Read, "orders", false);
        row("writer operator", writer, Need::Operator, "", false);
        row("reader:* lists", everything, Need::ReadAll, "", true);
        row("reader:* reads any", everything, Need::Read, "x", true);
        row("reader:* writes", everything, Need::Write, "x", false);
        row("reader:* reserved", everything, Need::Read, "_auth", false);
        row("admin writes", admin, Need::Write, "orders", true);
        row("admin lists", admin, Need::ReadAll, "", true);
        row("admin manages", admin, Need::Admin, "", true);
        row("admin operates", admin, Need::Operator, "", true);
        row("admin cluster routes", admin, Need::Cluster, "", false);
        row("no roles stats", {}, Need::Authenticated, "", true);
        row("no roles reads", {}, Need::Read, "orders", false);
        row("anyone health", {}, Need::None, "", true);
    }
    void decisions()
    {
        QFETCH(QStringList, roles);
        QFETCH(int, need);
        QFETCH(QString, database);
        QFETCH(bool, allowed);
        QCOMPARE(AccessRules::allows(user(roles), Need(need), database), allowed);
        const Status refusal = AccessRules::forbidden(user(roles), Need(need), database);
        if (!allowed) {
            QCOMPARE(refusal.code(), Status::Code::Forbidden);
            QVERIFY2(refusal.message().contains(QLatin1String("user u")), qPrintable(refusal.message()));
        }
    }

    void clusterAndOpenPrincipals()
    {
        for (int need = int(Need::None); need <= int(Need::Operator); ++need)
            QVERIFY(AccessRules::allows(Principal::cluster(), Need(need), u"_auth"));
        // Authentication off: everything but what needs the cluster token.
        QVERIFY(AccessRules::allows(Principal::open(), Need::Admin, u""));
        QVERIFY(AccessRules::allows(Principal::open(), Need::Write, u"orders"));
        QVERIFY(!AccessRules::allows(Principal::open(), Need::Operator, u""));
        QVERIFY(!AccessRules::allows(Principal::open(), Need::Cluster, u""));
    }

    void everyRouteIsListedOnce()
    {
        QSet<QString> seen;
        for (const ApiRoutes::Route &route : ApiRoutes::all()) {
            const QString key = QString::fromLatin1(route.method) + QLatin1Char(' ') + QString::fromLatin1(route.pattern);
            QVERIFY2(!seen.contains(key), qPrintable(key));
            seen.insert(key);
            QVERIFY(route.router || route.node);
        }
        QCOMPARE(ApiRoutes::need("GET", "/healthz"), Need::None);
        QCOMPARE(ApiRoutes::need("DELETE", "/v1/db/{db}"), Need::Admin);
        QCOMPARE(ApiRoutes::need("POST", "/v1/_cluster/nodes/{node}/kill"), Need::Operator);
    }

    void credentials_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<int>("scheme");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QByteArray>("secret");
        using Scheme = Credentials::Presented::Scheme;
        QTest::newRow("none") << QByteArray() << int(Scheme::None) << QString() << QByteArray();
        QTest::newRow("basic") << ("Basic " + QByteArray("alice:pa:ss word").toBase64()) << int(Scheme::Basic) << "alice"
                               << QByteArray("pa:ss word");
        QTest::newRow("basic, lower case") << ("basic " + QByteArray("bob:x").toBase64()) << int(Scheme::Basic) << "bob"
                                           << QByteArray("x");
        QTest::newRow("bearer, upper case") << QByteArray("BEARER abc") << int(Scheme::Bearer) << QString() << QByteArray("abc");
        QTest::newRow("basic, no colon") << ("Basic " + QByteArray("alice").toBase64()) << int(Scheme::Malformed) << QString()
                                         << QByteArray();
        QTest::newRow("basic, empty user") << ("Basic " + QByteArray(":pw").toBase64()) << int(Scheme::Malformed) << QString()
                                           << QByteArray();
        QTest::newRow("basic, not base64") << QByteArray("Basic !!!") << int(Scheme::Malformed) << QString() << QByteArray();
        QTest::newRow("bearer, empty") << QByteArray("Bearer ") << int(Scheme::Malformed) << QString() << QByteArray();
        QTest::newRow("other scheme") << QByteArray("Digest x=1") << int(Scheme::Malformed) << QString() << QByteArray();
        QTest::newRow("no scheme") << QByteArray("token") << int(Scheme::Malformed) << QString() << QByteArray();
    }
    void credentials()
    {
        QFETCH(QByteArray, header);
        QFETCH(int, scheme);
        QFETCH(QString, user);
        QFETCH(QByteArray, secret);
        const Credentials::Presented presented = Credentials::parse(header);
        QCOMPARE(int(presented.scheme), scheme);
        QCOMPARE(presented.user, user);
        QCOMPARE(presented.secret, secret);
    }

    void apiKeys()
    {
        const QByteArray secret(Credentials::kKeySecretHexDigits, 'a');
        const QByteArray key = Credentials::formatKey(QStringLiteral("0123456789abcdef"), secret);
        QString id;
        QByteArray parsed;
        QVERIFY(Credentials::splitKey(key, &id, &parsed));
        QCOMPARE(id, QStringLiteral("0123456789abcdef"));
        QCOMPARE(parsed, secret);
        QVERIFY(!Credentials::splitKey(key.chopped(1), &id, &parsed));
        QVERIFY(!Credentials::splitKey(QByteArray(key).replace("pdbk_", "pdbx_"), &id, &parsed));
        QVERIFY(!Credentials::splitKey(QByteArray(key).replace('a', 'G'), &id, &parsed));
        QVERIFY(!Credentials::splitKey("some-cluster-token-0123456789", &id, &parsed));
    }

    void namesAndPasswords()
    {
        QVERIFY(Credentials::checkUserName(QStringLiteral("alice.b@example-1")).isOk());
        QVERIFY(!Credentials::checkUserName(QString()).isOk());
        QVERIFY(!Credentials::checkUserName(QStringLiteral("a:b")).isOk());
        QVERIFY(!Credentials::checkUserName(QString(65, QLatin1Char('a'))).isOk());
        QVERIFY(Credentials::checkPassword(QStringLiteral("twelve chars")).isOk());
        QVERIFY(!Credentials::checkPassword(QStringLiteral("elevenchars")).isOk());
        QVERIFY(!Credentials::checkPassword(QStringLiteral("with a tab\there")).isOk());
        QVERIFY(Credentials::constantTimeEquals("abc", "abc"));
        QVERIFY(!Credentials::constantTimeEquals("abc", "abd"));
        QVERIFY(!Credentials::constantTimeEquals("abc", "ab"));
    }

    void passwordHashText()
    {
        PasswordHash hash;
        hash.iterations = 120000;
        hash.salt = QByteArray(16, 's');
        hash.hash = QByteArray(32, 'h');
        const Result<PasswordHash> parsed = PasswordHash::parse(hash.toString());
        QVERIFY(parsed.isOk());
        QCOMPARE(parsed->iterations, 120000);
        QCOMPARE(parsed->salt, hash.salt);
        QCOMPARE(parsed->hash, hash.hash);
        QVERIFY(!PasswordHash::parse(QStringLiteral("md5$1$a$b")).isOk());
        QVERIFY(!PasswordHash::parse(QString(hash.toString()).replace(QStringLiteral("$120000$"), QStringLiteral("$10$"))).isOk());
        QVERIFY(!PasswordHash::parse(hash.toString().chopped(4)).isOk());
    }

    void tableRoundTripShowsNoSecrets()
    {
        AuthTable table;
        PasswordHash hash;
        hash.salt = QByteArray(16, 's');
        hash.hash = QByteArray(32, 'h');
        table.users.insert(QStringLiteral("alice"), {QStringLiteral("alice"), {QStringLiteral("reader:orders")}, hash.toString()});
        table.keys.insert(QStringLiteral("0123456789abcdef"),
                          {QStringLiteral("0123456789abcdef"), QStringLiteral("ci"), {QStringLiteral("writer:*")},
                           AuthTable::secretDigest("secret"), QStringLiteral("2026-12-04T00:00:00Z")});
        const Result<AuthTable> back = AuthTable::fromJson(table.toJson());
        QVERIFY(back.isOk());
        QCOMPARE(back->users.value(QStringLiteral("alice")).password, hash.toString());
        QCOMPARE(back->keys.value(QStringLiteral("0123456789abcdef")).roles, QStringList{QStringLiteral("writer:*")});
        QVERIFY(!AuthTable::describe(back->users.first()).contains(QStringLiteral("password")));
        QVERIFY(!AuthTable::describe(back->keys.first()).contains(QStringLiteral("secret")));

        QJsonObject damaged = table.toJson();
        QJsonObject users = damaged.value(QStringLiteral("users")).toObject();
        users.insert(QStringLiteral("bob"), QJsonObject{{QStringLiteral("roles"), QJsonArray{"admin"}},
                                                        {QStringLiteral("password"), QStringLiteral("plain")}});
        damaged.insert(QStringLiteral("users"), users);
        QCOMPARE(AuthTable::fromJson(damaged).status().code(), Status::Code::Internal);
    }
};

QTEST_APPLESS_MAIN(TestAccessRules)
#include "tst_accessrules.moc"
