// The console's membership changes against a fake router (canned answers,
// every request recorded; offscreen, no cluster):
//  - MembershipController: what add, remove and replace send (method, path
//    with the member's id, body, token), what they report (the command
//    that starts a new member, with the id the router answered), a
//    cancelled question or a wrong URL (nothing sent), the router's 409
//    reason verbatim, no answer; each action ends in exactly one
//    finished(), started() only when something was sent.
//  - ActionController's promote names the member by id once ids have gaps.
//  - The main window: the three actions enabled only when they make sense
//    (router reachable, shard healthy, a member selected for remove and
//    replace, no replacement running on the shard), an action triggered
//    from the window, and how a replacement ended in the result label.
#include <QAction>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>
#include <QTcpServer>

#include <optional>

#include "ActionController.h"
#include "ConsoleClient.h"
#include "FakeRouter.h"
#include "MainWindow.h"
#include "MembershipController.h"
#include "TopologyModel.h"

namespace {

const QByteArray kToken = "secret-token";

QJsonObject member(int shard, int id, int primary, bool learner = false)
{
    return QJsonObject{{QStringLiteral("member"), id},
                       {QStringLiteral("name"), QStringLiteral("shard%1-node%2").arg(shard).arg(id)},
                       {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:%1").arg(9000 + shard * 10 + id)},
                       {QStringLiteral("learner"), learner},
                       {QStringLiteral("reachable"), true},
                       {QStringLiteral("role"), id == primary ? QStringLiteral("primary") : QStringLiteral("replica")},
                       {QStringLiteral("term"), 2},
                       {QStringLiteral("seq"), 40},
                       {QStringLiteral("commitSeq"), 40},
                       {QStringLiteral("state"), QStringLiteral("InSync")}};
}

// One shard: the members with these ids, `primary` the primary's id.
QJsonObject shard(int id, const QList<int> &members, int primary)
{
    QJsonArray rows;
    for (const int each : members)
        rows.append(member(id, each, primary));
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("primary"), QStringLiteral("http://127.0.0.1:%1").arg(9000 + id * 10 + primary)},
                       {QStringLiteral("primaryMember"), primary},
                       {QStringLiteral("term"), 2},
                       {QStringLiteral("healthy"), true},
                       {QStringLiteral("promoting"), false},
                       {QStringLiteral("reachable"), rows.size()},
                       {QStringLiteral("membershipPending"), false},
                       {QStringLiteral("members"), rows}};
}

QJsonObject status(const QList<QJsonObject> &shards)
{
    QJsonArray list;
    for (const QJsonObject &each : shards)
        list.append(each);
    return QJsonObject{{QStringLiteral("shards"), list}, {QStringLiteral("lastEventId"), 0}};
}

QJsonObject replacement(int from, int to, const QString &state, const QString &error = {})
{
    QJsonObject out{{QStringLiteral("kind"), QStringLiteral("replace")},
                    {QStringLiteral("from"), from},
                    {QStringLiteral("to"), to},
                    {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:9105")},
                    {QStringLiteral("state"), state},
                    {QStringLiteral("ageMs"), 1200}};
    if (!error.isEmpty())
        out.insert(QStringLiteral("error"), error);
    return out;
}

QJsonObject refusal(const QString &error)
{
    return QJsonObject{{QStringLiteral("ok"), false}, {QStringLiteral("error"), error}, {QStringLiteral("shard"), 0}};
}

} // namespace

class TestConsoleMembership : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void startCommand();
    void proposedUrl();
    void addMemberSendsUrlAndSaysHowToStart();
    void wrongOrCancelledAnswerSendsNothing_data();
    void wrongOrCancelledAnswerSendsNothing();
    void refusalShownVerbatim();
    void noAnswerIsAnError();
    void removeNamesTheMemberById();
    void replaceAsksUrlThenConfirms();
    void promoteNamesTheMemberById();
    void windowActionsFollowSelection();
    void windowAddsAndReportsReplacements();

private:
    // Waits until `spy` has one signal, then a little longer: it must stay one.
    static bool exactlyOnce(QSignalSpy &spy);
    // Sets up the controller's questions: `url` answers the URL, `yes` the
    // confirmation; every question asked is recorded.
    void answer(MembershipController &controller, const std::optional<QString> &url, bool yes);
    QAction *windowAction(MainWindow &window, const QString &text) const;

    std::unique_ptr<FakeRouter> m_router;
    std::unique_ptr<ConsoleClient> m_client;
    std::unique_ptr<TopologyModel> m_topology;
    QStringList m_asked;     // titles and labels of URL questions
    QStringList m_questions; // confirmations
    QStringList m_proposals;
};

void TestConsoleMembership::init()
{
    m_router = std::make_unique<FakeRouter>();
    QVERIFY(m_router->listen());
    m_client = std::make_unique<ConsoleClient>();
    m_client->setRouter(m_router->url(), kToken);
    m_topology = std::make_unique<TopologyModel>();
    m_topology->applyStatus(status({shard(0, {0, 1, 2}, 0), shard(1, {0, 1, 2}, 1)}));
    m_asked.clear();
    m_questions.clear();
    m_proposals.clear();
}

void TestConsoleMembership::cleanup()
{
    m_topology.reset();
    m_client.reset();
    m_router.reset();
}

bool TestConsoleMembership::exactlyOnce(QSignalSpy &spy)
{
    if (spy.count() == 0 && !spy.wait(5000))
        return false;
    QTest::qWait(50);
    return spy.count() == 1;
}

void TestConsoleMembership::answer(MembershipController &controller, const std::optional<QString> &url, bool yes)
{
    controller.setAskText([this, url](const QString &title, const QString &label, const QString &proposal) {
        m_asked.append(title + QLatin1Char('\n') + label);
        m_proposals.append(proposal);
        return url;
    });
    controller.setConfirm([this, yes](const QString &, const QString &question) {
        m_questions.append(question);
        return yes;
    });
}

QAction *TestConsoleMembership::windowAction(MainWindow &window, const QString &text) const
{
    for (QAction *action : window.findChildren<QAction *>()) {
        if (action->text() == text)
            return action;
    }
    return nullptr;
}

void TestConsoleMembership::startCommand()
{
    QCOMPARE(MembershipController::startCommand(1, 7, QStringLiteral("https://db7.example:8443")),
             QStringLiteral("PEACEDB_NODE_SELF=https://db7.example:8443 PEACEDB_NODE_SHARD_ID=1 PEACEDB_NODE_MEMBER_ID=7 "
                            "peacedb-server --role node --config CONFIG --token-file TOKEN --listen db7.example:8443 --data DIR"));
    const QString note = MembershipController::startCommandNote();
    QVERIFY(note.contains(QStringLiteral("CONFIG")) && note.contains(QStringLiteral("TOKEN")) && note.contains(QStringLiteral("DIR")));
}

void TestConsoleMembership::proposedUrl()
{
    MembershipController controller(m_client.get(), m_topology.get());
    // The highest member port is shard 1's member 2: 9012.
    QCOMPARE(controller.proposedUrl(0), QStringLiteral("http://127.0.0.1:9013"));
    TopologyModel empty;
    MembershipController nothingKnown(m_client.get(), &empty);
    QCOMPARE(nothingKnown.proposedUrl(0), QStringLiteral("http://"));
}

void TestConsoleMembership::addMemberSendsUrlAndSaysHowToStart()
{
    m_router->setAnswer("POST", QStringLiteral("/v1/_cluster/shards/1/members"), 202,
                        QJsonObject{{QStringLiteral("ok"), true},
                                    {QStringLiteral("member"), 3},
                                    {QStringLiteral("name"), QStringLiteral("shard1-node3")},
                                    {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:9200")},
                                    {QStringLiteral("seq"), 41},
                                    {QStringLiteral("term"), 2},
                                    {QStringLiteral("shard"), 1}});
    MembershipController controller(m_client.get(), m_topology.get());
    // Typed with blanks and a slash: sent as the router writes URLs.
    answer(controller, QStringLiteral(" http://127.0.0.1:9200/ "), true);
    QSignalSpy started(&controller, &MembershipController::started);
    QSignalSpy finished(&controller, &MembershipController::finished);
    QSignalSpy newMember(&controller, &MembershipController::newMember);
    controller.addMember(1);
    QVERIFY(exactlyOnce(finished));
    QCOMPARE(started.count(), 1);
    QCOMPARE(started.first().at(0).toString(), QStringLiteral("Add member to shard 1"));
    QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(2).toString()));
    const QString message = finished.first().at(2).toString();
    QVERIFY2(message.contains(QStringLiteral("shard1-node3 (http://127.0.0.1:9200) joins shard 1 as a learner")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("PEACEDB_NODE_SELF=http://127.0.0.1:9200 PEACEDB_NODE_SHARD_ID=1 PEACEDB_NODE_MEMBER_ID=3")),
             qPrintable(message));
    QCOMPARE(m_questions.size(), 0);  // the URL dialog is the question
    QCOMPARE(m_asked.size(), 1);
    QVERIFY(m_asked.first().contains(QStringLiteral("learner")));
    QCOMPARE(m_proposals.first(), QStringLiteral("http://127.0.0.1:9013"));

    QCOMPARE(newMember.count(), 1);
    QCOMPARE(newMember.first().at(0).toInt(), 1);
    QCOMPARE(newMember.first().at(1).toInt(), 3);
    QCOMPARE(newMember.first().at(2).toString(), QStringLiteral("http://127.0.0.1:9200"));
    QCOMPARE(newMember.first().at(3).toString(), MembershipController::startCommand(1, 3, QStringLiteral("http://127.0.0.1:9200")));

    const QList<FakeRouter::Request> sent = m_router->changes();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.first().method, QByteArray("POST"));
    QCOMPARE(sent.first().path, QStringLiteral("/v1/_cluster/shards/1/members"));
    QCOMPARE(sent.first().json(), (QJsonObject{{QStringLiteral("url"), QStringLiteral("http://127.0.0.1:9200")}}));
    QCOMPARE(sent.first().authorization, QByteArray("Bearer ") + kToken);
}

void TestConsoleMembership::wrongOrCancelledAnswerSendsNothing_data()
{
    QTest::addColumn<QString>("action");
    QTest::addColumn<std::optional<QString>>("url");
    QTest::addColumn<bool>("yes");
    QTest::addColumn<QString>("expected");
    const QString cancelled = QStringLiteral("cancelled");
    const QString wrongUrl = QStringLiteral("nothing sent: the new member's URL must be http://HOST:PORT or https://HOST:PORT");
    QTest::newRow("add: URL question cancelled") << QStringLiteral("add") << std::optional<QString>() << true << cancelled;
    QTest::newRow("add: no scheme") << QStringLiteral("add") << std::optional<QString>(QStringLiteral("127.0.0.1:9200")) << true << wrongUrl;
    QTest::newRow("add: no port") << QStringLiteral("add") << std::optional<QString>(QStringLiteral("http://db7.example")) << true << wrongUrl;
    QTest::newRow("add: a path") << QStringLiteral("add") << std::optional<QString>(QStringLiteral("http://db7.example:80/db")) << true << wrongUrl;
    QTest::newRow("add: ftp") << QStringLiteral("add") << std::optional<QString>(QStringLiteral("ftp://db7.example:21")) << true << wrongUrl;
    QTest::newRow("add: empty") << QStringLiteral("add") << std::optional<QString>(QString()) << true << wrongUrl;
    QTest::newRow("remove: declined") << QStringLiteral("remove") << std::optional<QString>() << false << cancelled;
    QTest::newRow("replace: URL question cancelled") << QStringLiteral("replace") << std::optional<QString>() << true << cancelled;
    QTest::newRow("replace: wrong URL") << QStringLiteral("replace") << std::optional<QString>(QStringLiteral("db7:9200")) << true << wrongUrl;
    QTest::newRow("replace: declined") << QStringLiteral("replace") << std::optional<QString>(QStringLiteral("http://127.0.0.1:9200")) << false
                                       << cancelled;
}

void TestConsoleMembership::wrongOrCancelledAnswerSendsNothing()
{
    QFETCH(QString, action);
    QFETCH(std::optional<QString>, url);
    QFETCH(bool, yes);
    QFETCH(QString, expected);
    MembershipController controller(m_client.get(), m_topology.get());
    answer(controller, url, yes);
    QSignalSpy started(&controller, &MembershipController::started);
    QSignalSpy finished(&controller, &MembershipController::finished);
    if (action == QLatin1String("add"))
        controller.addMember(0);
    else if (action == QLatin1String("remove"))
        controller.removeMember(0, 1);
    else
        controller.replaceMember(0, 1);
    QVERIFY(exactlyOnce(finished));
    QVERIFY(!finished.first().at(1).toBool());
    QVERIFY2(finished.first().at(2).toString().startsWith(expected), qPrintable(finished.first().at(2).toString()));
    QCOMPARE(started.count(), 0);
    QVERIFY(m_router->requests().isEmpty());
}

void TestConsoleMembership::refusalShownVerbatim()
{
    const QString pending = QStringLiteral("a membership change is not committed yet (seq 57); one change at a time");
    const QString replacing = QStringLiteral("a replacement is in progress on this shard; one change at a time");
    m_router->setAnswer("POST", QStringLiteral("/v1/_cluster/shards/0/members"), 409, refusal(pending));
    m_router->setAnswer("DELETE", QStringLiteral("/v1/_cluster/shards/0/members/1"), 409, refusal(replacing));
    m_router->setAnswer("POST", QStringLiteral("/v1/_cluster/shards/0/members/2/replace"), 503,
                        refusal(QStringLiteral("shard 0 has no primary")));
    MembershipController controller(m_client.get(), m_topology.get());
    answer(controller, QStringLiteral("http://127.0.0.1:9200"), true);
    QSignalSpy started(&controller, &MembershipController::started);
    QSignalSpy finished(&controller, &MembershipController::finished);
    QSignalSpy newMember(&controller, &MembershipController::newMember);

    controller.addMember(0);
    QVERIFY(exactlyOnce(finished));
    QCOMPARE(finished.first().at(2).toString(), QStringLiteral("HTTP 409: ") + pending);
    QVERIFY(!finished.first().at(1).toBool());

    finished.clear();
    controller.removeMember(0, 1);
    QVERIFY(exactlyOnce(finished));
    QCOMPARE(finished.first().at(2).toString(), QStringLiteral("HTTP 409: ") + replacing);

    finished.clear();
    controller.replaceMember(0, 2);
    QVERIFY(exactlyOnce(finished));
    QCOMPARE(finished.first().at(2).toString(), QStringLiteral("HTTP 503: shard 0 has no primary"));

    QCOMPARE(started.count(), 3);
    QCOMPARE(newMember.count(), 0);
    QCOMPARE(m_router->changes().size(), 3);
}

void TestConsoleMembership::noAnswerIsAnError()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();
    m_client->setRouter(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), kToken);
    MembershipController controller(m_client.get(), m_topology.get());
    answer(controller, QStringLiteral("http://127.0.0.1:9200"), true);
    QSignalSpy started(&controller, &MembershipController::started);
    QSignalSpy finished(&controller, &MembershipController::finished);
    controller.addMember(0);
    QVERIFY(exactlyOnce(finished));
    QCOMPARE(started.count(), 1);
    QVERIFY(!finished.first().at(1).toBool());
    QVERIFY2(finished.first().at(2).toString().contains(QStringLiteral("refused")), qPrintable(finished.first().at(2).toString()));
}

void TestConsoleMembership::removeNamesTheMemberById()
{
    // Members 0, 2 and 4 after earlier removals; 4 is the primary.
    m_topology->applyStatus(status({shard(0, {0, 2, 4}, 4)}));
    const QJsonObject accepted{{QStringLiteral("ok"), true}, {QStringLiteral("seq"), 57}, {QStringLiteral("term"), 3}};
    m_router->setAnswer("DELETE", QStringLiteral("/v1/_cluster/shards/0/members/2"), 202, accepted);
    m_router->setAnswer("DELETE", QStringLiteral("/v1/_cluster/shards/0/members/4"), 202, accepted);
    MembershipController controller(m_client.get(), m_topology.get());
    answer(controller, std::nullopt, true);
    QSignalSpy finished(&controller, &MembershipController::finished);

    controller.removeMember(0, 1);
    QVERIFY(exactlyOnce(finished));
    QCOMPARE(finished.first().at(0).toString(), QStringLiteral("Remove shard0-node2"));
    QCOMPARE(finished.first().at(2).toString(), QStringLiteral("shard0-node2 left shard 0 (the change is in the log at seq 57); stop its process"));
    QVERIFY2(m_questions.last().startsWith(QStringLiteral("Remove shard0-node2 (http://127.0.0.1:9002) from shard 0?")),
             qPrintable(m_questions.last()));
    QVERIFY(!m_questions.last().contains(QStringLiteral("hands off")));
    QVERIFY2(m_questions.last().contains(QStringLiteral("keeps 2 members, 2 of them voting")), qPrintable(m_questions.last()));
    QVERIFY(m_questions.last().contains(QStringLiteral("Stop its process afterwards")));

    finished.clear();
    controller.removeMember(0, 2);
    QVERIFY(exactlyOnce(finished));
    QVERIFY(m_questions.last().contains(QStringLiteral("It is the shard's primary: it hands off to another member first")));
    QCOMPARE(finished.first().at(2).toString(),
             QStringLiteral("shard0-node4 handed off and left shard 0 (the change is in the log at seq 57); stop its process"));

    const QList<FakeRouter::Request> sent = m_router->changes();
    QCOMPARE(sent.size(), 2);
    QCOMPARE(sent.at(0).method, QByteArray("DELETE"));
    QCOMPARE(sent.at(0).path, QStringLiteral("/v1/_cluster/shards/0/members/2"));
    QVERIFY(sent.at(0).body.isEmpty());
    QCOMPARE(sent.at(1).path, QStringLiteral("/v1/_cluster/shards/0/members/4"));
}

void TestConsoleMembership::replaceAsksUrlThenConfirms()
{
    m_router->setAnswer("POST", QStringLiteral("/v1/_cluster/shards/0/members/1/replace"), 202,
                        QJsonObject{{QStringLiteral("ok"), true},
                                    {QStringLiteral("shard"), 0},
                                    {QStringLiteral("replacement"), replacement(1, 5, QStringLiteral("catching-up"))}});
    MembershipController controller(m_client.get(), m_topology.get());
    answer(controller, QStringLiteral("http://127.0.0.1:9105"), true);
    QSignalSpy started(&controller, &MembershipController::started);
    QSignalSpy finished(&controller, &MembershipController::finished);
    QSignalSpy newMember(&controller, &MembershipController::newMember);
    controller.replaceMember(0, 1);
    QVERIFY(exactlyOnce(finished));
    QCOMPARE(started.count(), 1);
    QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(2).toString()));
    QCOMPARE(finished.first().at(0).toString(), QStringLiteral("Replace shard0-node1"));
    const QString message = finished.first().at(2).toString();
    QVERIFY2(message.startsWith(QStringLiteral("replacing shard0-node1 by shard0-node5 (http://127.0.0.1:9105): start its process with "
                                               "PEACEDB_NODE_SELF=http://127.0.0.1:9105 PEACEDB_NODE_SHARD_ID=0 PEACEDB_NODE_MEMBER_ID=5")),
             qPrintable(message));
    QVERIFY(message.contains(QStringLiteral("removes shard0-node1 once shard0-node5 has caught up")));
    QCOMPARE(m_asked.size(), 1);
    QVERIFY(m_asked.first().startsWith(QStringLiteral("Replace shard0-node1\n")));
    QCOMPARE(m_questions.size(), 1);
    QVERIFY2(m_questions.first().startsWith(QStringLiteral("Replace shard0-node1 (http://127.0.0.1:9001) in shard 0 by http://127.0.0.1:9105?")),
             qPrintable(m_questions.first()));
    QVERIFY(!m_questions.first().contains(QStringLiteral("hands off")));
    QCOMPARE(newMember.count(), 1);
    QCOMPARE(newMember.first().at(1).toInt(), 5);

    const QList<FakeRouter::Request> sent = m_router->changes();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.first().method, QByteArray("POST"));
    QCOMPARE(sent.first().path, QStringLiteral("/v1/_cluster/shards/0/members/1/replace"));
    QCOMPARE(sent.first().json(), (QJsonObject{{QStringLiteral("url"), QStringLiteral("http://127.0.0.1:9105")}}));

    // The primary is replaced too, after handing off.
    QVERIFY(controller.replaceQuestion(0, 0, QStringLiteral("http://127.0.0.1:9105")).contains(QStringLiteral("the primary: it hands off first")));
}

void TestConsoleMembership::promoteNamesTheMemberById()
{
    m_topology->applyStatus(status({shard(0, {0, 2, 4}, 4)}));
    m_router->setAnswer("POST", QStringLiteral("/v1/_cluster/shards/0/promote"), 200,
                        QJsonObject{{QStringLiteral("ok"), true}, {QStringLiteral("node"), QStringLiteral("shard0-node2")},
                                    {QStringLiteral("term"), 3}});
    ActionController actions(m_client.get(), m_topology.get());
    QSignalSpy finished(&actions, &ActionController::finished);
    actions.promote(0, 1);
    QVERIFY(exactlyOnce(finished));
    QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(2).toString()));
    QCOMPARE(finished.first().at(0).toString(), QStringLiteral("Promote shard0-node2"));
    const QList<FakeRouter::Request> sent = m_router->changes();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.first().json(), (QJsonObject{{QStringLiteral("node"), 2}, {QStringLiteral("force"), false}}));
}

void TestConsoleMembership::windowActionsFollowSelection()
{
    QJsonObject replacing = shard(1, {0, 1, 2, 3}, 0);
    replacing.insert(QStringLiteral("replacement"), replacement(1, 3, QStringLiteral("catching-up")));
    const QJsonObject canned = status({shard(0, {0, 1, 2}, 0), replacing});
    m_router->setClusterStatus(canned);
    m_client->setPollInterval(50);
    MainWindow window(m_client.get());
    window.setPopups(false);
    window.show();
    m_client->start();
    QTRY_VERIFY_WITH_TIMEOUT(window.isRouterReachable() && window.topologyModel()->memberCount(1) == 4, 5000);
    QAction *add = windowAction(window, QStringLiteral("Add member…"));
    QAction *remove = windowAction(window, QStringLiteral("Remove member…"));
    QAction *replace = windowAction(window, QStringLiteral("Replace member…"));
    QVERIFY(add && remove && replace);

    // A shard row: add only.
    window.selectMember(0, -1);
    QVERIFY(add->isEnabled());
    QVERIFY(!remove->isEnabled());
    QVERIFY(!replace->isEnabled());
    // A member row: all three.
    window.selectMember(0, 1);
    QVERIFY(add->isEnabled());
    QVERIFY(remove->isEnabled());
    QVERIFY(replace->isEnabled());
    // A shard that is replacing a member: none, and the tooltip says why.
    window.selectMember(1, 2);
    QVERIFY(!add->isEnabled());
    QVERIFY(!remove->isEnabled());
    QVERIFY(!replace->isEnabled());
    QVERIFY2(remove->toolTip().contains(QStringLiteral("replacing shard1-node1 by shard1-node3: catching-up")), qPrintable(remove->toolTip()));
    window.selectMember(0, 1);
    QVERIFY(!remove->toolTip().contains(QStringLiteral("replacing")));

    // A shard without a primary: none.
    QJsonObject leaderless = shard(0, {0, 1, 2}, 0);
    leaderless.insert(QStringLiteral("healthy"), false);
    m_router->setClusterStatus(status({leaderless, replacing}));
    QTRY_VERIFY_WITH_TIMEOUT(!add->isEnabled(), 5000);
    QVERIFY(!remove->isEnabled());
    QVERIFY(!replace->isEnabled());
    m_router->setClusterStatus(canned);
    QTRY_VERIFY_WITH_TIMEOUT(remove->isEnabled(), 5000);

    // A shard of one member: it cannot be removed, only replaced.
    m_router->setClusterStatus(status({shard(0, {2}, 2), replacing}));
    window.selectMember(0, -1);
    QTRY_COMPARE_WITH_TIMEOUT(window.topologyModel()->memberCount(0), 1, 5000);
    window.selectMember(0, 0);
    QVERIFY(!remove->isEnabled());
    QVERIFY(replace->isEnabled());
    m_router->setClusterStatus(canned);
    QTRY_COMPARE_WITH_TIMEOUT(window.topologyModel()->memberCount(0), 3, 5000);
    window.selectMember(0, 1);
    QVERIFY(remove->isEnabled());

    // The router stops answering: none.
    m_router->setAnswer("GET", QStringLiteral("/v1/_cluster/status"), 503, refusal(QStringLiteral("stopping")));
    QTRY_VERIFY_WITH_TIMEOUT(!window.isRouterReachable(), 5000);
    QVERIFY(!add->isEnabled());
    QVERIFY(!remove->isEnabled());
    QVERIFY(!replace->isEnabled());
    m_client->stop();
}

void TestConsoleMembership::windowAddsAndReportsReplacements()
{
    QJsonObject shard0 = shard(0, {0, 1, 2}, 0);
    m_router->setClusterStatus(status({shard0}));
    m_router->setAnswer("POST", QStringLiteral("/v1/_cluster/shards/0/members"), 202,
                        QJsonObject{{QStringLiteral("ok"), true},
                                    {QStringLiteral("member"), 3},
                                    {QStringLiteral("name"), QStringLiteral("shard0-node3")},
                                    {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:9200")},
                                    {QStringLiteral("seq"), 41},
                                    {QStringLiteral("shard"), 0}});
    m_client->setPollInterval(50);
    MainWindow window(m_client.get());
    window.setPopups(false);
    QString askedTitle;
    window.setAskText([&askedTitle](const QString &title, const QString &, const QString &) {
        askedTitle = title;
        return std::optional<QString>(QStringLiteral("http://127.0.0.1:9200"));
    });
    window.show();
    m_client->start();
    QTRY_VERIFY_WITH_TIMEOUT(window.isRouterReachable() && window.topologyModel()->memberCount(0) == 3, 5000);

    // Add member… on the selected shard, through the window's URL question.
    QAction *add = windowAction(window, QStringLiteral("Add member…"));
    window.selectMember(0, -1);
    QVERIFY(add->isEnabled());
    add->trigger();
    QCOMPARE(askedTitle, QStringLiteral("Add member to shard 0"));
    QTRY_VERIFY_WITH_TIMEOUT(window.lastActionText().startsWith(QStringLiteral("✔ Add member to shard 0")), 5000);
    QVERIFY2(window.lastActionText().contains(QStringLiteral("PEACEDB_NODE_MEMBER_ID=3")), qPrintable(window.lastActionText()));
    QCOMPARE(m_router->changes().size(), 1);
    QCOMPARE(m_router->changes().first().path, QStringLiteral("/v1/_cluster/shards/0/members"));

    // A replacement (started elsewhere) seen running, then failing: the
    // result label says how it ended.
    QJsonObject replacing = shard(0, {0, 1, 2, 5}, 0);
    replacing.insert(QStringLiteral("replacement"), replacement(1, 5, QStringLiteral("catching-up")));
    m_router->setClusterStatus(status({replacing}));
    QTRY_VERIFY_WITH_TIMEOUT(window.topologyModel()->isReplacing(0), 5000);
    replacing.insert(QStringLiteral("replacement"),
                     replacement(1, 5, QStringLiteral("failed"), QStringLiteral("member 5 did not catch up within 4000 ms")));
    m_router->setClusterStatus(status({replacing}));
    QTRY_VERIFY_WITH_TIMEOUT(window.lastActionText().startsWith(QStringLiteral("✖ Replace shard0-node1")), 5000);
    QVERIFY2(window.lastActionText().contains(QStringLiteral("replacing shard0-node1 by shard0-node5 failed: member 5 did not catch up")),
             qPrintable(window.lastActionText()));

    // Another one, to its end.
    replacing.insert(QStringLiteral("replacement"), replacement(2, 6, QStringLiteral("removing")));
    m_router->setClusterStatus(status({replacing}));
    QTRY_VERIFY_WITH_TIMEOUT(window.topologyModel()->isReplacing(0), 5000);
    replacing.insert(QStringLiteral("replacement"), replacement(2, 6, QStringLiteral("done")));
    m_router->setClusterStatus(status({replacing}));
    QTRY_VERIFY_WITH_TIMEOUT(window.lastActionText().startsWith(QStringLiteral("✔ Replace shard0-node2")), 5000);
    QVERIFY2(window.lastActionText().contains(QStringLiteral("replaced shard0-node2 by shard0-node6; stop shard0-node2's process")),
             qPrintable(window.lastActionText()));
    m_client->stop();
}

QTEST_MAIN(TestConsoleMembership)
#include "tst_consolemembership.moc"
