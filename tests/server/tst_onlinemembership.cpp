// Online membership changes with real peacedb-server processes on
// loopback, under a client's write load: a set grows 3 -> 5 (new members
// start with Node.MemberId, join as learners, catch up, become voters) and
// shrinks 5 -> 3; the primary is SIGKILLed right after a change was
// accepted; a dead member is replaced by a new address; a member that
// joined restarts and keeps its membership. Every acknowledged write must
// be on every member at the end, and the logs must agree.
#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

#include "DocumentWriter.h"
#include "ReplicaSetProcesses.h"
#include "TestHttpClient.h"

namespace {

const QByteArray kDb = "members";
constexpr int kTimeoutMs = 30000;

QByteArray json(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// The membership `member` reports: id -> voter.
QMap<int, bool> membershipOf(ReplicaSetProcesses &set, int member, bool *pending = nullptr)
{
    const QJsonObject state = set.state(member);
    QMap<int, bool> out;
    for (const QJsonValue &value : state.value(QStringLiteral("membership")).toObject().value(QStringLiteral("members")).toArray())
        out.insert(value.toObject().value(QStringLiteral("id")).toInt(), value.toObject().value(QStringLiteral("voter")).toBool());
    if (pending)
        *pending = state.value(QStringLiteral("membershipPending")).toBool(true);
    return out;
}

// A client write load on the current primary, on a thread of its own.
class Load
{
public:
    explicit Load(ReplicaSetProcesses &set, int primary)
        : m_target(set.port(primary))
        , m_writer(kDb, QStringLiteral("load"), &m_target, &m_stop, &m_acked)
    {
        m_thread.reset(QThread::create([this] { m_writer.run(); }));
        m_thread->start();
    }
    ~Load() { stop(); }
    void retarget(quint16 port) { m_target = port; }
    int acknowledged() const { return m_acked.load(); }
    void stop()
    {
        m_stop = true;
        if (m_thread)
            m_thread->wait();
    }
    const DocumentWriter &writer() const { return m_writer; }

private:
    std::atomic<int> m_target;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_acked{0};
    DocumentWriter m_writer;
    std::unique_ptr<QThread> m_thread;
};

} // namespace

class TestOnlineMembership : public QObject
{
    Q_OBJECT

private:
    int startSet(ReplicaSetProcesses &set)
    {
        if (!set.isValid() || !set.start())
            return -1;
        const int primary = set.waitForPrimary(kTimeoutMs);
        if (primary >= 0 && set.request(primary, "PUT", "/v1/db/" + kDb).status != 201)
            return -1;
        return primary;
    }

    // Asks `primary` for a change; the answer's body.
    static TestHttpResponse change(ReplicaSetProcesses &set, int primary, const QJsonObject &body)
    {
        return set.request(primary, "POST", "/v1/_replication/members", json(body));
    }

    // Waits until `primary` reports `expected` (id -> voter), committed.
    static bool waitForMembership(ReplicaSetProcesses &set, int primary, const QMap<int, bool> &expected, const Load *load)
    {
        return set.waitUntil(
            [&] {
                bool pending = true;
                return membershipOf(set, primary, &pending) == expected && !pending && (!load || load->acknowledged() >= 0);
            },
            kTimeoutMs);
    }

    // Every acknowledged write is on each of `members` with its revision,
    // and their logs agree.
    static void verifyAcknowledged(ReplicaSetProcesses &set, const Load &load, const QList<int> &members)
    {
        QVERIFY2(set.waitForConvergence(kTimeoutMs, members), qPrintable(set.describe()));
        QVERIFY2(load.writer().unexpected().isEmpty(), qPrintable(load.writer().unexpected().join(QLatin1Char('\n'))));
        const QHash<QString, QString> &acknowledged = load.writer().acknowledgedWrites();
        QVERIFY(acknowledged.size() > 20);
        for (int member : members) {
            int checked = 0;
            for (auto it = acknowledged.cbegin(); it != acknowledged.cend(); ++it) {
                const TestHttpResponse read =
                    set.get(member, DocumentWriter::documentPath(kDb, it.key()) + "?readPreference=nearest");
                QVERIFY2(read.status == 200 && read.json().value(QStringLiteral("rev")).toString() == it.value(),
                         qPrintable(QStringLiteral("member %1: %2: %3").arg(member).arg(it.key(), read.describe())));
                ++checked;
            }
            QCOMPARE(checked, int(acknowledged.size()));
        }
    }

private slots:
    // 3 -> 5 -> 3 while a client writes.
    void growAndShrinkUnderWrites()
    {
        ReplicaSetProcesses::Options options;
        options.spares = 2;
        ReplicaSetProcesses set(options);
        const int primary = startSet(set);
        QVERIFY2(primary >= 0, qPrintable(set.error() + set.describe()));
        Load load(set, primary);

        QMap<int, bool> expected{{0, true}, {1, true}, {2, true}};
        for (int joiner : {3, 4}) {
            QVERIFY2(set.startMember(joiner), qPrintable(set.error()));
            const TestHttpResponse added = change(set, primary, {{QStringLiteral("add"), set.url(joiner)}});
            QVERIFY2(added.status == 202, qPrintable(added.describe()));
            QVERIFY(added.json().value(QStringLiteral("membership")).toObject().value(QStringLiteral("nextId")).toInt() == joiner + 1);
            expected.insert(joiner, true);
            QVERIFY2(waitForMembership(set, primary, expected, &load), qPrintable(set.describe() + set.get(primary, "/v1/_replication/state").describe()));
        }
        const int before = load.acknowledged();
        QVERIFY(set.waitUntil([&] { return load.acknowledged() > before + 20; }, kTimeoutMs));
        for (int member = 0; member < 5; ++member)
            QCOMPARE(membershipOf(set, member), expected);

        for (int leaving : {4, 3}) {
            const TestHttpResponse removed = change(set, primary, {{QStringLiteral("remove"), leaving}});
            QVERIFY2(removed.status == 202, qPrintable(removed.describe()));
            expected.remove(leaving);
            QVERIFY2(waitForMembership(set, primary, expected, &load), qPrintable(set.describe()));
            set.kill(leaving);
        }
        // The primary may not remove itself.
        const TestHttpResponse self = change(set, primary, {{QStringLiteral("remove"), primary}});
        QVERIFY2(self.status == 409 && self.body.contains("hands off"), qPrintable(self.describe()));
        const int after = load.acknowledged();
        QVERIFY(set.waitUntil([&] { return load.acknowledged() > after + 20; }, kTimeoutMs));
        load.stop();
        verifyAcknowledged(set, load, {0, 1, 2});
    }

    // The primary is SIGKILLed right after accepting a change; a new primary
    // is elected; the change either survived (its log had it) or is asked
    // again; then a dead member is replaced by the new one, and the joined
    // member restarts with its membership.
    void primaryKilledMidChangeThenADeadMemberReplaced()
    {
        ReplicaSetProcesses::Options options;
        options.spares = 1;
        ReplicaSetProcesses set(options);
        int primary = startSet(set);
        QVERIFY2(primary == 0, qPrintable(set.error() + set.describe()));
        Load load(set, primary);
        QVERIFY(set.waitUntil([&] { return load.acknowledged() > 20; }, kTimeoutMs));

        QVERIFY2(set.startMember(3), qPrintable(set.error()));
        const TestHttpResponse added = change(set, primary, {{QStringLiteral("add"), set.url(3)}});
        QVERIFY2(added.status == 202, qPrintable(added.describe()));
        set.kill(primary);

        // The operator's promotion of the most up-to-date voter.
        const auto position = [&](int member) {
            const QJsonObject state = set.state(member);
            return std::make_pair(state.value(QStringLiteral("lastTerm")).toInteger(), state.value(QStringLiteral("lastSeq")).toInteger());
        };
        const int candidate = position(2) > position(1) ? 2 : 1;
        const TestHttpResponse promoted = set.request(candidate, "POST", "/v1/_replication/promote", {}, 20000);
        QVERIFY2(promoted.status == 200, qPrintable(promoted.describe() + set.describe()));
        primary = candidate;
        load.retarget(set.port(primary));
        QVERIFY2(set.startMember(0), qPrintable(set.error()));
        if (!membershipOf(set, primary).contains(3)) {
            // Only the dead primary held the change: ask again.
            QVERIFY(set.waitUntil([&] { return change(set, primary, {{QStringLiteral("add"), set.url(3)}}).status == 202; },
                                  kTimeoutMs));
        }
        QMap<int, bool> expected{{0, true}, {1, true}, {2, true}, {3, true}};
        QVERIFY2(waitForMembership(set, primary, expected, &load), qPrintable(set.describe()));

        // Member `dead` is gone for good; member 3 took its place.
        const int dead = primary == 1 ? 2 : 1;
        set.kill(dead);
        const TestHttpResponse removed = change(set, primary, {{QStringLiteral("remove"), dead}});
        QVERIFY2(removed.status == 202, qPrintable(removed.describe()));
        expected.remove(dead);
        QVERIFY2(waitForMembership(set, primary, expected, &load), qPrintable(set.describe()));

        // The joined member restarts from its data: same membership.
        QVERIFY2(set.restart(3), qPrintable(set.error()));
        QVERIFY(set.waitUntil([&] { return membershipOf(set, 3) == expected; }, kTimeoutMs));
        const int after = load.acknowledged();
        QVERIFY(set.waitUntil([&] { return load.acknowledged() > after + 20; }, kTimeoutMs));
        load.stop();
        QList<int> members = expected.keys();
        verifyAcknowledged(set, load, members);
    }

    // A removal accepted by the primary, which is SIGKILLed at once: the
    // new primary's log decides whether the member is gone; if it is not,
    // the removal is asked again. The removed member stops counting.
    void primaryKilledMidRemoval()
    {
        ReplicaSetProcesses::Options options;
        options.members = 4;
        options.writeQuorum = 3;
        ReplicaSetProcesses set(options);
        int primary = startSet(set);
        QVERIFY2(primary == 0, qPrintable(set.error() + set.describe()));
        Load load(set, primary);
        QVERIFY(set.waitUntil([&] { return load.acknowledged() > 20; }, kTimeoutMs));

        const TestHttpResponse removed = change(set, primary, {{QStringLiteral("remove"), 3}});
        QVERIFY2(removed.status == 202, qPrintable(removed.describe()));
        set.kill(primary);
        const auto position = [&](int member) {
            const QJsonObject state = set.state(member);
            return std::make_pair(state.value(QStringLiteral("lastTerm")).toInteger(), state.value(QStringLiteral("lastSeq")).toInteger());
        };
        int candidate = 1;
        for (int member : {2, 3}) {
            if (position(member) > position(candidate))
                candidate = member;
        }
        if (candidate == 3 && !membershipOf(set, 3).contains(3))
            candidate = position(2) > position(1) ? 2 : 1; // it holds its own removal: it may not stand
        const TestHttpResponse promoted = set.request(candidate, "POST", "/v1/_replication/promote", {}, 20000);
        QVERIFY2(promoted.status == 200, qPrintable(promoted.describe() + set.describe()));
        primary = candidate;
        load.retarget(set.port(primary));
        QVERIFY2(set.startMember(0), qPrintable(set.error()));
        if (membershipOf(set, primary).contains(3)) {
            QVERIFY(set.waitUntil([&] { return change(set, primary, {{QStringLiteral("remove"), 3}}).status == 202; }, kTimeoutMs));
        }
        const QMap<int, bool> expected{{0, true}, {1, true}, {2, true}};
        QVERIFY2(waitForMembership(set, primary, expected, &load), qPrintable(set.describe()));
        set.kill(3);
        // Three voters and a write quorum of 3 (held within the voters):
        // with member 3 gone, writes go on with all three.
        const int after = load.acknowledged();
        QVERIFY(set.waitUntil([&] { return load.acknowledged() > after + 20; }, kTimeoutMs));
        load.stop();
        verifyAcknowledged(set, load, {0, 1, 2});
    }

    // Bad requests change nothing.
    void badChangesAreRefused()
    {
        ReplicaSetProcesses set;
        const int primary = startSet(set);
        QVERIFY2(primary >= 0, qPrintable(set.error()));
        QCOMPARE(change(set, primary, {{QStringLiteral("add"), QStringLiteral("not a url")}}).status, 400);
        QCOMPARE(change(set, primary, {{QStringLiteral("add"), set.url(1)}}).status, 409); // already a member
        QCOMPARE(change(set, primary, {{QStringLiteral("remove"), 7}}).status, 404);
        QCOMPARE(change(set, primary, {{QStringLiteral("drop"), 1}}).status, 400);
        const int replica = primary == 0 ? 1 : 0;
        const TestHttpResponse notPrimary = change(set, replica, {{QStringLiteral("remove"), 2}});
        QVERIFY2(notPrimary.status == 503 && notPrimary.json().value(QStringLiteral("primary")).toString() == set.url(primary),
                 qPrintable(notPrimary.describe()));
        QCOMPARE(membershipOf(set, primary).size(), 3);

        // One change at a time: with both replicas paused the first one
        // cannot commit (the primary still holds its lease), so a second is
        // refused until it does.
        const QList<int> replicas = primary == 0 ? QList<int>{1, 2} : primary == 1 ? QList<int>{0, 2} : QList<int>{0, 1};
        for (int member : replicas)
            set.pause(member);
        const TestHttpResponse first = change(set, primary, {{QStringLiteral("add"), QStringLiteral("http://127.0.0.1:9")}});
        const TestHttpResponse second = change(set, primary, {{QStringLiteral("remove"), replicas.first()}});
        for (int member : replicas)
            set.resume(member);
        QVERIFY2(first.status == 202, qPrintable(first.describe()));
        QVERIFY2(second.status == 409 && second.body.contains("one change at a time"), qPrintable(second.describe()));
        bool pending = true;
        QVERIFY(set.waitUntil([&] { return membershipOf(set, primary, &pending).size() == 4 && !pending; }, kTimeoutMs));
    }
};

QTEST_MAIN(TestOnlineMembership)
#include "tst_onlinemembership.moc"
