// Membership: the single-server change rules, ids never reused, the
// quorum a membership gives, and its JSON form.
#include <QtTest>

#include "Membership.h"

class TestMembership : public QObject
{
    Q_OBJECT

private slots:
    void initialMembersAreVotersInOrder();
    void addedMemberIsALearnerWithANewId();
    void idsAreNeverReused();
    void writeQuorumFollowsTheVoters_data();
    void writeQuorumFollowsTheVoters();
    void checkChangeAllowsOneMemberAtATime_data();
    void checkChangeAllowsOneMemberAtATime();
    void describeChangeNamesTheEvent();
    void refusesBadChanges();
    void jsonRoundTrip();
    void jsonRefusesMalformed_data();
    void jsonRefusesMalformed();
};

namespace {

Membership three()
{
    return Membership::initial({QStringLiteral("http://a:1"), QStringLiteral("http://b:1"), QStringLiteral("http://c:1")});
}

} // namespace

void TestMembership::initialMembersAreVotersInOrder()
{
    const Membership members = three();
    QCOMPARE(members.ids(), (QVector<int>{0, 1, 2}));
    QCOMPARE(members.voterIds(), (QVector<int>{0, 1, 2}));
    QCOMPARE(members.nextId(), 3);
    QCOMPARE(members.urlOf(1), QStringLiteral("http://b:1"));
    QCOMPARE(members.idOf(QStringLiteral("http://c:1")), 2);
    QCOMPARE(members.idOf(QStringLiteral("http://d:1")), -1);
}

void TestMembership::addedMemberIsALearnerWithANewId()
{
    const Result<Membership> next = three().withLearner(QStringLiteral("http://d:1/"));
    QVERIFY(next.isOk());
    QCOMPARE(next->idOf(QStringLiteral("http://d:1")), 3); // normalized as Sharding.Shards' URLs are
    QVERIFY(next->contains(3));
    QVERIFY(!next->isVoter(3));
    QCOMPARE(next->voterCount(), 3);
    QCOMPARE(next->nextId(), 4);
    QVERIFY(three().checkChange(next.value()).isOk());

    const Result<Membership> promoted = next->withVoter(3);
    QVERIFY(promoted.isOk());
    QVERIFY(promoted->isVoter(3));
    QVERIFY(next->checkChange(promoted.value()).isOk());
    QCOMPARE(promoted->withVoter(3).status().code(), Status::Code::Conflict);
}

void TestMembership::idsAreNeverReused()
{
    const Membership removed = three().without(2).value();
    QCOMPARE(removed.ids(), (QVector<int>{0, 1}));
    QCOMPARE(removed.nextId(), 3);
    // The same address again is a new member, with a new id.
    const Membership again = removed.withLearner(QStringLiteral("http://c:1")).value();
    QCOMPARE(again.idOf(QStringLiteral("http://c:1")), 3);
    QVERIFY(removed.checkChange(again).isOk());
    // Giving an old id to a new member is refused.
    const Result<Membership> reused = Membership::fromJson(
        R"({"members":[{"id":0,"url":"http://a:1","voter":true},{"id":1,"url":"http://b:1","voter":true},)"
        R"({"id":2,"url":"http://x:1","voter":false}],"nextId":3})");
    QVERIFY(reused.isOk());
    QCOMPARE(removed.checkChange(reused.value()).code(), Status::Code::BadRequest);
}

void TestMembership::writeQuorumFollowsTheVoters_data()
{
    QTest::addColumn<int>("voters");
    QTest::addColumn<int>("configured");
    QTest::addColumn<int>("expected");
    QTest::newRow("3 voters, 2") << 3 << 2 << 2;
    QTest::newRow("3 voters, 3") << 3 << 3 << 3;
    QTest::newRow("5 voters, configured 2: a majority") << 5 << 2 << 3;
    QTest::newRow("5 voters, 4") << 5 << 4 << 4;
    QTest::newRow("2 voters, 3: no more than there are") << 2 << 3 << 2;
    QTest::newRow("1 voter") << 1 << 2 << 1;
    QTest::newRow("4 voters, 2") << 4 << 2 << 3;
}

void TestMembership::writeQuorumFollowsTheVoters()
{
    QFETCH(int, voters);
    QFETCH(int, configured);
    QFETCH(int, expected);
    QStringList urls;
    for (int i = 0; i < voters; ++i)
        urls << QStringLiteral("http://n%1:1").arg(i);
    // A learner never changes the quorum.
    const Membership members = Membership::initial(urls).withLearner(QStringLiteral("http://learner:1")).value();
    QCOMPARE(members.writeQuorum(configured), expected);
}

void TestMembership::checkChangeAllowsOneMemberAtATime_data()
{
    QTest::addColumn<QByteArray>("next");
    QTest::addColumn<bool>("allowed");
    const QByteArray a = R"({"id":0,"url":"http://a:1","voter":true})";
    const QByteArray b = R"({"id":1,"url":"http://b:1","voter":true})";
    const QByteArray c = R"({"id":2,"url":"http://c:1","voter":true})";
    const auto members = [](const QList<QByteArray> &list, int nextId) -> QByteArray {
        return QByteArray(R"({"members":[)") + list.join(',') + R"(],"nextId":)" + QByteArray::number(nextId) + "}";
    };
    QTest::newRow("same") << members({a, b, c}, 3) << false;
    QTest::newRow("remove one") << members({a, b}, 3) << true;
    QTest::newRow("remove two") << members({a}, 3) << false;
    QTest::newRow("add a learner") << members({a, b, c, R"({"id":3,"url":"http://d:1","voter":false})"}, 4) << true;
    QTest::newRow("add a voter at once") << members({a, b, c, R"({"id":3,"url":"http://d:1","voter":true})"}, 4) << false;
    QTest::newRow("add two learners")
        << members({a, b, c, R"({"id":3,"url":"http://d:1","voter":false})", R"({"id":4,"url":"http://e:1","voter":false})"}, 5)
        << false;
    QTest::newRow("replace in one step") << members({a, b, R"({"id":3,"url":"http://d:1","voter":false})"}, 4) << false;
    QTest::newRow("a voter becomes a learner") << members({a, b, R"({"id":2,"url":"http://c:1","voter":false})"}, 3) << false;
    QTest::newRow("a member changes its URL") << members({a, b, R"({"id":2,"url":"http://z:1","voter":true})"}, 3) << false;
    QTest::newRow("two members share a URL")
        << members({a, b, c, R"({"id":3,"url":"http://c:1","voter":false})"}, 4) << false;
    QTest::newRow("nextId goes back") << members({a, b}, 2) << false;
}

void TestMembership::checkChangeAllowsOneMemberAtATime()
{
    QFETCH(QByteArray, next);
    QFETCH(bool, allowed);
    const Result<Membership> parsed = Membership::fromJson(next);
    QVERIFY2(parsed.isOk(), qPrintable(parsed.status().message()));
    const Status status = three().checkChange(parsed.value());
    QVERIFY2(status.isOk() == allowed, qPrintable(status.message()));
}

void TestMembership::describeChangeNamesTheEvent()
{
    const Membership added = three().withLearner(QStringLiteral("http://d:1")).value();
    QCOMPARE(three().describeChange(added), std::make_pair(QStringLiteral("member-added"), 3));
    const Membership promoted = added.withVoter(3).value();
    QCOMPARE(added.describeChange(promoted), std::make_pair(QStringLiteral("learner-caught-up"), 3));
    const Membership removed = promoted.without(0).value();
    QCOMPARE(promoted.describeChange(removed), std::make_pair(QStringLiteral("member-removed"), 0));
    QCOMPARE(three().describeChange(three()).first, QString());
}

void TestMembership::refusesBadChanges()
{
    QCOMPARE(three().withLearner(QStringLiteral("http://b:1")).status().code(), Status::Code::Conflict);
    QCOMPARE(three().withLearner(QStringLiteral("ftp://x:1")).status().code(), Status::Code::BadRequest);
    QCOMPARE(three().withLearner(QStringLiteral("http://x")).status().code(), Status::Code::BadRequest); // no port
    QCOMPARE(three().withLearner(QStringLiteral("http://x:1/path")).status().code(), Status::Code::BadRequest);
    QCOMPARE(three().without(7).status().code(), Status::Code::NotFound);
    QCOMPARE(three().withVoter(1).status().code(), Status::Code::Conflict);
    const Membership one = Membership::initial({QStringLiteral("http://a:1")});
    QCOMPARE(one.without(0).status().code(), Status::Code::Conflict); // the last voter
}

void TestMembership::jsonRoundTrip()
{
    const Membership members = three().withLearner(QStringLiteral("http://d:1")).value().without(1).value();
    const Result<Membership> back = Membership::fromJson(members.toJson());
    QVERIFY(back.isOk());
    QVERIFY(back.value() == members);
    QCOMPARE(back->nextId(), 4);
    QCOMPARE(back->voterIds(), (QVector<int>{0, 2}));
}

void TestMembership::jsonRefusesMalformed_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("not json") << QByteArray("members");
    QTest::newRow("no nextId") << QByteArray(R"({"members":[]})");
    QTest::newRow("id at nextId") << QByteArray(R"({"members":[{"id":1,"url":"http://a:1"}],"nextId":1})");
    QTest::newRow("descending ids")
        << QByteArray(R"({"members":[{"id":1,"url":"http://a:1"},{"id":0,"url":"http://b:1"}],"nextId":2})");
    QTest::newRow("no url") << QByteArray(R"({"members":[{"id":0}],"nextId":1})");
    QTest::newRow("negative nextId") << QByteArray(R"({"members":[],"nextId":-1})");
}

void TestMembership::jsonRefusesMalformed()
{
    QFETCH(QByteArray, json);
    QCOMPARE(Membership::fromJson(json).status().code(), Status::Code::BadRequest);
}

QTEST_APPLESS_MAIN(TestMembership)
#include "tst_membership.moc"
