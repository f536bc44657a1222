// Process test: replica sets of real peacedb-server processes
// (docs/replication.md), three members on ephemeral ports of 127.0.0.1.
//
//   bootstrap            a new set elects member 0 in term 1; a write on the
//                        primary is read on every member; replicas refuse
//                        client writes with 503 "not primary" and the
//                        primary's URL; /healthz everywhere
//   quorum               one replica down: writes go on; both down: 503,
//                        nothing readable, and after the restart the
//                        "unknown" write is on all members or on none
//   failover             SIGKILL of the primary under concurrent writers,
//                        promotion of a replica: every acknowledged write
//                        survives everywhere, the old primary rejoins as a
//                        replica of the new term
//   rollback             an unacknowledged tail of the old primary is rolled
//                        back (replicas SIGKILLed), or consistently kept
//                        (replicas SIGSTOPped: buffered appends may arrive)
//   emptyMember          a member started empty converges to the same log
//   catchUp              a replica down during 10,000 writes catches up from
//                        the log, or from a snapshot with a short log
//   promotionNeedsUpToDateLog   a replica missing committed entries
//                        cannot win an election; one holding them can
//   concurrentPromotions two promotions race for one term: never two winners
//   wholeSetRestart      a restarted set waits for a promotion and keeps
//                        every write
//   rollbackThenSnapshot, divergentMemberNeedsSnapshot   snapshots and
//                        rolled-back tails together
//   stepDownAnswersPendingWrites   writes waiting for a quorum are answered
//                        503 when the primary steps down
//   bootstrapPrimaryFirst  a new set whose primary starts first still forms,
//                        in term 1
//   configuredPrimaryWithAnEmptyDiskDoesNotDisturb   member 0 rejoining
//                        with no data leaves the set's primary alone
//   security             internal endpoints refuse a missing or wrong token
//   stepDown             a primary steps down; another member is promoted
//
// Every wait is bounded; each test starts its own set and stops it.
#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QTest>
#include <QUrl>
#include <QThread>

#include <atomic>
#include <memory>
#include <vector>

#include "DocumentWriter.h"
#include "ReplicaSetProcesses.h"
#include "TestHttpClient.h"

namespace {

const QByteArray kDb = "rs";
constexpr int kStartTimeoutMs = 30000;
constexpr int kReplicateTimeoutMs = 20000;

QByteArray docPath(const QString &id)
{
    return DocumentWriter::documentPath(kDb, id);
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray docBody(const QString &value)
{
    return DocumentWriter::documentBody(value);
}

QString show(const TestHttpResponse &response)
{
    return QStringLiteral("%1 %2 %3").arg(response.status).arg(response.error, QString::fromUtf8(response.body.left(400)));
}

// A member's own committed state: reads that name a member ask for
// readPreference=nearest (a replica, or a primary without its lease, refuses
// the default linearizable read).
QByteArray onMember(const QByteArray &path)
{
    return path + (path.contains('?') ? "&" : "?") + "readPreference=nearest";
}

// Every document of the database on `member`, tombstones included:
// id -> rev. False (with *error) when a page fails.
bool allDocuments(ReplicaSetProcesses &set, int member, QHash<QString, QString> *out, QString *error)
{
    out->clear();
    QByteArray after;
    for (;;) {
        const QByteArray path = "/v1/db/" + kDb + "/_all_docs?limit=1000" + (after.isEmpty() ? QByteArray() : "&after=" + after);
        const TestHttpResponse page = set.get(member, onMember(path));
        if (page.status != 200) {
            *error = QStringLiteral("member %1 %2: %3").arg(member).arg(QString::fromUtf8(path), show(page));
            return false;
        }
        const QJsonArray items = page.json().value(QStringLiteral("items")).toArray();
        for (const QJsonValue &item : items) {
            const QJsonObject doc = item.toObject();
            out->insert(doc.value(QStringLiteral("id")).toString(), doc.value(QStringLiteral("rev")).toString());
            after = QUrl::toPercentEncoding(doc.value(QStringLiteral("id")).toString());
        }
        if (items.size() < 1000)
            return true;
    }
}

// The rev of `id` on `member`: empty if it is missing (404); "?" plus the
// answer for anything else.
QString revOn(ReplicaSetProcesses &set, int member, const QString &id)
{
    const TestHttpResponse read = set.get(member, onMember(docPath(id)));
    if (read.status == 200)
        return read.json().value(QStringLiteral("rev")).toString();
    if (read.status == 404)
        return QString();
    return QStringLiteral("?") + show(read);
}

bool hasEvent(const QJsonObject &state, const QString &kind)
{
    for (const QJsonValue &event : state.value(QStringLiteral("events")).toArray()) {
        if (event.toObject().value(QStringLiteral("kind")).toString() == kind)
            return true;
    }
    return false;
}

QString eventKinds(const QJsonObject &state)
{
    QStringList kinds;
    for (const QJsonValue &event : state.value(QStringLiteral("events")).toArray())
        kinds.append(event.toObject().value(QStringLiteral("kind")).toString());
    return kinds.join(QLatin1Char(','));
}

// The log of `member` as the raw bytes of its /v1/_replication/wal pages
// (since=0, 1000 entries a page), each from its "entries" field on.
bool walPages(ReplicaSetProcesses &set, int member, QList<QByteArray> *pages, qint64 *entryCount, QString *error)
{
    *entryCount = 0;
    for (qint64 since = 0;;) {
        const TestHttpResponse page = set.get(member, "/v1/_replication/wal?limit=1000&since=" + QByteArray::number(since), 20000);
        const qsizetype start = page.body.indexOf("\"entries\":[");
        if (page.status != 200 || start < 0) {
            *error = QStringLiteral("member %1 /v1/_replication/wal?since=%2: %3").arg(member).arg(since).arg(show(page));
            return false;
        }
        const QJsonArray entries = page.json().value(QStringLiteral("entries")).toArray();
        if (entries.isEmpty())
            return true;
        pages->append(page.body.mid(start));
        *entryCount += entries.size();
        since = entries.last().toObject().value(QStringLiteral("seq")).toInteger();
    }
}

// Compares the whole logs of `members` byte for byte (every entry's seq,
// term, op, db, id, rev, timestamp and body); returns the first difference.
QString compareLogs(ReplicaSetProcesses &set, const QList<int> &members, qint64 *entryCount = nullptr)
{
    QList<QByteArray> reference;
    qint64 referenceCount = 0;
    QString error;
    if (!walPages(set, members.first(), &reference, &referenceCount, &error))
        return error;
    if (entryCount)
        *entryCount = referenceCount;
    for (qsizetype m = 1; m < members.size(); ++m) {
        QList<QByteArray> other;
        qint64 otherCount = 0;
        if (!walPages(set, members.at(m), &other, &otherCount, &error))
            return error;
        if (otherCount != referenceCount) {
            return QStringLiteral("member %1 has %2 log entries, member %3 has %4")
                .arg(members.at(m))
                .arg(otherCount)
                .arg(members.first())
                .arg(referenceCount);
        }
        for (qsizetype p = 0; p < reference.size(); ++p) {
            if (other.at(p) == reference.at(p))
                continue;
            // Name the first entry that differs.
            const QJsonArray mine = QJsonDocument::fromJson("{" + reference.at(p)).object().value(QStringLiteral("entries")).toArray();
            const QJsonArray theirs = QJsonDocument::fromJson("{" + other.at(p)).object().value(QStringLiteral("entries")).toArray();
            for (qsizetype i = 0; i < qMax(mine.size(), theirs.size()); ++i) {
                if (i >= mine.size() || i >= theirs.size() || mine.at(i) != theirs.at(i)) {
                    return QStringLiteral("log entry %1 differs: member %2 has %3, member %4 has %5")
                        .arg(p * 1000 + i + 1)
                        .arg(members.at(m))
                        .arg(QString::fromUtf8(compact(theirs.at(i).toObject()).left(300)))
                        .arg(members.first())
                        .arg(QString::fromUtf8(compact(mine.at(i).toObject()).left(300)));
                }
            }
            return QStringLiteral("wal page %1 of member %2 differs in its bytes from member %3's:\n%4\n%5")
                .arg(p)
                .arg(members.at(m))
                .arg(members.first())
                .arg(QString::fromUtf8(other.at(p).left(300)), QString::fromUtf8(reference.at(p).left(300)));
        }
    }
    return QString();
}

// Which of two replicas a coordinator would promote: the higher
// (lastTerm, lastSeq).
int bestCandidate(ReplicaSetProcesses &set, int a, int b)
{
    const QJsonObject sa = set.state(a);
    const QJsonObject sb = set.state(b);
    const auto key = [](const QJsonObject &s) {
        return std::make_pair(s.value(QStringLiteral("lastTerm")).toInteger(), s.value(QStringLiteral("lastSeq")).toInteger());
    };
    return key(sb) > key(sa) ? b : a;
}

// A client reading from one member on its own thread and connection until
// stopped; keeps every answer that is neither a document (200) nor "not
// found" (404).
class Reader
{
public:
    Reader(quint16 port, const std::atomic<bool> *stop)
        : m_port(port)
        , m_stop(stop)
    {
    }

    void run()
    {
        TestHttpClient client(m_port);
        for (int n = 0; !m_stop->load(); ++n) {
            const QByteArray path = n % 2 ? docPath(QStringLiteral("bulk0-%1").arg(n % 1000)) : "/v1/db/" + kDb + "/_all_docs?limit=3";
            const TestHttpResponse response = client.get(onMember(path));
            ++m_reads;
            if (response.status != 200 && response.status != 404)
                m_unexpected.append(QString::fromUtf8(path) + QStringLiteral(": ") + show(response));
            if (response.status == 0)
                QThread::msleep(20);
        }
    }

    int reads() const { return m_reads; }
    const QStringList &unexpected() const { return m_unexpected; }

private:
    quint16 m_port;
    const std::atomic<bool> *m_stop;
    int m_reads = 0;
    QStringList m_unexpected;
};

// What a failover test does to the old primary.
enum class OldPrimary { Killed, Paused, Running };

} // namespace

class TestReplication : public QObject
{
    Q_OBJECT

private:
    // Starts `set` (the members given, all when empty), waits for member 0
    // to be the writable primary and creates the database.
    void startSet(ReplicaSetProcesses &set, const QList<int> &members = {})
    {
        QVERIFY2(set.isValid(), qPrintable(set.error()));
        QVERIFY2(set.start(members), qPrintable(set.error()));
        const int primary = set.waitForPrimary(kStartTimeoutMs);
        QVERIFY2(primary == 0, qPrintable(QStringLiteral("primary %1 after start:\n%2").arg(primary).arg(set.describe())));
        const TestHttpResponse created = set.request(0, "PUT", "/v1/db/" + kDb);
        QVERIFY2(created.status == 201, qPrintable(show(created)));
    }

    // A PUT of a new document on `member`.
    static TestHttpResponse write(ReplicaSetProcesses &set, int member, const QString &id, int timeoutMs = 15000)
    {
        return set.request(member, "PUT", docPath(id), docBody(id), timeoutMs);
    }

    // Waits until `id` has `rev` on every member in `members`.
    void waitForDocument(ReplicaSetProcesses &set, const QList<int> &members, const QString &id, const QString &rev)
    {
        for (int member : members) {
            QString seen;
            const bool arrived = set.waitUntil(
                [&] {
                    seen = revOn(set, member, id);
                    return seen == rev;
                },
                kReplicateTimeoutMs);
            QVERIFY2(arrived, qPrintable(QStringLiteral("member %1: %2 has rev '%3', expected '%4'\n%5")
                                             .arg(member)
                                             .arg(id, seen, rev, set.describe())));
        }
    }

    // Member 0, primary of term 1, appends a tail nobody else gets (its
    // write gets 503) and goes down; member 1 becomes primary of term 2.
    void leaveATailOnMember0(ReplicaSetProcesses &set)
    {
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        set.kill(1);
        set.kill(2);
        const TestHttpResponse tail = write(set, 0, QStringLiteral("tail"), 20000);
        QVERIFY2(tail.status == 503, qPrintable(show(tail)));
        set.kill(0);
        QVERIFY2(set.startMember(1), qPrintable(set.error()));
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        const TestHttpResponse promoted = set.request(1, "POST", "/v1/_replication/promote", {}, 15000);
        QVERIFY2(promoted.status == 200, qPrintable(show(promoted) + QLatin1Char('\n') + set.describe()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 1);
    }

    // 1,500 new documents "s-<i>" through `primary`, then waits until its
    // log is compacted (the set runs with a short log retention).
    void writeUntilCompacted(ReplicaSetProcesses &set, int primary)
    {
        for (int half = 0; half < 2; ++half) {
            QJsonArray docs;
            for (int i = half * 750; i < (half + 1) * 750; ++i)
                docs.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("s-%1").arg(i)}, {QStringLiteral("data"), QJsonObject{{QStringLiteral("i"), i}}}});
            const TestHttpResponse bulk =
                set.request(primary, "POST", "/v1/db/" + kDb + "/_bulk_docs", compact(QJsonObject{{QStringLiteral("docs"), docs}}), 30000);
            QVERIFY2(bulk.status == 200, qPrintable(show(bulk)));
        }
        QVERIFY2(set.waitUntil([&] { return set.state(primary).value(QStringLiteral("compactedSeq")).toInteger() > 10; }, 10000),
                 qPrintable(set.describe()));
    }

private slots:
    void bootstrap()
    {
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        for (int member = 0; member < set.size(); ++member) {
            const QJsonObject state = set.state(member);
            QCOMPARE(state.value(QStringLiteral("term")).toInteger(), qint64(1));
            QCOMPARE(state.value(QStringLiteral("primary")).toString(), set.url(0));
            QCOMPARE(state.value(QStringLiteral("role")).toString(),
                     member == 0 ? QStringLiteral("primary") : QStringLiteral("replica"));
            QCOMPARE(state.value(QStringLiteral("member")).toInt(), member);
        }

        const TestHttpResponse written = write(set, 0, QStringLiteral("apple"));
        QVERIFY2(written.status == 200, qPrintable(show(written)));
        const QString rev = written.json().value(QStringLiteral("rev")).toString();
        QVERIFY(rev.startsWith(QLatin1String("1-")));
        waitForDocument(set, {0, 1, 2}, QStringLiteral("apple"), rev);
        if (QTest::currentTestFailed())
            return;
        for (int member = 0; member < set.size(); ++member) {
            const QJsonObject doc = set.get(member, onMember(docPath(QStringLiteral("apple")))).json();
            QCOMPARE(doc.value(QStringLiteral("data")).toObject().value(QStringLiteral("value")).toString(), QStringLiteral("apple"));
        }

        // Replicas refuse client writes and name the primary.
        for (int replica : {1, 2}) {
            const QString id = QStringLiteral("refused-%1").arg(replica);
            const TestHttpResponse refused = write(set, replica, id);
            QVERIFY2(refused.status == 503, qPrintable(show(refused)));
            QCOMPARE(refused.json().value(QStringLiteral("error")).toString(), QStringLiteral("not primary"));
            QCOMPARE(refused.json().value(QStringLiteral("primary")).toString(), set.url(0));
            const TestHttpResponse bulk = set.request(replica, "POST", "/v1/db/" + kDb + "/_bulk_docs",
                                                      "{\"docs\":[{\"id\":\"refused-bulk\",\"data\":{}}]}");
            QVERIFY2(bulk.status == 503, qPrintable(show(bulk)));
            const TestHttpResponse database = set.request(replica, "PUT", "/v1/db/refuseddb");
            QVERIFY2(database.status == 503, qPrintable(show(database)));
        }
        // A later write that reached every member proves the refused ones
        // are nowhere (a request that fails changes nothing).
        const TestHttpResponse barrier = write(set, 0, QStringLiteral("barrier"));
        QVERIFY2(barrier.status == 200, qPrintable(show(barrier)));
        waitForDocument(set, {0, 1, 2}, QStringLiteral("barrier"), barrier.json().value(QStringLiteral("rev")).toString());
        if (QTest::currentTestFailed())
            return;
        for (int member = 0; member < set.size(); ++member) {
            for (const QString &id : {QStringLiteral("refused-1"), QStringLiteral("refused-2"), QStringLiteral("refused-bulk")})
                QCOMPARE(revOn(set, member, id), QString());
            QCOMPARE(set.get(member, onMember("/v1/db/refuseddb")).status, 404);
        }

        for (int member = 0; member < set.size(); ++member) {
            const TestHttpResponse health = set.get(member, "/healthz");
            QVERIFY2(health.status == 200, qPrintable(QStringLiteral("member %1: %2").arg(member).arg(show(health))));
            QCOMPARE(health.json().value(QStringLiteral("ok")).toBool(), true);
            QCOMPARE(health.json().value(QStringLiteral("writable")).toBool(), member == 0);
        }
    }

    void quorum()
    {
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;

        // One replica down: two of three still make the write quorum.
        set.kill(2);
        const TestHttpResponse oneDown = write(set, 0, QStringLiteral("one-down"));
        QVERIFY2(oneDown.status == 200, qPrintable(show(oneDown) + QLatin1Char('\n') + set.describe()));
        waitForDocument(set, {0, 1}, QStringLiteral("one-down"), oneDown.json().value(QStringLiteral("rev")).toString());
        if (QTest::currentTestFailed())
            return;
        // The primary reports the dead replica offline once FailoverTimeoutMs passed, the live one in sync.
        QJsonArray members;
        QVERIFY2(set.waitUntil(
                     [&] {
                         const QJsonObject primary = set.state(0);
                         members = primary.value(QStringLiteral("members")).toArray();
                         const qint64 lastSeq = primary.value(QStringLiteral("lastSeq")).toInteger();
                         return members.size() == 3
                             && members.at(2).toObject().value(QStringLiteral("state")).toString() == QLatin1String("Offline")
                             && members.at(1).toObject().value(QStringLiteral("state")).toString() == QLatin1String("InSync")
                             && members.at(1).toObject().value(QStringLiteral("matchSeq")).toInteger() == lastSeq
                             && members.at(1).toObject().value(QStringLiteral("lagEntries")).toInteger() == 0;
                     },
                     10000),
                 qPrintable(QString::fromUtf8(QJsonDocument(members).toJson(QJsonDocument::Compact))));

        // Both down: the write cannot commit; its outcome is unknown.
        set.kill(1);
        QElapsedTimer clock;
        clock.start();
        const TestHttpResponse bothDown = write(set, 0, QStringLiteral("both-down"), 20000);
        const qint64 waitedMs = clock.elapsed();
        QVERIFY2(bothDown.status == 503, qPrintable(show(bothDown)));
        QVERIFY2(bothDown.json().value(QStringLiteral("error")).toString().startsWith(QLatin1String("quorum not reached")),
                 qPrintable(show(bothDown)));
        // Answered after WriteTimeoutMs (3000 ms; timers may fire up to 5 % early), not at once.
        QVERIFY2(waitedMs >= 2800 && waitedMs < 3000 + 5000,
                 qPrintable(QStringLiteral("the 503 took %1 ms (WriteTimeoutMs 3000)").arg(waitedMs)));
        QCOMPARE(revOn(set, 0, QStringLiteral("both-down")), QString()); // reads see committed state only

        // Without a majority for FailoverTimeoutMs the primary refuses at once.
        QVERIFY2(set.waitUntil([&] { return !set.state(0).value(QStringLiteral("writable")).toBool(); }, 10000), qPrintable(set.describe()));
        clock.restart();
        const TestHttpResponse noLease = write(set, 0, QStringLiteral("no-lease"));
        QVERIFY2(noLease.status == 503, qPrintable(show(noLease)));
        QVERIFY2(noLease.json().value(QStringLiteral("error")).toString().startsWith(QLatin1String("no quorum")), qPrintable(show(noLease)));
        QVERIFY2(clock.elapsed() < 2500, qPrintable(QStringLiteral("refusing took %1 ms (WriteTimeoutMs 3000)").arg(clock.elapsed())));
        QCOMPARE(revOn(set, 0, QStringLiteral("both-down")), QString());
        QCOMPARE(revOn(set, 0, QStringLiteral("no-lease")), QString());
        const TestHttpResponse health = set.get(0, "/healthz");
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json().value(QStringLiteral("writable")).toBool(), false);

        // The replicas come back: the outcome is the same everywhere.
        QVERIFY2(set.startMember(1), qPrintable(set.error()));
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        const int primary = set.waitForPrimary(kStartTimeoutMs);
        QVERIFY2(primary >= 0, qPrintable(set.describe()));
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        QVERIFY2(set.waitUntil(
                     [&] {
                         members = set.state(primary).value(QStringLiteral("members")).toArray();
                         for (const QJsonValue &member : std::as_const(members)) {
                             if (member.toObject().value(QStringLiteral("state")).toString() != QLatin1String("InSync")
                                 || member.toObject().value(QStringLiteral("lagEntries")).toInteger() != 0)
                                 return false;
                         }
                         return members.size() == 3;
                     },
                     10000),
                 qPrintable(QString::fromUtf8(QJsonDocument(members).toJson(QJsonDocument::Compact))));
        const QString outcome = revOn(set, primary, QStringLiteral("both-down"));
        QVERIFY2(!outcome.startsWith(QLatin1Char('?')), qPrintable(outcome));
        qInfo("the unacknowledged write is %s", outcome.isEmpty() ? "on no member" : "committed on every member");
        for (int member = 0; member < set.size(); ++member) {
            QCOMPARE(revOn(set, member, QStringLiteral("both-down")), outcome);
            QCOMPARE(revOn(set, member, QStringLiteral("no-lease")), QString());
            QCOMPARE(revOn(set, member, QStringLiteral("one-down")), oneDown.json().value(QStringLiteral("rev")).toString());
        }
        const QString logs = compareLogs(set, {0, 1, 2});
        QVERIFY2(logs.isEmpty(), qPrintable(logs));
    }

    void failover_data()
    {
        QTest::addColumn<int>("how"); // what happens to the old primary
        QTest::newRow("primary SIGKILLed") << int(OldPrimary::Killed);
        QTest::newRow("primary SIGSTOPped, resumed after the promotion") << int(OldPrimary::Paused);
        QTest::newRow("running primary deposed by the promotion") << int(OldPrimary::Running);
    }
    void failover()
    {
        QFETCH(int, how);
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;

        constexpr int kWriters = 4;
        std::atomic<int> target{set.port(0)};
        std::atomic<bool> stop{false};
        std::atomic<int> acked{0};
        std::vector<std::unique_ptr<DocumentWriter>> writers;
        std::vector<std::unique_ptr<QThread>> threads;
        const auto stopWriters = qScopeGuard([&] {
            stop = true;
            for (const auto &thread : threads)
                thread->wait(30000);
        });
        for (int w = 0; w < kWriters; ++w) {
            writers.push_back(std::make_unique<DocumentWriter>(kDb, QStringLiteral("w%1").arg(w), &target, &stop, &acked));
            DocumentWriter *writer = writers.back().get();
            threads.emplace_back(QThread::create([writer] { writer->run(); }));
            threads.back()->start();
        }
        QVERIFY2(set.waitUntil([&] { return acked.load() >= 200; }, 20000),
                 qPrintable(QStringLiteral("%1 writes acknowledged\n%2").arg(acked.load()).arg(set.describe())));

        const qint64 oldTerm = set.state(1).value(QStringLiteral("term")).toInteger();
        QCOMPARE(oldTerm, qint64(1));
        if (how == int(OldPrimary::Paused))
            set.pause(0);
        else if (how == int(OldPrimary::Killed))
            set.kill(0);
        const int ackedAtFailover = acked.load();
        int chosen = bestCandidate(set, 1, 2);
        TestHttpResponse promoted = set.request(chosen, "POST", "/v1/_replication/promote",
                                                compact(QJsonObject{{QStringLiteral("term"), oldTerm + 1}}), 15000);
        // Against a running primary, the chosen replica may have missed its
        // latest entries and lose; the deposed primary stops writing, so an
        // operator's retry (for the next term) converges.
        for (int retry = 0; retry < 3 && how == int(OldPrimary::Running) && promoted.status == 409; ++retry) {
            set.sleep(200);
            chosen = bestCandidate(set, 1, 2);
            promoted = set.request(chosen, "POST", "/v1/_replication/promote", {}, 15000);
        }
        const int other = chosen == 1 ? 2 : 1;
        QVERIFY2(promoted.status == 200, qPrintable(show(promoted) + QLatin1Char('\n') + set.describe()));
        const qint64 newTerm = promoted.json().value(QStringLiteral("term")).toInteger();
        if (how != int(OldPrimary::Running))
            QCOMPARE(newTerm, oldTerm + 1);
        QVERIFY(newTerm > oldTerm);
        QCOMPARE(promoted.json().value(QStringLiteral("role")).toString(), QStringLiteral("primary"));
        target = set.port(chosen);
        if (how == int(OldPrimary::Paused)) {
            // The old primary wakes up with client writes buffered in its
            // sockets: it has no lease, and learns the new term.
            set.resume(0);
        }
        if (how != int(OldPrimary::Killed)) {
            QVERIFY2(set.waitUntil(
                         [&] {
                             const QJsonObject old = set.state(0);
                             return old.value(QStringLiteral("role")).toString() == QLatin1String("replica")
                                 && old.value(QStringLiteral("term")).toInteger() == newTerm;
                         },
                         kReplicateTimeoutMs),
                     qPrintable(set.describe()));
        }
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), chosen);
        QVERIFY2(set.waitUntil([&] { return acked.load() >= ackedAtFailover + 200; }, 30000),
                 qPrintable(QStringLiteral("%1 writes acknowledged, %2 at the failover\n%3").arg(acked.load()).arg(ackedAtFailover).arg(set.describe())));
        stop = true;
        for (const auto &thread : threads)
            QVERIFY(thread->wait(30000));

        QHash<QString, QString> expected;
        QStringList unexpected;
        int notAcknowledged = 0;
        for (const auto &writer : writers) {
            for (auto it = writer->acknowledgedWrites().begin(); it != writer->acknowledgedWrites().end(); ++it)
                expected.insert(it.key(), it.value());
            unexpected += writer->unexpected();
            notAcknowledged += int(writer->notAcknowledged().size());
        }
        QVERIFY2(unexpected.isEmpty(), qPrintable(unexpected.mid(0, 10).join(QLatin1Char('\n'))));
        qInfo("%lld writes acknowledged (%d before the failover), %d not acknowledged", qint64(expected.size()), ackedAtFailover, notAcknowledged);

        // Every acknowledged write is on the new primary...
        const auto check = [&](int member) {
            QHash<QString, QString> stored;
            QString error;
            if (!allDocuments(set, member, &stored, &error))
                return error;
            QStringList missing;
            for (auto it = expected.begin(); it != expected.end(); ++it) {
                if (stored.value(it.key()) != it.value())
                    missing.append(QStringLiteral("%1: acknowledged %2, stored '%3'").arg(it.key(), it.value(), stored.value(it.key())));
            }
            return missing.isEmpty() ? QString()
                                     : QStringLiteral("member %1: %2 acknowledged writes lost:\n%3")
                                           .arg(member)
                                           .arg(missing.size())
                                           .arg(missing.mid(0, 10).join(QLatin1Char('\n')));
        };
        QString problems = check(chosen);
        QVERIFY2(problems.isEmpty(), qPrintable(problems));

        // ...and, once the old primary is back, on every member.
        if (how == int(OldPrimary::Killed))
            QVERIFY2(set.startMember(0), qPrintable(set.error()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), chosen);
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        const QJsonObject old = set.state(0);
        QCOMPARE(old.value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        QCOMPARE(old.value(QStringLiteral("term")).toInteger(), newTerm);
        QCOMPARE(old.value(QStringLiteral("primary")).toString(), set.url(chosen));
        for (int member : {0, other}) {
            problems = check(member);
            QVERIFY2(problems.isEmpty(), qPrintable(problems));
        }
        // Unknown writes too are the same everywhere: all members hold the
        // same documents and the same log.
        QHash<QString, QString> reference;
        QString error;
        QVERIFY2(allDocuments(set, chosen, &reference, &error), qPrintable(error));
        for (int member : {0, other}) {
            QHash<QString, QString> stored;
            QVERIFY2(allDocuments(set, member, &stored, &error), qPrintable(error));
            QVERIFY2(stored == reference, qPrintable(QStringLiteral("member %1 holds %2 documents, member %3 %4")
                                                         .arg(member)
                                                         .arg(stored.size())
                                                         .arg(chosen)
                                                         .arg(reference.size())));
        }
        const QString logs = compareLogs(set, {chosen, 0, other});
        QVERIFY2(logs.isEmpty(), qPrintable(logs));
        // The replicas name the new primary to clients.
        for (int member : {0, other}) {
            const TestHttpResponse refused = write(set, member, QStringLiteral("to-replica-%1").arg(member));
            QVERIFY2(refused.status == 503, qPrintable(show(refused)));
            QCOMPARE(refused.json().value(QStringLiteral("primary")).toString(), set.url(chosen));
        }
    }

    void rollback_data()
    {
        QTest::addColumn<bool>("sigstop");
        QTest::newRow("replicas SIGKILLed") << false;
        QTest::newRow("replicas SIGSTOPped") << true;
    }
    void rollback()
    {
        QFETCH(bool, sigstop);
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        const TestHttpResponse before = write(set, 0, QStringLiteral("before"));
        QVERIFY2(before.status == 200, qPrintable(show(before)));
        const QString beforeRev = before.json().value(QStringLiteral("rev")).toString();
        const TestHttpResponse doomed = write(set, 0, QStringLiteral("doomed"));
        QVERIFY2(doomed.status == 200, qPrintable(show(doomed)));
        const QString doomedRev = doomed.json().value(QStringLiteral("rev")).toString();
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        const qint64 divergenceSeq = set.state(0).value(QStringLiteral("lastSeq")).toInteger();

        // The primary appends writes no replica receives (or processes): a
        // new document, an update, a delete and a new database, at once.
        for (int replica : {1, 2}) {
            if (sigstop)
                set.pause(replica);
            else
                set.kill(replica);
        }
        struct TailWrite
        {
            QByteArray method;
            QByteArray path;
            QByteArray body;
        };
        const QList<TailWrite> tailWrites{
            {"PUT", docPath(QStringLiteral("tail")), docBody(QStringLiteral("tail"))},
            {"PUT", docPath(QStringLiteral("before")),
             compact(QJsonObject{{QStringLiteral("rev"), beforeRev}, {QStringLiteral("data"), QJsonObject{{QStringLiteral("tail"), true}}}})},
            {"DELETE", docPath(QStringLiteral("doomed")) + "?rev=" + doomedRev.toUtf8(), {}},
            {"PUT", "/v1/db/taildb", {}},
        };
        std::vector<std::unique_ptr<TestHttpClient>> clients;
        for (const TailWrite &tailWrite : tailWrites) {
            clients.push_back(std::make_unique<TestHttpClient>(set.port(0)));
            QString error;
            QVERIFY2(clients.back()->send(clients.back()->requestBytes(tailWrite.method, tailWrite.path, tailWrite.body), &error),
                     qPrintable(error));
        }
        for (qsizetype i = 0; i < tailWrites.size(); ++i) {
            const TestHttpResponse answer = clients.at(size_t(i))->receive(false, 20000);
            QVERIFY2(answer.status == 503, qPrintable(QString::fromUtf8(tailWrites.at(i).path) + QLatin1Char(' ') + show(answer)));
            QVERIFY2(answer.json().value(QStringLiteral("error")).toString().startsWith(QLatin1String("quorum not reached")),
                     qPrintable(show(answer)));
        }
        // Reads see committed state only.
        const auto checkTailInvisible = [&](int member) {
            QCOMPARE(revOn(set, member, QStringLiteral("tail")), QString());
            QCOMPARE(revOn(set, member, QStringLiteral("before")), beforeRev);
            QCOMPARE(revOn(set, member, QStringLiteral("doomed")), doomedRev);
            QCOMPARE(set.get(member, onMember("/v1/db/taildb")).status, 404);
        };
        checkTailInvisible(0);
        if (QTest::currentTestFailed())
            return;
        const QJsonObject primaryState = set.state(0);
        const qint64 tailSeq = primaryState.value(QStringLiteral("lastSeq")).toInteger();
        QCOMPARE(tailSeq, divergenceSeq + tailWrites.size());
        QCOMPARE(primaryState.value(QStringLiteral("commitSeq")).toInteger(), divergenceSeq);
        set.kill(0);
        if (!sigstop) {
            // Restarted alone, the old primary still shows only committed state.
            QVERIFY2(set.startMember(0), qPrintable(set.error()));
            const QJsonObject restarted = set.state(0);
            QCOMPARE(restarted.value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
            QCOMPARE(restarted.value(QStringLiteral("lastSeq")).toInteger(), tailSeq);
            QCOMPARE(restarted.value(QStringLiteral("commitSeq")).toInteger(), divergenceSeq);
            QCOMPARE(restarted.value(QStringLiteral("appliedSeq")).toInteger(), divergenceSeq);
            checkTailInvisible(0);
            if (QTest::currentTestFailed())
                return;
            set.kill(0);
        }

        // A replica becomes primary of term 2 and writes over the tail.
        for (int replica : {1, 2}) {
            if (sigstop)
                set.resume(replica);
            else
                QVERIFY2(set.startMember(replica), qPrintable(set.error()));
        }
        const int chosen = bestCandidate(set, 1, 2);
        const TestHttpResponse promoted = set.request(chosen, "POST", "/v1/_replication/promote", {}, 15000);
        QVERIFY2(promoted.status == 200, qPrintable(show(promoted) + QLatin1Char('\n') + set.describe()));
        QCOMPARE(promoted.json().value(QStringLiteral("term")).toInteger(), qint64(2));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), chosen);
        const TestHttpResponse after = write(set, chosen, QStringLiteral("after"));
        QVERIFY2(after.status == 200, qPrintable(show(after)));
        const QString currentBeforeRev = revOn(set, chosen, QStringLiteral("before"));
        const TestHttpResponse updated = set.request(chosen, "PUT", docPath(QStringLiteral("before")),
                                                     compact(QJsonObject{{QStringLiteral("rev"), currentBeforeRev},
                                                                         {QStringLiteral("data"), QJsonObject{{QStringLiteral("term"), 2}}}}));
        QVERIFY2(updated.status == 200, qPrintable(show(updated)));

        QVERIFY2(set.startMember(0), qPrintable(set.error()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), chosen);
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        const QJsonObject old = set.state(0);
        QCOMPARE(old.value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        QCOMPARE(old.value(QStringLiteral("term")).toInteger(), qint64(2));
        const QString logs = compareLogs(set, {chosen, 0, chosen == 1 ? 2 : 1});
        QVERIFY2(logs.isEmpty(), qPrintable(logs));

        // Every member shows the same outcome.
        const QString tailOutcome = revOn(set, chosen, QStringLiteral("tail"));
        const QString doomedOutcome = revOn(set, chosen, QStringLiteral("doomed"));
        const int tailDbOutcome = set.get(chosen, onMember("/v1/db/taildb")).status;
        for (int member = 0; member < set.size(); ++member) {
            QCOMPARE(revOn(set, member, QStringLiteral("tail")), tailOutcome);
            QCOMPARE(revOn(set, member, QStringLiteral("doomed")), doomedOutcome);
            QCOMPARE(set.get(member, onMember("/v1/db/taildb")).status, tailDbOutcome);
            QCOMPARE(revOn(set, member, QStringLiteral("after")), after.json().value(QStringLiteral("rev")).toString());
            QCOMPARE(revOn(set, member, QStringLiteral("before")), updated.json().value(QStringLiteral("rev")).toString());
        }
        if (!sigstop) {
            // The replicas never held the tail: it was rolled back on the old primary.
            QCOMPARE(tailOutcome, QString());
            QCOMPARE(doomedOutcome, doomedRev);
            QCOMPARE(tailDbOutcome, 404);
            QCOMPARE(currentBeforeRev, beforeRev);
            QVERIFY2(old.value(QStringLiteral("rolledBack")).toInteger() >= tailWrites.size(), qPrintable(set.describe()));
            QVERIFY2(hasEvent(old, QStringLiteral("rolled-back")), qPrintable(eventKinds(old)));
            QJsonArray entries;
            QString error;
            QVERIFY2(set.wal(0, divergenceSeq, &entries, &error), qPrintable(error));
            QVERIFY(!entries.isEmpty());
            QCOMPARE(entries.first().toObject().value(QStringLiteral("seq")).toInteger(), divergenceSeq + 1);
            QCOMPARE(entries.first().toObject().value(QStringLiteral("term")).toInteger(), qint64(2));
        } else {
            qInfo("SIGSTOP variant: the tail is %s; member 0 rolled back %lld entries",
                  tailOutcome.isEmpty() ? "on no member" : "committed everywhere", old.value(QStringLiteral("rolledBack")).toInteger());
        }
    }

    void emptyMember()
    {
        ReplicaSetProcesses set;
        startSet(set, {0, 1});
        if (QTest::currentTestFailed())
            return;
        QStringList revs;
        for (int i = 0; i < 40; ++i) {
            const TestHttpResponse written = write(set, 0, QStringLiteral("doc-%1").arg(i));
            QVERIFY2(written.status == 200, qPrintable(show(written)));
            revs.append(written.json().value(QStringLiteral("rev")).toString());
        }
        const TestHttpResponse update = set.request(0, "PUT", docPath(QStringLiteral("doc-0")),
                                                    compact(QJsonObject{{QStringLiteral("rev"), revs.first()},
                                                                        {QStringLiteral("data"), QJsonObject{{QStringLiteral("n"), 2}}}}));
        QVERIFY2(update.status == 200, qPrintable(show(update)));
        const TestHttpResponse removed = set.request(0, "DELETE", docPath(QStringLiteral("doc-1")) + "?rev=" + revs.at(1).toUtf8());
        QVERIFY2(removed.status == 200, qPrintable(show(removed)));

        QVERIFY(QDir(set.dataDir(2)).isEmpty());
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs, {0, 1, 2}), qPrintable(set.describe()));
        qint64 entries = 0;
        const QString logs = compareLogs(set, {0, 1, 2}, &entries);
        QVERIFY2(logs.isEmpty(), qPrintable(logs));
        QVERIFY2(entries >= 44, qPrintable(QStringLiteral("%1 entries").arg(entries)));

        QHash<QString, QString> onPrimary;
        QHash<QString, QString> onNew;
        QString error;
        QVERIFY2(allDocuments(set, 0, &onPrimary, &error), qPrintable(error));
        QVERIFY2(allDocuments(set, 2, &onNew, &error), qPrintable(error));
        QCOMPARE(onNew.size(), qsizetype(40));
        QVERIFY(onNew == onPrimary);
        const TestHttpResponse read = set.get(2, onMember(docPath(QStringLiteral("doc-0"))));
        QCOMPARE(read.status, 200);
        QCOMPARE(read.json().value(QStringLiteral("rev")).toString(), update.json().value(QStringLiteral("rev")).toString());
        QCOMPARE(read.json().value(QStringLiteral("data")).toObject().value(QStringLiteral("n")).toInt(), 2);
        QCOMPARE(set.get(2, onMember(docPath(QStringLiteral("doc-1")))).status, 404);
        QCOMPARE(revOn(set, 2, QStringLiteral("doc-39")), revs.last());
    }

    // Found trying it as an operator would: a replica killed, its data
    // directory deleted, started again at once at the same address. The
    // primary must notice (member-reset), report it Recovering — never
    // InSync while it is behind — and catch it up within seconds; the
    // member votes again only once it holds the committed log.
    void lostDiskCatchesUp()
    {
        ReplicaSetProcesses set(ReplicaSetProcesses::Options{3, 2, 1000, 200, 3000, {}});
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        QStringList revs;
        for (int i = 0; i < 50; ++i) {
            const TestHttpResponse written = write(set, 0, QStringLiteral("doc-%1").arg(i));
            QVERIFY2(written.status == 200, qPrintable(show(written)));
            revs.append(written.json().value(QStringLiteral("rev")).toString());
        }
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));

        set.kill(2);
        QVERIFY(QDir(set.dataDir(2)).removeRecursively());
        QVERIFY(QDir().mkpath(set.dataDir(2)));
        QElapsedTimer clock;
        clock.start();
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        QStringList seen;
        bool caughtUp = false;
        while (!caughtUp && clock.elapsed() < 5000) {
            const QJsonObject primary = set.state(0);
            const QJsonObject view = primary.value(QStringLiteral("members")).toArray().at(2).toObject();
            const QString state = view.value(QStringLiteral("state")).toString();
            const qint64 lastSeq = primary.value(QStringLiteral("lastSeq")).toInteger();
            const qint64 matchSeq = view.value(QStringLiteral("matchSeq")).toInteger(-1);
            if (seen.isEmpty() || seen.last() != state)
                seen << state;
            QVERIFY2(state != QLatin1String("InSync") || matchSeq == lastSeq,
                     qPrintable(QStringLiteral("member 2 reported InSync at matchSeq %1 of %2 after %3 ms")
                                    .arg(matchSeq)
                                    .arg(lastSeq)
                                    .arg(clock.elapsed())));
            const QJsonObject member = set.state(2);
            caughtUp = member.value(QStringLiteral("lastSeq")).toInteger() == lastSeq
                && member.value(QStringLiteral("voter")).toBool() && state == QLatin1String("InSync");
            set.sleep(20);
        }
        qInfo("member 2 caught up in %lld ms; the primary reported it %s", clock.elapsed(), qPrintable(seen.join(QStringLiteral(" -> "))));
        QVERIFY2(caughtUp, qPrintable(set.describe()));
        QVERIFY2(hasEvent(set.state(0), QStringLiteral("member-reset")), qPrintable(eventKinds(set.state(0))));
        QVERIFY(hasEvent(set.state(2), QStringLiteral("caught-up")));
        QCOMPARE(revOn(set, 2, QStringLiteral("doc-49")), revs.last());
        QHash<QString, QString> onPrimary;
        QHash<QString, QString> onWiped;
        QString error;
        QVERIFY2(allDocuments(set, 0, &onPrimary, &error), qPrintable(error));
        QVERIFY2(allDocuments(set, 2, &onWiped, &error), qPrintable(error));
        QVERIFY(onWiped == onPrimary);
    }

    // SIGKILL of a member a moment (0-28 ms) after it began downloading a
    // snapshot — mid-download, mid-install or just after — round after
    // round: it always starts again on a complete database, its term never
    // goes back, and it converges in the end.
    void killDuringSnapshotInstall()
    {
        ReplicaSetProcesses::Options options;
        options.extraConfig = QJsonObject{{QStringLiteral("Storage"), QJsonObject{{QStringLiteral("LogRetentionEntries"), 200}}}};
        ReplicaSetProcesses set(options);
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        const auto fetches = [&set] { return set.output(2, 1 << 20).count(QStringLiteral("fetching a snapshot")); };
        qint64 term = 0;
        constexpr int kRounds = 8;
        for (int round = 0; round < kRounds; ++round) {
            set.kill(2);
            // While it is down, the primary's log moves past the point
            // member 2 holds: it needs a snapshot again.
            QJsonArray docs;
            for (int i = 0; i < 400; ++i) {
                docs.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("snap%1-%2").arg(round).arg(i)},
                                        {QStringLiteral("content"), QStringLiteral("a document to make the snapshot larger %1").arg(i)}});
            }
            const TestHttpResponse response =
                set.request(0, "POST", "/v1/db/" + kDb + "/_bulk_docs", compact(QJsonObject{{QStringLiteral("docs"), docs}}), 30000);
            QVERIFY2(response.status == 200, qPrintable(show(response)));
            QVERIFY2(set.startMember(2), qPrintable(set.error()));
            const qsizetype before = fetches();
            const QJsonObject started = set.state(2);
            QVERIFY2(started.value(QStringLiteral("term")).toInteger() >= term, qPrintable(set.describe()));
            term = started.value(QStringLiteral("term")).toInteger();
            // Killed a moment after its download began: during the
            // download, the preparation or the swap.
            QVERIFY2(set.waitUntil([&] { return fetches() > before; }, 10000), qPrintable(set.output(2)));
            set.sleep(4 * round);
        }
        set.kill(2);
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe() + set.output(2)));
        QCOMPARE(revOn(set, 2, QStringLiteral("snap7-399")), revOn(set, 0, QStringLiteral("snap7-399")));
        const QString log = set.output(2, 1 << 20);
        qInfo("%lld snapshot downloads begun, %lld installed over %d starts", qint64(log.count(QStringLiteral("fetching a snapshot"))),
              qint64(log.count(QStringLiteral("installed a snapshot"))), kRounds + 1);
    }

    void catchUp_data()
    {
        QTest::addColumn<qint64>("retention");
        QTest::addColumn<bool>("snapshot");
        QTest::addColumn<qint64>("cacheBytes");
        QTest::newRow("from the log") << qint64(0) << false << qint64(-1);
        // Nothing durable stays in memory: every entry member 2 lacks is
        // read back from the primary's disk, off its main thread.
        QTest::newRow("from the log on disk") << qint64(0) << false << qint64(0);
        QTest::newRow("from a snapshot") << qint64(500) << true << qint64(-1);
    }
    void catchUp()
    {
        QFETCH(qint64, retention);
        QFETCH(bool, snapshot);
        QFETCH(qint64, cacheBytes);
        ReplicaSetProcesses::Options options;
        if (retention > 0)
            options.extraConfig = QJsonObject{{QStringLiteral("Storage"), QJsonObject{{QStringLiteral("LogRetentionEntries"), retention}}}};
        options.entryCacheBytes = cacheBytes;
        ReplicaSetProcesses set(options);
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        const qint64 replicaSeq = set.state(2).value(QStringLiteral("lastSeq")).toInteger();
        set.kill(2);

        // One _bulk_docs of `count` new documents on the primary; empty or
        // what went wrong.
        const auto bulk = [&set](const QString &prefix, int count) {
            QJsonArray docs;
            for (int i = 0; i < count; ++i) {
                const QString id = QStringLiteral("%1-%2").arg(prefix).arg(i);
                docs.append(QJsonObject{{QStringLiteral("id"), id},
                                        {QStringLiteral("data"), QJsonObject{{QStringLiteral("prefix"), prefix}, {QStringLiteral("i"), i}}},
                                        {QStringLiteral("content"), QStringLiteral("catch up document %1").arg(id)}});
            }
            const TestHttpResponse response =
                set.request(0, "POST", "/v1/db/" + kDb + "/_bulk_docs", compact(QJsonObject{{QStringLiteral("docs"), docs}}), 30000);
            set.drainOutput();
            const QJsonArray results = response.json().value(QStringLiteral("results")).toArray();
            if (response.status != 200 || results.size() != count)
                return QStringLiteral("_bulk_docs %1: %2").arg(prefix, show(response));
            for (const QJsonValue &result : results) {
                if (!result.toObject().contains(QStringLiteral("rev")))
                    return QStringLiteral("_bulk_docs %1: %2").arg(prefix, QString::fromUtf8(compact(result.toObject())));
            }
            return QString();
        };

        constexpr int kBatches = 10;
        constexpr int kBatchSize = 1000;
        for (int batch = 0; batch < kBatches; ++batch) {
            const QString failed = bulk(QStringLiteral("bulk%1").arg(batch), kBatchSize);
            QVERIFY2(failed.isEmpty(), qPrintable(failed));
        }
        const QJsonObject primary = set.state(0);
        const qint64 primarySeq = primary.value(QStringLiteral("lastSeq")).toInteger();
        QVERIFY2(primarySeq >= replicaSeq + kBatches * kBatchSize, qPrintable(set.describe()));
        const QJsonObject lagging = primary.value(QStringLiteral("members")).toArray().at(2).toObject();
        QVERIFY2(lagging.value(QStringLiteral("lagEntries")).toInteger() >= kBatches * kBatchSize,
                 qPrintable(QString::fromUtf8(compact(lagging))));
        if (snapshot) {
            // The entries member 2 needs are gone from the primary's log.
            QVERIFY2(set.waitUntil([&] { return set.state(0).value(QStringLiteral("compactedSeq")).toInteger() > replicaSeq; }, 10000),
                     qPrintable(set.describe()));
            const TestHttpResponse gone = set.get(0, "/v1/_replication/wal?since=" + QByteArray::number(replicaSeq));
            QVERIFY2(gone.status == 410, qPrintable(show(gone)));
        } else {
            QCOMPARE(primary.value(QStringLiteral("compactedSeq")).toInteger(), qint64(0));
        }

        // Member 2 comes back and catches up while writes go on.
        QElapsedTimer clock;
        clock.start();
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        // Member 2 serves (stale) reads all along.
        std::atomic<bool> stopReading{false};
        Reader reader(set.port(2), &stopReading);
        std::unique_ptr<QThread> readerThread(QThread::create([&reader] { reader.run(); }));
        readerThread->start();
        const auto stopReader = qScopeGuard([&] {
            stopReading = true;
            readerThread->wait(30000);
        });
        constexpr int kLateBatches = 5;
        constexpr int kLateBatchSize = 200;
        for (int batch = 0; batch < kLateBatches; ++batch) {
            const QString failed = bulk(QStringLiteral("late%1").arg(batch), kLateBatchSize);
            QVERIFY2(failed.isEmpty(), qPrintable(failed));
        }
        QVERIFY2(set.waitForConvergence(60000), qPrintable(set.describe() + QLatin1Char('\n') + set.output(2)));
        const QJsonObject caughtUp = set.state(2);
        qInfo("member 2 caught up %lld entries in %lld ms (events %s)",
              caughtUp.value(QStringLiteral("lastSeq")).toInteger() - replicaSeq, clock.elapsed(), qPrintable(eventKinds(caughtUp)));
        QCOMPARE(hasEvent(caughtUp, QStringLiteral("snapshot-installed")), snapshot);
        const qint64 logReads = set.state(0).value(QStringLiteral("logReads")).toInteger();
        qInfo("the primary read %lld ranges of entries back from disk", logReads);
        if (cacheBytes == 0)
            QVERIFY2(logReads > 0, qPrintable(set.describe()));
        stopReading = true;
        QVERIFY(readerThread->wait(30000));
        qInfo("%d reads on member 2 while it caught up", reader.reads());
        QVERIFY2(reader.unexpected().isEmpty(), qPrintable(QStringLiteral("%1 of %2 reads failed:\n").arg(reader.unexpected().size()).arg(reader.reads())
                                                          + reader.unexpected().mid(0, 10).join(QLatin1Char('\n'))));
        QCOMPARE(caughtUp.value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        QCOMPARE(caughtUp.value(QStringLiteral("lastSeq")).toInteger(), set.state(0).value(QStringLiteral("lastSeq")).toInteger());

        // Every document is readable on member 2 with the primary's rev.
        constexpr int kTotal = kBatches * kBatchSize + kLateBatches * kLateBatchSize;
        QHash<QString, QString> onPrimary;
        QHash<QString, QString> onReplica;
        QString error;
        QVERIFY2(allDocuments(set, 0, &onPrimary, &error), qPrintable(error));
        QCOMPARE(onPrimary.size(), qsizetype(kTotal));
        QStringList differences;
        for (auto it = onPrimary.begin(); it != onPrimary.end(); ++it) {
            const TestHttpResponse read = set.get(2, onMember(docPath(it.key())));
            const QJsonObject doc = read.json();
            const QString prefix = it.key().section(QLatin1Char('-'), 0, 0);
            const int index = it.key().section(QLatin1Char('-'), 1, 1).toInt();
            if (read.status != 200 || doc.value(QStringLiteral("rev")).toString() != it.value()
                || doc.value(QStringLiteral("data")).toObject() != QJsonObject{{QStringLiteral("prefix"), prefix}, {QStringLiteral("i"), index}}) {
                differences.append(QStringLiteral("%1: primary rev %2, member 2: %3").arg(it.key(), it.value(), show(read)));
            }
        }
        QVERIFY2(differences.isEmpty(), qPrintable(QStringLiteral("%1 of %2 documents differ on member 2:\n")
                                                       .arg(differences.size())
                                                       .arg(onPrimary.size())
                                                   + differences.mid(0, 10).join(QLatin1Char('\n'))));
        QVERIFY2(allDocuments(set, 2, &onReplica, &error), qPrintable(error));
        QVERIFY(onReplica == onPrimary);
        const TestHttpResponse search = set.get(2, onMember("/v1/db/" + kDb + "/_search?q=catch+up&limit=1"));
        QCOMPARE(search.status, 200);
        QCOMPARE(search.json().value(QStringLiteral("total")).toInteger(), qint64(kTotal));
        if (!snapshot) {
            const QString logs = compareLogs(set, {0, 1, 2});
            QVERIFY2(logs.isEmpty(), qPrintable(logs));
        }

        // What member 2 caught up is durable, and it keeps following.
        QVERIFY2(set.restart(2), qPrintable(set.error()));
        const QString failed = bulk(QStringLiteral("final"), 100);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        QVERIFY2(allDocuments(set, 0, &onPrimary, &error), qPrintable(error));
        QVERIFY2(allDocuments(set, 2, &onReplica, &error), qPrintable(error));
        QCOMPARE(onPrimary.size(), qsizetype(kTotal + 100));
        QVERIFY(onReplica == onPrimary);
    }

    void promotionNeedsUpToDateLog()
    {
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        set.kill(2);
        QHash<QString, QString> written;
        for (int i = 0; i < 5; ++i) {
            const QString id = QStringLiteral("missed-%1").arg(i);
            const TestHttpResponse response = write(set, 0, id);
            QVERIFY2(response.status == 200, qPrintable(show(response)));
            written.insert(id, response.json().value(QStringLiteral("rev")).toString());
        }
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs, {0, 1}), qPrintable(set.describe()));
        set.kill(0);
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        QVERIFY(set.state(2).value(QStringLiteral("lastSeq")).toInteger() < set.state(1).value(QStringLiteral("lastSeq")).toInteger());

        // Member 2 misses committed entries: member 1 refuses it its vote.
        const TestHttpResponse refused = set.request(2, "POST", "/v1/_replication/promote", {}, 15000);
        QVERIFY2(refused.status == 409, qPrintable(show(refused) + QLatin1Char('\n') + set.describe()));
        QVERIFY2(set.waitUntil([&] { return set.state(2).value(QStringLiteral("role")).toString() == QLatin1String("replica"); }, 10000),
                 qPrintable(set.describe()));
        QVERIFY(set.state(1).value(QStringLiteral("role")).toString() != QLatin1String("primary"));

        // Member 1 holds everything committed and wins.
        const TestHttpResponse promoted = set.request(1, "POST", "/v1/_replication/promote", {}, 15000);
        QVERIFY2(promoted.status == 200, qPrintable(show(promoted) + QLatin1Char('\n') + set.describe()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 1);
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs, {1, 2}), qPrintable(set.describe()));
        for (auto it = written.begin(); it != written.end(); ++it) {
            QCOMPARE(revOn(set, 1, it.key()), it.value());
            QCOMPARE(revOn(set, 2, it.key()), it.value());
        }
    }

    void concurrentPromotions()
    {
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        set.kill(0);
        // Two routers race: both replicas are asked to become primary of
        // the same term. At most one wins it.
        for (int round = 0; round < 2; ++round) {
            const qint64 term = qMax(set.state(1).value(QStringLiteral("term")).toInteger(),
                                     set.state(2).value(QStringLiteral("term")).toInteger())
                + 1;
            const QByteArray body = compact(QJsonObject{{QStringLiteral("term"), term}});
            TestHttpClient first(set.port(1));
            TestHttpClient second(set.port(2));
            const TestHttpClient::Headers headers{{"Authorization", "Bearer " + set.token()}};
            QString error;
            QVERIFY2(first.send(first.requestBytes("POST", "/v1/_replication/promote", body, headers), &error), qPrintable(error));
            QVERIFY2(second.send(second.requestBytes("POST", "/v1/_replication/promote", body, headers), &error), qPrintable(error));
            const TestHttpResponse a = first.receive(false, 15000);
            const TestHttpResponse b = second.receive(false, 15000);
            QVERIFY2((a.status == 200 || a.status == 409) && (b.status == 200 || b.status == 409),
                     qPrintable(show(a) + QLatin1Char('\n') + show(b)));
            QVERIFY2(!(a.status == 200 && b.status == 200), qPrintable(QStringLiteral("both won term %1").arg(term)));
            int winner = a.status == 200 ? 1 : b.status == 200 ? 2 : -1;
            qInfo("round %d, term %lld: member 1 %d, member 2 %d", round, term, a.status, b.status);
            if (winner < 0) {
                // A split vote: an operator retries on one member.
                const TestHttpResponse retried = set.request(1, "POST", "/v1/_replication/promote", {}, 15000);
                QVERIFY2(retried.status == 200, qPrintable(show(retried) + QLatin1Char('\n') + set.describe()));
                winner = 1;
            }
            QCOMPARE(set.waitForPrimary(kStartTimeoutMs), winner);
            const QString id = QStringLiteral("round-%1").arg(round);
            const TestHttpResponse written = write(set, winner, id);
            QVERIFY2(written.status == 200, qPrintable(show(written)));
            waitForDocument(set, {1, 2}, id, written.json().value(QStringLiteral("rev")).toString());
            if (QTest::currentTestFailed())
                return;
        }
        const QString logs = compareLogs(set, {1, 2});
        QVERIFY2(logs.isEmpty(), qPrintable(logs));
    }

    void wholeSetRestart()
    {
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        QHash<QString, QString> written;
        for (int i = 0; i < 10; ++i) {
            const QString id = QStringLiteral("kept-%1").arg(i);
            const TestHttpResponse response = write(set, 0, id);
            QVERIFY2(response.status == 200, qPrintable(show(response)));
            written.insert(id, response.json().value(QStringLiteral("rev")).toString());
        }
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        for (int member = 0; member < set.size(); ++member)
            set.kill(member);
        QVERIFY2(set.start(), qPrintable(set.error()));

        // Only a brand-new set bootstraps itself; this one waits for a promotion.
        set.sleep(2500);
        for (int member = 0; member < set.size(); ++member) {
            const QJsonObject state = set.state(member);
            QCOMPARE(state.value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
            QCOMPARE(state.value(QStringLiteral("term")).toInteger(), qint64(1));
            for (auto it = written.begin(); it != written.end(); ++it)
                QCOMPARE(revOn(set, member, it.key()), it.value());
        }
        const TestHttpResponse refused = write(set, 0, QStringLiteral("no-primary"));
        QVERIFY2(refused.status == 503, qPrintable(show(refused)));

        const TestHttpResponse promoted = set.request(0, "POST", "/v1/_replication/promote", "{\"term\":2}", 15000);
        QVERIFY2(promoted.status == 200, qPrintable(show(promoted) + QLatin1Char('\n') + set.describe()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 0);
        const TestHttpResponse written2 = write(set, 0, QStringLiteral("after-restart"));
        QVERIFY2(written2.status == 200, qPrintable(show(written2)));
        waitForDocument(set, {0, 1, 2}, QStringLiteral("after-restart"), written2.json().value(QStringLiteral("rev")).toString());
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        const QString logs = compareLogs(set, {0, 1, 2});
        QVERIFY2(logs.isEmpty(), qPrintable(logs));
    }

    void rollbackWithoutRestart()
    {
        // The old primary is paused, not killed: it rolls its tail back
        // while running, and later leads again with correct revision checks.
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        const TestHttpResponse shared = write(set, 0, QStringLiteral("shared"));
        QVERIFY2(shared.status == 200, qPrintable(show(shared)));
        const QString rev1 = shared.json().value(QStringLiteral("rev")).toString();
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        set.kill(1);
        set.kill(2);
        // Two writes appended together (the second, sent after the first
        // timed out, would find the lease gone and be refused at once).
        TestHttpClient first(set.port(0));
        TestHttpClient second(set.port(0));
        QString error;
        QVERIFY2(first.send(first.requestBytes("PUT", docPath(QStringLiteral("tail")), docBody(QStringLiteral("tail"))), &error),
                 qPrintable(error));
        QVERIFY2(second.send(second.requestBytes("PUT", docPath(QStringLiteral("shared")),
                                                 compact(QJsonObject{{QStringLiteral("rev"), rev1},
                                                                     {QStringLiteral("data"), QJsonObject{{QStringLiteral("by"), 0}}}})),
                             &error),
                 qPrintable(error));
        for (TestHttpClient *client : {&first, &second}) {
            const TestHttpResponse answer = client->receive(false, 20000);
            QVERIFY2(answer.status == 503 && answer.json().value(QStringLiteral("error")).toString().startsWith(QLatin1String("quorum not reached")),
                     qPrintable(show(answer)));
        }
        set.pause(0);

        QVERIFY2(set.startMember(1), qPrintable(set.error()));
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        const TestHttpResponse promoted = set.request(1, "POST", "/v1/_replication/promote", {}, 15000);
        QVERIFY2(promoted.status == 200, qPrintable(show(promoted) + QLatin1Char('\n') + set.describe()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 1);
        const TestHttpResponse update = set.request(1, "PUT", docPath(QStringLiteral("shared")),
                                                    compact(QJsonObject{{QStringLiteral("rev"), rev1},
                                                                        {QStringLiteral("data"), QJsonObject{{QStringLiteral("by"), 1}}}}));
        QVERIFY2(update.status == 200, qPrintable(show(update)));
        const QString rev2 = update.json().value(QStringLiteral("rev")).toString();

        set.resume(0);
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 1);
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        const QJsonObject old = set.state(0);
        QCOMPARE(old.value(QStringLiteral("term")).toInteger(), qint64(2));
        QVERIFY2(old.value(QStringLiteral("rolledBack")).toInteger() >= 2, qPrintable(set.describe()));
        QCOMPARE(revOn(set, 0, QStringLiteral("tail")), QString());
        QCOMPARE(revOn(set, 0, QStringLiteral("shared")), rev2);
        const QString logs = compareLogs(set, {1, 0, 2});
        QVERIFY2(logs.isEmpty(), qPrintable(logs));

        // Member 0 leads again: its revision checks see the committed state.
        const TestHttpResponse stepped = set.request(1, "POST", "/v1/_replication/stepdown");
        QVERIFY2(stepped.status == 200, qPrintable(show(stepped)));
        const TestHttpResponse back = set.request(0, "POST", "/v1/_replication/promote", {}, 15000);
        QVERIFY2(back.status == 200, qPrintable(show(back) + QLatin1Char('\n') + set.describe()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 0);
        const TestHttpResponse stale = set.request(0, "PUT", docPath(QStringLiteral("shared")),
                                                   compact(QJsonObject{{QStringLiteral("rev"), rev1}, {QStringLiteral("data"), QJsonObject()}}));
        QVERIFY2(stale.status == 409, qPrintable(show(stale)));
        const TestHttpResponse current = set.request(0, "PUT", docPath(QStringLiteral("shared")),
                                                     compact(QJsonObject{{QStringLiteral("rev"), rev2}, {QStringLiteral("data"), QJsonObject()}}));
        QVERIFY2(current.status == 200, qPrintable(show(current)));
        const TestHttpResponse recreated = write(set, 0, QStringLiteral("tail"));
        QVERIFY2(recreated.status == 200, qPrintable(show(recreated)));
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        for (int member = 0; member < set.size(); ++member) {
            QCOMPARE(revOn(set, member, QStringLiteral("shared")), current.json().value(QStringLiteral("rev")).toString());
            QCOMPARE(revOn(set, member, QStringLiteral("tail")), recreated.json().value(QStringLiteral("rev")).toString());
        }
    }

    void rollbackThenSnapshot()
    {
        ReplicaSetProcesses::Options options;
        options.extraConfig = QJsonObject{{QStringLiteral("Storage"), QJsonObject{{QStringLiteral("LogRetentionEntries"), 500}}}};
        ReplicaSetProcesses set(options);
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        // Member 0 appends a tail nobody else gets, then rolls it back.
        leaveATailOnMember0(set);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(set.startMember(0), qPrintable(set.error()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 1);
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        const qint64 rolledBack = set.state(0).value(QStringLiteral("rolledBack")).toInteger();
        QVERIFY2(rolledBack >= 1, qPrintable(set.describe()));
        for (int member : {1, 2})
            QCOMPARE(set.state(member).value(QStringLiteral("rolledBack")).toInteger(), qint64(0));

        // Member 0 becomes primary again; member 2 misses enough to need its snapshot.
        const TestHttpResponse back = set.request(0, "POST", "/v1/_replication/promote", {}, 15000);
        QVERIFY2(back.status == 200, qPrintable(show(back) + QLatin1Char('\n') + set.describe()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 0);
        set.kill(2);
        writeUntilCompacted(set, 0);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        QVERIFY2(hasEvent(set.state(2), QStringLiteral("snapshot-installed")), qPrintable(eventKinds(set.state(2))));
        QCOMPARE(revOn(set, 2, QStringLiteral("tail")), QString());
        QCOMPARE(set.state(2).value(QStringLiteral("rolledBack")).toInteger(), qint64(0));

        // Member 2 never rolled anything back, before or after a restart.
        QVERIFY2(set.restart(2), qPrintable(set.error()));
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        QCOMPARE(set.state(2).value(QStringLiteral("rolledBack")).toInteger(), qint64(0));
    }

    void divergentMemberNeedsSnapshot()
    {
        ReplicaSetProcesses::Options options;
        options.extraConfig = QJsonObject{{QStringLiteral("Storage"), QJsonObject{{QStringLiteral("LogRetentionEntries"), 500}}}};
        ReplicaSetProcesses set(options);
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        leaveATailOnMember0(set);
        if (QTest::currentTestFailed())
            return;
        // The new primary's log moves past the point where member 0 diverged.
        writeUntilCompacted(set, 1);
        if (QTest::currentTestFailed())
            return;

        QVERIFY2(set.startMember(0), qPrintable(set.error()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 1);
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe() + QLatin1Char('\n') + set.output(0)));
        const QJsonObject old = set.state(0);
        QVERIFY2(hasEvent(old, QStringLiteral("snapshot-installed")), qPrintable(eventKinds(old)));
        QCOMPARE(old.value(QStringLiteral("term")).toInteger(), qint64(2));
        QCOMPARE(revOn(set, 0, QStringLiteral("tail")), QString());
        QHash<QString, QString> onPrimary;
        QHash<QString, QString> onOld;
        QString error;
        QVERIFY2(allDocuments(set, 1, &onPrimary, &error), qPrintable(error));
        QVERIFY2(allDocuments(set, 0, &onOld, &error), qPrintable(error));
        QCOMPARE(onPrimary.size(), qsizetype(1500));
        QVERIFY(onOld == onPrimary);
        // It keeps following after a restart.
        QVERIFY2(set.restart(0), qPrintable(set.error()));
        const TestHttpResponse later = write(set, 1, QStringLiteral("later"));
        QVERIFY2(later.status == 200, qPrintable(show(later)));
        waitForDocument(set, {0, 1, 2}, QStringLiteral("later"), later.json().value(QStringLiteral("rev")).toString());
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(revOn(set, 0, QStringLiteral("tail")), QString());
    }

    void stepDownAnswersPendingWrites()
    {
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        set.kill(1);
        set.kill(2);
        TestHttpClient pending(set.port(0));
        QString error;
        QVERIFY2(pending.send(pending.requestBytes("PUT", docPath(QStringLiteral("pending")), docBody(QStringLiteral("pending"))), &error),
                 qPrintable(error));
        set.sleep(300);
        QElapsedTimer clock;
        clock.start();
        const TestHttpResponse stepped = set.request(0, "POST", "/v1/_replication/stepdown");
        QVERIFY2(stepped.status == 200, qPrintable(show(stepped)));
        const TestHttpResponse answer = pending.receive(false, 20000);
        QVERIFY2(answer.status == 503, qPrintable(show(answer)));
        // Answered when the node stopped being primary, not WriteTimeoutMs later.
        QVERIFY2(clock.elapsed() < 1500, qPrintable(QStringLiteral("answered %1 ms after the step-down: %2").arg(clock.elapsed()).arg(show(answer))));
        QCOMPARE(revOn(set, 0, QStringLiteral("pending")), QString());
    }

    void bootstrapPrimaryFirst()
    {
        // Members of a new set come up in any order: the configured primary
        // started first keeps campaigning until the others answer.
        ReplicaSetProcesses set;
        QVERIFY2(set.isValid(), qPrintable(set.error()));
        QVERIFY2(set.startMember(0), qPrintable(set.error()));
        set.sleep(2000);
        QVERIFY(set.state(0).value(QStringLiteral("role")).toString() != QLatin1String("primary"));
        // Alone, it does not even campaign: no term is used up.
        QCOMPARE(set.state(0).value(QStringLiteral("term")).toInteger(), qint64(0));
        QVERIFY2(set.startMember(1), qPrintable(set.error()));
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 0);
        QCOMPARE(set.state(0).value(QStringLiteral("term")).toInteger(), qint64(1));
        const TestHttpResponse created = set.request(0, "PUT", "/v1/db/" + kDb);
        QVERIFY2(created.status == 201, qPrintable(show(created)));
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
    }

    void configuredPrimaryWithAnEmptyDiskDoesNotDisturb()
    {
        // Member 0 (the configured primary) comes back with an empty data
        // directory after member 1 took over: it must not elect itself, nor
        // depose the primary with a higher term; it catches up as a replica.
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        const TestHttpResponse before = write(set, 0, QStringLiteral("kept"));
        QVERIFY2(before.status == 200, qPrintable(show(before)));
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        set.kill(0);
        const TestHttpResponse promoted = set.request(1, "POST", "/v1/_replication/promote", {}, 15000);
        QVERIFY2(promoted.status == 200, qPrintable(show(promoted) + QLatin1Char('\n') + set.describe()));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 1);
        QVERIFY(QDir(set.dataDir(0)).removeRecursively());

        QVERIFY2(set.startMember(0), qPrintable(set.error()));
        set.sleep(3000); // longer than the election timeout: a bootstrap attempt would have happened
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 1);
        const QJsonObject primary = set.state(1);
        QCOMPARE(primary.value(QStringLiteral("term")).toInteger(), qint64(2));
        const TestHttpResponse after = write(set, 1, QStringLiteral("after"));
        QVERIFY2(after.status == 200, qPrintable(show(after)));
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        QCOMPARE(set.state(0).value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        QCOMPARE(revOn(set, 0, QStringLiteral("kept")), before.json().value(QStringLiteral("rev")).toString());
    }

    void catchUpWithLargeDocuments()
    {
        // Default settings (Server.MaxBodyBytes 16 MiB): each document fits
        // in a request, the ~21 MiB member 2 misses do not.
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(set.waitForConvergence(kReplicateTimeoutMs), qPrintable(set.describe()));
        set.kill(2);
        const QString payload(3 * 1024 * 1024, QLatin1Char('x'));
        for (int i = 0; i < 7; ++i) {
            const TestHttpResponse written = set.request(
                0, "PUT", docPath(QStringLiteral("large-%1").arg(i)),
                compact(QJsonObject{{QStringLiteral("data"), QJsonObject{{QStringLiteral("payload"), payload}, {QStringLiteral("i"), i}}}}),
                30000);
            QVERIFY2(written.status == 200, qPrintable(show(written)));
        }
        QVERIFY2(set.startMember(2), qPrintable(set.error()));
        const bool caughtUp = set.waitForConvergence(kReplicateTimeoutMs);
        QVERIFY2(caughtUp, qPrintable(set.describe()));
        if (!caughtUp)
            return;
        QCOMPARE(revOn(set, 2, QStringLiteral("large-6")), revOn(set, 0, QStringLiteral("large-6")));
    }

    void largeBulkWrite()
    {
        // A _bulk_docs just under Server.MaxBodyBytes (16 MiB) is a valid
        // client request; its entries must reach the replicas.
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        // 1,000 documents, the request 20 kB under the limit.
        const auto makeBody = [](int payloadSize) {
            QJsonArray docs;
            const QString payload(payloadSize, QLatin1Char('y'));
            for (int i = 0; i < 1000; ++i) {
                docs.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("big-%1").arg(i, 4, 10, QLatin1Char('0'))},
                                        {QStringLiteral("data"), QJsonObject{{QStringLiteral("p"), payload}}}});
            }
            return compact(QJsonObject{{QStringLiteral("docs"), docs}});
        };
        constexpr qsizetype kTarget = 16 * 1024 * 1024 - 20000;
        const qsizetype overhead = makeBody(0).size();
        const QByteArray body = makeBody(int((kTarget - overhead) / 1000));
        QVERIFY(body.size() < 16 * 1024 * 1024 && body.size() > kTarget - 1000);
        // Members take appends up to Server.MaxBodyBytes + 5 MiB (a byte
        // budget of 4 MiB, or one larger entry alone), and no more
        // (announced, not sent).
        TestHttpClient probe(set.port(1));
        QString error;
        QVERIFY2(probe.send("POST /v1/_replication/replicate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + set.token()
                                + "\r\nContent-Length: " + QByteArray::number(21 * 1024 * 1024 + 1) + "\r\nExpect: 100-continue\r\n\r\n",
                            &error),
                 qPrintable(error));
        const TestHttpResponse tooLarge = probe.receive(false, 10000);
        QVERIFY2(tooLarge.status == 413, qPrintable(show(tooLarge)));

        const TestHttpResponse bulk = set.request(0, "POST", "/v1/db/" + kDb + "/_bulk_docs", body, 30000);
        QVERIFY2(bulk.status == 200, qPrintable(show(bulk).left(300)));
        const bool converged = set.waitForConvergence(kReplicateTimeoutMs);
        QVERIFY2(converged, qPrintable(set.describe()));
        const TestHttpResponse after = write(set, 0, QStringLiteral("after-bulk"));
        QVERIFY2(after.status == 200, qPrintable(show(after)));
    }

    void security()
    {
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        QList<QJsonObject> before;
        for (int member = 0; member < set.size(); ++member)
            before.append(set.state(member));

        struct Call
        {
            QByteArray method;
            QByteArray path;
            QByteArray body;
        };
        const QList<Call> calls{
            {"GET", "/v1/_replication/state", {}},
            {"POST", "/v1/_replication/replicate",
             "{\"term\":99,\"leader\":2,\"prevSeq\":0,\"prevTerm\":0,\"commitSeq\":0,\"entries\":[]}"},
            {"POST", "/v1/_replication/vote", "{\"term\":99,\"candidate\":2,\"lastSeq\":999999,\"lastTerm\":99}"},
            {"POST", "/v1/_replication/promote", "{\"term\":99}"},
            {"POST", "/v1/_replication/stepdown", {}},
            {"GET", "/v1/_replication/wal?since=0", {}},
            {"GET", "/v1/_replication/snapshot", {}},
            {"POST", "/v1/_admin/kill", {}},
            {"GET", "/v1/_admin/config", {}},
        };
        QByteArray nearlyRight = set.token();
        nearlyRight[nearlyRight.size() - 1] = nearlyRight.back() == 'a' ? 'b' : 'a';
        const QList<TestHttpClient::Headers> credentials{
            {},
            {{"Authorization", "Bearer wrong-token-0123456789abcdef"}},
            {{"Authorization", "Bearer " + nearlyRight}},
            {{"Authorization", "Bearer " + set.token().left(set.token().size() - 1)}},
            {{"Authorization", "Basic " + set.token()}},
            {{"Authorization", set.token()}},
            {{"Authorization", "Bearer"}},
        };
        for (int member : {0, 1}) {
            for (const Call &call : calls) {
                for (qsizetype c = 0; c < credentials.size(); ++c) {
                    TestHttpClient client(set.port(member));
                    const TestHttpResponse response = client.request(call.method, call.path, call.body, credentials.at(c), 10000);
                    QVERIFY2(response.status == 401, qPrintable(QStringLiteral("member %1 %2 %3 credentials %4: %5")
                                                                    .arg(member)
                                                                    .arg(QString::fromUtf8(call.method), QString::fromUtf8(call.path))
                                                                    .arg(c)
                                                                    .arg(show(response))));
                }
            }
        }
        // The routes are there: with the token, harmless requests get past
        // the check (and malformed messages are refused for what they are).
        const QList<std::pair<Call, int>> allowed{
            {{"GET", "/v1/_replication/state", {}}, 200},
            {{"POST", "/v1/_replication/replicate", "{}"}, 400},
            {{"POST", "/v1/_replication/vote", "{}"}, 400},
            {{"POST", "/v1/_replication/promote", "{\"x\":1}"}, 400},
            {{"GET", "/v1/_replication/wal?since=0&limit=1", {}}, 200},
            {{"GET", "/v1/_admin/config", {}}, 200},
            {{"POST", "/v1/_replication/stepdown", {}}, 200}, // on a replica: nothing to do
        };
        for (const auto &[call, status] : allowed) {
            const TestHttpResponse response = set.request(1, call.method, call.path, call.body);
            QVERIFY2(response.status == status,
                     qPrintable(QStringLiteral("%1 %2: %3").arg(QString::fromUtf8(call.method), QString::fromUtf8(call.path), show(response))));
        }
        // Give anything that slipped through time to act, then check that
        // nothing changed.
        set.sleep(1000);
        for (int member = 0; member < set.size(); ++member) {
            QVERIFY2(set.isRunning(member), qPrintable(QStringLiteral("member %1 died").arg(member)));
            const QJsonObject after = set.state(member);
            QCOMPARE(after.value(QStringLiteral("pid")).toInteger(), before.at(member).value(QStringLiteral("pid")).toInteger());
            QCOMPARE(after.value(QStringLiteral("term")).toInteger(), qint64(1));
            QCOMPARE(after.value(QStringLiteral("role")).toString(), before.at(member).value(QStringLiteral("role")).toString());
            QCOMPARE(after.value(QStringLiteral("primary")).toString(), set.url(0));
        }
        const TestHttpResponse written = write(set, 0, QStringLiteral("still-writable"));
        QVERIFY2(written.status == 200, qPrintable(show(written)));
    }

    void stepDown()
    {
        ReplicaSetProcesses set;
        startSet(set);
        if (QTest::currentTestFailed())
            return;
        const TestHttpResponse first = write(set, 0, QStringLiteral("first"));
        QVERIFY2(first.status == 200, qPrintable(show(first)));

        const TestHttpResponse stepped = set.request(0, "POST", "/v1/_replication/stepdown");
        QVERIFY2(stepped.status == 200, qPrintable(show(stepped)));
        QCOMPARE(stepped.json().value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        QCOMPARE(stepped.json().value(QStringLiteral("term")).toInteger(), qint64(1));
        const TestHttpResponse refused = write(set, 0, QStringLiteral("refused"));
        QVERIFY2(refused.status == 503, qPrintable(show(refused)));
        QCOMPARE(refused.json().value(QStringLiteral("error")).toString(), QStringLiteral("not primary"));
        // Nodes do not elect themselves on their own timers.
        set.sleep(2500);
        for (int member = 0; member < set.size(); ++member) {
            const QJsonObject state = set.state(member);
            QCOMPARE(state.value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
            QCOMPARE(state.value(QStringLiteral("term")).toInteger(), qint64(1));
        }

        const TestHttpResponse promoted = set.request(1, "POST", "/v1/_replication/promote", {}, 15000);
        QVERIFY2(promoted.status == 200, qPrintable(show(promoted) + QLatin1Char('\n') + set.describe()));
        QCOMPARE(promoted.json().value(QStringLiteral("term")).toInteger(), qint64(2));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 1);
        const TestHttpResponse second = write(set, 1, QStringLiteral("second"));
        QVERIFY2(second.status == 200, qPrintable(show(second)));
        waitForDocument(set, {0, 1, 2}, QStringLiteral("second"), second.json().value(QStringLiteral("rev")).toString());
        if (QTest::currentTestFailed())
            return;
        const TestHttpResponse redirected = write(set, 0, QStringLiteral("redirected"));
        QVERIFY2(redirected.status == 503, qPrintable(show(redirected)));
        QCOMPARE(redirected.json().value(QStringLiteral("primary")).toString(), set.url(1));
        // Malformed promotions are refused.
        for (const QByteArray &body : {QByteArray("{\"term\":0}"), QByteArray("{\"term\":\"3\"}"), QByteArray("{\"terms\":3}"),
                                       QByteArray("[3]"), QByteArray("{\"term\":")}) {
            const TestHttpResponse bad = set.request(2, "POST", "/v1/_replication/promote", body);
            QVERIFY2(bad.status == 400, qPrintable(QString::fromUtf8(body) + QLatin1Char(' ') + show(bad)));
        }
        // A promotion for a term that is not newer is refused and changes nothing.
        const TestHttpResponse stale = set.request(2, "POST", "/v1/_replication/promote", "{\"term\":2}", 15000);
        QVERIFY2(stale.status == 409, qPrintable(show(stale)));
        QCOMPARE(set.waitForPrimary(kStartTimeoutMs), 1);
        QCOMPARE(set.state(2).value(QStringLiteral("term")).toInteger(), qint64(2));
        QCOMPARE(revOn(set, 1, QStringLiteral("refused")), QString());
        QCOMPARE(revOn(set, 1, QStringLiteral("first")), first.json().value(QStringLiteral("rev")).toString());
    }
};

QTEST_GUILESS_MAIN(TestReplication)
#include "tst_replication.moc"
