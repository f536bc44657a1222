#include <QFile>
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
        QTest::newRow("unknown section") << QByteArray(R"({"Servr":{}})") << QStringLiteral("test.json: Servr is not a known setting");
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

    void planExampleConfigurationWorksAsGiven()
    {
        // appsettings.Replication.json of the original plan, verbatim.
        const QByteArray plan = "{\"Sharding\":{\"Enabled\":true,\"Mode\":\"Distributed\",\"ShardCount\":3,"
                                "\"Replication\":{\"Enabled\":true,\"ReplicaCount\":2,\"WriteQuorum\":2,\"ReadQuorum\":1,"
                                "\"FailoverTimeoutMs\":5000,\"HealthCheckIntervalMs\":3000},"
                                "\"Shards\":["
                                "{\"Id\":0,\"Primary\":\"http://shard-0-primary:8080\",\"Replicas\":[\"http://shard-0-replica-1:8080\",\"http://shard-0-replica-2:8080\"]},"
                                "{\"Id\":1,\"Primary\":\"http://shard-1-primary:8080\",\"Replicas\":[\"http://shard-1-replica-1:8080\",\"http://shard-1-replica-2:8080\"]},"
                                "{\"Id\":2,\"Primary\":\"http://shard-2-primary:8080\",\"Replicas\":[\"http://shard-2-replica-1:8080\",\"http://shard-2-replica-2:8080\"]}]}}";
        // The sample shipped in resources/ is that file.
        QFile sample(QStringLiteral(PEACEDB_SOURCE_DIR "/resources/appsettings.Replication.json"));
        QVERIFY(sample.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(sample.readAll()).object(), QJsonDocument::fromJson(plan).object());
        ServerConfig config;
        QVERIFY(config.applyJson(QJsonDocument::fromJson(plan).object(), QStringLiteral("plan.json")).isOk());
        QVERIFY(config.shardingEnabled && config.replicationEnabled);
        QCOMPARE(config.failoverTimeoutMs, qint64(5000));
        const Result<QVector<ShardLayout>> layout = config.shardLayout();
        QVERIFY2(layout.isOk(), qPrintable(layout.status().message()));
        QCOMPARE(layout->size(), 3);
        QCOMPARE(layout->at(1).members, (QStringList{QStringLiteral("http://shard-1-primary:8080"),
                                                     QStringLiteral("http://shard-1-replica-1:8080"),
                                                     QStringLiteral("http://shard-1-replica-2:8080")}));

        config.role = QStringLiteral("node");
        config.nodeShardId = 2;
        config.nodeSelf = QStringLiteral("http://shard-2-replica-1:8080");
        QVERIFY(config.validate().isOk());
        QCOMPARE(config.nodeMembership()->second, 1);
        config.nodeSelf = QStringLiteral("http://shard-1-replica-1:8080");
        QVERIFY(config.validate().message().startsWith(QLatin1String("Node.Self http://shard-1-replica-1:8080 is not a member of shard 2")));
        // Without Node.ShardId the shard is the one that lists Node.Self.
        config.nodeShardId = -1;
        QVERIFY(config.validate().isOk());
        QCOMPARE(config.nodeMembership()->first.id, 1);
        QCOMPARE(config.nodeMembership()->second, 1);
        config.nodeSelf = QStringLiteral("http://elsewhere:8080");
        QCOMPARE(config.validate().message(),
                 QStringLiteral("Node.Self http://elsewhere:8080 is not a member of any shard in Sharding.Shards (a member added "
                                "since needs Node.ShardId and Node.MemberId)"));

        // The lease: a third of the failover timeout, at least two heartbeats.
        config.nodeSelf = QStringLiteral("http://shard-1-replica-1:8080");
        QCOMPARE(config.effectiveLeaseMs(), qint64(1666));
        config.heartbeatIntervalMs = 1000;
        QCOMPARE(config.effectiveLeaseMs(), qint64(2000));
        config.heartbeatIntervalMs = 50;
        config.leaseMs = 300;
        QCOMPARE(config.effectiveLeaseMs(), qint64(300));
        QVERIFY(config.validate().isOk());
        config.leaseMs = 99; // less than two heartbeats
        QVERIFY2(config.validate().message().startsWith(QLatin1String("Sharding.Replication.LeaseMs (99) must be at least twice")),
                 qPrintable(config.validate().message()));
        config.leaseMs = 5001; // longer than the failover timeout
        QVERIFY(!config.validate().isOk());
    }

    void builtInTimingsGiveALeaseOfAThirdOfTheFailoverTimeout()
    {
        const ServerConfig defaults;
        QCOMPARE(defaults.failoverTimeoutMs, qint64(600));
        QCOMPARE(defaults.heartbeatIntervalMs, qint64(50));
        QCOMPARE(defaults.effectiveLeaseMs(), qint64(200));
    }

    void layoutErrorsNameTheKey_data()
    {
        QTest::addColumn<QByteArray>("sharding");
        QTest::addColumn<QString>("message");
        const QByteArray okShard = "{\"Id\":0,\"Primary\":\"http://a:1\",\"Replicas\":[\"http://b:1\",\"http://c:1\"]}";
        QTest::newRow("count mismatch") << QByteArray("{\"ShardCount\":2,\"Shards\":[" + okShard + "]}")
                                        << QStringLiteral("Sharding.Shards has 1 shards but Sharding.ShardCount is 2");
        QTest::newRow("unsafe write quorum")
            << QByteArray("{\"Replication\":{\"WriteQuorum\":1},\"Shards\":[" + okShard + "]}")
            << QStringLiteral("Sharding.Replication.WriteQuorum is 1, but a replica set of 3 members needs from 2");
        QTest::newRow("quorum too big")
            << QByteArray("{\"Replication\":{\"WriteQuorum\":4},\"Shards\":[" + okShard + "]}")
            << QStringLiteral("Sharding.Replication.WriteQuorum is 4");
        QTest::newRow("bad url") << QByteArray("{\"Shards\":[{\"Id\":0,\"Primary\":\"ftp://a:1\"}]}")
                                 << QStringLiteral("Sharding.Shards[0].Primary must be http://HOST:PORT");
        QTest::newRow("no port") << QByteArray("{\"Shards\":[{\"Id\":0,\"Primary\":\"http://a\"}]}")
                                 << QStringLiteral("Sharding.Shards[0].Primary must be http://HOST:PORT");
        QTest::newRow("duplicate member")
            << QByteArray("{\"Shards\":[{\"Id\":0,\"Primary\":\"http://a:1\",\"Replicas\":[\"http://a:1\",\"http://c:1\"]}]}")
            << QStringLiteral("Sharding.Shards[0] lists http://a:1, which is already a member");
        QTest::newRow("replica count")
            << QByteArray("{\"Replication\":{\"Enabled\":true},\"Shards\":[{\"Id\":0,\"Primary\":\"http://a:1\",\"Replicas\":[\"http://b:1\"]}]}")
            << QStringLiteral("Sharding.Shards[0].Replicas has 1 entries but Sharding.Replication.ReplicaCount is 2");
        QTest::newRow("bad id") << QByteArray("{\"Shards\":[{\"Id\":3,\"Primary\":\"http://a:1\"}]}")
                                << QStringLiteral("Sharding.Shards[0].Id must be an integer from 0 to 0");
        QTest::newRow("unknown shard key") << QByteArray("{\"Shards\":[{\"Id\":0,\"Primary\":\"http://a:1\",\"Replica\":[]}]}")
                                           << QStringLiteral("Sharding.Shards[0].Replica is not a known setting");
    }
    void layoutErrorsNameTheKey()
    {
        QFETCH(QByteArray, sharding);
        QFETCH(QString, message);
        ServerConfig config;
        config.writeQuorum = 2;
        const Status parsed = config.applyJson(QJsonDocument::fromJson("{\"Sharding\":" + sharding + "}").object(), QStringLiteral("t.json"));
        QVERIFY2(parsed.isOk(), qPrintable(parsed.message()));
        const Result<QVector<ShardLayout>> layout = config.shardLayout();
        QVERIFY(!layout.isOk());
        QVERIFY2(layout.status().message().startsWith(message), qPrintable(layout.status().message()));
    }

    void nestedEnvironmentVariables()
    {
        ServerConfig config;
        const Status status = config.applyEnvironment(
            {{QStringLiteral("PEACEDB_SHARDING_REPLICATION_WRITE_QUORUM"), QStringLiteral("3")},
             {QStringLiteral("PEACEDB_SHARDING_ENABLED"), QStringLiteral("true")},
             {QStringLiteral("PEACEDB_SHARDING_SHARDS"), QStringLiteral("[{\"Id\":0,\"Primary\":\"http://a:1\"}]")},
             {QStringLiteral("PEACEDB_NODE_SELF"), QStringLiteral("http://a:1")}});
        QVERIFY2(status.isOk(), qPrintable(status.message()));
        QCOMPARE(config.writeQuorum, qint64(3));
        QVERIFY(config.shardingEnabled);
        QCOMPARE(config.shards.size(), 1);
        QCOMPARE(config.nodeSelf, QStringLiteral("http://a:1"));
        QVERIFY(!config.applyEnvironment({{QStringLiteral("PEACEDB_SHARDING_ENABLED"), QStringLiteral("yes")}}).isOk());
    }

    // A router's read preference default and automatic failover.
    void readPreferenceDefaultAndAutomaticFailover()
    {
        ServerConfig config;
        QCOMPARE(config.defaultReadPreference, QStringLiteral("primary"));
        QVERIFY(config.automaticFailover);
        const Status status = config.applyEnvironment(
            {{QStringLiteral("PEACEDB_SHARDING_REPLICATION_DEFAULT_READ_PREFERENCE"), QStringLiteral("primaryPreferred")},
             {QStringLiteral("PEACEDB_SHARDING_REPLICATION_AUTOMATIC_FAILOVER"), QStringLiteral("false")}});
        QVERIFY2(status.isOk(), qPrintable(status.message()));
        QCOMPARE(config.defaultReadPreference, QStringLiteral("primaryPreferred"));
        QVERIFY(!config.automaticFailover);
        const Status bad = config.applyJson(
            QJsonDocument::fromJson(R"({"Sharding":{"Replication":{"DefaultReadPreference":"secondary"}}})").object(), QStringLiteral("test.json"));
        QVERIFY(!bad.isOk());
        QVERIFY2(bad.message().startsWith(QStringLiteral("test.json: Sharding.Replication.DefaultReadPreference must be one of primary, "
                                                          "primaryPreferred, nearest")),
                 qPrintable(bad.message()));
    }

    void toJsonListsEverySetting()
    {
        const QJsonObject json = ServerConfig().toJson();
        for (const QString &key : ServerConfig::keys()) {
            QJsonValue value = json;
            for (const QString &part : key.split(QLatin1Char('.'))) {
                QVERIFY2(value.toObject().contains(part), qPrintable(key));
                value = value.toObject().value(part);
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestServerConfig)
#include "tst_serverconfig.moc"
