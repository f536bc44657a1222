// The console's models fed with /v1/_cluster/status and /v1/_cluster/events
// answers, under QAbstractItemModelTester: a stable shape gives dataChanged
// only; a member going Offline; shards and members appearing and vanishing;
// learners and membership changes in progress, a replacement's end; the
// event filter and the colours of event kinds; the lag history; a backup's
// line in the status bar.
#include <QAbstractItemModelTester>
#include <QBrush>
#include <QFont>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include "BackupController.h"
#include "EventFilterModel.h"
#include "EventModel.h"
#include "LagHistory.h"
#include "TopologyModel.h"

namespace {

QJsonObject member(int shard, int index, int primary, qint64 seq, const QString &state = QStringLiteral("InSync"))
{
    QJsonObject info{{QStringLiteral("member"), index},
                     {QStringLiteral("name"), QStringLiteral("shard%1-node%2").arg(shard).arg(index)},
                     {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:%1").arg(9000 + shard * 10 + index)},
                     {QStringLiteral("reachable"), state != QLatin1String("Offline")},
                     {QStringLiteral("lastHeartbeatAgeMs"), 80},
                     {QStringLiteral("role"), index == primary ? QStringLiteral("primary") : QStringLiteral("replica")},
                     {QStringLiteral("term"), 1},
                     {QStringLiteral("lastTerm"), 1},
                     {QStringLiteral("seq"), seq},
                     {QStringLiteral("commitSeq"), seq},
                     {QStringLiteral("rolledBack"), 0},
                     {QStringLiteral("lagEntries"), 0},
                     {QStringLiteral("lagMs"), 0},
                     {QStringLiteral("state"), state}};
    return info;
}

// shards x members, every member InSync at `seq`; member 0 the primary.
QJsonObject status(int shards, int members, qint64 seq = 10)
{
    QJsonArray list;
    for (int shard = 0; shard < shards; ++shard) {
        QJsonArray rows;
        for (int index = 0; index < members; ++index)
            rows.append(member(shard, index, 0, seq));
        list.append(QJsonObject{{QStringLiteral("id"), shard},
                                {QStringLiteral("primary"), QStringLiteral("http://127.0.0.1:%1").arg(9000 + shard * 10)},
                                {QStringLiteral("primaryMember"), 0},
                                {QStringLiteral("term"), 1},
                                {QStringLiteral("healthy"), true},
                                {QStringLiteral("promoting"), false},
                                {QStringLiteral("reachable"), members},
                                {QStringLiteral("members"), rows}});
    }
    return QJsonObject{{QStringLiteral("shards"), list}, {QStringLiteral("failoverTimeoutMs"), 600}};
}

QJsonObject withMember(QJsonObject whole, int shard, int index, const QJsonObject &info)
{
    QJsonArray shards = whole.value(QStringLiteral("shards")).toArray();
    QJsonObject row = shards.at(shard).toObject();
    QJsonArray members = row.value(QStringLiteral("members")).toArray();
    members.replace(index, info);
    row.insert(QStringLiteral("members"), members);
    shards.replace(shard, row);
    whole.insert(QStringLiteral("shards"), shards);
    return whole;
}

// Shard 0 of `whole` with `fields` set.
QJsonObject withShardFields(QJsonObject whole, std::initializer_list<std::pair<QString, QJsonValue>> fields)
{
    QJsonArray shards = whole.value(QStringLiteral("shards")).toArray();
    QJsonObject row = shards.at(0).toObject();
    for (const auto &[key, value] : fields)
        row.insert(key, value);
    shards.replace(0, row);
    whole.insert(QStringLiteral("shards"), shards);
    return whole;
}

QJsonObject replacement(int from, int to, const QString &state, const QString &error = {})
{
    QJsonObject out{{QStringLiteral("kind"), QStringLiteral("replace")},
                    {QStringLiteral("from"), from},
                    {QStringLiteral("to"), to},
                    {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:9105")},
                    {QStringLiteral("state"), state},
                    {QStringLiteral("ageMs"), 700}};
    if (!error.isEmpty())
        out.insert(QStringLiteral("error"), error);
    return out;
}

QJsonObject clusterEvent(qint64 id, int shard, const QString &kind, const QString &message)
{
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("timeMs"), 1700000000000 + id},
                       {QStringLiteral("kind"), kind},
                       {QStringLiteral("shard"), shard},
                       {QStringLiteral("member"), 1},
                       {QStringLiteral("node"), QStringLiteral("http://127.0.0.1:9001")},
                       {QStringLiteral("term"), 2},
                       {QStringLiteral("count"), 3},
                       {QStringLiteral("message"), message}};
}

} // namespace

class TestConsoleModels : public QObject
{
    Q_OBJECT

private slots:
    // The status bar's line for a backup, in each state.
    void backupDescription_data()
    {
        QTest::addColumn<QJsonObject>("status");
        QTest::addColumn<QString>("expected");
        const QJsonObject base{{QStringLiteral("id"), QStringLiteral("20261205T170000Z-0a1b")},
                               {QStringLiteral("to"), QStringLiteral("/srv/backups/nightly")}};
        const auto with = [&base](std::initializer_list<std::pair<QString, QJsonValue>> fields) {
            QJsonObject out = base;
            for (const auto &[key, value] : fields)
                out.insert(key, value);
            return out;
        };
        const QJsonArray twoOfThree{QJsonObject{{QStringLiteral("state"), QStringLiteral("done")}},
                                    QJsonObject{{QStringLiteral("state"), QStringLiteral("copying")}},
                                    QJsonObject{{QStringLiteral("state"), QStringLiteral("done")}}};
        QTest::newRow("none") << QJsonObject{{QStringLiteral("state"), QStringLiteral("none")}} << QString();
        QTest::newRow("no answer yet") << QJsonObject() << QString();
        QTest::newRow("finding commit points")
            << with({{QStringLiteral("state"), QStringLiteral("running")}, {QStringLiteral("elapsedMs"), 120},
                     {QStringLiteral("bytes"), 0}, {QStringLiteral("shards"), QJsonArray{QJsonObject{}, QJsonObject{}}}})
            << QStringLiteral("Backup 20261205T170000Z-0a1b into /srv/backups/nightly: 0 of 2 shards copied, finding each shard's "
                              "commit point (0.1 s)");
        QTest::newRow("copying") << with({{QStringLiteral("state"), QStringLiteral("running")}, {QStringLiteral("elapsedMs"), 3260},
                                          {QStringLiteral("bytes"), 40000000}, {QStringLiteral("bytesCopied"), 12500000},
                                          {QStringLiteral("shards"), twoOfThree}})
                                 << QStringLiteral("Backup 20261205T170000Z-0a1b into /srv/backups/nightly: 2 of 3 shards copied, 12.5 of "
                                                   "40.0 MB (3.3 s)");
        QTest::newRow("publishing") << with({{QStringLiteral("state"), QStringLiteral("running")}, {QStringLiteral("elapsedMs"), 9000},
                                             {QStringLiteral("bytes"), 40000000}, {QStringLiteral("bytesCopied"), 40000000},
                                             {QStringLiteral("shards"), twoOfThree}, {QStringLiteral("publishing"), true}})
                                    << QStringLiteral("Backup 20261205T170000Z-0a1b into /srv/backups/nightly: 2 of 3 shards copied, 40.0 "
                                                      "of 40.0 MB (9.0 s), writing the manifest");
        QTest::newRow("finished") << with({{QStringLiteral("state"), QStringLiteral("finished")}, {QStringLiteral("elapsedMs"), 12000},
                                           {QStringLiteral("bytes"), 40000000}, {QStringLiteral("shards"), twoOfThree}})
                                  << QStringLiteral("Backup 20261205T170000Z-0a1b into /srv/backups/nightly finished: 3 shards, 40.0 MB in "
                                                    "12.0 s");
        QTest::newRow("failed") << with({{QStringLiteral("state"), QStringLiteral("failed")}, {QStringLiteral("elapsedMs"), 1500},
                                         {QStringLiteral("error"), QStringLiteral("shard 1: cannot write: No space left on device")}})
                                << QStringLiteral("Backup 20261205T170000Z-0a1b into /srv/backups/nightly failed after 1.5 s: shard 1: "
                                                  "cannot write: No space left on device");
    }

    void backupDescription()
    {
        QFETCH(QJsonObject, status);
        QFETCH(QString, expected);
        QCOMPARE(BackupController::describe(status), expected);
    }

    void topologyShape();
    void stableShapeOnlyChangesData();
    void memberGoesOffline();
    void shardAndMemberCountsChange();
    void staleMarksEveryRow();
    void membersWithGapsAfterARemoval();
    void learnersAndPendingChange();
    void replacementInProgress();
    void replacementEndsOnce();
    void eventsAppendAndCap();
    void membershipEventKinds();
    void eventFilterByShardAndText();
    void lagHistoryWindow();
};

// Members are listed by id; after a removal ids have gaps and a row is not
// an id: the primary is found by its id.
void TestConsoleModels::membersWithGapsAfterARemoval()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QJsonObject whole = status(1, 3);
    QJsonArray shards = whole.value(QStringLiteral("shards")).toArray();
    QJsonObject shard = shards.at(0).toObject();
    shard.insert(QStringLiteral("members"), QJsonArray{member(0, 0, 4, 10), member(0, 2, 4, 10), member(0, 4, 4, 10)});
    shard.insert(QStringLiteral("primaryMember"), 4);
    shards[0] = shard;
    whole.insert(QStringLiteral("shards"), shards);
    model.applyStatus(whole);
    QCOMPARE(model.rowCount(model.shardIndex(0)), 3);
    QCOMPARE(model.primaryMember(0), 2);
    QCOMPARE(model.memberInfo(0, model.primaryMember(0)).value(QStringLiteral("name")).toString(), QStringLiteral("shard0-node4"));
    QVERIFY(model.memberIndex(0, 2, TopologyModel::RoleColumn).data().toString().contains(QStringLiteral("PRIMARY")));
}

// A member added a moment ago is a learner; the primary's change is not
// committed yet.
void TestConsoleModels::learnersAndPendingChange()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QJsonObject settled = status(1, 3);
    model.applyStatus(settled);
    QCOMPARE(model.shardIndex(0, TopologyModel::UrlColumn).data().toString(), QStringLiteral("3 of 3 members reachable"));
    QVERIFY(!model.shardIndex(0, TopologyModel::UrlColumn).data(Qt::DecorationRole).isValid());
    QVERIFY(model.membershipChange(0).isEmpty());
    QCOMPARE(model.shardIndex(0).data(Qt::ToolTipRole).toString(), QStringLiteral("Shard 0"));

    QJsonObject joining = member(0, 3, 0, 4);
    joining.insert(QStringLiteral("learner"), true);
    QJsonArray members = settled.value(QStringLiteral("shards")).toArray().at(0).toObject().value(QStringLiteral("members")).toArray();
    members.append(joining);
    model.applyStatus(withShardFields(settled, {{QStringLiteral("members"), members}, {QStringLiteral("membershipPending"), true}}));
    QCOMPARE(model.memberCount(0), 4);
    QCOMPARE(model.memberIndex(0, 3, TopologyModel::RoleColumn).data().toString(), QStringLiteral("LEARNER"));
    QVERIFY(model.memberIndex(0, 3, TopologyModel::RoleColumn).data(Qt::FontRole).value<QFont>().italic());
    QVERIFY(!model.memberIndex(0, 1, TopologyModel::RoleColumn).data(Qt::FontRole).isValid());
    QVERIFY(model.memberIndex(0, 3).data(Qt::ToolTipRole).toString().contains(QStringLiteral("does not vote yet")));
    QVERIFY(!model.memberIndex(0, 1).data(Qt::ToolTipRole).toString().contains(QStringLiteral("learner")));
    QCOMPARE(model.membershipChange(0), QStringLiteral("shard0-node3 is a learner (votes once caught up); a change is not committed yet"));
    QCOMPARE(model.shardIndex(0, TopologyModel::UrlColumn).data().toString(),
             QStringLiteral("3 of 4 members reachable — shard0-node3 is a learner (votes once caught up); a change is not committed yet"));
    QVERIFY(model.shardIndex(0, TopologyModel::UrlColumn).data(Qt::DecorationRole).isValid());
    QVERIFY(model.shardIndex(0).data(Qt::ToolTipRole).toString().startsWith(QStringLiteral("Membership change in progress: ")));
    QVERIFY(!model.isReplacing(0));

    // Unreachable, it keeps its last role.
    joining.insert(QStringLiteral("reachable"), false);
    members.replace(3, joining);
    model.applyStatus(withShardFields(settled, {{QStringLiteral("members"), members}}));
    QCOMPARE(model.memberIndex(0, 3, TopologyModel::RoleColumn).data().toString(), QStringLiteral("LEARNER (last seen: replica)"));

    // Caught up: a voter like the others, nothing in progress.
    joining.insert(QStringLiteral("learner"), false);
    joining.insert(QStringLiteral("reachable"), true);
    members.replace(3, joining);
    model.applyStatus(withShardFields(settled, {{QStringLiteral("members"), members}, {QStringLiteral("membershipPending"), false}}));
    QCOMPARE(model.memberIndex(0, 3, TopologyModel::RoleColumn).data().toString(), QStringLiteral("replica"));
    QVERIFY(model.membershipChange(0).isEmpty());
    QCOMPARE(model.shardIndex(0, TopologyModel::UrlColumn).data().toString(), QStringLiteral("3 of 4 members reachable"));
}

// A replacement catching up, then removing: the shard row and the leaving
// member say so, and a change of the replacement alone refreshes the
// member rows.
void TestConsoleModels::replacementInProgress()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QJsonObject newcomer = member(0, 5, 0, 2);
    newcomer.insert(QStringLiteral("learner"), true);
    QJsonArray members = status(1, 3).value(QStringLiteral("shards")).toArray().at(0).toObject().value(QStringLiteral("members")).toArray();
    members.append(newcomer);
    const QJsonObject base = withShardFields(status(1, 3), {{QStringLiteral("members"), members}});
    model.applyStatus(base);
    QVERIFY(!model.isReplacing(0));
    QCOMPARE(model.memberIndex(0, 1, TopologyModel::RoleColumn).data().toString(), QStringLiteral("replica"));

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.applyStatus(withShardFields(base, {{QStringLiteral("replacement"), replacement(1, 5, QStringLiteral("catching-up"))}}));
    QVERIFY(model.isReplacing(0));
    // The learner is the replacement's new member: said once.
    QCOMPARE(model.membershipChange(0), QStringLiteral("replacing shard0-node1 by shard0-node5: catching-up"));
    QCOMPARE(model.shardIndex(0, TopologyModel::UrlColumn).data().toString(),
             QStringLiteral("3 of 4 members reachable — replacing shard0-node1 by shard0-node5: catching-up"));
    bool memberRowsChanged = false;
    for (const QList<QVariant> &arguments : changed)
        memberRowsChanged = memberRowsChanged || model.memberOf(arguments.at(0).value<QModelIndex>()) >= 0;
    QVERIFY(memberRowsChanged);
    QCOMPARE(model.memberIndex(0, 1, TopologyModel::RoleColumn).data().toString(), QStringLiteral("replica · being replaced"));
    QVERIFY(model.memberIndex(0, 1).data(Qt::ToolTipRole).toString().contains(QStringLiteral("replacing shard0-node1 by shard0-node5")));
    QCOMPARE(model.memberIndex(0, 2, TopologyModel::RoleColumn).data().toString(), QStringLiteral("replica"));
    QCOMPARE(model.memberIndex(0, 3, TopologyModel::RoleColumn).data().toString(), QStringLiteral("LEARNER"));

    model.applyStatus(withShardFields(base, {{QStringLiteral("replacement"), replacement(1, 5, QStringLiteral("removing"))}}));
    QCOMPARE(model.membershipChange(0), QStringLiteral("replacing shard0-node1 by shard0-node5: removing shard0-node1"));

    // Failed: nothing in progress any more (the learner stays one); the
    // shard's tooltip keeps the outcome.
    model.applyStatus(withShardFields(base, {{QStringLiteral("replacement"),
                                              replacement(1, 5, QStringLiteral("failed"), QStringLiteral("it did not catch up"))}}));
    QVERIFY(!model.isReplacing(0));
    QCOMPARE(model.membershipChange(0), QStringLiteral("shard0-node5 is a learner (votes once caught up)"));
    QCOMPARE(model.memberIndex(0, 1, TopologyModel::RoleColumn).data().toString(), QStringLiteral("replica"));
    QVERIFY2(model.shardIndex(0).data(Qt::ToolTipRole).toString().contains(
                 QStringLiteral("Last replacement: replacing shard0-node1 by shard0-node5 failed: it did not catch up")),
             qPrintable(model.shardIndex(0).data(Qt::ToolTipRole).toString()));
}

void TestConsoleModels::replacementEndsOnce()
{
    TopologyModel model;
    QSignalSpy ended(&model, &TopologyModel::replacementEnded);
    const QJsonObject base = status(2, 3);
    const auto with = [&base](const QJsonObject &replacement) {
        return withShardFields(base, {{QStringLiteral("replacement"), replacement}});
    };
    // Ended before this console saw it running: not reported.
    model.applyStatus(with(replacement(1, 5, QStringLiteral("done"))));
    QCOMPARE(ended.count(), 0);

    model.applyStatus(with(replacement(1, 5, QStringLiteral("catching-up"))));
    model.applyStatus(with(replacement(1, 5, QStringLiteral("removing"))));
    QCOMPARE(ended.count(), 0);
    const QJsonObject failed = replacement(1, 5, QStringLiteral("failed"), QStringLiteral("member 5 is no longer in the membership"));
    model.applyStatus(with(failed));
    QCOMPARE(ended.count(), 1);
    QCOMPARE(ended.first().at(0).toInt(), 0);
    QCOMPARE(ended.first().at(1).value<QJsonObject>(), failed);
    model.applyStatus(with(failed));
    QCOMPARE(ended.count(), 1);

    // Another replacement running, then a third one seen only as done:
    // what became of the second one is unknown.
    model.applyStatus(with(replacement(2, 6, QStringLiteral("catching-up"))));
    model.applyStatus(with(replacement(0, 7, QStringLiteral("done"))));
    QCOMPARE(ended.count(), 1);

    model.applyStatus(with(replacement(0, 8, QStringLiteral("catching-up"))));
    model.applyStatus(with(replacement(0, 8, QStringLiteral("done"))));
    QCOMPARE(ended.count(), 2);
    QCOMPARE(TopologyModel::replacementText(0, ended.last().at(1).value<QJsonObject>()), QStringLiteral("replaced shard0-node0 by shard0-node8"));
}

void TestConsoleModels::topologyShape()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.applyStatus(status(3, 3));
    QCOMPARE(model.rowCount(), 3);
    for (int shard = 0; shard < 3; ++shard)
        QCOMPARE(model.rowCount(model.shardIndex(shard)), 3);
    QCOMPARE(model.shardIndex(1).data().toString(), QStringLiteral("Shard 1"));
    QCOMPARE(model.memberIndex(1, 0, TopologyModel::NameColumn).data().toString(), QStringLiteral("shard1-node0"));
    QVERIFY(model.memberIndex(1, 0, TopologyModel::RoleColumn).data().toString().contains(QStringLiteral("PRIMARY")));
    QVERIFY(model.memberIndex(1, 0, TopologyModel::RoleColumn).data(Qt::FontRole).value<QFont>().bold());
    QCOMPARE(model.memberIndex(1, 1, TopologyModel::RoleColumn).data().toString(), QStringLiteral("replica"));
    QCOMPARE(model.memberIndex(1, 1, TopologyModel::StateColumn).data().toString(), QStringLiteral("InSync"));
    QCOMPARE(model.memberIndex(1, 1, TopologyModel::SeqColumn).data().toString(), QStringLiteral("10"));
    QCOMPARE(model.memberIndex(1, 1, TopologyModel::AnswerAgeColumn).data().toString(), QStringLiteral("80 ms"));
    QCOMPARE(model.shardOf(model.memberIndex(2, 1)), 2);
    QCOMPARE(model.memberOf(model.memberIndex(2, 1)), 1);
    QCOMPARE(model.memberOf(model.shardIndex(2)), -1);
    QCOMPARE(model.primaryMember(2), 0);
}

void TestConsoleModels::stableShapeOnlyChangesData()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.applyStatus(status(3, 3));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy layout(&model, &QAbstractItemModel::layoutChanged);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    model.applyStatus(status(3, 3));
    QCOMPARE(changed.count(), 0);  // nothing changed, nothing emitted

    model.applyStatus(status(3, 3, 11));
    QCOMPARE(reset.count(), 0);
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(layout.count(), 0);
    QCOMPARE(changed.count(), 9);  // one per member row
    for (const QList<QVariant> &arguments : changed) {
        const QModelIndex topLeft = arguments.at(0).value<QModelIndex>();
        const QModelIndex bottomRight = arguments.at(1).value<QModelIndex>();
        QCOMPARE(topLeft.row(), bottomRight.row());
        QCOMPARE(topLeft.column(), 0);
        QCOMPARE(bottomRight.column(), TopologyModel::ColumnCount - 1);
    }
    QCOMPARE(model.memberIndex(2, 2, TopologyModel::CommitSeqColumn).data().toString(), QStringLiteral("11"));
}

void TestConsoleModels::memberGoesOffline()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QJsonObject before = status(3, 3);
    model.applyStatus(before);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    QJsonObject offline = member(1, 2, 0, 10, QStringLiteral("Offline"));
    offline.insert(QStringLiteral("lastHeartbeatAgeMs"), 12500);
    offline.insert(QStringLiteral("error"), QStringLiteral("connection refused"));
    model.applyStatus(withMember(before, 1, 2, offline));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).value<QModelIndex>(), model.memberIndex(1, 2, 0));
    QCOMPARE(inserted.count(), 0);
    const QModelIndex state = model.memberIndex(1, 2, TopologyModel::StateColumn);
    QCOMPARE(state.data().toString(), QStringLiteral("Offline"));
    const QColor offlineColor = state.data(Qt::BackgroundRole).value<QBrush>().color();
    const QColor inSyncColor = model.memberIndex(1, 1, TopologyModel::StateColumn).data(Qt::BackgroundRole).value<QBrush>().color();
    QVERIFY(offlineColor != inSyncColor);
    QCOMPARE(model.memberIndex(1, 2, TopologyModel::AnswerAgeColumn).data().toString(), QStringLiteral("12.5 s"));
    QCOMPARE(model.memberIndex(1, 2, TopologyModel::RoleColumn).data().toString(), QStringLiteral("(last seen: replica)"));
    QVERIFY(model.memberIndex(1, 2).data(Qt::ToolTipRole).toString().contains(QStringLiteral("connection refused")));

    QJsonObject lagging = member(1, 1, 0, 7, QStringLiteral("Lagging"));
    lagging.insert(QStringLiteral("lagEntries"), 3);
    lagging.insert(QStringLiteral("lagMs"), 450);
    model.applyStatus(withMember(withMember(before, 1, 2, offline), 1, 1, lagging));
    QCOMPARE(model.memberIndex(1, 1, TopologyModel::StateColumn).data().toString(), QStringLiteral("Lagging"));
    QCOMPARE(model.memberIndex(1, 1, TopologyModel::LagEntriesColumn).data().toString(), QStringLiteral("3"));
    QCOMPARE(model.memberIndex(1, 1, TopologyModel::LagMsColumn).data().toString(), QStringLiteral("450"));
}

void TestConsoleModels::shardAndMemberCountsChange()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.applyStatus(status(2, 3));
    QCOMPARE(model.rowCount(), 2);
    model.applyStatus(status(4, 3));
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.rowCount(model.shardIndex(3)), 3);
    model.applyStatus(status(4, 5));
    QCOMPARE(model.rowCount(model.shardIndex(0)), 5);
    model.applyStatus(status(1, 2));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.rowCount(model.shardIndex(0)), 2);
    model.applyStatus(QJsonObject{{QStringLiteral("shards"), QJsonArray()}});
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(reset.count(), 0);
}

void TestConsoleModels::staleMarksEveryRow()
{
    TopologyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.applyStatus(status(2, 3));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(!model.memberIndex(0, 1).data(Qt::ForegroundRole).isValid());
    model.setStale(true);
    QVERIFY(model.isStale());
    QCOMPARE(changed.count(), 4);  // each shard row and each shard's member block
    QVERIFY(model.memberIndex(0, 1).data(Qt::ForegroundRole).isValid());
    QVERIFY(model.shardIndex(1).data(Qt::ForegroundRole).isValid());
    QCOMPARE(model.memberIndex(0, 1, TopologyModel::StateColumn).data().toString(), QStringLiteral("InSync"));
    model.setStale(false);
    QVERIFY(!model.memberIndex(0, 1).data(Qt::ForegroundRole).isValid());
}

void TestConsoleModels::eventsAppendAndCap()
{
    EventModel model(5);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendEvents(QJsonArray{clusterEvent(1, 0, QStringLiteral("detected"), QStringLiteral("primary silent")),
                                  clusterEvent(2, 1, QStringLiteral("rolled-back"), QStringLiteral("cut 3 entries"))});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(1, EventModel::KindColumn).data().toString(), QStringLiteral("rolled-back"));
    QCOMPARE(model.index(1, EventModel::CountColumn).data().toString(), QStringLiteral("3"));
    QCOMPARE(model.index(1, 0).data(EventModel::ShardRole).toInt(), 1);
    const QStringList cells = model.rowText(1).split(QLatin1Char('\t'));
    QCOMPARE(cells.size(), int(EventModel::ColumnCount));
    QCOMPARE(cells.at(EventModel::ShardColumn), QStringLiteral("1"));
    QCOMPARE(cells.at(EventModel::MessageColumn), QStringLiteral("cut 3 entries"));
    QVERIFY(cells.at(EventModel::TimeColumn).startsWith(QLatin1String("2023-11-1")));  // copied with the date
    QCOMPARE(cells.at(EventModel::NodeColumn), QStringLiteral("shard1-node1 http://127.0.0.1:9001"));
    QCOMPARE(model.index(1, EventModel::NodeColumn).data().toString(), QStringLiteral("shard1-node1"));
    QCOMPARE(model.index(1, EventModel::TimeColumn).data().toString().size(), 12);  // HH:mm:ss.zzz

    QJsonArray more;
    for (qint64 id = 3; id <= 8; ++id)
        more.append(clusterEvent(id, int(id % 3), QStringLiteral("member-up"), QStringLiteral("event %1").arg(id)));
    model.appendEvents(more);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.index(4, EventModel::MessageColumn).data().toString(), QStringLiteral("event 8"));
    QCOMPARE(model.index(0, EventModel::MessageColumn).data().toString(), QStringLiteral("event 4"));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

// Membership events are coloured like the events they resemble: a failed
// replacement like a failure, a finished one like a recovery, the others
// blue.
void TestConsoleModels::membershipEventKinds()
{
    EventModel model;
    const QStringList kinds{QStringLiteral("killed"),
                            QStringLiteral("promoted"),
                            QStringLiteral("member-added"),
                            QStringLiteral("learner-caught-up"),
                            QStringLiteral("member-removed"),
                            QStringLiteral("member-replace-started"),
                            QStringLiteral("member-replace-finished"),
                            QStringLiteral("member-replace-failed")};
    QJsonArray events;
    for (int row = 0; row < kinds.size(); ++row)
        events.append(clusterEvent(row + 1, 0, kinds.at(row), QStringLiteral("event %1").arg(row)));
    model.appendEvents(events);
    const auto color = [&model, &kinds](const QString &kind) {
        return model.index(int(kinds.indexOf(kind)), EventModel::KindColumn).data(Qt::ForegroundRole).value<QBrush>().color();
    };
    QCOMPARE(model.index(2, EventModel::KindColumn).data().toString(), QStringLiteral("member-added"));
    QCOMPARE(color(QStringLiteral("member-replace-failed")), color(QStringLiteral("killed")));
    QCOMPARE(color(QStringLiteral("member-replace-finished")), color(QStringLiteral("promoted")));
    QCOMPARE(color(QStringLiteral("learner-caught-up")), color(QStringLiteral("promoted")));
    const QColor underWay = color(QStringLiteral("member-added"));
    QVERIFY(underWay.isValid());
    QVERIFY(underWay != color(QStringLiteral("killed")));
    QVERIFY(underWay != color(QStringLiteral("promoted")));
    QCOMPARE(color(QStringLiteral("member-removed")), underWay);
    QCOMPARE(color(QStringLiteral("member-replace-started")), underWay);
    QCOMPARE(model.index(2, EventModel::NodeColumn).data().toString(), QStringLiteral("shard0-node1"));
}

void TestConsoleModels::eventFilterByShardAndText()
{
    EventModel events;
    EventFilterModel filter;
    filter.setSourceModel(&events);
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    events.appendEvents(QJsonArray{clusterEvent(1, 0, QStringLiteral("detected"), QStringLiteral("primary silent")),
                                   clusterEvent(2, 1, QStringLiteral("promoted"), QStringLiteral("member 2 won")),
                                   clusterEvent(3, 0, QStringLiteral("promoted"), QStringLiteral("member 1 won"))});
    QCOMPARE(filter.rowCount(), 3);
    filter.setShard(0);
    QCOMPARE(filter.rowCount(), 2);
    QCOMPARE(filter.index(1, EventModel::MessageColumn).data().toString(), QStringLiteral("member 1 won"));
    events.appendEvents(QJsonArray{clusterEvent(4, 1, QStringLiteral("fenced"), QStringLiteral("old primary")),
                                   clusterEvent(5, 0, QStringLiteral("first-write"), QStringLiteral("writes again"))});
    QCOMPARE(filter.rowCount(), 3);
    filter.setText(QStringLiteral("PROMOTED"));
    QCOMPARE(filter.rowCount(), 1);
    filter.setShard(-1);
    QCOMPARE(filter.rowCount(), 2);
    filter.setText(QString());
    QCOMPARE(filter.rowCount(), 5);
}

void TestConsoleModels::lagHistoryWindow()
{
    LagHistory history(10000);
    QJsonObject lagging = member(0, 1, 0, 7, QStringLiteral("Lagging"));
    lagging.insert(QStringLiteral("lagEntries"), 4);
    lagging.insert(QStringLiteral("lagMs"), 300);
    QJsonObject unknown = member(0, 2, 0, 7, QStringLiteral("Offline"));
    unknown.remove(QStringLiteral("lagEntries"));
    unknown.remove(QStringLiteral("lagMs"));
    const QJsonObject sample = withMember(withMember(status(2, 3), 0, 1, lagging), 0, 2, unknown);
    history.record(1000, sample);
    history.record(6000, sample);
    QCOMPARE(history.shardCount(), 2);
    QCOMPARE(history.members(0), (QList<int>{0, 1, 2}));
    QCOMPARE(history.memberName(0, 1), QStringLiteral("shard0-node1"));
    QCOMPARE(history.samples(0, 1).size(), 2);
    QCOMPARE(history.samples(0, 1).last().lagEntries, 4);
    QCOMPARE(history.samples(0, 1).last().lagMs, 300);
    QCOMPARE(history.samples(0, 2).size(), 0);  // no lag reported: a gap
    history.record(12000, sample);
    QCOMPARE(history.samples(0, 1).size(), 2);  // the sample at 1000 left the window
    QCOMPARE(history.samples(0, 1).first().timeMs, 6000);
    history.record(13000, status(1, 3));
    QCOMPARE(history.members(1), QList<int>());
}

QTEST_MAIN(TestConsoleModels)
#include "tst_consolemodels.moc"
