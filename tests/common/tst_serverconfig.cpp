#include <QJsonDocument>
#include <QTest>

#include "ServerConfig.h"

class TestServerConfig : public QObject
{
    Q_OBJECT

private slots:
    void defaults()
    {
        const ServerConfig config;
        QCOMPARE(config.listenAddress(), QStringLiteral("127.0.0.1:8080"));
        QCOMPARE(config.dataDir, QStringLiteral("./data"));
        QCOMPARE(config.maxBodyBytes, qint64(16 * 1024 * 1024));
        QCOMPARE(config.synchronous, QStringLiteral("FULL"));
    }

    void environmentNames()
    {
        QCOMPARE(ServerConfig::environmentName(QStringLiteral("Server.MaxBodyBytes")), QStringLiteral("PEACEDB_SERVER_MAX_BODY_BYTES"));
        QCOMPARE(ServerConfig::environmentName(QStringLiteral("Storage.WalAutoCheckpointPages")),
                 QStringLiteral("PEACEDB_STORAGE_WAL_AUTO_CHECKPOINT_PAGES"));
        for (const QString &key : ServerConfig::keys())
            QVERIFY(ServerConfig::environmentName(key).startsWith(QLatin1String("PEACEDB_")));
    }

    void jsonFile()
    {
        ServerConfig config;
        const QJsonObject root = QJsonDocument::fromJson(
            R"({"Server":{"Listen":"0.0.0.0:9000","MaxBodyBytes":2048,"DataDir":"/var/lib/peacedb"},"Storage":{"Synchronous":"extra"}})")
                                     .object();
        const Status status = config.applyJson(root, QStringLiteral("test.json"));
        QVERIFY2(status.isOk(), qPrintable(status.message()));
        QCOMPARE(config.listenHost, QStringLiteral("0.0.0.0"));
        QCOMPARE(config.listenPort, quint16(9000));
        QCOMPARE(config.maxBodyBytes, qint64(2048));
        QCOMPARE(config.dataDir, QStringLiteral("/var/lib/peacedb"));
        QCOMPARE(config.synchronous, QStringLiteral("EXTRA"));
    }

    void errorsNameTheKey_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown section") << QByteArray(R"({"Servr":{}})") << QStringLiteral("test.json: Servr is not a known section");
        QTest::newRow("unknown key") << QByteArray(R"({"Server":{"Port":1}})") << QStringLiteral("test.json: Server.Port is not a known setting");
        QTest::newRow("wrong type") << QByteArray(R"({"Server":{"MaxBodyBytes":"big"}})")
                                    << QStringLiteral("test.json: Server.MaxBodyBytes must be an integer, not string");
        QTest::newRow("out of range") << QByteArray(R"({"Server":{"MaxBodyBytes":10}})")
                                      << QStringLiteral("test.json: Server.MaxBodyBytes must be between");
        QTest::newRow("bad listen") << QByteArray(R"({"Server":{"Listen":"8080"}})") << QStringLiteral("test.json: Server.Listen must be HOST:PORT");
        QTest::newRow("bad port") << QByteArray(R"({"Server":{"Listen":"127.0.0.1:70000"}})") << QStringLiteral("test.json: Server.Listen must be HOST:PORT");
        QTest::newRow("unsafe sync") << QByteArray(R"({"Storage":{"Synchronous":"OFF"}})")
                                     << QStringLiteral("test.json: Storage.Synchronous must be one of FULL, EXTRA");
        QTest::newRow("section not object") << QByteArray(R"({"Server":5})") << QStringLiteral("test.json: Server must be an object");
        QTest::newRow("unknown role") << QByteArray(R"({"Server":{"Role":"leader"}})") << QStringLiteral("test.json: Server.Role must be one of");
    }
    void errorsNameTheKey()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        ServerConfig config;
        const Status status = config.applyJson(QJsonDocument::fromJson(json).object(), QStringLiteral("test.json"));
        QVERIFY(!status.isOk());
        QVERIFY2(status.message().startsWith(message), qPrintable(status.message()));
    }

    void environmentOverridesAndUnknownVariablesAreErrors()
    {
        ServerConfig config;
        QVERIFY(config.applyEnvironment({{QStringLiteral("PEACEDB_SERVER_LISTEN"), QStringLiteral("[::1]:7000")},
                                         {QStringLiteral("HOME"), QStringLiteral("/root")}})
                    .isOk());
        QCOMPARE(config.listenHost, QStringLiteral("::1"));
        QCOMPARE(config.listenAddress(), QStringLiteral("[::1]:7000"));
        const Status status = config.applyEnvironment({{QStringLiteral("PEACEDB_SERVER_LISTN"), QStringLiteral("x")}});
        QVERIFY(!status.isOk());
        QVERIFY(status.message().contains(QLatin1String("PEACEDB_SERVER_LISTN is not a known setting")));
        const Status bad = config.applyEnvironment({{QStringLiteral("PEACEDB_SERVER_MAX_PAGE_SIZE"), QStringLiteral("0")}});
        QVERIFY(bad.message().startsWith(QLatin1String("environment PEACEDB_SERVER_MAX_PAGE_SIZE: Server.MaxPageSize")));
    }

    void toJsonListsEverySetting()
    {
        const QJsonObject json = ServerConfig().toJson();
        for (const QString &key : ServerConfig::keys()) {
            const QStringList parts = key.split(QLatin1Char('.'));
            QVERIFY2(json.value(parts.at(0)).toObject().contains(parts.at(1)), qPrintable(key));
        }
    }
};

QTEST_APPLESS_MAIN(TestServerConfig)
#include "tst_serverconfig.moc"
