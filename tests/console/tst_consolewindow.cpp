// The console's main window against a real local cluster (3 shards x 3
// members run by peacedb-cluster): the topology appears; writes through
// the router show in the traffic chart and the topology's traffic column
// (from the router's /metrics), a p99 threshold of 0.001 ms flags the
// written shards; a kill from the
// action code path shows the node Offline and then a new primary; the
// killed node is started again through the supervisor; promote and step
// down; "Test failover" measures an outage and reads every acknowledged
// probe back; a stopped router and a closed port show the unreachable,
// stale state, and the window reconnects by itself; "Back up…" makes a
// backup in the router's backup root and the status bar follows it (and one
// started elsewhere); a member added to shard 1 shows as a learner until
// the test starts the process the console says to start, then votes; it is
// replaced by another new process (the window's membership actions are off
// meanwhile, the result label says when it is done) and that one removed,
// so the shard ends with its first three members. Confirmations and
// questions are answered by the test (no modal dialogs).
#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QTreeView>

#include <memory>
#include <optional>

#include "ActionController.h"
#include "BackupController.h"
#include "ClusterProcesses.h"
#include "ConsoleClient.h"
#include "EventModel.h"
#include "FailoverProbe.h"
#include "MainWindow.h"
#include "MembershipController.h"
#include "ServerProcess.h"
#include "TopologyModel.h"
#include "TrafficChartView.h"
#include "TrafficHistory.h"

namespace {

constexpr int kFailoverBoundMs = 10000;

quint16 freePort()
{
    QTcpServer holder;
    return holder.listen(QHostAddress::LocalHost, 0) ? holder.serverPort() : 0;
}

} // namespace

class TestConsoleWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void topologyAppears();
    void trafficAppears();
    void killShowsOfflineThenNewPrimary();
    void startKilledNode();
    void promoteReplica();
    void refusedPromotionOffersForce();
    void stepDownPrimary();
    void testFailoverMeasuresOutage();
    void testFailoverByStepDown();
    void backUpFromTheWindow();
    void membershipChangesFromTheWindow();
    void stoppedRouterShowsUnreachable();
    void closedPortShowsUnreachable();

private:
    // Processes the GUI's events (and drains the launcher's output) until
    // `predicate` holds; false on timeout.
    bool waitFor(const std::function<bool()> &predicate, int timeoutMs);
    // Runs one ActionController call and waits for its finished().
    bool runAction(const std::function<void()> &action, QString *message);
    // The same for one MembershipController call.
    bool runMembershipAction(const std::function<void()> &action, QString *message);
    // Starts member `name` the way `command` (MembershipController::
    // startCommand) says, with the cluster's files and a new data
    // directory; nullptr if it did not start.
    std::unique_ptr<ServerProcess> startMember(const QString &name, const QString &command);
    // The row of member `id` in shard `shard`'s topology, -1 if none.
    int rowOf(int shard, int id) const;
    bool waitForPrimary(int shard, int timeoutMs);
    QString memberText(int shard, int member, int column) const;

    std::unique_ptr<ClusterProcesses> m_cluster;
    std::unique_ptr<ConsoleClient> m_client;
    std::unique_ptr<MainWindow> m_window;
    QStringList m_questions;
};

bool TestConsoleWindow::waitFor(const std::function<bool()> &predicate, int timeoutMs)
{
    return m_cluster->waitProcessingEvents(predicate, timeoutMs);
}

bool TestConsoleWindow::runAction(const std::function<void()> &action, QString *message)
{
    QSignalSpy finished(m_window->actions(), &ActionController::finished);
    action();
    if (!waitFor([&finished] { return finished.count() > 0; }, 30000)) {
        *message = QStringLiteral("no answer");
        return false;
    }
    *message = finished.first().at(2).toString();
    return finished.first().at(1).toBool();
}

bool TestConsoleWindow::runMembershipAction(const std::function<void()> &action, QString *message)
{
    QSignalSpy finished(m_window->membership(), &MembershipController::finished);
    action();
    if (!waitFor([&finished] { return finished.count() > 0; }, 40000)) {
        *message = QStringLiteral("no answer");
        return false;
    }
    *message = finished.first().at(2).toString();
    return finished.first().at(1).toBool();
}

std::unique_ptr<ServerProcess> TestConsoleWindow::startMember(const QString &name, const QString &command)
{
    const QStringList words = command.split(QLatin1Char(' '));
    const qsizetype binary = words.indexOf(QStringLiteral("peacedb-server"));
    QStringList environment;
    const QProcessEnvironment inherited = m_cluster->processEnvironment();
    for (const QString &key : inherited.keys())
        environment << key + QLatin1Char('=') + inherited.value(key);
    environment += words.mid(0, binary);
    const QString dataDir = QDir(m_cluster->directory()).filePath(QStringLiteral("added-%1").arg(name));
    QStringList arguments = words.mid(binary + 1);
    for (QString &word : arguments) {
        if (word == QLatin1String("CONFIG"))
            word = m_cluster->configPath();
        else if (word == QLatin1String("TOKEN"))
            word = m_cluster->tokenPath();
        else if (word == QLatin1String("DIR"))
            word = dataDir;
    }
    auto process = std::make_unique<ServerProcess>(dataDir, arguments);
    process->setListenAddress(arguments.value(arguments.indexOf(QStringLiteral("--listen")) + 1));
    process->setEnvironment(environment);
    process->killWithTest();
    if (!process->start(20000)) {
        qWarning("%s did not start: %s", qPrintable(command), qPrintable(process->output().right(2000)));
        return nullptr;
    }
    return process;
}

int TestConsoleWindow::rowOf(int shard, int id) const
{
    const TopologyModel *model = m_window->topologyModel();
    for (int row = 0; row < model->memberCount(shard); ++row) {
        if (model->memberInfo(shard, row).value(QStringLiteral("member")).toInt(-1) == id)
            return row;
    }
    return -1;
}

bool TestConsoleWindow::waitForPrimary(int shard, int timeoutMs)
{
    TopologyModel *model = m_window->topologyModel();
    return waitFor([model, shard] {
        const int primary = model->primaryMember(shard);
        return model->shardInfo(shard).value(QStringLiteral("healthy")).toBool()
               && model->memberInfo(shard, primary).value(QStringLiteral("role")).toString() == QLatin1String("primary");
    }, timeoutMs);
}

QString TestConsoleWindow::memberText(int shard, int member, int column) const
{
    return m_window->topologyModel()->memberIndex(shard, member, column).data().toString();
}

void TestConsoleWindow::initTestCase()
{
    m_cluster = std::make_unique<ClusterProcesses>(ClusterProcesses::Options{});
    QVERIFY2(m_cluster->start(), qPrintable(m_cluster->error()));
    QVERIFY2(m_cluster->waitForHealthy(20000), qPrintable(m_cluster->describe()));
    m_client = std::make_unique<ConsoleClient>();
    m_client->setRouter(QUrl(m_cluster->routerUrl()), m_cluster->token());
    m_client->setPollInterval(200);
    m_window = std::make_unique<MainWindow>(m_client.get());
    m_window->setPopups(false);
    m_window->actions()->setConfirm([this](const QString &, const QString &question) {
        m_questions.append(question);
        return true;
    });
    m_window->show();
    m_client->start();
}

void TestConsoleWindow::cleanupTestCase()
{
    m_window.reset();
    m_client.reset();
    m_cluster.reset();
}

void TestConsoleWindow::topologyAppears()
{
    TopologyModel *model = m_window->topologyModel();
    QVERIFY(waitFor([model] { return model->shardCount() == 3; }, 10000));
    QVERIFY(m_window->isRouterReachable());
    QVERIFY(m_window->bannerText().isEmpty());
    QVERIFY(m_window->connectionText().contains(QStringLiteral("Connected")));
    for (int shard = 0; shard < 3; ++shard) {
        QCOMPARE(model->memberCount(shard), 3);
        // The router may still be confirming a primary of a cluster this young.
        int expected = -1;
        QVERIFY(waitFor([&] { return (expected = m_cluster->primaryOf(shard)) >= 0; }, 10000));
        QVERIFY(waitFor([&] { return model->primaryMember(shard) == expected; }, 5000));
        const int primary = model->primaryMember(shard);
        QVERIFY(memberText(shard, primary, TopologyModel::RoleColumn).contains(QStringLiteral("PRIMARY")));
        for (int member = 0; member < 3; ++member)
            QCOMPARE(memberText(shard, member, TopologyModel::NameColumn), ClusterProcesses::nodeName(shard, member));
    }
    QVERIFY(waitFor([model] { return model->memberIndex(0, 1, TopologyModel::StateColumn).data().toString() == QLatin1String("InSync"); },
                    5000));
    QVERIFY(m_window->topologyView()->isExpanded(model->shardIndex(2)));
    QVERIFY(waitFor([this] { return m_window->isSupervisorReachable(); }, 5000));
}

void TestConsoleWindow::trafficAppears()
{
    QCOMPARE(m_cluster->router("PUT", "/v1/db/traffic").status, 201);
    int written = 0;
    const TrafficHistory &history = m_window->trafficHistory();
    const auto writesSeen = [&history] {
        for (const int shard : history.shards()) {
            if (history.latest(shard) && history.latest(shard)->writesPerSecond > 0)
                return true;
        }
        return false;
    };
    // The console scrapes every 2 s; rates need two scrapes with writes
    // between them.
    QVERIFY(waitFor([&] {
        m_cluster->router("PUT", "/v1/db/traffic/docs/d" + QByteArray::number(written++), R"({"data":{}})");
        return writesSeen();
    }, 20000));
    QCOMPARE(history.shards(), (QList<int>{0, 1, 2}));
    QVERIFY(m_window->metricsError().isEmpty());
    QCOMPARE(m_window->trafficChart()->series().size(), 3);
    TopologyModel *model = m_window->topologyModel();
    int writing = -1;
    for (int shard = 0; shard < 3; ++shard) {
        if (history.latest(shard) && history.latest(shard)->writesPerSecond > 0)
            writing = shard;
    }
    QVERIFY(writing >= 0);
    QVERIFY2(model->shardIndex(writing, TopologyModel::TrafficColumn).data().toString().contains(QStringLiteral(" w/s")),
             qPrintable(model->shardIndex(writing, TopologyModel::TrafficColumn).data().toString()));
    // No write is that fast: the shard's p99 crosses the threshold.
    m_window->setP99ThresholdMs(0.001);
    QVERIFY2(model->trafficProblems(writing).join(QLatin1Char(' ')).contains(QStringLiteral("above the 0.001 ms threshold")),
             qPrintable(model->trafficProblems(writing).join(QLatin1Char(' '))));
    m_window->setP99ThresholdMs(100);
}

void TestConsoleWindow::killShowsOfflineThenNewPrimary()
{
    TopologyModel *model = m_window->topologyModel();
    const int victim = model->primaryMember(0);
    m_window->selectMember(0, victim);
    QCOMPARE(m_window->selectedMember(), victim);
    QString message;
    QElapsedTimer clock;
    clock.start();
    QVERIFY2(runAction([this, victim] { m_window->actions()->killNode(0, victim); }, &message), qPrintable(message));
    QVERIFY(m_questions.last().contains(QStringLiteral("primary")));
    QVERIFY2(waitFor([this, victim] { return memberText(0, victim, TopologyModel::StateColumn) == QLatin1String("Offline"); },
                     kFailoverBoundMs),
             qPrintable(m_cluster->describe()));
    QVERIFY2(waitFor([model, victim] { return model->primaryMember(0) != victim; }, kFailoverBoundMs), qPrintable(m_cluster->describe()));
    QVERIFY(waitForPrimary(0, kFailoverBoundMs));
    qInfo("shard 0: new primary shard0-node%d shown %lld ms after the kill", model->primaryMember(0), clock.elapsed());
    // The selection survived the refreshes.
    QCOMPARE(m_window->selectedShard(), 0);
    QCOMPARE(m_window->selectedMember(), victim);
    EventModel *events = m_window->eventModel();
    QVERIFY(waitFor([events] {
        bool killed = false;
        bool promoted = false;
        for (int row = 0; row < events->rowCount(); ++row) {
            const QString kind = events->index(row, EventModel::KindColumn).data().toString();
            killed = killed || kind == QLatin1String("killed");
            promoted = promoted || kind == QLatin1String("promoted");
        }
        return killed && promoted;
    }, 5000));
}

void TestConsoleWindow::startKilledNode()
{
    TopologyModel *model = m_window->topologyModel();
    int victim = -1;
    for (int member = 0; member < 3; ++member) {
        if (memberText(0, member, TopologyModel::StateColumn) == QLatin1String("Offline"))
            victim = member;
    }
    QVERIFY(victim >= 0);
    QVERIFY(m_window->isSupervisorReachable());
    QAction *start = nullptr;
    for (QAction *action : m_window->findChildren<QAction *>()) {
        if (action->text() == QLatin1String("Start node"))
            start = action;
    }
    QVERIFY(start);
    m_window->selectMember(0, (victim + 1) % 3);
    QVERIFY(!start->isEnabled());  // running
    m_window->selectMember(0, victim);
    QVERIFY(waitFor([start] { return start->isEnabled(); }, 5000));  // the supervisor says it is stopped
    QString message;
    QVERIFY2(runAction([this, victim] { m_window->actions()->startNode(ClusterProcesses::nodeName(0, victim)); }, &message),
             qPrintable(message));
    QVERIFY2(waitFor([model, victim] { return model->memberInfo(0, victim).value(QStringLiteral("state")).toString() == QLatin1String("InSync"); },
                     15000),
             qPrintable(m_cluster->describe()));
}

void TestConsoleWindow::promoteReplica()
{
    TopologyModel *model = m_window->topologyModel();
    QVERIFY(waitForPrimary(1, 5000));
    const int primary = model->primaryMember(1);
    const int chosen = (primary + 1) % 3;
    QVERIFY(waitFor([model, chosen] { return model->memberInfo(1, chosen).value(QStringLiteral("state")).toString() == QLatin1String("InSync"); },
                    5000));
    QString message;
    QVERIFY2(runAction([this, chosen] { m_window->actions()->promote(1, chosen); }, &message), qPrintable(message));
    QVERIFY(m_questions.last().contains(QStringLiteral("lags 0 entries")));
    QVERIFY(waitFor([model, chosen] { return model->primaryMember(1) == chosen; }, kFailoverBoundMs));
    QVERIFY(waitForPrimary(1, kFailoverBoundMs));
    QVERIFY(memberText(1, chosen, TopologyModel::RoleColumn).contains(QStringLiteral("PRIMARY")));
    QVERIFY(m_window->lastActionText().contains(QStringLiteral("term")));
}

void TestConsoleWindow::refusedPromotionOffersForce()
{
    TopologyModel *model = m_window->topologyModel();
    QVERIFY(waitForPrimary(1, 5000));
    const int chosen = (model->primaryMember(1) + 1) % 3;
    const QString name = ClusterProcesses::nodeName(1, chosen);
    m_cluster->pause(name);
    // Offline as the router itself sees it: a primary elected a moment ago
    // also reports a member Offline that it has not heard from yet in its
    // term, while the router still reaches it.
    QVERIFY(waitFor([this, model, chosen] {
                        return memberText(1, chosen, TopologyModel::StateColumn) == QLatin1String("Offline")
                            && !model->memberInfo(1, chosen).value(QStringLiteral("reachable")).toBool(true);
                    },
                    kFailoverBoundMs));
    // Yes to the promotion, no to forcing it.
    m_window->actions()->setConfirm([this](const QString &title, const QString &question) {
        m_questions.append(question);
        return !title.endsWith(QLatin1String("(force)"));
    });
    QString message;
    const qsizetype asked = m_questions.size();
    const bool promoted = runAction([this, chosen] { m_window->actions()->promote(1, chosen); }, &message);
    m_cluster->resume(name);
    m_window->actions()->setConfirm([this](const QString &, const QString &question) {
        m_questions.append(question);
        return true;
    });
    QVERIFY(!promoted);
    QVERIFY2(message.startsWith(QLatin1String("HTTP 409")), qPrintable(message));
    QCOMPARE(m_questions.size(), asked + 2);
    QVERIFY(m_questions.last().contains(QStringLiteral("Force the promotion?")));
    QVERIFY(m_window->lastActionText().contains(QStringLiteral("409")));
    QVERIFY(waitFor([this, chosen] { return memberText(1, chosen, TopologyModel::StateColumn) == QLatin1String("InSync"); },
                    kFailoverBoundMs));
}

void TestConsoleWindow::stepDownPrimary()
{
    TopologyModel *model = m_window->topologyModel();
    QVERIFY(waitForPrimary(2, 5000));
    const int primary = model->primaryMember(2);
    const qint64 term = model->shardInfo(2).value(QStringLiteral("term")).toInteger();
    QString message;
    QVERIFY2(runAction([this] { m_window->actions()->stepDown(2); }, &message), qPrintable(message));
    QVERIFY(waitFor([model, primary] { return model->primaryMember(2) != primary; }, kFailoverBoundMs));
    QVERIFY(waitForPrimary(2, kFailoverBoundMs));
    QVERIFY(model->shardInfo(2).value(QStringLiteral("term")).toInteger() > term);
}

void TestConsoleWindow::testFailoverMeasuresOutage()
{
    TopologyModel *model = m_window->topologyModel();
    QVERIFY(waitForPrimary(2, 5000));
    const int primary = model->primaryMember(2);
    FailoverProbe *probe = m_window->testFailover(2, FailoverProbe::Mode::Kill);
    QVERIFY(probe);
    QSignalSpy finished(probe, &FailoverProbe::finished);
    QVERIFY(waitFor([&finished] { return finished.count() > 0; }, 45000));
    const FailoverProbe::Report report = probe->report();
    qInfo("%s", qPrintable(report.summary()));
    QVERIFY2(report.completed, qPrintable(report.summary()));
    QVERIFY(report.writesAcknowledged > 10);
    QVERIFY(report.outageMs > 0);
    QVERIFY(report.outageMs < kFailoverBoundMs);
    QVERIFY2(report.allAcknowledgedSurvived(), qPrintable(report.summary()));
    QVERIFY(m_window->lastActionText().contains(QStringLiteral("Write outage")));
    QVERIFY(waitFor([model, primary] { return model->primaryMember(2) != primary; }, kFailoverBoundMs));
    QVERIFY(m_cluster->startProcess(ClusterProcesses::nodeName(2, primary)));
}

void TestConsoleWindow::testFailoverByStepDown()
{
    TopologyModel *model = m_window->topologyModel();
    QVERIFY(waitForPrimary(0, 5000));
    const int primary = model->primaryMember(0);
    FailoverProbe *probe = m_window->testFailover(0, FailoverProbe::Mode::StepDown);
    QVERIFY(probe);
    QVERIFY(!m_window->testFailover(0, FailoverProbe::Mode::StepDown));  // one at a time
    QSignalSpy finished(probe, &FailoverProbe::finished);
    QVERIFY(waitFor([&finished] { return finished.count() > 0; }, 45000));
    const FailoverProbe::Report report = probe->report();
    qInfo("%s", qPrintable(report.summary()));
    QVERIFY2(report.allAcknowledgedSurvived(), qPrintable(report.summary()));
    QVERIFY(report.outageMs >= 0);
    QVERIFY(waitFor([model, primary] { return model->primaryMember(0) != primary; }, kFailoverBoundMs));
    QVERIFY(waitForPrimary(0, kFailoverBoundMs));
}

void TestConsoleWindow::backUpFromTheWindow()
{
    for (int shard = 0; shard < 3; ++shard)
        QVERIFY(waitForPrimary(shard, kFailoverBoundMs));
    const QString root = QDir(m_cluster->directory()).filePath(QStringLiteral("backups"));
    std::optional<QString> answer;
    QString proposal;
    m_window->setAskText([&](const QString &, const QString &, const QString &proposed) {
        proposal = proposed;
        return answer;
    });

    // Cancelled: nothing is asked of the router.
    m_window->backUp();
    QVERIFY(proposal.startsWith(QLatin1String("backup-")));
    QCOMPARE(m_window->backups()->status().value(QStringLiteral("state")).toString(), QStringLiteral("none"));

    // Refused by the router, with its reason.
    QSignalSpy refused(m_window->backups(), &BackupController::startFailed);
    answer = QStringLiteral("../outside");
    m_window->backUp();
    QVERIFY(waitFor([&refused] { return refused.count() > 0; }, 10000));
    QVERIFY2(m_window->lastActionText().contains(QLatin1String("outside the backup root")), qPrintable(m_window->lastActionText()));
    QVERIFY(!QFileInfo::exists(QDir(m_cluster->directory()).filePath(QStringLiteral("outside"))));

    // Made, followed in the status bar to its end.
    answer = QStringLiteral("from-console");
    m_window->backUp();
    QVERIFY2(waitFor([this] { return m_window->backupText().contains(QLatin1String("finished")); }, 60000),
             qPrintable(m_window->backupText()));
    QVERIFY2(m_window->backupText().contains(QLatin1String("3 shards")), qPrintable(m_window->backupText()));
    QVERIFY2(m_window->lastActionText().contains(QLatin1String("finished")), qPrintable(m_window->lastActionText()));
    QVERIFY(QFileInfo::exists(QDir(root).filePath(QStringLiteral("from-console/manifest.json"))));

    // One started elsewhere shows too (the timeline's backup events).
    const TestHttpResponse elsewhere = m_cluster->router("POST", "/v1/_cluster/backup", R"({"to":"from-elsewhere"})");
    QCOMPARE(elsewhere.status, 202);
    QVERIFY2(waitFor([this] { return m_window->backupText().contains(QLatin1String("from-elsewhere")); }, 20000),
             qPrintable(m_window->backupText()));
    QVERIFY(waitFor([this] { return !m_window->backups()->isRunning(); }, 60000));
}

void TestConsoleWindow::membershipChangesFromTheWindow()
{
    TopologyModel *model = m_window->topologyModel();
    MembershipController *membership = m_window->membership();
    QVERIFY(waitForPrimary(1, kFailoverBoundMs));
    QVERIFY(waitFor([model] { return model->membershipChange(1).isEmpty(); }, kFailoverBoundMs));
    QSignalSpy announced(membership, &MembershipController::newMember);
    QString url;
    m_window->setAskText([&url](const QString &, const QString &, const QString &) { return std::optional<QString>(url); });
    QString message;

    // Added: a learner until its process runs and has caught up.
    url = QStringLiteral("http://127.0.0.1:%1").arg(freePort());
    QVERIFY2(runMembershipAction([membership] { membership->addMember(1); }, &message), qPrintable(message));
    QCOMPARE(announced.count(), 1);
    const int added = announced.last().at(1).toInt();
    QVERIFY(added >= 3);
    QCOMPARE(announced.last().at(2).toString(), url);
    QVERIFY2(message.contains(QStringLiteral("PEACEDB_NODE_MEMBER_ID=%1").arg(added)), qPrintable(message));
    QVERIFY2(waitFor([this, added] { return rowOf(1, added) >= 0 && memberText(1, rowOf(1, added), TopologyModel::RoleColumn) == QLatin1String("LEARNER"); },
                     kFailoverBoundMs),
             qPrintable(m_cluster->describe()));
    QVERIFY(model->membershipChange(1).contains(QStringLiteral("shard1-node%1 is a learner").arg(added)));
    const std::unique_ptr<ServerProcess> first =
        startMember(QStringLiteral("shard1-node%1").arg(added), announced.last().at(3).toString());
    QVERIFY(first);
    QVERIFY2(waitFor([this, model, added] {
                         const QJsonObject info = model->memberInfo(1, rowOf(1, added));
                         return !info.isEmpty() && !info.value(QStringLiteral("learner")).toBool(true)
                                && info.value(QStringLiteral("state")).toString() == QLatin1String("InSync");
                     },
                     20000),
             qPrintable(m_cluster->describe()));

    // Replaced by a second new process: no other change meanwhile; the
    // first leaves once the second has caught up.
    url = QStringLiteral("http://127.0.0.1:%1").arg(freePort());
    QVERIFY2(runMembershipAction([this, membership, added] { membership->replaceMember(1, rowOf(1, added)); }, &message),
             qPrintable(message));
    QCOMPARE(announced.count(), 2);
    const int replacing = announced.last().at(1).toInt();
    QVERIFY(replacing > added);
    QVERIFY(waitFor([model] { return model->isReplacing(1); }, kFailoverBoundMs));
    QAction *remove = nullptr;
    for (QAction *action : m_window->findChildren<QAction *>()) {
        if (action->text() == QStringLiteral("Remove member…"))
            remove = action;
    }
    QVERIFY(remove);
    m_window->selectMember(1, 0);
    QVERIFY(!remove->isEnabled());
    const std::unique_ptr<ServerProcess> second =
        startMember(QStringLiteral("shard1-node%1").arg(replacing), announced.last().at(3).toString());
    QVERIFY(second);
    const QString replaced = QStringLiteral("✔ Replace shard1-node%1: replaced shard1-node%1 by shard1-node%2; stop shard1-node%1's process")
                                 .arg(added)
                                 .arg(replacing);
    QVERIFY2(waitFor([this, &replaced] { return m_window->lastActionText() == replaced; }, 30000),
             qPrintable(m_window->lastActionText() + QLatin1Char('\n') + m_cluster->describe()));
    QVERIFY(waitFor([this, added] { return rowOf(1, added) < 0; }, kFailoverBoundMs));
    QVERIFY(waitFor([remove] { return remove->isEnabled(); }, kFailoverBoundMs));
    first->terminate();

    // Removed (once the replacement's removal is committed): the shard is
    // back to its first three members.
    QVERIFY2(waitFor([this, model, replacing] {
                         return rowOf(1, replacing) >= 0 && model->membershipChange(1).isEmpty()
                                && !model->memberInfo(1, rowOf(1, replacing)).value(QStringLiteral("learner")).toBool(true);
                     },
                     kFailoverBoundMs),
             qPrintable(model->membershipChange(1)));
    QVERIFY2(runMembershipAction([this, membership, replacing] { membership->removeMember(1, rowOf(1, replacing)); }, &message),
             qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("stop its process")), qPrintable(message));
    QVERIFY2(waitFor([this, model, replacing] { return rowOf(1, replacing) < 0 && model->memberCount(1) == 3; }, kFailoverBoundMs),
             qPrintable(m_cluster->describe()));
    second->terminate();

    // The timeline has each step.
    EventModel *events = m_window->eventModel();
    const QStringList expected{QStringLiteral("member-added"), QStringLiteral("learner-caught-up"), QStringLiteral("member-replace-started"),
                               QStringLiteral("member-replace-finished"), QStringLiteral("member-removed")};
    QVERIFY(waitFor([events, &expected] {
        QStringList seen;
        for (int row = 0; row < events->rowCount(); ++row)
            seen.append(events->index(row, EventModel::KindColumn).data().toString());
        for (const QString &kind : expected) {
            if (!seen.contains(kind))
                return false;
        }
        return true;
    }, 5000));
}

void TestConsoleWindow::stoppedRouterShowsUnreachable()
{
    TopologyModel *model = m_window->topologyModel();
    QString error;
    QVERIFY2(m_cluster->stopProcess(QStringLiteral("router"), &error), qPrintable(error));
    QVERIFY(waitFor([this] { return !m_window->isRouterReachable(); }, 5000));
    QVERIFY(model->isStale());
    QVERIFY(!m_window->topologyView()->isEnabled());
    QVERIFY(m_window->bannerText().contains(QStringLiteral("unreachable")));
    QVERIFY(m_window->bannerText().contains(QStringLiteral("STALE")));
    QVERIFY(m_window->connectionText().contains(QStringLiteral("unreachable")));
    QCOMPARE(model->shardCount(), 3);  // the last known state stays
    QVERIFY2(m_cluster->startProcess(QStringLiteral("router"), &error), qPrintable(error));
    QVERIFY(waitFor([this] { return m_window->isRouterReachable(); }, 10000));
    QVERIFY(!model->isStale());
    QVERIFY(m_window->topologyView()->isEnabled());
    QVERIFY(m_window->bannerText().isEmpty());
}

void TestConsoleWindow::closedPortShowsUnreachable()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    const quint16 port = server.serverPort();
    server.close();
    ConsoleClient client;
    client.setRouter(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), QByteArrayLiteral("token"));
    client.setPollInterval(100);
    MainWindow window(&client);
    window.setPopups(false);
    window.show();
    client.start();
    QVERIFY(waitFor([&window] { return window.connectionText().contains(QStringLiteral("unreachable")); }, 5000));
    QVERIFY(!window.isRouterReachable());
    QVERIFY(window.bannerText().contains(QStringLiteral("No cluster state known yet")));
    QCOMPARE(window.topologyModel()->shardCount(), 0);
}

QTEST_MAIN(TestConsoleWindow)
#include "tst_consolewindow.moc"
