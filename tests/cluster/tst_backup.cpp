// Backup and restore with real processes (docs/backup.md): a 2 x 3 cluster
// of 100,000 documents is backed up through its router while two clients
// keep writing; a second backup meanwhile gets 409; the backup restored
// into a new directory and started with `peacedb-cluster up` holds every
// document and every revision exactly as the source held them at the
// manifest's positions, and its _changes feed ends at the manifest's
// cursor, from which the source's feed gives exactly the later changes;
// every write the clients saw acknowledged before asking for the backup is
// in it; a member dying mid-copy is passed over. Damaged and incomplete backups are refused by verify and restore with the
// reason and nothing written; bad backup requests change nothing.
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUrl>

#include <algorithm>
#include <atomic>
#include <tuple>
#include <memory>
#include <optional>

#include "ClusterProcesses.h"
#include "TestHttpClient.h"

namespace {

constexpr int kDocuments = 100000;
constexpr int kBulk = 1000;

struct Run
{
    int exitCode = -1;
    QString output; // stdout and stderr
};

Run runCluster(const QStringList &arguments, int timeoutMs = 120000)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(PEACEDB_CLUSTER_BINARY), arguments);
    Run run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.output = QStringLiteral("(timed out) ");
    }
    run.output += QString::fromUtf8(process.readAll());
    if (process.exitStatus() == QProcess::NormalExit)
        run.exitCode = process.exitCode();
    return run;
}

QJsonObject readJson(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object() : QJsonObject();
}

bool writeFile(const QString &path, const QByteArray &contents)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(contents) == contents.size();
}

bool copyDirectory(const QString &from, const QString &to)
{
    if (!QDir().mkpath(to))
        return false;
    for (const QString &name : QDir(from).entryList(QDir::Files)) {
        if (!QFile::copy(QDir(from).filePath(name), QDir(to).filePath(name)))
            return false;
    }
    return true;
}

// Every revision of every document of `db` in a member's file, by
// "id\nrev": "seq deleted body". Read-only, beside the running member.
using Revisions = QHash<QString, QString>;

Revisions revisionsIn(const QString &databasePath, const QString &db, QString *error)
{
    Revisions out;
    const QString name = QStringLiteral("tst_backup-%1").arg(databasePath);
    {
        QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        sql.setDatabaseName(databasePath);
        sql.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=10000"));
        if (!sql.open()) {
            *error = sql.lastError().text();
        } else {
            QSqlQuery query(sql);
            query.setForwardOnly(true);
            query.prepare(QStringLiteral("SELECT id, rev, seq, deleted, body FROM docs WHERE db = ? "
                                         "UNION ALL SELECT id, rev, seq, deleted, body FROM revs WHERE db = ?"));
            query.bindValue(0, db);
            query.bindValue(1, db);
            if (!query.exec())
                *error = query.lastError().text();
            while (query.next()) {
                out.insert(query.value(0).toString() + QLatin1Char('\n') + query.value(1).toString(),
                           query.value(2).toString() + QLatin1Char(' ') + query.value(3).toString() + QLatin1Char(' ')
                               + query.value(4).toString());
            }
        }
    }
    QSqlDatabase::removeDatabase(name);
    return out;
}

qint64 seqOf(const QString &revision)
{
    return revision.section(QLatin1Char(' '), 0, 0).toLongLong();
}

QString idOf(const QString &key)
{
    return key.section(QLatin1Char('\n'), 0, 0);
}

// The newest revision of each document at or before `position`:
// id -> the body stored for it.
QHash<QString, QString> latestAt(const Revisions &revisions, qint64 position)
{
    QHash<QString, std::pair<qint64, QString>> newest;
    for (auto it = revisions.begin(); it != revisions.end(); ++it) {
        const qint64 seq = seqOf(it.value());
        if (seq > position)
            continue;
        auto &slot = newest[idOf(it.key())];
        if (slot.second.isEmpty() || seq > slot.first)
            slot = {seq, it.value().section(QLatin1Char(' '), 2)};
    }
    QHash<QString, QString> out;
    for (auto it = newest.begin(); it != newest.end(); ++it)
        out.insert(it.key(), it.value().second);
    return out;
}

// A client writing through the router on a thread of its own until told to
// stop: updates of the documents it owns (with their revs), new documents
// and deletions. It counts what was acknowledged, and when. A write that
// meets a failover (503: its outcome unknown) or the outcome of an earlier
// one (409, 404) is not retried; an updated document's rev is read again.
class Writer
{
public:
    // One acknowledged write: the document's rev after it.
    struct Acknowledged
    {
        qint64 atMs = 0;
        QString id;
        QString rev;
        bool deleted = false;
    };

    Writer(quint16 port, int index, QHash<QString, QString> owned, const QElapsedTimer &clock)
        : m_port(port)
        , m_index(index)
        , m_owned(std::move(owned))
        , m_clock(clock)
    {
    }

    void start()
    {
        m_thread.reset(QThread::create([this] { run(); }));
        m_thread->start();
    }
    void stop()
    {
        m_stop = true;
        m_thread->wait();
    }
    qint64 acknowledged() const { return m_acknowledged; }
    qint64 acknowledgedBetween(qint64 fromMs, qint64 toMs) const
    {
        qint64 count = 0;
        for (const qint64 at : m_acknowledgedAtMs)
            count += at >= fromMs && at <= toMs ? 1 : 0;
        return count;
    }
    // The writes acknowledged before `ms` on the clock. Once stopped.
    QVector<Acknowledged> acknowledgedBefore(qint64 ms) const
    {
        QVector<Acknowledged> out;
        for (const Acknowledged &write : m_writes) {
            if (write.atMs < ms)
                out.append(write);
        }
        return out;
    }
    QString failure() const { return m_failure; }
    qint64 unknown() const { return m_unknown; }

private:
    void run()
    {
        TestHttpClient client(m_port);
        QStringList ids = m_owned.keys();
        for (qint64 n = 0; !m_stop && m_failure.isEmpty(); ++n) {
            TestHttpResponse response;
            QString updated;
            QString written;
            bool deleting = false;
            const int kind = int(n % 10);
            if (kind < 6 && !ids.isEmpty()) {
                const QString id = ids.at(int(n % ids.size()));
                updated = id;
                written = id;
                response = client.put("/v1/db/orders/docs/" + id.toUtf8(),
                                      QJsonDocument(QJsonObject{{QStringLiteral("rev"), m_owned.value(id)},
                                                                {QStringLiteral("data"), QJsonObject{{QStringLiteral("writer"), m_index},
                                                                                                     {QStringLiteral("n"), n}}}})
                                          .toJson(QJsonDocument::Compact));
                if (response.status == 200)
                    m_owned.insert(id, response.json().value(QStringLiteral("rev")).toString());
            } else if (kind < 9 || ids.isEmpty()) {
                const QString id = QStringLiteral("w%1-%2").arg(m_index).arg(n);
                written = id;
                response = client.put("/v1/db/orders/docs/" + id.toUtf8(),
                                      QJsonDocument(QJsonObject{{QStringLiteral("data"), QJsonObject{{QStringLiteral("new"), n}}},
                                                                {QStringLiteral("tags"), QJsonArray{QStringLiteral("written")}}})
                                          .toJson(QJsonDocument::Compact));
            } else {
                const QString id = ids.takeAt(int(n % ids.size()));
                written = id;
                deleting = true;
                response = client.del("/v1/db/orders/docs/" + id.toUtf8() + "?rev=" + m_owned.take(id).toUtf8());
            }
            if (response.status == 200) {
                ++m_acknowledged;
                m_acknowledgedAtMs.append(m_clock.elapsed());
                m_writes.append(Acknowledged{m_acknowledgedAtMs.last(), written, response.json().value(QStringLiteral("rev")).toString(),
                                             deleting});
            } else if (response.status == 503 || response.status == 409 || response.status == 404) {
                ++m_unknown;
                QThread::msleep(50);
                if (!updated.isEmpty() && !refresh(client, updated, &ids))
                    break;
            } else {
                m_failure = QStringLiteral("writer %1: %2 %3").arg(m_index).arg(response.status).arg(QString::fromUtf8(response.body));
            }
        }
    }

    // Reads where an owned document stands after a write of unknown outcome.
    bool refresh(TestHttpClient &client, const QString &id, QStringList *ids)
    {
        for (int attempt = 0; attempt < 200 && !m_stop; ++attempt) {
            const TestHttpResponse current = client.get("/v1/db/orders/docs/" + id.toUtf8());
            if (current.status == 200) {
                m_owned.insert(id, current.json().value(QStringLiteral("rev")).toString());
                return true;
            }
            if (current.status == 404) {
                m_owned.remove(id);
                ids->removeAll(id);
                return true;
            }
            QThread::msleep(50);
        }
        if (!m_stop)
            m_failure = QStringLiteral("writer %1: %2 could not be read for 10 s").arg(m_index).arg(id);
        return false;
    }

    quint16 m_port;
    int m_index;
    QHash<QString, QString> m_owned; // id -> current rev
    const QElapsedTimer &m_clock;
    std::unique_ptr<QThread> m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<qint64> m_acknowledged{0};
    std::atomic<qint64> m_unknown{0};   // answered 503, 409 or 404
    QVector<qint64> m_acknowledgedAtMs; // read once the thread is stopped
    QVector<Acknowledged> m_writes;     // likewise
    QString m_failure;
};

// Every document of `db` through `cluster`'s router, paged with `after`:
// id -> the document.
QHash<QString, QJsonObject> allDocuments(ClusterProcesses &cluster, const QByteArray &db, QString *error)
{
    QHash<QString, QJsonObject> out;
    QString after;
    for (;;) {
        QByteArray path = "/v1/db/" + db + "/_all_docs?limit=1000";
        if (!after.isEmpty())
            path += "&after=" + QUrl::toPercentEncoding(after);
        const TestHttpResponse page = cluster.router("GET", path, {}, 30000);
        if (page.status != 200) {
            *error = QStringLiteral("_all_docs: %1 %2").arg(page.status).arg(QString::fromUtf8(page.body.left(300)));
            return out;
        }
        const QJsonArray items = page.json().value(QStringLiteral("items")).toArray();
        for (const QJsonValue &item : items)
            out.insert(item.toObject().value(QStringLiteral("id")).toString(), item.toObject());
        if (items.size() < 1000)
            return out;
        after = items.last().toObject().value(QStringLiteral("id")).toString();
    }
}

// The ids the `_changes` feed of `db` lists after `since`, and its last cursor.
QSet<QString> changesAfter(ClusterProcesses &cluster, const QString &since, QString *lastSeq, QString *error)
{
    QSet<QString> ids;
    QString cursor = since;
    for (;;) {
        const TestHttpResponse page =
            cluster.router("GET", "/v1/db/orders/_changes?limit=1000&since=" + QUrl::toPercentEncoding(cursor), {}, 30000);
        if (page.status != 200) {
            *error = QStringLiteral("_changes: %1 %2").arg(page.status).arg(QString::fromUtf8(page.body.left(300)));
            return ids;
        }
        const QJsonArray results = page.json().value(QStringLiteral("results")).toArray();
        for (const QJsonValue &row : results)
            ids.insert(row.toObject().value(QStringLiteral("id")).toString());
        const QJsonValue last = page.json().value(QStringLiteral("lastSeq"));
        cursor = last.isString() ? last.toString() : QString::number(last.toInteger());
        if (results.isEmpty()) {
            *lastSeq = cursor;
            return ids;
        }
    }
}

} // namespace

class TestBackup : public QObject
{
    Q_OBJECT

private slots:
    void backupUnderWritesRestoresExactly()
    {
        QTemporaryDir backups;
        const QString backup = QDir(backups.path()).filePath(QStringLiteral("nightly"));
        QJsonObject manifest;
        QVector<Revisions> expected;     // per shard: the revisions at the manifest's position
        QSet<QString> changedLater;      // ids the source's feed lists after the manifest's cursor
        QString cursor;
        QVector<Writer::Acknowledged> beforeBackup; // acknowledged before the backup was asked for

        {
            ClusterProcesses::Options options;
            options.shards = 2;
            options.replicas = 2;
            options.backupRoot = backups.path();
            ClusterProcesses source(options);
            QVERIFY2(source.start(), qPrintable(source.error()));
            QVERIFY2(source.waitForHealthy(30000), qPrintable(source.describe()));
            QCOMPARE(source.router("PUT", "/v1/db/orders").status, 201);

            // 100,000 documents; the first 4,000 are the writers' to update.
            QVector<QHash<QString, QString>> owned(2);
            for (int first = 0; first < kDocuments; first += kBulk) {
                QJsonArray docs;
                for (int i = first; i < first + kBulk; ++i) {
                    docs.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("d%1").arg(i, 6, 10, QLatin1Char('0'))},
                                            {QStringLiteral("data"), QJsonObject{{QStringLiteral("n"), i}}},
                                            {QStringLiteral("tags"), QJsonArray{QStringLiteral("t%1").arg(i % 7)}},
                                            {QStringLiteral("content"), QStringLiteral("document number %1").arg(i)}});
                }
                const TestHttpResponse bulk = source.router(
                    "POST", "/v1/db/orders/_bulk_docs", QJsonDocument(QJsonObject{{QStringLiteral("docs"), docs}}).toJson(QJsonDocument::Compact),
                    60000);
                QVERIFY2(bulk.status == 200, qPrintable(QString::fromUtf8(bulk.body.left(300))));
                const QJsonArray results = bulk.json().value(QStringLiteral("results")).toArray();
                QCOMPARE(results.size(), kBulk);
                for (int i = first; i < first + kBulk; ++i) {
                    const QJsonObject result = results.at(i - first).toObject();
                    QVERIFY2(!result.contains(QStringLiteral("error")), qPrintable(QString::fromUtf8(QJsonDocument(result).toJson())));
                    if (i < 4000)
                        owned[i % 2].insert(result.value(QStringLiteral("id")).toString(), result.value(QStringLiteral("rev")).toString());
                }
            }

            QElapsedTimer clock;
            clock.start();
            Writer first(source.routerPort(), 0, owned.at(0), clock);
            Writer second(source.routerPort(), 1, owned.at(1), clock);
            first.start();
            second.start();
            source.sleep(1000);

            const qint64 startedMs = clock.elapsed();
            const TestHttpResponse started =
                source.router("POST", "/v1/_cluster/backup", QJsonDocument(QJsonObject{{QStringLiteral("to"), backup}}).toJson());
            QVERIFY2(started.status == 202, qPrintable(QString::fromUtf8(started.body)));
            const QString id = started.json().value(QStringLiteral("id")).toString();
            QCOMPARE(started.json().value(QStringLiteral("state")).toString(), QStringLiteral("running"));
            // One at a time: a second backup is refused and makes nothing.
            const QString other = QDir(backups.path()).filePath(QStringLiteral("other"));
            const TestHttpResponse concurrent =
                source.router("POST", "/v1/_cluster/backup", QJsonDocument(QJsonObject{{QStringLiteral("to"), other}}).toJson());
            QVERIFY2(concurrent.status == 409, qPrintable(QString::fromUtf8(concurrent.body)));
            QCOMPARE(concurrent.json().value(QStringLiteral("id")).toString(), id);
            QVERIFY(concurrent.json().value(QStringLiteral("error")).toString().contains(QLatin1String("is running")));

            QJsonObject status;
            QVERIFY2(source.waitUntil(
                         [&] {
                             status = source.router("GET", "/v1/_cluster/backup").json();
                             return status.value(QStringLiteral("state")).toString() != QLatin1String("running");
                         },
                         120000),
                     "the backup did not end within 120 s");
            const qint64 finishedMs = clock.elapsed();
            QVERIFY2(status.value(QStringLiteral("state")).toString() == QLatin1String("finished"),
                     qPrintable(QString::fromUtf8(QJsonDocument(status).toJson())));
            source.sleep(1000); // writes after the backup, for the _changes check
            first.stop();
            second.stop();
            beforeBackup = first.acknowledgedBefore(startedMs) + second.acknowledgedBefore(startedMs);
            QVERIFY2(beforeBackup.size() > 10, "too few writes acknowledged before the backup began");
            QVERIFY(std::any_of(beforeBackup.begin(), beforeBackup.end(), [](const Writer::Acknowledged &w) { return w.deleted; }));
            QVERIFY2(first.failure().isEmpty(), qPrintable(first.failure()));
            QVERIFY2(second.failure().isEmpty(), qPrintable(second.failure()));
            QVERIFY2(source.waitForHealthy(30000), qPrintable(source.describe()));
            const qint64 during = first.acknowledgedBetween(startedMs, finishedMs) + second.acknowledgedBetween(startedMs, finishedMs);
            qInfo("backup of %d documents: %lld ms, %lld bytes; %lld writes acknowledged meanwhile (%lld in all, %lld not acknowledged)",
                  kDocuments, status.value(QStringLiteral("elapsedMs")).toInteger(), status.value(QStringLiteral("bytes")).toInteger(), during,
                  first.acknowledged() + second.acknowledged(), first.unknown() + second.unknown());
            QVERIFY2(during > 0, "no write was acknowledged while the backup ran");
            QVERIFY(!QFileInfo::exists(other));
            QCOMPARE(QDir(backups.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList{QStringLiteral("nightly")});

            // The manifest: every shard copied from a replica, at or after
            // its commit point; the timeline tells the story.
            manifest = readJson(QDir(backup).filePath(QStringLiteral("manifest.json")));
            QCOMPARE(manifest.value(QStringLiteral("id")).toString(), id);
            const QJsonArray shards = manifest.value(QStringLiteral("shards")).toArray();
            QCOMPARE(shards.size(), 2);
            QStringList kinds;
            for (const QJsonValue &event : source.events())
                kinds.append(event.toObject().value(QStringLiteral("kind")).toString());
            QCOMPARE(kinds.filter(QStringLiteral("backup-")),
                     (QStringList{QStringLiteral("backup-started"), QStringLiteral("backup-shard-copied"), QStringLiteral("backup-shard-copied"),
                                  QStringLiteral("backup-finished")}));
            cursor = manifest.value(QStringLiteral("changes")).toObject().value(QStringLiteral("orders")).toString();
            QStringList positions;
            for (int shard = 0; shard < 2; ++shard) {
                const QJsonObject copy = shards.at(shard).toObject();
                const QJsonObject copied = status.value(QStringLiteral("shards")).toArray().at(shard).toObject();
                QCOMPARE(copied.value(QStringLiteral("member")).toInt(), copy.value(QStringLiteral("member")).toInt());
                QVERIFY2(copied.value(QStringLiteral("role")).toString() == QLatin1String("replica"),
                         "the primary was copied although replicas were there");
                const int primary = source.primaryOf(shard);
                QVERIFY(primary >= 0);
                QVERIFY(copy.value(QStringLiteral("seq")).toInteger() >= copy.value(QStringLiteral("commitPoint")).toInteger());
                const qint64 position = copy.value(QStringLiteral("databases")).toObject().value(QStringLiteral("orders")).toInteger();
                positions.append(QString::number(position));
                // What the source's primary holds, cut at the backup's position.
                QString error;
                const Revisions all = revisionsIn(
                    QDir(source.dataDir(ClusterProcesses::nodeName(shard, primary))).filePath(QStringLiteral("peacedb.sqlite")),
                    QStringLiteral("orders"), &error);
                QVERIFY2(error.isEmpty(), qPrintable(error));
                Revisions atPosition;
                bool later = false;
                for (auto it = all.begin(); it != all.end(); ++it) {
                    if (seqOf(it.value()) <= position)
                        atPosition.insert(it.key(), it.value());
                    else
                        later = true;
                }
                QVERIFY2(later, "no write reached this shard after the backup's position");
                expected.append(atPosition);
            }
            QCOMPARE(cursor, positions.join(QLatin1Char('-')));

            // The source's feed after the cursor lists exactly the documents
            // changed after the backup's positions.
            QString error;
            QString sourceLast;
            changedLater = changesAfter(source, cursor, &sourceLast, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QSet<QString> expectedLater;
            for (int shard = 0; shard < 2; ++shard) {
                QString readError;
                const Revisions now = revisionsIn(
                    QDir(source.dataDir(ClusterProcesses::nodeName(shard, source.primaryOf(shard)))).filePath(QStringLiteral("peacedb.sqlite")),
                    QStringLiteral("orders"), &readError);
                QVERIFY2(readError.isEmpty(), qPrintable(readError));
                for (auto it = now.begin(); it != now.end(); ++it) {
                    if (!expected.at(shard).contains(it.key()))
                        expectedLater.insert(idOf(it.key()));
                }
            }
            QCOMPARE(changedLater, expectedLater);
            QVERIFY(!changedLater.isEmpty());
        }

        // Verified, restored into a new directory and started there.
        const Run verified = runCluster({QStringLiteral("verify"), QStringLiteral("--from"), backup});
        QVERIFY2(verified.exitCode == 0 && verified.output.contains(QLatin1String("every checksum matches")), qPrintable(verified.output));
        ClusterProcesses::Options options;
        options.shards = 2;
        options.replicas = 2;
        ClusterProcesses restored(options);
        QString restoreOutput;
        restored.setPreparation([&](quint16 port, const QString &directory) {
            const Run run = runCluster({QStringLiteral("restore"), QStringLiteral("--from"), backup, QStringLiteral("--data"), directory,
                                        QStringLiteral("--port"), QString::number(port)});
            restoreOutput = run.output;
            return run.exitCode == 0 ? QString() : QStringLiteral("restore exited %1: %2").arg(run.exitCode).arg(run.output);
        });
        QVERIFY2(restored.start(), qPrintable(restored.error()));
        QVERIFY2(restored.waitForHealthy(30000), qPrintable(restored.describe()));
        QVERIFY2(restoreOutput.contains(QLatin1String("peacedb-cluster up --data")), qPrintable(restoreOutput));

        // Every document, through the router, as it was at the positions.
        QString error;
        const QHash<QString, QJsonObject> documents = allDocuments(restored, "orders", &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        qsizetype expectedCount = 0;
        for (int shard = 0; shard < 2; ++shard) {
            const QHash<QString, QString> latest = latestAt(expected.at(shard), std::numeric_limits<qint64>::max());
            expectedCount += latest.size();
            for (auto it = latest.begin(); it != latest.end(); ++it) {
                const QJsonObject stored = QJsonDocument::fromJson(it.value().toUtf8()).object();
                QVERIFY2(documents.value(it.key()) == stored,
                         qPrintable(QStringLiteral("%1: restored %2, expected %3")
                                        .arg(it.key(), QString::fromUtf8(QJsonDocument(documents.value(it.key())).toJson(QJsonDocument::Compact)),
                                             it.value())));
            }
        }
        QCOMPARE(documents.size(), expectedCount);
        QVERIFY(expectedCount >= kDocuments);
        // Every write acknowledged before the backup was asked for is in it:
        // the document holds that rev or a later one (a deletion: its
        // tombstone, or a later one; _all_docs lists tombstones). Checked
        // against the clients' own record, not the source's files.
        for (const Writer::Acknowledged &write : std::as_const(beforeBackup)) {
            const QJsonObject restoredDocument = documents.value(write.id);
            const QString rev = restoredDocument.value(QStringLiteral("rev")).toString();
            const auto generation = [](const QString &r) { return r.section(QLatin1Char('-'), 0, 0).toLongLong(); };
            QVERIFY2(!write.rev.isEmpty() && (generation(rev) > generation(write.rev) || rev == write.rev),
                     qPrintable(QStringLiteral("%1: %2 (%3) was acknowledged before the backup; restored %4")
                                    .arg(write.id, write.rev, write.deleted ? QStringLiteral("deleted") : QStringLiteral("written"),
                                         rev.isEmpty() ? QStringLiteral("nothing") : rev)));
            if (write.deleted && rev == write.rev)
                QVERIFY(restoredDocument.value(QStringLiteral("deleted")).toBool());
        }
        // Every revision, in each member's file.
        for (int shard = 0; shard < 2; ++shard) {
            for (int member = 0; member < 3; ++member) {
                const Revisions held = revisionsIn(
                    QDir(restored.dataDir(ClusterProcesses::nodeName(shard, member))).filePath(QStringLiteral("peacedb.sqlite")),
                    QStringLiteral("orders"), &error);
                QVERIFY2(error.isEmpty(), qPrintable(error));
                QVERIFY2(held == expected.at(shard), qPrintable(QStringLiteral("shard %1 member %2: %3 revisions, expected %4")
                                                                    .arg(shard)
                                                                    .arg(member)
                                                                    .arg(held.size())
                                                                    .arg(expected.at(shard).size())));
            }
        }
        // The restored feed ends at the manifest's cursor; the source's
        // continues from it with what came later.
        QString restoredLast;
        const QSet<QString> restoredLater = changesAfter(restored, cursor, &restoredLast, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(restoredLater.isEmpty());
        QCOMPARE(restoredLast, cursor);
        // It takes writes.
        QCOMPARE(restored.router("PUT", "/v1/db/orders/docs/after-restore", R"({"data":{"ok":true}})").status, 200);
    }

    // The member a shard is being copied from dies mid-copy: it is passed
    // over, the copy comes from another member, and the backup is whole.
    void aMemberDyingMidCopyIsPassedOver()
    {
        QTemporaryDir work;
        ClusterProcesses::Options options;
        options.shards = 1;
        options.replicas = 2;
        options.backupRoot = work.path();
        ClusterProcesses cluster(options);
        QVERIFY2(cluster.start(), qPrintable(cluster.error()));
        QVERIFY2(cluster.waitForHealthy(30000), qPrintable(cluster.describe()));
        QCOMPARE(cluster.router("PUT", "/v1/db/orders").status, 201);
        // About 100 MB, so the copy takes a while.
        const QString filler(900, QLatin1Char('f'));
        for (int first = 0; first < kDocuments; first += kBulk) {
            QJsonArray docs;
            for (int i = first; i < first + kBulk; ++i)
                docs.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("m%1").arg(i)}, {QStringLiteral("content"), filler}});
            // Loading is not what this test is about: a bulk refused while
            // the primary's lease (200 ms with these timings) lapsed on a
            // loaded machine is sent again, as a client would.
            TestHttpResponse bulk;
            for (int attempt = 0; attempt < 5; ++attempt) {
                bulk = cluster.router("POST", "/v1/db/orders/_bulk_docs",
                                      QJsonDocument(QJsonObject{{QStringLiteral("docs"), docs}}).toJson(QJsonDocument::Compact), 60000);
                if (bulk.status != 503)
                    break;
                QThread::msleep(500);
            }
            QVERIFY2(bulk.status == 200, qPrintable(QString::fromUtf8(bulk.body.left(300))));
        }

        const TestHttpResponse started =
            cluster.router("POST", "/v1/_cluster/backup", QJsonDocument(QJsonObject{{QStringLiteral("to"), QStringLiteral("midcopy")}}).toJson());
        QVERIFY2(started.status == 202, qPrintable(QString::fromUtf8(started.body)));
        // As soon as a member is chosen, it dies (SIGKILL).
        int victim = -1;
        QJsonObject shard;
        QVERIFY(cluster.waitUntil(
            [&] {
                const QJsonObject status = cluster.router("GET", "/v1/_cluster/backup").json();
                shard = status.value(QStringLiteral("shards")).toArray().at(0).toObject();
                const QString state = shard.value(QStringLiteral("state")).toString();
                if (state == QLatin1String("snapshotting") || state == QLatin1String("copying")) {
                    victim = shard.value(QStringLiteral("member")).toInt();
                    return true;
                }
                return status.value(QStringLiteral("state")).toString() != QLatin1String("running");
            },
            30000));
        QVERIFY2(victim >= 0, qPrintable(QStringLiteral("the copy got past its transfer before a kill: %1")
                                             .arg(QString::fromUtf8(QJsonDocument(shard).toJson(QJsonDocument::Compact)))));
        cluster.kill(ClusterProcesses::nodeName(0, victim));

        QJsonObject status;
        QVERIFY2(cluster.waitUntil(
            [&] {
                status = cluster.router("GET", "/v1/_cluster/backup").json();
                return status.value(QStringLiteral("state")).toString() != QLatin1String("running");
            },
            120000),
            qPrintable(QString::fromUtf8(QJsonDocument(status).toJson())));
        QVERIFY2(status.value(QStringLiteral("state")).toString() == QLatin1String("finished"),
                 qPrintable(QString::fromUtf8(QJsonDocument(status).toJson())));
        const QJsonObject copied = status.value(QStringLiteral("shards")).toArray().at(0).toObject();
        QVERIFY2(copied.value(QStringLiteral("member")).toInt() != victim, qPrintable(QString::fromUtf8(QJsonDocument(copied).toJson())));
        const QString backup = QDir(work.path()).filePath(QStringLiteral("midcopy"));
        const Run verified = runCluster({QStringLiteral("verify"), QStringLiteral("--from"), backup});
        QVERIFY2(verified.exitCode == 0, qPrintable(verified.output));
        const QJsonObject manifest = readJson(QDir(backup).filePath(QStringLiteral("manifest.json")));
        QCOMPARE(manifest.value(QStringLiteral("shards")).toArray().at(0).toObject().value(QStringLiteral("member")).toInt(),
                 copied.value(QStringLiteral("member")).toInt());
        // Nothing of the failed attempt is left beside the backup.
        QCOMPARE(QDir(work.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList{QStringLiteral("midcopy")});
    }

    void damagedBackupsAreRefused()
    {
        QTemporaryDir work;
        const QString backup = QDir(work.path()).filePath(QStringLiteral("good"));
        {
            ClusterProcesses::Options options;
            options.shards = 2;
            options.replicas = 1;
            options.backupRoot = work.path();
            ClusterProcesses cluster(options);
            QVERIFY2(cluster.start(), qPrintable(cluster.error()));
            QVERIFY2(cluster.waitForHealthy(30000), qPrintable(cluster.describe()));
            QCOMPARE(cluster.router("PUT", "/v1/db/orders").status, 201);
            for (int i = 0; i < 50; ++i)
                QCOMPARE(cluster.router("PUT", "/v1/db/orders/docs/d" + QByteArray::number(i), R"({"data":{"v":1}})").status, 200);

            // Bad requests start nothing and write nothing. The backup root
            // is `work`: nothing is written outside it, not through `..`
            // nor through a symbolic link inside it.
            QDir(work.path()).mkdir(QStringLiteral("full"));
            QVERIFY(writeFile(QDir(work.path()).filePath(QStringLiteral("full/x")), "x"));
            QTemporaryDir elsewhere;
            QVERIFY(QFile::link(elsewhere.path(), QDir(work.path()).filePath(QStringLiteral("link"))));
            const auto to = [](const QString &path) { return QJsonDocument(QJsonObject{{QStringLiteral("to"), path}}).toJson(); };
            const QList<std::tuple<QByteArray, int, QString>> bad{
                {to(QDir(work.path()).filePath(QStringLiteral("full"))), 400, QStringLiteral("is not an empty directory")},
                {to(QDir(work.path()).filePath(QStringLiteral("full/"))), 400, QStringLiteral("is not an empty directory")},
                {to(QStringLiteral("full")), 400, QStringLiteral("is not an empty directory")},
                {to(QDir(work.path()).filePath(QStringLiteral("no/such/parent"))), 400, QStringLiteral("does not exist")},
                {to(QStringLiteral("relative/dir")), 400, QStringLiteral("does not exist")},
                {to(QDir(elsewhere.path()).filePath(QStringLiteral("b"))), 403, QStringLiteral("is outside the backup root")},
                {to(QStringLiteral("../escape")), 403, QStringLiteral("is outside the backup root")},
                {to(QDir(work.path()).filePath(QStringLiteral("full/../../escape"))), 403, QStringLiteral("is outside the backup root")},
                {to(QDir(work.path()).filePath(QStringLiteral("link/b"))), 403, QStringLiteral("is outside the backup root")},
                {to(QDir(work.path()).filePath(QStringLiteral("link"))), 400, QStringLiteral("is a symbolic link")},
                {to(work.path()), 403, QStringLiteral("is outside the backup root")},
                {R"({"to":5})", 400, QStringLiteral("to must be a string")},
                {R"({"into":"/tmp/x"})", 400, QStringLiteral("unknown field 'into'")},
                {"{", 400, QStringLiteral("malformed JSON")},
                {"{}", 400, QStringLiteral("to is required")},
            };
            for (const auto &[body, status, message] : bad) {
                const TestHttpResponse refused = cluster.router("POST", "/v1/_cluster/backup", body);
                QVERIFY2(refused.status == status && refused.json().value(QStringLiteral("error")).toString().contains(message),
                         qPrintable(QStringLiteral("%1: %2 %3").arg(QString::fromUtf8(body)).arg(refused.status).arg(QString::fromUtf8(refused.body))));
            }
            QCOMPARE(cluster.router("GET", "/v1/_cluster/backup").json().value(QStringLiteral("state")).toString(), QStringLiteral("none"));
            QCOMPARE(QDir(work.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System),
                     (QStringList{QStringLiteral("full"), QStringLiteral("link")}));
            QVERIFY(QDir(elsewhere.path()).isEmpty());

            // The command's way: it follows the backup to its end.
            const Run made = runCluster({QStringLiteral("backup"), QStringLiteral("--to"), backup, QStringLiteral("--data"), cluster.directory()});
            QVERIFY2(made.exitCode == 0 && made.output.contains(QLatin1String("complete")), qPrintable(made.output));
            const Run again = runCluster({QStringLiteral("backup"), QStringLiteral("--to"), backup, QStringLiteral("--data"), cluster.directory()});
            QVERIFY2(again.exitCode == 1 && again.output.contains(QLatin1String("already exists")), qPrintable(again.output));
        }
        QCOMPARE(runCluster({QStringLiteral("verify"), QStringLiteral("--from"), backup}).exitCode, 0);

        const QJsonObject manifest = readJson(QDir(backup).filePath(QStringLiteral("manifest.json")));
        struct Damage
        {
            const char *name;
            std::function<bool(const QString &dir)> apply;
            QString message;
        };
        const auto flipByte = [](const QString &dir) {
            QFile file(QDir(dir).filePath(QStringLiteral("shard-1.sqlite")));
            if (!file.open(QIODevice::ReadWrite))
                return false;
            const qint64 at = file.size() / 2;
            file.seek(at);
            const char byte = char(file.read(1).at(0) ^ 0x5a);
            file.seek(at);
            return file.write(&byte, 1) == 1;
        };
        const auto editManifest = [manifest](bool keepChecksum) {
            return [manifest, keepChecksum](const QString &dir) {
                QJsonObject edited = manifest;
                QJsonArray shards = edited.value(QStringLiteral("shards")).toArray();
                QJsonObject shard = shards.at(0).toObject();
                shard.insert(QStringLiteral("seq"), shard.value(QStringLiteral("seq")).toInteger() + 1);
                shards.replace(0, shard);
                edited.insert(QStringLiteral("shards"), shards);
                const QByteArray text = QJsonDocument(edited).toJson();
                if (!writeFile(QDir(dir).filePath(QStringLiteral("manifest.json")), text))
                    return false;
                if (keepChecksum)
                    return true;
                return writeFile(QDir(dir).filePath(QStringLiteral("manifest.sha256")),
                                 QCryptographicHash::hash(text, QCryptographicHash::Sha256).toHex() + "  manifest.json\n");
            };
        };
        const QVector<Damage> damages{
            {"a flipped byte", flipByte, QStringLiteral("shard-1.sqlite is damaged: its SHA-256 is")},
            {"a truncated copy", [](const QString &dir) { return QFile::resize(QDir(dir).filePath(QStringLiteral("shard-0.sqlite")), 8192); },
             QStringLiteral("shard-0.sqlite is damaged or incomplete: it has 8192 bytes")},
            {"a missing copy", [](const QString &dir) { return QFile::remove(QDir(dir).filePath(QStringLiteral("shard-1.sqlite"))); },
             QStringLiteral("is incomplete: shard-1.sqlite is missing")},
            {"no manifest (an interrupted backup)", [](const QString &dir) { return QFile::remove(QDir(dir).filePath(QStringLiteral("manifest.json"))); },
             QStringLiteral("is not a complete backup: it has no manifest.json")},
            {"an edited manifest", editManifest(true), QStringLiteral("manifest.json is damaged: its SHA-256 is")},
            {"an edited manifest with a new checksum", editManifest(false),
             QStringLiteral("reflects seq %1 of term").arg(manifest.value(QStringLiteral("shards")).toArray().at(0).toObject().value(QStringLiteral("seq")).toInteger())},
        };
        for (const Damage &damage : damages) {
            const QString copy = QDir(work.path()).filePath(QStringLiteral("damaged"));
            QDir(copy).removeRecursively();
            QVERIFY(copyDirectory(backup, copy));
            QVERIFY2(damage.apply(copy), damage.name);
            const Run verify = runCluster({QStringLiteral("verify"), QStringLiteral("--from"), copy});
            QVERIFY2(verify.exitCode == 4 && verify.output.contains(damage.message),
                     qPrintable(QStringLiteral("%1: verify exited %2: %3").arg(QLatin1String(damage.name)).arg(verify.exitCode).arg(verify.output)));
            const QString target = QDir(work.path()).filePath(QStringLiteral("restored"));
            const Run restore = runCluster({QStringLiteral("restore"), QStringLiteral("--from"), copy, QStringLiteral("--data"), target});
            QVERIFY2(restore.exitCode == 4 && restore.output.contains(damage.message),
                     qPrintable(QStringLiteral("%1: restore exited %2: %3").arg(QLatin1String(damage.name)).arg(restore.exitCode).arg(restore.output)));
            // Nothing written: no cluster directory, no temporary one.
            QCOMPARE(QDir(work.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
                     (QStringList{QStringLiteral("damaged"), QStringLiteral("full"), QStringLiteral("good")}));
        }
        // A directory that is not empty is never restored into.
        const Run occupied = runCluster({QStringLiteral("restore"), QStringLiteral("--from"), backup, QStringLiteral("--data"),
                                         QDir(work.path()).filePath(QStringLiteral("full"))});
        QVERIFY2(occupied.exitCode == 3 && occupied.output.contains(QLatin1String("is not an empty directory")), qPrintable(occupied.output));
        QCOMPARE(QDir(QDir(work.path()).filePath(QStringLiteral("full"))).entryList(QDir::Files), QStringList{QStringLiteral("x")});
    }
};

QTEST_GUILESS_MAIN(TestBackup)
#include "tst_backup.moc"
