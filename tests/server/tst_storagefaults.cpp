// Storage faults under a real replica set: member 2 runs under fiu-run
// (Debian's fiu-utils, installed by deploy/install-deps.sh), and fiu-ctrl
// makes its fsync and fdatasync calls fail at a moment the test chooses.
//
//  - failedStorageStopsTheMember: a member whose commit failed no longer
//    knows what its log holds. It must refuse appends and votes (503) and
//    say so in /healthz, its state and /metrics, so it never acknowledges
//    entries that are not on its disk (its held answers are dropped, not
//    released by a later batch); the others go on; restarted, it catches up
//    to the primary's exact log.
#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include "ReplicaSetProcesses.h"
#include "ReplicationMessages.h"
#include "TestHttpClient.h"

namespace {

const QByteArray kDb = QByteArrayLiteral("faults");

QByteArray docBody(int value)
{
    return "{\"data\":{\"v\":" + QByteArray::number(value) + "}}";
}

// Runs fiu-ctrl with `commands` against `pid`; false (with *error) if it fails.
bool fiuControl(qint64 pid, const QStringList &commands, QString *error)
{
    QStringList arguments;
    for (const QString &command : commands)
        arguments << QStringLiteral("-c") << command;
    arguments << QString::number(pid);
    QProcess control;
    control.start(QStringLiteral("fiu-ctrl"), arguments);
    if (!control.waitForFinished(10000) || control.exitStatus() != QProcess::NormalExit || control.exitCode() != 0) {
        *error = QStringLiteral("fiu-ctrl %1: %2%3")
                     .arg(arguments.join(QLatin1Char(' ')), QString::fromUtf8(control.readAllStandardError()), control.errorString());
        return false;
    }
    return true;
}

const QStringList kSyncFailures{QStringLiteral("posix/io/sync/fsync"), QStringLiteral("posix/io/sync/fdatasync")};

} // namespace

class TestStorageFaults : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("fiu-run")).isEmpty()
            || QStandardPaths::findExecutable(QStringLiteral("fiu-ctrl")).isEmpty())
            QFAIL("fiu-run and fiu-ctrl are missing: deploy/install-deps.sh installs them (Debian package fiu-utils)");
    }

    void failedStorageStopsTheMember()
    {
        ReplicaSetProcesses set(ReplicaSetProcesses::Options{3, 2, 1000, 100, 5000, {}});
        QVERIFY2(set.isValid(), qPrintable(set.error()));
        set.process(2).setWrapper({QStringLiteral("fiu-run"), QStringLiteral("-x")});
        QVERIFY2(set.start(), qPrintable(set.error()));
        QCOMPARE(set.waitForPrimary(30000), 0);
        QCOMPARE(set.request(0, "PUT", "/v1/db/" + kDb).status, 201);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(set.request(0, "PUT", "/v1/db/" + kDb + "/docs/before-" + QByteArray::number(i), docBody(i)).status, 200);
        QVERIFY2(set.waitForConvergence(20000), qPrintable(set.describe()));

        // Member 2's disk starts refusing to sync.
        QString error;
        QStringList enable;
        for (const QString &point : kSyncFailures)
            enable << QStringLiteral("enable name=%1").arg(point);
        QVERIFY2(fiuControl(set.process(2).pid(), enable, &error), qPrintable(error));
        // Writes go on with members 0 and 1.
        for (int i = 0; i < 5; ++i)
            QCOMPARE(set.request(0, "PUT", "/v1/db/" + kDb + "/docs/during-" + QByteArray::number(i), docBody(i)).status, 200);
        QVERIFY2(set.waitUntil([&] { return set.get(2, "/healthz").status == 503; }, 10000),
                 qPrintable(QString::fromUtf8(set.get(2, "/healthz").body) + set.output(2)));
        const QJsonObject failed = set.state(2);
        QVERIFY2(failed.value(QStringLiteral("storageFailure")).isString(), qPrintable(set.describe()));

        // The disk works again, but the member refuses appends and votes
        // until it is restarted: it no longer knows what its log holds.
        QStringList disable;
        for (const QString &point : kSyncFailures)
            disable << QStringLiteral("disable name=%1").arg(point);
        QVERIFY2(fiuControl(set.process(2).pid(), disable, &error), qPrintable(error));
        AppendRequest heartbeat;
        heartbeat.term = failed.value(QStringLiteral("term")).toInteger();
        heartbeat.leader = 0;
        heartbeat.prevSeq = 0;
        heartbeat.commitSeq = 0;
        const TestHttpResponse append = set.request(2, "POST", "/v1/_replication/replicate", heartbeat.toJson());
        QVERIFY2(append.status == 503, qPrintable(QString::fromUtf8(append.body)));
        const VoteRequest vote{heartbeat.term + 1, 1, 1000, heartbeat.term};
        QCOMPARE(set.request(2, "POST", "/v1/_replication/vote", vote.toJson()).status, 503);
        QVERIFY(set.get(2, "/metrics").body.contains("peacedb_replication_storage_failed{shard=\"0\"} 1"));
        for (int i = 0; i < 5; ++i)
            QCOMPARE(set.request(0, "PUT", "/v1/db/" + kDb + "/docs/after-" + QByteArray::number(i), docBody(i)).status, 200);
        const QJsonObject primary = set.state(0);
        const QJsonObject view = primary.value(QStringLiteral("members")).toArray().at(2).toObject();
        QVERIFY2(view.value(QStringLiteral("matchSeq")).toInteger() < primary.value(QStringLiteral("lastSeq")).toInteger(),
                 qPrintable(set.describe()));

        // Restarted on its own disk it rereads its log and catches up to the
        // primary's exact log.
        set.process(2).setWrapper({});
        QVERIFY2(set.restart(2), qPrintable(set.error()));
        QVERIFY2(set.waitForConvergence(20000), qPrintable(set.describe()));
        QJsonArray primaryLog;
        QJsonArray memberLog;
        QVERIFY2(set.wal(0, 0, &primaryLog, &error), qPrintable(error));
        QVERIFY2(set.wal(2, 0, &memberLog, &error), qPrintable(error));
        QCOMPARE(memberLog, primaryLog);
        QCOMPARE(set.get(2, "/v1/db/" + kDb + "/docs/during-4?readPreference=nearest").status, 200);
        QCOMPARE(set.get(2, "/healthz").status, 200);
    }
};

QTEST_GUILESS_MAIN(TestStorageFaults)
#include "tst_storagefaults.moc"
