// Process test: the peacedb-server command line and lifecycle.
//
// Runs the real binary: --help and --version; configuration mistakes (exit 2,
// with a message naming the problem); a port in use (5); an unusable or
// locked data directory (3); a corrupt or foreign database file (4); a
// missing token file. Then the lifecycle: SIGTERM with writes in flight
// (refuses new connections, answers what it accepted, exits 0 and keeps every
// acknowledged write), SIGINT, and a restart after a clean stop.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QDirIterator>
#include <QTest>
#include <QUrl>
#include <QThread>

#include <csignal>
#include <memory>
#include <unistd.h>
#include <sys/stat.h>

#include "ServerProcess.h"
#include "TestHttpClient.h"

namespace {

constexpr int kRunTimeoutMs = 10000;

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString describe(int code, const QString &output)
{
    return QStringLiteral("exit code %1, output:\n%2").arg(code).arg(output);
}

// Every document of `db`, tombstones included: id -> rev ("!" appended for a
// tombstone).
QHash<QString, QString> allDocuments(TestHttpClient &client, const QByteArray &db)
{
    QHash<QString, QString> out;
    QByteArray after;
    for (;;) {
        const TestHttpResponse page = client.get("/v1/db/" + db + "/_all_docs?limit=1000" + (after.isEmpty() ? QByteArray() : "&after=" + after));
        const QJsonArray items = page.json().value(QStringLiteral("items")).toArray();
        for (const QJsonValue &item : items) {
            const QJsonObject doc = item.toObject();
            after = QUrl::toPercentEncoding(doc.value(QStringLiteral("id")).toString());
            out.insert(doc.value(QStringLiteral("id")).toString(),
                       doc.value(QStringLiteral("rev")).toString()
                           + (doc.value(QStringLiteral("deleted")).toBool() ? QStringLiteral("!") : QString()));
        }
        if (page.status != 200 || items.size() < 1000)
            return out;
    }
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(writeFile(m_dir.filePath(QStringLiteral("notjson.json")), "this is { not JSON"));
        QVERIFY(writeFile(m_dir.filePath(QStringLiteral("unknownkey.json")), R"({"Server":{"Port":8080}})"));
        QVERIFY(writeFile(m_dir.filePath(QStringLiteral("wrongtype.json")), R"({"Server":{"MaxBodyBytes":"big"}})"));
        QVERIFY(writeFile(m_dir.filePath(QStringLiteral("outofrange.json")), R"({"Storage":{"CacheSizeKB":1}})"));
        QVERIFY(writeFile(m_dir.filePath(QStringLiteral("afile")), "a regular file"));
        QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("adirectory")));
        QVERIFY(writeFile(m_dir.filePath(QStringLiteral("weaktoken")), "abababababababababababab\n"));
        QVERIFY(writeFile(m_dir.filePath(QStringLiteral("shorttoken")), "3f9c0a7b5e2d\n"));
    }

    void exitCodes_data()
    {
        // In arguments, @DIR@ is this test's scratch directory and @DATA@ a
        // fresh data directory in it.
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QStringList>("environment");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message"); // a regular expression the output must match

        const QStringList node = {QStringLiteral("--data"), QStringLiteral("@DATA@"), QStringLiteral("--listen"),
                                  QStringLiteral("127.0.0.1:0")};
        const auto with = [&node](std::initializer_list<const char *> extra) {
            QStringList out = node;
            for (const char *argument : extra)
                out.append(QString::fromUtf8(argument));
            return out;
        };
        QTest::newRow("--help") << QStringList{QStringLiteral("--help")} << QStringList() << 0
                                << QStringLiteral("Usage: .*peacedb-server(.|\\n)*--listen(.|\\n)*--data(.|\\n)*--config(.|\\n)*--token-file");
        QTest::newRow("--version") << QStringList{QStringLiteral("--version")} << QStringList() << 0
                                   << QStringLiteral("^peacedb-server \\d+\\.\\d+\\.\\d+\\s*$");
        QTest::newRow("unknown option") << with({"--bogus"}) << QStringList() << 2 << QStringLiteral("bogus");
        QTest::newRow("option without its value") << QStringList{QStringLiteral("--data"), QStringLiteral("@DATA@"),
                                                                 QStringLiteral("--listen")}
                                                  << QStringList() << 2 << QStringLiteral("listen");
        QTest::newRow("positional argument") << with({"extra"}) << QStringList() << 2 << QStringLiteral("unexpected argument 'extra'");
        QTest::newRow("--role router") << with({"--role", "router"}) << QStringList() << 2 << QStringLiteral("Server\\.Role.*router");
        QTest::newRow("--listen nonsense") << QStringList{QStringLiteral("--data"), QStringLiteral("@DATA@"), QStringLiteral("--listen"),
                                                          QStringLiteral("nonsense")}
                                           << QStringList() << 2 << QStringLiteral("Server\\.Listen.*nonsense");
        QTest::newRow("config not JSON") << with({"--config", "@DIR@/notjson.json"}) << QStringList() << 2
                                         << QStringLiteral("notjson\\.json");
        QTest::newRow("config unknown key") << with({"--config", "@DIR@/unknownkey.json"}) << QStringList() << 2
                                            << QStringLiteral("Server\\.Port");
        QTest::newRow("config wrong type") << with({"--config", "@DIR@/wrongtype.json"}) << QStringList() << 2
                                           << QStringLiteral("Server\\.MaxBodyBytes.*integer");
        QTest::newRow("config out of range") << with({"--config", "@DIR@/outofrange.json"}) << QStringList() << 2
                                             << QStringLiteral("Storage\\.CacheSizeKB");
        QTest::newRow("config missing") << with({"--config", "@DIR@/missing.json"}) << QStringList() << 2
                                        << QStringLiteral("missing\\.json");
        QTest::newRow("config is a directory") << with({"--config", "@DIR@/adirectory"}) << QStringList() << 2
                                               << QStringLiteral("adirectory");
        QTest::newRow("environment: not a number") << node << QStringList{QStringLiteral("PEACEDB_SERVER_MAX_BODY_BYTES=abc")} << 2
                                                   << QStringLiteral("PEACEDB_SERVER_MAX_BODY_BYTES.*abc");
        QTest::newRow("environment: unknown variable") << node << QStringList{QStringLiteral("PEACEDB_SERVER_LISTN=1")} << 2
                                                       << QStringLiteral("PEACEDB_SERVER_LISTN");
        QTest::newRow("data dir under a file") << QStringList{QStringLiteral("--data"), QStringLiteral("@DIR@/afile/data"),
                                                              QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")}
                                               << QStringList() << 3 << QStringLiteral("afile/data");
        QTest::newRow("weak token") << with({"--token-file", "@DIR@/weaktoken"}) << QStringList() << 2
                                    << QStringLiteral("weaktoken is too easy to guess");
        QTest::newRow("short token") << with({"--token-file", "@DIR@/shorttoken"}) << QStringList() << 2
                                     << QStringLiteral("shorttoken is shorter than 16");
        QTest::newRow("data dir is a file") << QStringList{QStringLiteral("--data"), QStringLiteral("@DIR@/afile"),
                                                           QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")}
                                            << QStringList() << 3 << QStringLiteral("afile.*not a directory");
    }
    void exitCodes()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QStringList, environment);
        QFETCH(int, code);
        QFETCH(QString, message);
        const QString data = m_dir.filePath(QStringLiteral("data-%1").arg(m_runs++));
        for (QString &argument : arguments)
            argument.replace(QLatin1String("@DATA@"), data).replace(QLatin1String("@DIR@"), m_dir.path());
        QString output;
        const int exitCode = ServerProcess::runToExit(arguments, &output, kRunTimeoutMs, environment);
        QVERIFY2(exitCode == code, qPrintable(describe(exitCode, output)));
        QVERIFY2(QRegularExpression(message).match(output).hasMatch(),
                 qPrintable(QStringLiteral("output does not match /%1/: %2").arg(message, output)));
    }

    // Whatever the umask it starts with, a node creates its directory, its
    // database files and its token for its owner alone, and warns when a
    // token file it is given can be read by others.
    void filesAreTheOwnersAlone()
    {
        const mode_t previous = ::umask(022);
        const QString data = m_dir.filePath(QStringLiteral("owner-only/data"));
        {
            ServerProcess server(data);
            const bool started = server.start();
            ::umask(previous);
            QVERIFY2(started, qPrintable(server.output()));
            TestHttpClient client(server.port());
            QCOMPARE(client.put("/v1/db/private").status, 201);
            QCOMPARE(client.put("/v1/db/private/docs/a", R"({"data":{}})").status, 200);
            QVERIFY(!server.token().isEmpty());
            QCOMPARE(server.terminate(), 0);
        }
        int checked = 0;
        QDirIterator it(data, QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        QStringList open = {data};
        while (it.hasNext())
            open.append(it.next());
        for (const QString &path : std::as_const(open)) {
            struct stat info = {};
            QCOMPARE(::stat(QFile::encodeName(path).constData(), &info), 0);
            QVERIFY2((info.st_mode & 077) == 0, qPrintable(QStringLiteral("%1 has mode %2").arg(path).arg(info.st_mode & 0777, 0, 8)));
            ++checked;
        }
        QVERIFY2(checked >= 3, "no data directory, database or token found");

        const QString shared = m_dir.filePath(QStringLiteral("shared-token"));
        QVERIFY(writeFile(shared, "3f9c0a7b5e2d41f8a6c3b9e07d1f2a4c8e5b6d3a9f0c1e7b\n"));
        QVERIFY(QFile::setPermissions(shared, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                                                  | QFileDevice::ReadOther));
        ServerProcess server(m_dir.filePath(QStringLiteral("shared-token-data")), {QStringLiteral("--token-file"), shared});
        QVERIFY2(server.start(), qPrintable(server.output()));
        QVERIFY2(server.output().contains(QLatin1String("can be read or written by other users")), qPrintable(server.output()));
        QCOMPARE(server.terminate(), 0);
    }

    void missingTokenFile()
    {
        const QString token = m_dir.filePath(QStringLiteral("no-such-token"));
        QString output;
        const int exitCode = ServerProcess::runToExit({QStringLiteral("--data"), m_dir.filePath(QStringLiteral("token-data")),
                                                       QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                                       QStringLiteral("--token-file"), token},
                                                      &output, kRunTimeoutMs);
        QVERIFY2(exitCode > 0, qPrintable(describe(exitCode, output)));
        QVERIFY2(output.contains(token), qPrintable(output));
    }

    void portInUse()
    {
        QTcpServer holder;
        QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
        QString output;
        const int exitCode = ServerProcess::runToExit({QStringLiteral("--data"), m_dir.filePath(QStringLiteral("port-data")),
                                                       QStringLiteral("--listen"),
                                                       QStringLiteral("127.0.0.1:%1").arg(holder.serverPort())},
                                                      &output, kRunTimeoutMs);
        QVERIFY2(exitCode == 5, qPrintable(describe(exitCode, output)));
        QVERIFY2(output.contains(QLatin1String("already in use")) && output.contains(QString::number(holder.serverPort())),
                 qPrintable(output));
    }

    void dataDirectoryNotWritableByTheServiceUser()
    {
        const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
        if (setpriv.isEmpty())
            QSKIP("setpriv (util-linux) is not installed: cannot run the node as another user");
        if (::geteuid() != 0)
            QSKIP("needs root: runs the node as uid 65534 on a root-owned directory");
        QTemporaryDir base;
        QVERIFY(base.isValid());
        const QFileDevice::Permissions worldReadable = QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                                       | QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther
                                                       | QFileDevice::ExeOther;
        QVERIFY(QFile::setPermissions(base.path(), worldReadable));
        const QString data = base.filePath(QStringLiteral("root-owned"));
        QVERIFY(QDir().mkpath(data));
        QVERIFY(QFile::setPermissions(data, worldReadable));

        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(setpriv, {QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"), QStringLiteral("--clear-groups"),
                                ServerProcess::binary(), QStringLiteral("--data"), data, QStringLiteral("--listen"),
                                QStringLiteral("127.0.0.1:0")});
        QVERIFY2(process.waitForStarted(5000), qPrintable(process.errorString()));
        const bool finished = process.waitForFinished(kRunTimeoutMs);
        const QString output = QString::fromUtf8(process.readAll());
        QVERIFY2(finished, qPrintable(QStringLiteral("still running after %1 ms: %2").arg(kRunTimeoutMs).arg(output)));
        const int exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        QVERIFY2(exitCode == 3, qPrintable(describe(exitCode, output)));
        QVERIFY2(output.contains(data) && output.contains(QLatin1String("not writable")), qPrintable(output));
        QVERIFY2(QDir(data).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), "the node left files behind");
    }

    void secondServerOnTheSameDataDirectory()
    {
        const QString data = m_dir.filePath(QStringLiteral("shared-data"));
        ServerProcess first(data);
        QVERIFY2(first.start(), qPrintable(first.output()));
        QString output;
        const int exitCode = ServerProcess::runToExit({QStringLiteral("--data"), data, QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")},
                                                      &output, kRunTimeoutMs);
        QVERIFY2(exitCode == 3, qPrintable(describe(exitCode, output)));
        QVERIFY2(output.contains(QLatin1String("in use")) && output.contains(QString::number(first.pid())), qPrintable(output));
        TestHttpClient client(first.port());
        QCOMPARE(client.get("/healthz").status, 200);
        QCOMPARE(first.terminate(), 0);
    }

    void corruptDatabaseFile()
    {
        const QString data = m_dir.filePath(QStringLiteral("corrupt-data"));
        QVERIFY(QDir().mkpath(data));
        QByteArray garbage(64 * 1024, Qt::Uninitialized);
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(garbage.data()), garbage.size() / 4);
        const QString file = QDir(data).filePath(QStringLiteral("peacedb.sqlite"));
        QVERIFY(writeFile(file, garbage));
        QString output;
        const int exitCode = ServerProcess::runToExit({QStringLiteral("--data"), data, QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")},
                                                      &output, kRunTimeoutMs);
        QVERIFY2(exitCode == 4, qPrintable(describe(exitCode, output)));
        QVERIFY2(output.contains(file) && QRegularExpression(QStringLiteral("not a database|corrupt|malformed")).match(output).hasMatch(),
                 qPrintable(output));
        QVERIFY2(readFile(file) == garbage, "the node changed the file it could not read");
    }

    void sqliteFileThatIsNotPeaceDb()
    {
        const QString data = m_dir.filePath(QStringLiteral("foreign-data"));
        QVERIFY(QDir().mkpath(data));
        const QString file = QDir(data).filePath(QStringLiteral("peacedb.sqlite"));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
            db.setDatabaseName(file);
            QVERIFY2(db.open(), qPrintable(db.lastError().text()));
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("CREATE TABLE accounts(name TEXT, balance INTEGER)")));
            QVERIFY(query.exec(QStringLiteral("INSERT INTO accounts VALUES('alice', 10)")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
        const QByteArray before = readFile(file);
        QString output;
        const int exitCode = ServerProcess::runToExit({QStringLiteral("--data"), data, QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")},
                                                      &output, kRunTimeoutMs);
        QVERIFY2(exitCode == 4, qPrintable(describe(exitCode, output)));
        QVERIFY2(output.contains(QLatin1String("not a PeaceDB")), qPrintable(output));
        // Not ours: not even switched to WAL mode (header bytes 18-19).
        QVERIFY2(readFile(file) == before, "the node changed a file that is not a PeaceDB file");
    }

    void exampleConfigurationIsValid()
    {
        QTemporaryDir data;
        QVERIFY(data.isValid());
        ServerProcess server(data.path(), {QStringLiteral("--config"), QStringLiteral(PEACEDB_SOURCE_DIR "/resources/peacedb.example.json")});
        QVERIFY2(server.start(), qPrintable(server.output()));
        QCOMPARE(server.terminate(), 0);
    }

    void integrityCheckAtStartFindsDamageInsideTheFile()
    {
        const QString data = m_dir.filePath(QStringLiteral("damaged-data"));
        {
            ServerProcess server(data);
            QVERIFY2(server.start(), qPrintable(server.output()));
            TestHttpClient client(server.port());
            QCOMPARE(client.put("/v1/db/big").status, 201);
            for (int part = 0; part < 3; ++part) {
                QByteArray bulk = "{\"docs\":[";
                for (int i = part * 1000; i < (part + 1) * 1000; ++i)
                    bulk += (i % 1000 ? "," : "") + QByteArray("{\"id\":\"d") + QByteArray::number(i) + "\",\"content\":\"" + QByteArray(200, 'a' + i % 26) + "\"}";
                bulk += "]}";
                QCOMPARE(client.post("/v1/db/big/_bulk_docs", bulk).status, 200);
            }
            QCOMPARE(server.terminate(), 0);
        }
        // Overwrite one page in the middle of the (checkpointed) file.
        const QString file = QDir(data).filePath(QStringLiteral("peacedb.sqlite"));
        QFile damaged(file);
        QVERIFY(damaged.open(QIODevice::ReadWrite));
        QVERIFY(damaged.size() > 64 * 4096);
        QVERIFY(damaged.seek((damaged.size() / 2 / 4096) * 4096));
        QByteArray garbage(4096, Qt::Uninitialized);
        QRandomGenerator(7).fillRange(reinterpret_cast<quint32 *>(garbage.data()), garbage.size() / 4);
        QCOMPARE(damaged.write(garbage), qint64(garbage.size()));
        damaged.close();

        const QString config = m_dir.filePath(QStringLiteral("quick-check.json"));
        QVERIFY(writeFile(config, R"({"Storage":{"IntegrityCheck":"quick"}})"));
        QString output;
        const int exitCode = ServerProcess::runToExit({QStringLiteral("--data"), data, QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                                       QStringLiteral("--config"), config},
                                                      &output, kRunTimeoutMs);
        QVERIFY2(exitCode == 4, qPrintable(describe(exitCode, output)));
        QVERIFY2(output.contains(QLatin1String("corrupt")), qPrintable(output));
    }

    void sigtermFinishesInFlightWritesAndExitsZero()
    {
        QTemporaryDir data;
        QVERIFY(data.isValid());
        ServerProcess server(data.path());
        // Bulks over the default Server.MaxBulkDocs, so the drain lasts.
        server.setEnvironment({QStringLiteral("PEACEDB_SERVER_MAX_BULK_DOCS=12000")});
        QVERIFY2(server.start(), qPrintable(server.output()));
        TestHttpClient control(server.port());
        QCOMPARE(control.put("/v1/db/life").status, 201);

        // Large bulks, so the drain lasts (their commits queue up).
        constexpr int kBulks = 3;
        constexpr int kBulkDocs = 12000;
        std::vector<std::unique_ptr<TestHttpClient>> bulkClients;
        QList<QStringList> bulkIds;
        for (int b = 0; b < kBulks; ++b) {
            QJsonArray docs;
            QStringList ids;
            for (int i = 0; i < kBulkDocs; ++i) {
                ids.append(QStringLiteral("bulk%1-%2").arg(b).arg(i));
                docs.append(QJsonObject{{QStringLiteral("id"), ids.last()},
                                        {QStringLiteral("data"), QJsonObject{{QStringLiteral("pad"), QString(300, QLatin1Char('p'))}}},
                                        {QStringLiteral("content"), QStringLiteral("document %1 of a large bulk").arg(i)}});
            }
            bulkIds.append(ids);
            bulkClients.push_back(std::make_unique<TestHttpClient>(server.port()));
            const TestHttpClient &client = *bulkClients.back();
            QString error;
            QVERIFY2(bulkClients.back()->send(client.requestBytes("POST", "/v1/db/life/_bulk_docs",
                                                                  compact(QJsonObject{{QStringLiteral("docs"), docs}})),
                                              &error),
                     qPrintable(error));
        }
        // The node has taken the bulks in once a later request on another
        // connection is answered (one event loop handles them in turn).
        const qint64 before = control.get("/v1/_stats").json().value(QStringLiteral("requestsTotal")).toInteger();
        QDeadlineTimer accepted(10000);
        while (control.get("/v1/_stats").json().value(QStringLiteral("requestsTotal")).toInteger() < before + kBulks + 1
               && !accepted.hasExpired())
            QThread::msleep(5);

        TestHttpClient idle(server.port());
        QCOMPARE(idle.get("/healthz").status, 200);
        constexpr int kPuts = 6;
        std::vector<std::unique_ptr<TestHttpClient>> putClients;
        for (int i = 0; i < kPuts; ++i) {
            putClients.push_back(std::make_unique<TestHttpClient>(server.port()));
            // Accepted by the node before the signal (a connection still in
            // the listen backlog is dropped when the node stops listening).
            QCOMPARE(putClients.back()->get("/healthz").status, 200);
        }
        for (int i = 0; i < kPuts; ++i) {
            QString error;
            TestHttpClient &client = *putClients.at(size_t(i));
            QVERIFY2(client.send(client.requestBytes("PUT", "/v1/db/life/docs/put-" + QByteArray::number(i), R"({"data":{"n":1}})"), &error),
                     qPrintable(error));
        }
        server.sendSignal(SIGTERM);
        QElapsedTimer draining;
        draining.start();

        QVERIFY2(server.waitForOutput(QStringLiteral("shutting down")), qPrintable(server.output()));
        QVERIFY2(server.isAlive() && !server.output().contains(QLatin1String("stopped at seq")),
                 "the node finished draining before the test could look: make the bulks larger");
        // A new request on an open connection gets 503 (so the node has
        // finished reacting to the signal), and new connections are refused.
        const TestHttpResponse health = idle.get("/healthz");
        QVERIFY2(health.status == 503, qPrintable(QStringLiteral("/healthz while draining: %1 %2 %3").arg(health.status).arg(health.error, QString::fromUtf8(health.body))));
        QTcpSocket late;
        late.connectToHost(QStringLiteral("127.0.0.1"), server.port());
        QVERIFY2(!late.waitForConnected(2000), "a new connection was accepted after SIGTERM");
        QCOMPARE(late.error(), QAbstractSocket::ConnectionRefusedError);

        // Every request sent before the signal is answered: 2xx, or 503 if
        // the node saw it after the signal. (Checked last, after the
        // durability checks, so a failure shows everything that went wrong.)
        QHash<QString, QString> acknowledged;
        QStringList unanswered;
        QStringList unansweredIds;
        int refused = 0;
        for (int b = 0; b < kBulks; ++b) {
            const TestHttpResponse answer = bulkClients.at(size_t(b))->receive(false, 15000);
            if (answer.status != 200 && answer.status != 503) {
                unanswered.append(QStringLiteral("bulk %1: %2 %3 %4").arg(b).arg(answer.status).arg(answer.error, QString::fromUtf8(answer.body.left(200))));
                unansweredIds += bulkIds.at(b);
                continue;
            }
            if (answer.status == 503) {
                ++refused;
                continue;
            }
            const QJsonArray results = answer.json().value(QStringLiteral("results")).toArray();
            QCOMPARE(results.size(), kBulkDocs);
            for (const QJsonValue &result : results)
                acknowledged.insert(result[QStringLiteral("id")].toString(), result[QStringLiteral("rev")].toString());
        }
        for (int i = 0; i < kPuts; ++i) {
            const TestHttpResponse answer = putClients.at(size_t(i))->receive(false, 15000);
            if (answer.status == 200) {
                acknowledged.insert(QStringLiteral("put-%1").arg(i), answer.json().value(QStringLiteral("rev")).toString());
            } else if (answer.status == 503) {
                ++refused;
            } else {
                unanswered.append(QStringLiteral("PUT %1: %2 %3 %4").arg(i).arg(answer.status).arg(answer.error, QString::fromUtf8(answer.body)));
                unansweredIds.append(QStringLiteral("put-%1").arg(i));
            }
        }
        QVERIFY2(server.waitForExit(15000), "the node did not exit within 15 s of SIGTERM");
        const qint64 drainMs = draining.elapsed();
        QVERIFY2(server.exitCode() == 0, qPrintable(describe(server.exitCode(), server.output())));
        QVERIFY2(server.output().contains(QLatin1String("stopped at seq")), qPrintable(server.output()));
        qInfo("exited %lld ms after SIGTERM; %d writes acknowledged during the drain, %d requests refused with 503, %d without an answer",
              drainMs, int(acknowledged.size()), refused, int(unanswered.size()));
        QVERIFY2(acknowledged.size() + unansweredIds.size() >= kBulkDocs, "no bulk was accepted before the signal: nothing was in flight");

        QVERIFY2(server.start(), qPrintable(server.output()));
        TestHttpClient after(server.port());
        const QHash<QString, QString> stored = allDocuments(after, "life");
        for (auto it = acknowledged.begin(); it != acknowledged.end(); ++it) {
            QVERIFY2(stored.value(it.key()) == it.value(),
                     qPrintable(QStringLiteral("%1: acknowledged %2, stored '%3'").arg(it.key(), it.value(), stored.value(it.key()))));
        }
        int committedUnanswered = 0;
        for (const QString &id : std::as_const(unansweredIds))
            committedUnanswered += stored.contains(id) ? 1 : 0;
        QVERIFY2(unanswered.isEmpty(),
                 qPrintable(QStringLiteral("requests accepted before SIGTERM got no answer (%1 of their %2 documents were "
                                           "committed nevertheless):\n%3")
                                .arg(committedUnanswered)
                                .arg(unansweredIds.size())
                                .arg(unanswered.join(QLatin1Char('\n')))));
        QCOMPARE(server.terminate(), 0);
    }

    void sigintExitsZero()
    {
        QTemporaryDir data;
        QVERIFY(data.isValid());
        ServerProcess server(data.path());
        QVERIFY2(server.start(), qPrintable(server.output()));
        TestHttpClient client(server.port());
        QCOMPARE(client.put("/v1/db/life").status, 201);
        const TestHttpResponse written = client.put("/v1/db/life/docs/int", R"({"data":{"n":2}})");
        QCOMPARE(written.status, 200);
        server.sendSignal(SIGINT);
        QVERIFY2(server.waitForExit(15000), "the node did not exit within 15 s of SIGINT");
        QVERIFY2(server.exitCode() == 0, qPrintable(describe(server.exitCode(), server.output())));
        QVERIFY2(server.output().contains(QLatin1String("signal 2")) && server.output().contains(QLatin1String("stopped at seq")),
                 qPrintable(server.output()));
        QVERIFY2(server.start(), qPrintable(server.output()));
        TestHttpClient after(server.port());
        QCOMPARE(after.get("/v1/db/life/docs/int").json().value(QStringLiteral("rev")), written.json().value(QStringLiteral("rev")));
    }

    void restartAfterCleanStopKeepsEverything()
    {
        QTemporaryDir data;
        QVERIFY(data.isValid());
        ServerProcess server(data.path());
        QVERIFY2(server.start(), qPrintable(server.output()));
        const QByteArray token = server.token();
        QVERIFY(!token.isEmpty());
        TestHttpClient client(server.port());
        for (const QByteArray db : {"alpha", "beta"})
            QCOMPARE(client.put("/v1/db/" + db).status, 201);
        QJsonArray docs;
        for (int i = 0; i < 50; ++i)
            docs.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("doc-%1").arg(i)},
                                    {QStringLiteral("data"), QJsonObject{{QStringLiteral("i"), i}}},
                                    {QStringLiteral("tags"), QJsonArray{QStringLiteral("t%1").arg(i % 3)}},
                                    {QStringLiteral("content"), QStringLiteral("apple number %1").arg(i)}});
        QCOMPARE(client.post("/v1/db/alpha/_bulk_docs", compact(QJsonObject{{QStringLiteral("docs"), docs}})).status, 200);
        const QString rev = client.get("/v1/db/alpha/docs/doc-1").json().value(QStringLiteral("rev")).toString();
        QCOMPARE(client.put("/v1/db/alpha/docs/doc-1", compact(QJsonObject{{QStringLiteral("rev"), rev},
                                                                          {QStringLiteral("data"), QJsonObject{{QStringLiteral("i"), -1}}}}))
                     .status,
                 200);
        const QString rev2 = client.get("/v1/db/alpha/docs/doc-2").json().value(QStringLiteral("rev")).toString();
        QCOMPARE(client.del("/v1/db/alpha/docs/doc-2?rev=" + rev2.toUtf8()).status, 200);
        QCOMPARE(client.put("/v1/db/beta/docs/%E2%9C%93", R"({"content":"unicode id"})").status, 200);

        const auto snapshot = [](TestHttpClient &c) {
            QStringList out;
            out.append(QString::fromUtf8(c.get("/v1/db").body));
            for (const QByteArray db : {"alpha", "beta"}) {
                out.append(QString::fromUtf8(c.get("/v1/db/" + db).body));
                out.append(QString::fromUtf8(c.get("/v1/db/" + db + "/_all_docs?limit=1000").body));
                out.append(QString::fromUtf8(c.get("/v1/db/" + db + "/_changes").body));
                out.append(QString::fromUtf8(c.get("/v1/db/" + db + "/_search?q=apple&limit=1000").body));
            }
            out.append(QString::fromUtf8(c.post("/v1/db/alpha/_find/tags", R"({"allOf":["t1"]})").body));
            return out;
        };
        const QStringList before = snapshot(client);
        const QString nodeId = client.get("/v1/_stats").json().value(QStringLiteral("nodeId")).toString();
        QCOMPARE(server.terminate(), 0);
        QVERIFY2(server.output().contains(QLatin1String("stopped at seq")), qPrintable(server.output()));

        QVERIFY2(server.start(), qPrintable(server.output()));
        TestHttpClient after(server.port());
        const QStringList afterRestart = snapshot(after);
        for (qsizetype i = 0; i < before.size(); ++i)
            QCOMPARE(afterRestart.at(i), before.at(i));
        QCOMPARE(after.get("/v1/_stats").json().value(QStringLiteral("nodeId")).toString(), nodeId);
        QCOMPARE(server.token(), token);
        QCOMPARE(after.request("GET", "/v1/_admin/config", {}, {{"Authorization", "Bearer " + token}}).status, 200);
        QCOMPARE(server.terminate(), 0);
    }

private:
    QTemporaryDir m_dir;
    int m_runs = 0;
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
