// Online membership changes, run on whole replica sets in memory by the
// server's own ReplicationDriver (ReplicaSetSimulator): learners join and
// catch up, become voters, members leave; quorums follow the membership in
// force; a change is undone when its entry is cut, one change at a time;
// kills of the primary in the middle of each change. The simulator checks
// after every step that no term has two primaries and no applied entry
// differs; checkConverged/checkAcknowledged that nothing acknowledged is
// lost (docs/replication.md, "Membership changes").
#include <QtTest>

#include "ReplicaSetSimulator.h"

using Role = ReplicationCore::Role;
using EventKind = ReplicationCore::Event::Kind;

class TestMembershipChange : public QObject
{
    Q_OBJECT

private slots:
    void learnerCatchesUpAndBecomesAVoter();
    void growThreeToFiveUnderWrites();
    void shrinkFiveToThreeUnderWrites();
    void learnerDoesNotCountInTheQuorum();
    void oneChangeAtATime();
    void primaryHandsOffBeforeItIsRemoved();
    void replaceADeadMember();
    void uncommittedChangeIsUndoneWhenCut();
    void primaryDiesMidChange_data();
    void primaryDiesMidChange();
    void joinerGetsTheMembershipWithASnapshot();
    void restartedMemberKeepsItsMembership();
    void randomChangesUnderFaults_data();
    void randomChangesUnderFaults();
};

namespace {

ReplicaSetSimulator::Options options(int members, quint64 seed = 1)
{
    ReplicaSetSimulator::Options options;
    options.members = members;
    options.seed = seed;
    options.core.leaseMs = 1000;
    options.core.heartbeatIntervalMs = 100;
    options.core.electionTimeoutMs = 3000;
    options.core.requestTimeoutMs = 1000;
    options.core.maxBatchEntries = 50;
    options.core.maxInflight = 4;
    return options;
}

QString failure(const ReplicaSetSimulator &sim, const QStringList &problems = {})
{
    return sim.report(problems);
}

int countEvents(const ReplicaSetSimulator &sim, int node, EventKind kind)
{
    return sim.eventCount(node, kind);
}

// Delivers vote requests and answers only, until none is in flight.
void deliverVotesOnly(ReplicaSetSimulator &sim)
{
    for (bool delivered = true; delivered;) {
        delivered = false;
        for (int i = 0; i < sim.inFlight().size(); ++i) {
            const OutgoingMessage::Kind kind = sim.inFlight().at(i).payload.kind;
            if (kind == OutgoingMessage::Kind::Vote || kind == OutgoingMessage::Kind::VoteResponse) {
                sim.deliver(i);
                delivered = true;
                break;
            }
        }
    }
}

// Elects node 0 of a new set and writes `writes` entries.
void start(ReplicaSetSimulator &sim, int writes)
{
    QVERIFY(sim.campaign(0, 1).isOk());
    sim.deliverAll();
    QCOMPARE(sim.core(0).role(), Role::Primary);
    QVERIFY(sim.propose(0, writes).isOk());
    sim.runFor(500);
}

// Runs until no membership change is pending on `primary` (at most `ms`),
// proposing a write every step so the change happens under load.
bool settle(ReplicaSetSimulator &sim, int primary, qint64 ms = 5000)
{
    for (qint64 waited = 0; waited < ms; waited += 50) {
        sim.propose(primary, 2);
        sim.runFor(50, 50);
        if (!sim.core(primary).membershipChangePending() && !sim.core(primary).membership().members().isEmpty()) {
            bool learners = false;
            for (const Membership::Member &member : sim.core(primary).membership().members())
                learners = learners || !member.voter;
            if (!learners)
                return true;
        }
    }
    return false;
}

} // namespace

#define VERIFY_SAFE(sim) QVERIFY2((sim).violations().isEmpty(), qPrintable(failure(sim)))
#define VERIFY_CONVERGED(sim)                                                                                              \
    do {                                                                                                                   \
        const QStringList problems = (sim).checkConverged() + (sim).checkAcknowledged();                                  \
        QVERIFY2(problems.isEmpty() && (sim).violations().isEmpty(), qPrintable(failure((sim), problems)));                \
    } while (false)

// A member added to a set of three joins as a learner: in force on the
// primary at once, committed by the three voters; it receives the log,
// and once it holds the committed log the primary makes it a voter.
void TestMembershipChange::learnerCatchesUpAndBecomesAVoter()
{
    ReplicaSetSimulator sim(options(3));
    start(sim, 40);
    const int joiner = sim.addNode();
    QCOMPARE(joiner, 3);
    const Result<qint64> seq = sim.addMember(0, joiner);
    QVERIFY2(seq.isOk(), qPrintable(seq.status().message()));
    QVERIFY(sim.core(0).membership().contains(3));
    QVERIFY(!sim.core(0).membership().isVoter(3));
    QVERIFY(sim.core(0).membershipChangePending());
    QCOMPARE(sim.core(0).membership().writeQuorum(2), 2); // a learner changes no quorum

    QVERIFY2(settle(sim, 0), qPrintable(failure(sim)));
    QVERIFY(sim.core(0).membership().isVoter(3));
    QCOMPARE(sim.core(0).membership().voterCount(), 4);
    QCOMPARE(countEvents(sim, 0, EventKind::MemberAdded), 1);
    QCOMPARE(countEvents(sim, 0, EventKind::LearnerCaughtUp), 1);
    sim.runFor(500);
    VERIFY_CONVERGED(sim);
    // Every member agrees on the membership: it came through the log.
    for (int node = 0; node < 4; ++node) {
        QVERIFY(sim.core(node).membership() == sim.core(0).membership());
        QVERIFY(sim.node(node).appliedMembership == sim.core(0).membership());
    }
    QVERIFY(sim.core(3).isVoter());
}

// 3 -> 5 while a client writes: two learners, one at a time; afterwards a
// write needs three of the five.
void TestMembershipChange::growThreeToFiveUnderWrites()
{
    ReplicaSetSimulator sim(options(3));
    start(sim, 30);
    for (int added = 0; added < 2; ++added) {
        const int node = sim.addNode();
        QVERIFY(sim.addMember(0, node).isOk());
        QVERIFY2(settle(sim, 0), qPrintable(failure(sim)));
    }
    QCOMPARE(sim.core(0).membership().voterIds(), (QVector<int>{0, 1, 2, 3, 4}));
    sim.runFor(500);
    VERIFY_CONVERGED(sim);

    // Two members down: three of five still commit.
    sim.crash(3);
    sim.crash(4);
    const int acknowledged = sim.acknowledgedCount();
    QVERIFY(sim.propose(0, 5).isOk());
    sim.runFor(500);
    QCOMPARE(sim.acknowledgedCount(), acknowledged + 5);
    // A third down: no majority of five, nothing more commits.
    sim.crash(2);
    sim.propose(0, 5);
    sim.runFor(800);
    QCOMPARE(sim.acknowledgedCount(), acknowledged + 5);
    for (int node : {2, 3, 4})
        sim.restart(node);
    sim.runFor(1500);
    VERIFY_CONVERGED(sim);
}

// 5 -> 3 while a client writes; the removed members are stopped (as the
// launcher does); afterwards two of the three commit.
void TestMembershipChange::shrinkFiveToThreeUnderWrites()
{
    ReplicaSetSimulator sim(options(5));
    start(sim, 30);
    for (int removed : {4, 3}) {
        QVERIFY(sim.removeMember(0, removed).isOk());
        QVERIFY2(settle(sim, 0), qPrintable(failure(sim)));
        sim.crash(removed);
    }
    QCOMPARE(sim.core(0).membership().voterIds(), (QVector<int>{0, 1, 2}));
    QCOMPARE(countEvents(sim, 0, EventKind::MemberRemoved), 2);
    sim.crash(2);
    const int acknowledged = sim.acknowledgedCount();
    QVERIFY(sim.propose(0, 5).isOk());
    sim.runFor(500);
    QVERIFY2(sim.acknowledgedCount() == acknowledged + 5, qPrintable(failure(sim))); // 2 of 3
    sim.restart(2);
    sim.runFor(1000);
    VERIFY_CONVERGED(sim);
}

// A learner that has not caught up (it waits for a snapshot) neither
// counts towards a commit nor votes.
void TestMembershipChange::learnerDoesNotCountInTheQuorum()
{
    ReplicaSetSimulator sim(options(3));
    start(sim, 30);
    for (int node = 0; node < 3; ++node)
        sim.compact(node, sim.node(node).appliedSeq); // a joiner needs a snapshot
    const int joiner = sim.addNode();
    QVERIFY(sim.addMember(0, joiner).isOk());
    sim.runFor(1000); // committed by the three voters; the learner asks for a snapshot it never gets
    QVERIFY(!sim.core(0).membershipChangePending());
    QVERIFY(!sim.core(0).membership().isVoter(joiner));
    QVERIFY(sim.node(joiner).fetchSnapshotCount > 0);

    sim.crash(1);
    sim.crash(2);
    const int acknowledged = sim.acknowledgedCount();
    sim.propose(0, 3);
    sim.runFor(1000);
    QCOMPARE(sim.acknowledgedCount(), acknowledged); // primary + learner are not a majority
    const Status refused = sim.campaign(joiner, sim.maxTerm() + 1);
    QCOMPARE(refused.code(), Status::Code::Conflict);
    QVERIFY2(refused.message().contains(QLatin1String("not a voter")), qPrintable(refused.message()));
    VERIFY_SAFE(sim);
}

// A second change waits for the first to commit; a new primary changes
// nothing before its term's first entry is committed.
void TestMembershipChange::oneChangeAtATime()
{
    ReplicaSetSimulator sim(options(3));
    start(sim, 10);
    const int a = sim.addNode();
    sim.isolate(0); // nothing commits while it is alone
    QVERIFY(sim.addMember(0, a).isOk());
    const Result<qint64> second = sim.removeMember(0, 2);
    QCOMPARE(second.status().code(), Status::Code::Conflict);
    QVERIFY2(second.status().message().contains(QLatin1String("one change at a time")), qPrintable(second.status().message()));
    sim.heal();
    sim.runFor(300);
    QVERIFY(!sim.core(0).membershipChangePending());

    // A fresh primary: its no-op first.
    sim.stepDown(0);
    QVERIFY(sim.campaign(1, sim.maxTerm() + 1, true).isOk());
    deliverVotesOnly(sim); // elected, nothing of its term committed yet
    QCOMPARE(sim.core(1).role(), Role::Primary);
    QVERIFY(sim.core(1).commitSeq() < sim.core(1).termStartSeq());
    const Result<qint64> early = sim.removeMember(1, 2);
    QCOMPARE(early.status().code(), Status::Code::Unavailable);
    sim.runFor(500);
    QVERIFY(sim.removeMember(1, 2).isOk());
    VERIFY_SAFE(sim);
}

// The primary may not remove itself: it hands off first, and the new
// primary removes it.
void TestMembershipChange::primaryHandsOffBeforeItIsRemoved()
{
    ReplicaSetSimulator sim(options(3));
    start(sim, 10);
    const Result<qint64> refused = sim.removeMember(0, 0);
    QCOMPARE(refused.status().code(), Status::Code::Conflict);
    QVERIFY2(refused.status().message().contains(QLatin1String("hands off")), qPrintable(refused.status().message()));
    sim.handOff(0, 5000);
    for (int i = 0; i < 20 && !sim.handOffResult(); ++i)
        sim.runFor(50);
    QVERIFY2(sim.handOffResult() && sim.handOffResult()->first, qPrintable(failure(sim)));
    const std::optional<int> primary = sim.primary();
    QVERIFY(primary && *primary != 0);
    sim.runFor(300);
    QVERIFY(sim.removeMember(*primary, 0).isOk());
    QVERIFY2(settle(sim, *primary), qPrintable(failure(sim)));
    sim.crash(0);
    QVERIFY(!sim.core(*primary).membership().contains(0));
    sim.runFor(500);
    VERIFY_CONVERGED(sim);
}

// A member is gone for good: a new one (a new address) is added, catches
// up, becomes a voter, and the dead one is removed — with writes all along
// and never more than one change at a time.
void TestMembershipChange::replaceADeadMember()
{
    ReplicaSetSimulator sim(options(3));
    start(sim, 50);
    sim.crash(2);
    const int replacement = sim.addNode();
    QVERIFY(sim.addMember(0, replacement).isOk());
    QVERIFY2(settle(sim, 0), qPrintable(failure(sim)));
    QCOMPARE(sim.core(0).membership().voterCount(), 4); // 3 of 4 up: still a majority
    QVERIFY(sim.removeMember(0, 2).isOk());
    QVERIFY2(settle(sim, 0), qPrintable(failure(sim)));
    QCOMPARE(sim.core(0).membership().voterIds(), (QVector<int>{0, 1, replacement}));
    sim.runFor(500);
    VERIFY_CONVERGED(sim);
    // The new set survives losing one more member.
    sim.crash(1);
    const int acknowledged = sim.acknowledgedCount();
    QVERIFY(sim.propose(0, 4).isOk());
    sim.runFor(500);
    QCOMPARE(sim.acknowledgedCount(), acknowledged + 4);
}

// A change appended by a primary that loses its role before anyone else
// holds it is cut with its entry: that member's membership goes back.
void TestMembershipChange::uncommittedChangeIsUndoneWhenCut()
{
    ReplicaSetSimulator sim(options(3));
    start(sim, 10);
    const Membership before = sim.core(0).membership();
    const int joiner = sim.addNode();
    sim.isolate(0);
    QVERIFY(sim.addMember(0, joiner).isOk());
    QVERIFY(sim.core(0).membership().contains(joiner));
    sim.partition({{0, joiner}});
    sim.runFor(1500); // the others' leases run out
    QVERIFY(sim.campaign(1, sim.maxTerm() + 1).isOk());
    sim.runFor(500);
    QCOMPARE(sim.core(1).role(), Role::Primary);
    QVERIFY(sim.propose(1, 5).isOk());
    sim.runFor(300);
    sim.heal();
    sim.runFor(1000);
    QVERIFY(sim.core(0).membership() == before);
    QVERIFY(!sim.core(1).membership().contains(joiner));
    QVERIFY(countEvents(sim, 0, EventKind::RolledBack) >= 1);
    sim.crash(joiner); // not a member: the operator stops it
    VERIFY_CONVERGED(sim);
}

// The primary dies right after appending a change: when the entry reached
// a majority, the next primary (whose log holds it) commits it; when only
// the primary held it, it is lost with the primary's tail. Either way the
// set stays safe and a new change can follow.
void TestMembershipChange::primaryDiesMidChange_data()
{
    QTest::addColumn<bool>("adding");
    QTest::addColumn<int>("delivered"); // append messages delivered before the crash
    for (bool adding : {true, false}) {
        for (int delivered : {0, 1, 2}) {
            QTest::addRow("%s, %d delivered", adding ? "add" : "remove", delivered) << adding << delivered;
        }
    }
}

void TestMembershipChange::primaryDiesMidChange()
{
    QFETCH(bool, adding);
    QFETCH(int, delivered);
    ReplicaSetSimulator sim(options(adding ? 3 : 4));
    start(sim, 20);
    sim.runFor(500);
    const int joiner = adding ? sim.addNode() : -1;
    const Result<qint64> seq = adding ? sim.addMember(0, joiner) : sim.removeMember(0, 3);
    QVERIFY(seq.isOk());
    // Deliver the change's appends to some replicas only, then crash.
    for (int count = 0, attempts = 0; count < delivered; ++attempts) {
        QVERIFY2(attempts < 50, qPrintable(failure(sim)));
        const QVector<ReplicaSetSimulator::Message> &network = sim.inFlight();
        int index = -1;
        for (int i = 0; i < network.size() && index < 0; ++i) {
            const ReplicaSetSimulator::Message &message = network.at(i);
            if (message.from == 0 && message.payload.kind == OutgoingMessage::Kind::Append && message.to == 1 + count
                && message.payload.append.lastSeq() >= seq.value())
                index = i;
        }
        if (index < 0) {
            sim.advance(100);
            continue;
        }
        sim.deliver(index);
        ++count;
    }
    sim.crash(0);
    sim.dropAll();
    sim.runFor(1500);
    // The coordinator's choice: the most up-to-date voter (ties: the lowest).
    int best = 1;
    for (int node = 2; node < (adding ? 3 : 4); ++node) {
        if (!ReplicationRules::isAtLeastAsUpToDate(sim.core(best).lastTerm(), sim.core(best).lastSeq(), sim.core(node).lastTerm(),
                                                   sim.core(node).lastSeq()))
            best = node;
    }
    QVERIFY2(sim.campaign(best, sim.maxTerm() + 1).isOk(), qPrintable(failure(sim)));
    sim.runFor(1000);
    QCOMPARE(sim.core(best).role(), Role::Primary);
    const bool kept = sim.core(best).lastSeq() >= seq.value() && sim.core(best).membership().contains(3) == adding;
    QCOMPARE(kept, delivered >= 1);
    const Status proposed = sim.propose(best, 5);
    QVERIFY2(proposed.isOk(), qPrintable(proposed.toString() + QLatin1Char('\n') + failure(sim)));
    sim.restart(0);
    sim.runFor(1500);
    VERIFY_SAFE(sim);
    // Every member follows the new primary's membership.
    for (int node = 0; node < sim.size(); ++node) {
        if (sim.isUp(node) && sim.core(best).membership().contains(node))
            QVERIFY(sim.core(node).membership() == sim.core(best).membership());
    }
    if (!adding && kept)
        sim.crash(3);
    if (adding && !kept)
        sim.crash(joiner);
    if (adding && kept)
        QVERIFY2(settle(sim, best), qPrintable(failure(sim)));
    sim.runFor(1000);
    VERIFY_CONVERGED(sim);
}

// A joiner whose entries were compacted away gets a snapshot: with it,
// the membership of the snapshot's seq; after that, the log.
void TestMembershipChange::joinerGetsTheMembershipWithASnapshot()
{
    ReplicaSetSimulator::Options setup = options(3);
    setup.autoInstallSnapshots = true;
    ReplicaSetSimulator sim(setup);
    start(sim, 20);
    const int first = sim.addNode();
    QVERIFY(sim.addMember(0, first).isOk());
    QVERIFY2(settle(sim, 0), qPrintable(failure(sim)));
    sim.runFor(500);
    for (int node = 0; node < sim.size(); ++node)
        sim.compact(node, sim.node(node).appliedSeq);
    const int second = sim.addNode();
    QVERIFY(sim.addMember(0, second).isOk());
    QVERIFY2(settle(sim, 0), qPrintable(failure(sim)));
    sim.runFor(500);
    VERIFY_CONVERGED(sim);
    QVERIFY(sim.node(second).compactedSeq > 0); // it did start from a snapshot
    QVERIFY(sim.core(second).membership() == sim.core(0).membership());
    QVERIFY(sim.core(second).membership().isVoter(first));
}

// A restarted member reads its membership back: the applied one and the
// changes in its log past it.
void TestMembershipChange::restartedMemberKeepsItsMembership()
{
    ReplicaSetSimulator sim(options(3));
    start(sim, 10);
    const int joiner = sim.addNode();
    QVERIFY(sim.addMember(0, joiner).isOk());
    QVERIFY2(settle(sim, 0), qPrintable(failure(sim)));
    sim.runFor(300);
    // An uncommitted change on node 1's log (the primary is cut off from the others).
    sim.partition({{0, 1}});
    QVERIFY(sim.removeMember(0, 2).isOk());
    sim.runFor(200);
    QVERIFY(sim.core(1).membershipChangePending() || sim.core(1).commitSeq() >= sim.core(0).membershipSeq());
    const Membership onOne = sim.core(1).membership();
    QVERIFY(!onOne.contains(2));
    sim.crash(1);
    sim.restart(1);
    QVERIFY(sim.core(1).membership() == onOne);
    sim.crash(joiner);
    sim.restart(joiner);
    QVERIFY(sim.core(joiner).committedMembership().isVoter(joiner));
    sim.heal();
    QVERIFY2(settle(sim, 0), qPrintable(failure(sim)));
    sim.crash(2);
    sim.runFor(500);
    VERIFY_CONVERGED(sim);
}

// Random adds and removals among crashes, restarts, partitions, lost and
// reordered messages, elections and hand-offs. Safety is checked after
// every step; at the end the current members converge with every
// acknowledged write.
void TestMembershipChange::randomChangesUnderFaults_data()
{
    QTest::addColumn<quint64>("seed");
    const int seeds = qEnvironmentVariableIntValue("PEACEDB_SOAK_SEEDS") > 0 ? qEnvironmentVariableIntValue("PEACEDB_SOAK_SEEDS") : 60;
    for (int seed = 1; seed <= seeds; ++seed)
        QTest::addRow("seed %d", seed) << quint64(seed);
}

void TestMembershipChange::randomChangesUnderFaults()
{
    QFETCH(quint64, seed);
    ReplicaSetSimulator::Options setup = options(3, seed);
    setup.core.maxBatchEntries = 5;
    setup.autoInstallSnapshots = true;
    ReplicaSetSimulator sim(setup);
    start(sim, 5);
    int changes = 0;
    for (int step = 0; step < 8000; ++step) {
        const int dice = sim.randomBelow(100);
        const int node = sim.randomBelow(sim.size());
        const std::optional<int> primary = sim.primary();
        if (dice < 20) {
            if (primary)
                sim.propose(*primary, 1 + sim.randomBelow(4));
        } else if (dice < 48) {
            sim.deliverRandom(1 + sim.randomBelow(30), 5, 3);
        } else if (dice < 62) {
            sim.advance(20 + sim.randomBelow(300));
        } else if (dice < 65) {
            sim.crash(node);
        } else if (dice < 71) {
            sim.restart(node);
        } else if (dice < 74) {
            QVector<int> side;
            for (int member = 0; member < sim.size(); ++member) {
                if (sim.randomBelow(2))
                    side.append(member);
            }
            sim.partition({side});
        } else if (dice < 79) {
            sim.heal();
        } else if (dice < 83) {
            sim.campaign(node, sim.maxTerm() + 1);
        } else if (dice < 87) {
            // A new process only when its change can go now.
            if (primary && sim.size() < 12 && sim.core(*primary).membership().size() < 6
                && !sim.core(*primary).membershipChangePending() && sim.driver(*primary).readable().isOk()) {
                const int added = sim.addNode();
                if (sim.addMember(*primary, added).isOk())
                    ++changes;
            }
        } else if (dice < 90) {
            // Removing a voter keeps at least three, so the set survives
            // the crashes above; never the primary itself.
            if (primary && sim.core(*primary).membership().voterCount() > 3) {
                const QVector<int> ids = sim.core(*primary).membership().ids();
                const int victim = ids.at(sim.randomBelow(int(ids.size())));
                if (victim != *primary && sim.removeMember(*primary, victim).isOk())
                    ++changes;
            }
        } else if (dice < 93) {
            sim.persist(node);
        } else if (dice < 95) {
            sim.setAutoPersist(node, !sim.node(node).autoPersist);
        } else {
            sim.deliverUntilQuiet(2000);
        }
        if (!sim.violations().isEmpty())
            break;
    }
    VERIFY_SAFE(sim);

    // Heal, restart everyone, elect the most up-to-date voter of the newest
    // membership, and stop the members it does not list.
    sim.heal();
    for (int node = 0; node < sim.size(); ++node) {
        sim.restart(node);
        sim.setAutoPersist(node, true);
    }
    sim.runFor(2000);
    for (int round = 0; round < 6 && !sim.primary(); ++round) {
        int best = -1;
        for (int node = 0; node < sim.size(); ++node) {
            if (!sim.core(node).membership().isVoter(node) || !sim.core(node).isVoter())
                continue;
            if (best < 0
                || !ReplicationRules::isAtLeastAsUpToDate(sim.core(best).lastTerm(), sim.core(best).lastSeq(), sim.core(node).lastTerm(),
                                                          sim.core(node).lastSeq()))
                best = node;
        }
        QVERIFY2(best >= 0, qPrintable(failure(sim)));
        sim.campaign(best, sim.maxTerm() + 1);
        sim.runFor(2500);
        sim.installRequestedSnapshots();
    }
    std::optional<int> primary = sim.primary();
    QVERIFY2(primary, qPrintable(failure(sim)));
    QVERIFY2(settle(sim, *primary, 20000), qPrintable(failure(sim)));
    for (int node = 0; node < sim.size(); ++node) {
        if (!sim.core(*primary).membership().contains(node))
            sim.crash(node);
    }
    for (int round = 0; round < 20 && !sim.checkConverged().isEmpty(); ++round) {
        sim.runFor(500);
        sim.installRequestedSnapshots();
    }
    VERIFY_CONVERGED(sim);
    qInfo("seed %llu: %d changes proposed, %d nodes, %d voters at the end, %d acknowledged", seed, changes, sim.size(),
          sim.core(*primary).membership().voterCount(), sim.acknowledgedCount());
}

QTEST_APPLESS_MAIN(TestMembershipChange)
#include "tst_membershipchange.moc"
