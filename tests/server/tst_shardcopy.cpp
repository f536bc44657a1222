// ShardCopy (one shard's part of a cluster backup) against scripted members:
// small HTTP servers on 127.0.0.1 that answer GET /v1/_replication/state as
// the test says and GET /v1/_replication/snapshot with a chosen failure. The
// rules checked are those no real cluster shows on demand: a member busy
// with another snapshot (503) uses up none of the kMaxAttempts failed
// copies, other failures do, and a file system without room for the copy
// refuses it before a byte is written.
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include "ClusterEvents.h"
#include "HealthMonitor.h"
#include "ShardCopy.h"

namespace {

// One member: its state answer, and how it answers snapshot requests.
class ScriptedMember : public QObject
{
public:
    enum class Snapshot { Busy, Broken, Huge };

    ScriptedMember(const QJsonObject &state, Snapshot snapshot)
        : m_state(state)
        , m_snapshot(snapshot)
    {
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }
    int snapshotRequests() const { return m_snapshotRequests; }

private:
    void serve(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        qsizetype end;
        while ((end = buffer.indexOf("\r\n\r\n")) >= 0) {
            const QByteArray head = buffer.left(end);
            buffer.remove(0, end + 4);
            const QByteArray target = head.split(' ').value(1);
            if (target == "/v1/_replication/state") {
                answer(socket, 200, QJsonDocument(m_state).toJson(QJsonDocument::Compact));
            } else if (target == "/v1/_replication/snapshot") {
                ++m_snapshotRequests;
                switch (m_snapshot) {
                case Snapshot::Busy:
                    answer(socket, 503, R"({"ok":false,"error":"a snapshot is already being made"})");
                    break;
                case Snapshot::Broken:
                    answer(socket, 500, R"({"ok":false,"error":"cannot read the database"})");
                    break;
                case Snapshot::Huge:
                    // A petabyte announced; the bytes never come.
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                  "Content-Length: 1000000000000000\r\nX-PeaceDB-Snapshot-Seq: 5\r\n"
                                  "X-PeaceDB-Snapshot-Term: 1\r\n\r\n");
                    break;
                }
            } else {
                answer(socket, 404, R"({"ok":false,"error":"not found"})");
            }
        }
    }

    static void answer(QTcpSocket *socket, int status, const QByteArray &body)
    {
        socket->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\nContent-Length: "
                      + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    }

    QTcpServer m_server;
    QJsonObject m_state;
    Snapshot m_snapshot;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    int m_snapshotRequests = 0;
};

QJsonObject memberState(bool primary)
{
    return QJsonObject{{QStringLiteral("role"), primary ? QStringLiteral("primary") : QStringLiteral("replica")},
                       {QStringLiteral("term"), 1},
                       {QStringLiteral("lastTerm"), 1},
                       {QStringLiteral("lastSeq"), 5},
                       {QStringLiteral("commitSeq"), 5},
                       {QStringLiteral("appliedSeq"), 5},
                       {QStringLiteral("rolledBack"), 0},
                       {QStringLiteral("lease"), primary},
                       {QStringLiteral("writable"), primary},
                       {QStringLiteral("readable"), primary},
                       {QStringLiteral("leader"), 0}};
}

// A set of three: member 0 the primary, 1 and 2 replicas, all answering
// snapshot requests the same way.
struct ThreeMembers
{
    explicit ThreeMembers(ScriptedMember::Snapshot snapshot)
        : primary(memberState(true), snapshot)
        , replica1(memberState(false), snapshot)
        , replica2(memberState(false), snapshot)
    {
    }
    QVector<ScriptedMember *> all() { return {&primary, &replica1, &replica2}; }
    int snapshotRequests() const
    {
        return primary.snapshotRequests() + replica1.snapshotRequests() + replica2.snapshotRequests();
    }

    ScriptedMember primary;
    ScriptedMember replica1;
    ScriptedMember replica2;
};

struct Outcome
{
    ShardCopy::Phase phase = ShardCopy::Phase::CommitPoint;
    QString error;
    qint64 fileBytes = -1;
    qint64 elapsedMs = 0;
};

// Runs one shard's copy from `members` (member 0 the primary) into a new file.
Outcome copyFrom(const QVector<ScriptedMember *> &members, qint64 waitTimeoutMs)
{
    QTemporaryDir directory;
    HealthMonitor::Settings settings;
    ShardLayout layout;
    for (const ScriptedMember *member : members)
        layout.members.append(member->url());
    settings.shards = {layout};
    settings.token = "token";
    settings.intervalMs = 100;
    settings.failoverTimeoutMs = 600;
    ClusterEvents events;
    HealthMonitor monitor(settings, &events); // not started: the copy asks the members itself
    ShardCopy::Settings copySettings;
    copySettings.path = directory.filePath(QStringLiteral("shard-0.sqlite"));
    copySettings.token = "token";
    copySettings.waitTimeoutMs = waitTimeoutMs;
    copySettings.replicaWaitMs = 0;
    copySettings.transferTimeoutMs = 10000;
    ShardCopy copy(&monitor, copySettings);
    QSignalSpy ended(&copy, &ShardCopy::ended);
    QElapsedTimer clock;
    clock.start();
    copy.start();
    Outcome outcome;
    if (!ended.wait(int(waitTimeoutMs) + 20000))
        return outcome;
    outcome.phase = copy.phase();
    outcome.error = copy.error();
    outcome.elapsedMs = clock.elapsed();
    outcome.fileBytes = QFileInfo(copySettings.path).exists() ? QFileInfo(copySettings.path).size() : -1;
    return outcome;
}

} // namespace

class TestShardCopy : public QObject
{
    Q_OBJECT

private slots:
    // Every member stays busy with another snapshot: the copy asks again
    // and again (more often than it may fail), and gives up only after the
    // phases' wait, saying why.
    void busyMembersUseUpNoAttempt()
    {
        ThreeMembers members(ScriptedMember::Snapshot::Busy);
        const qint64 waitMs = 1500;
        const Outcome outcome = copyFrom(members.all(), waitMs);
        QCOMPARE(outcome.phase, ShardCopy::Phase::Failed);
        QVERIFY2(outcome.error.contains(QStringLiteral("stayed busy (503)")), qPrintable(outcome.error));
        QVERIFY2(outcome.error.contains(QStringLiteral("a snapshot is already being made")), qPrintable(outcome.error));
        const int asked = members.snapshotRequests();
        QVERIFY2(asked > 2 * ShardCopy::kMaxAttempts, qPrintable(QString::number(asked)));
        // Counted in poll intervals, whose (coarse) timers may fire up to 5 % early.
        QVERIFY2(outcome.elapsedMs >= waitMs * 9 / 10, qPrintable(QString::number(outcome.elapsedMs)));
    }

    // A member whose copy fails is passed over, and after kMaxAttempts
    // failed copies the shard's copy fails with the last reason.
    void failedCopiesUseUpTheAttempts()
    {
        ThreeMembers members(ScriptedMember::Snapshot::Broken);
        const Outcome outcome = copyFrom(members.all(), 10000);
        QCOMPARE(outcome.phase, ShardCopy::Phase::Failed);
        QVERIFY2(outcome.error.contains(QStringLiteral("%1 copies failed").arg(ShardCopy::kMaxAttempts)), qPrintable(outcome.error));
        QVERIFY2(outcome.error.contains(QStringLiteral("cannot read the database")), qPrintable(outcome.error));
        // Each member once: replicas first, then the primary.
        QCOMPARE(members.replica1.snapshotRequests(), 1);
        QCOMPARE(members.replica2.snapshotRequests(), 1);
        QCOMPARE(members.primary.snapshotRequests(), 1);
    }

    // A copy larger than the file system's room is refused when its size
    // is announced, before a byte is written, and no other member is asked
    // (the backup's disk, not the member, is the problem).
    void noRoomRefusesTheCopyBeforeWriting()
    {
        ThreeMembers members(ScriptedMember::Snapshot::Huge);
        const Outcome outcome = copyFrom(members.all(), 10000);
        QCOMPARE(outcome.phase, ShardCopy::Phase::Failed);
        QVERIFY2(outcome.error.contains(QStringLiteral("not enough free space")), qPrintable(outcome.error));
        QCOMPARE(outcome.fileBytes, qint64(0));
        QCOMPARE(members.snapshotRequests(), 1);
    }
};

QTEST_GUILESS_MAIN(TestShardCopy)
#include "tst_shardcopy.moc"
