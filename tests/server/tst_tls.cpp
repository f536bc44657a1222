// TLS against real processes: HTTPS with the right CA; a wrong CA, an
// expired certificate, plain HTTP to a TLS port and TLS to a plain port all
// fail cleanly while the server goes on serving others; members that ask
// for client certificates; a 200 MB body over TLS refused before it is
// read; and a cluster started with `peacedb-cluster up --tls` (mutual TLS
// between members) that writes, fails over and reads back.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSslCertificate>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>

#include "ClusterCertificates.h"
#include "ClusterProcesses.h"
#include "ServerProcess.h"
#include "TestHttpClient.h"

namespace {

// A CA and certificates for 127.0.0.1 in `dir` (as the launcher makes them).
bool makeCertificates(const QString &dir, const QStringList &names)
{
    QList<std::pair<QString, QString>> processes;
    for (const QString &name : names)
        processes.append({name, QStringLiteral("127.0.0.1")});
    const Status made = ClusterCertificates(dir).ensure(processes);
    if (!made.isOk())
        qWarning("%s", qPrintable(made.message()));
    return made.isOk();
}

QSslConfiguration trusting(const QString &caPath)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates(QSslCertificate::fromPath(caPath));
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    return configuration;
}

QSslConfiguration presenting(QSslConfiguration configuration, const QString &certificatePath, const QString &keyPath)
{
    QFile key(keyPath);
    key.open(QIODevice::ReadOnly);
    configuration.setLocalCertificate(QSslCertificate::fromPath(certificatePath).value(0));
    configuration.setPrivateKey(QSslKey(key.readAll(), QSsl::Ec));
    return configuration;
}

QStringList tlsEnvironment(const ClusterCertificates &certificates, const QString &name)
{
    return {QStringLiteral("PEACEDB_SERVER_TLS_CERT_FILE=") + certificates.certificatePath(name),
            QStringLiteral("PEACEDB_SERVER_TLS_KEY_FILE=") + certificates.keyPath(name)};
}

} // namespace

class TestTls : public QObject
{
    Q_OBJECT

private slots:
    void httpsWithTheRightCaOnly()
    {
        QTemporaryDir dir;
        const ClusterCertificates ours(dir.filePath(QStringLiteral("ours")));
        const ClusterCertificates theirs(dir.filePath(QStringLiteral("theirs")));
        QVERIFY(makeCertificates(ours.directory(), {QStringLiteral("node")}));
        QVERIFY(makeCertificates(theirs.directory(), {QStringLiteral("node")}));
        ServerProcess server(dir.filePath(QStringLiteral("data")));
        server.setEnvironment(tlsEnvironment(ours, QStringLiteral("node")));
        QVERIFY2(server.start(), qPrintable(server.output()));
        QVERIFY(server.output().contains(QLatin1String("listening on https://")));

        TestHttpClient good(server.port());
        good.setTls(trusting(ours.caPath()));
        QCOMPARE(good.put("/v1/db/orders").status, 201);

        TestHttpClient wrongCa(server.port());
        wrongCa.setTls(trusting(theirs.caPath()));
        const TestHttpResponse refused = wrongCa.get("/healthz");
        QCOMPARE(refused.status, 0);
        QVERIFY2(refused.error.startsWith(QLatin1String("TLS")), qPrintable(refused.error));

        // Plain HTTP to the TLS port gets no HTTP answer.
        TestHttpClient plain(server.port());
        QCOMPARE(plain.get("/healthz").status, 0);

        // The server goes on serving the right clients, and said why it refused.
        QCOMPARE(good.get("/v1/db/orders").status, 200);
        QVERIFY2(server.waitForOutput(QStringLiteral("refused a TLS connection from 127.0.0.1"), 5000), qPrintable(server.output()));
        QVERIFY(server.isAlive());
    }

    void tlsToAPlainPortFails()
    {
        QTemporaryDir dir;
        const ClusterCertificates ours(dir.filePath(QStringLiteral("tls")));
        QVERIFY(makeCertificates(ours.directory(), {QStringLiteral("node")}));
        ServerProcess server(dir.filePath(QStringLiteral("data")));
        QVERIFY2(server.start(), qPrintable(server.output()));
        TestHttpClient tls(server.port());
        tls.setTls(trusting(ours.caPath()));
        const TestHttpResponse refused = tls.get("/healthz");
        QCOMPARE(refused.status, 0);
        QVERIFY(refused.error.startsWith(QLatin1String("TLS")));
        QCOMPARE(TestHttpClient(server.port()).get("/healthz").status, 200);
    }

    void expiredCertificates()
    {
        QTemporaryDir dir;
        const ClusterCertificates ours(dir.filePath(QStringLiteral("tls")));
        QVERIFY(makeCertificates(ours.directory(), {QStringLiteral("node"), QStringLiteral("client")}));
        // A certificate whose validity ended the moment it was made.
        const QString key = dir.filePath(QStringLiteral("old.key"));
        const QString request = dir.filePath(QStringLiteral("old.csr"));
        const QString expired = dir.filePath(QStringLiteral("old.pem"));
        QCOMPARE(QProcess::execute(QStringLiteral("openssl"), {QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                                                               QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
                                                               QStringLiteral("-nodes"), QStringLiteral("-keyout"), key,
                                                               QStringLiteral("-out"), request, QStringLiteral("-subj"),
                                                               QStringLiteral("/CN=old")}),
                 0);
        QCOMPARE(QProcess::execute(QStringLiteral("openssl"),
                                   {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), request, QStringLiteral("-CA"),
                                    ours.caPath(), QStringLiteral("-CAkey"), ours.directory() + QStringLiteral("/ca.key"),
                                    QStringLiteral("-set_serial"), QStringLiteral("77"), QStringLiteral("-days"), QStringLiteral("0"),
                                    QStringLiteral("-out"), expired}),
                 0);
        QTest::qWait(1100);

        // A process never starts with a certificate every peer would refuse.
        QString output;
        const int exitCode = ServerProcess::runToExit(
            {QStringLiteral("--data"), dir.filePath(QStringLiteral("expired-data")), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")},
            &output, 15000,
            {QStringLiteral("PEACEDB_SERVER_AUTHENTICATION=off"), QStringLiteral("PEACEDB_SERVER_TLS_CERT_FILE=") + expired,
             QStringLiteral("PEACEDB_SERVER_TLS_KEY_FILE=") + key});
        QCOMPARE(exitCode, 2);
        QVERIFY2(output.contains(QLatin1String("is valid from")), qPrintable(output));

        // A member asking for client certificates refuses an expired one.
        ServerProcess server(dir.filePath(QStringLiteral("data")));
        server.setEnvironment(tlsEnvironment(ours, QStringLiteral("node"))
                              + QStringList{QStringLiteral("PEACEDB_SERVER_TLS_CLIENT_CA_FILE=") + ours.caPath()});
        QVERIFY2(server.start(), qPrintable(server.output()));
        TestHttpClient old(server.port());
        old.setTls(presenting(trusting(ours.caPath()), expired, key));
        QCOMPARE(old.get("/healthz").status, 0);
        TestHttpClient anonymous(server.port());
        anonymous.setTls(trusting(ours.caPath()));
        QCOMPARE(anonymous.get("/healthz").status, 0);
        TestHttpClient member(server.port());
        member.setTls(presenting(trusting(ours.caPath()), ours.certificatePath(QStringLiteral("client")),
                                 ours.keyPath(QStringLiteral("client"))));
        QCOMPARE(member.get("/healthz").status, 200);
    }

    void bigBodyOverTlsIsRefusedEarly()
    {
        QTemporaryDir dir;
        const ClusterCertificates ours(dir.filePath(QStringLiteral("tls")));
        QVERIFY(makeCertificates(ours.directory(), {QStringLiteral("node")}));
        ServerProcess server(dir.filePath(QStringLiteral("data")));
        server.setEnvironment(tlsEnvironment(ours, QStringLiteral("node")));
        QVERIFY2(server.start(), qPrintable(server.output()));
        TestHttpClient client(server.port());
        client.setTls(trusting(ours.caPath()));
        QCOMPARE(client.put("/v1/db/big").status, 201);
        const qint64 before = server.residentBytes();
        // The header announces 200 MB; the server answers 413 after the
        // headers and closes, having read next to nothing of the body.
        QString error;
        QVERIFY2(client.send("POST /v1/db/big/docs HTTP/1.1\r\nHost: x\r\nContent-Length: 200000000\r\n\r\n" + QByteArray(1 << 20, 'x'),
                             &error),
                 qPrintable(error));
        const TestHttpResponse answer = client.receive();
        QCOMPARE(answer.status, 413);
        QVERIFY2(server.residentBytes() - before < 32 * 1024 * 1024,
                 qPrintable(QString::number(server.residentBytes() - before)));
        TestHttpClient after(server.port());
        after.setTls(trusting(ours.caPath()));
        QCOMPARE(after.get("/healthz").status, 200);
    }

    // The launcher's --tls: HTTPS everywhere, mutual TLS between members,
    // authentication on; a write, a failover, the write read back.
    void clusterWithTls()
    {
        ClusterProcesses::Options options;
        options.shards = 1;
        options.replicas = 2;
        options.tls = true;
        options.authentication = true;
        ClusterProcesses cluster(options);
        QVERIFY2(cluster.start(), qPrintable(cluster.error()));
        QVERIFY(cluster.routerUrl().startsWith(QLatin1String("https://")));
        QVERIFY(cluster.waitUntil([&] { return cluster.output().contains(QLatin1String("tls:")); }, 5000));
        QCOMPARE(cluster.router("PUT", "/v1/db/t").status, 201);
        QCOMPARE(cluster.router("PUT", "/v1/db/t/docs/a", R"({"data":{"x":1}})").status, 200);
        int primary = -1;
        QVERIFY(cluster.waitUntil([&] { return (primary = cluster.primaryOf(0, 1000)) >= 0; }, 10000));
        cluster.kill(ClusterProcesses::nodeName(0, primary));
        QVERIFY2(cluster.waitUntil([&] {
            const int next = cluster.primaryOf(0, 1000);
            return next >= 0 && next != primary;
        }, 15000),
                 qPrintable(cluster.describe()));
        QVERIFY(cluster.waitUntil([&] { return cluster.router("GET", "/v1/db/t/docs/a").status == 200; }, 10000));
        QCOMPARE(cluster.router("GET", "/v1/db/t/docs/a").json().value(QStringLiteral("data")).toObject().value(QStringLiteral("x")).toInt(), 1);
        // The stopped member comes back through the supervisor (HTTPS too) and catches up.
        QString why;
        QVERIFY2(cluster.startProcess(ClusterProcesses::nodeName(0, primary), &why), qPrintable(why));
        QVERIFY(cluster.waitForHealthy(15000));
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
