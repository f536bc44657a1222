// The pure rules of the replication protocol (docs/replication.md):
// TermHistory, ReplicationRules and the messages' wire format.
#include <QTest>

#include "JsonText.h"
#include "ReplicationMessages.h"
#include "ReplicationRules.h"
#include "TermHistory.h"

using namespace ReplicationRules;

Q_DECLARE_METATYPE(HardState)
Q_DECLARE_METATYPE(VoteRequest)

namespace {

using Terms = QVector<qint64>;

// A log whose entries compactedSeq+1, compactedSeq+2, ... have `terms`.
TermHistory makeLog(const Terms &terms, qint64 compactedSeq = 0, qint64 compactedTerm = 0)
{
    TermHistory log(compactedSeq, compactedTerm);
    for (qsizetype i = 0; i < terms.size(); ++i)
        log.append(compactedSeq + 1 + i, terms.at(i));
    return log;
}

// JSON written with single quotes, for readability.
QByteArray json(const char *text)
{
    return QByteArray(text).replace('\'', '"');
}

LogEntry put(qint64 seq, qint64 term, const QString &id, const QByteArray &body)
{
    LogEntry entry;
    entry.seq = seq;
    entry.term = term;
    entry.op = LogEntry::Op::PutDocument;
    entry.db = QStringLiteral("orders");
    entry.id = id;
    entry.rev = QStringLiteral("1-abc");
    entry.body = body;
    entry.timestampMs = 1700000000000 + seq;
    return entry;
}

// Request entries prevSeq+1.. with `terms`.
AppendRequest appendRequest(qint64 term, qint64 prevSeq, qint64 prevTerm, const Terms &terms, qint64 commitSeq = 0)
{
    AppendRequest request;
    request.term = term;
    request.leader = 0;
    request.prevSeq = prevSeq;
    request.prevTerm = prevTerm;
    request.commitSeq = commitSeq;
    for (qsizetype i = 0; i < terms.size(); ++i)
        request.entries.append(put(prevSeq + 1 + i, terms.at(i), QStringLiteral("d%1").arg(i), "{}"));
    request.entryCount = request.entries.size();
    return request;
}

// "index:reachable(r|u):lastTerm:lastSeq" separated by spaces.
QVector<MemberReport> reports(const QString &text)
{
    QVector<MemberReport> out;
    for (const QString &item : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QStringList parts = item.split(QLatin1Char(':'));
        out.append(MemberReport{parts.at(0).toInt(), parts.at(1) == QLatin1String("r"), parts.at(2).toLongLong(), parts.at(3).toLongLong()});
    }
    return out;
}

constexpr qint64 kNone = -1; // "nullopt" in the data tables

} // namespace

class TestReplicationRules : public QObject
{
    Q_OBJECT

private slots:
    // --- TermHistory -----------------------------------------------------
    void termAt_data();
    void termAt();
    void segmentStart_data();
    void segmentStart();
    void historyFollowsAModelLog_data();
    void historyFollowsAModelLog();
    void compactionKeepsTheBoundaryTerm();
    void equalityIgnoresHowTheLogWasBuilt();

    // --- quorums and votes ---------------------------------------------------
    void majority_data();
    void majority();
    void isSafeWriteQuorum_data();
    void isSafeWriteQuorum();
    void isAtLeastAsUpToDate_data();
    void isAtLeastAsUpToDate();
    void decideVote_data();
    void decideVote();
    void oneVotePerTerm();
    void votesWaitForTheLeaseGuard_data();
    void votesWaitForTheLeaseGuard();
    void leaseGuardMs_data();
    void leaseGuardMs();

    // --- log matching and commit ----------------------------------------------
    void matchAppend_data();
    void matchAppend();
    void commitSeq_data();
    void commitSeq();
    void commitNeverGoesBackwards();

    // --- lease, candidate, lag ----------------------------------------------
    void hasLease_data();
    void hasLease();
    void chooseCandidate_data();
    void chooseCandidate();
    void classifyLag_data();
    void classifyLag();

    // --- bootstrap, hand-off, promotion -------------------------------------
    void decideBootstrap_data();
    void decideBootstrap();
    void handOffSuccessor_data();
    void handOffSuccessor();
    void promotionTerm();

    // --- wire format -----------------------------------------------------------
    void appendRequestRoundTripsBytes();
    void heartbeatRoundTrips();
    void appendResponseRoundTrips_data();
    void appendResponseRoundTrips();
    void voteRoundTrips();
    void rejectsMalformedMessages_data();
    void rejectsMalformedMessages();
};

// --- TermHistory -----------------------------------------------------------

void TestReplicationRules::termAt_data()
{
    QTest::addColumn<Terms>("terms");
    QTest::addColumn<qint64>("compactedSeq");
    QTest::addColumn<qint64>("compactedTerm");
    QTest::addColumn<qint64>("seq");
    QTest::addColumn<qint64>("expected");

    const Terms log{1, 1, 2, 2, 2, 5};
    QTest::newRow("empty, seq 0") << Terms{} << qint64(0) << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("empty, seq 1") << Terms{} << qint64(0) << qint64(0) << qint64(1) << kNone;
    QTest::newRow("seq 0") << log << qint64(0) << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("first") << log << qint64(0) << qint64(0) << qint64(1) << qint64(1);
    QTest::newRow("end of first segment") << log << qint64(0) << qint64(0) << qint64(2) << qint64(1);
    QTest::newRow("start of second segment") << log << qint64(0) << qint64(0) << qint64(3) << qint64(2);
    QTest::newRow("inside second segment") << log << qint64(0) << qint64(0) << qint64(4) << qint64(2);
    QTest::newRow("last") << log << qint64(0) << qint64(0) << qint64(6) << qint64(5);
    QTest::newRow("past the end") << log << qint64(0) << qint64(0) << qint64(7) << kNone;
    QTest::newRow("far past the end") << log << qint64(0) << qint64(0) << qint64(1000) << kNone;

    const Terms tail{3, 3, 4};
    QTest::newRow("before compaction") << tail << qint64(10) << qint64(3) << qint64(9) << kNone;
    QTest::newRow("seq 0 after compaction") << tail << qint64(10) << qint64(3) << qint64(0) << kNone;
    QTest::newRow("long before compaction") << tail << qint64(10) << qint64(3) << qint64(1) << kNone;
    QTest::newRow("at compaction") << tail << qint64(10) << qint64(3) << qint64(10) << qint64(3);
    QTest::newRow("first after compaction") << tail << qint64(10) << qint64(3) << qint64(11) << qint64(3);
    QTest::newRow("last after compaction") << tail << qint64(10) << qint64(3) << qint64(13) << qint64(4);
    QTest::newRow("past the end after compaction") << tail << qint64(10) << qint64(3) << qint64(14) << kNone;
    QTest::newRow("all compacted, at compaction") << Terms{} << qint64(7) << qint64(2) << qint64(7) << qint64(2);
    QTest::newRow("all compacted, after") << Terms{} << qint64(7) << qint64(2) << qint64(8) << kNone;
}

void TestReplicationRules::termAt()
{
    QFETCH(Terms, terms);
    QFETCH(qint64, compactedSeq);
    QFETCH(qint64, compactedTerm);
    QFETCH(qint64, seq);
    QFETCH(qint64, expected);
    const std::optional<qint64> term = makeLog(terms, compactedSeq, compactedTerm).termAt(seq);
    QCOMPARE(term.value_or(kNone), expected);
}

void TestReplicationRules::segmentStart_data()
{
    QTest::addColumn<Terms>("terms");
    QTest::addColumn<qint64>("compactedSeq");
    QTest::addColumn<qint64>("seq");
    QTest::addColumn<qint64>("expected");
    const Terms log{1, 1, 2, 2, 2, 5};
    QTest::newRow("first segment start") << log << qint64(0) << qint64(1) << qint64(1);
    QTest::newRow("first segment end") << log << qint64(0) << qint64(2) << qint64(1);
    QTest::newRow("second segment start") << log << qint64(0) << qint64(3) << qint64(3);
    QTest::newRow("second segment end") << log << qint64(0) << qint64(5) << qint64(3);
    QTest::newRow("last segment") << log << qint64(0) << qint64(6) << qint64(6);
    // After compaction a segment begins no earlier than the first seq kept.
    QTest::newRow("compacted segment") << Terms{3, 3, 4} << qint64(10) << qint64(12) << qint64(11);
    QTest::newRow("segment after compaction") << Terms{3, 3, 4} << qint64(10) << qint64(13) << qint64(13);
}

void TestReplicationRules::segmentStart()
{
    QFETCH(Terms, terms);
    QFETCH(qint64, compactedSeq);
    QFETCH(qint64, seq);
    QFETCH(qint64, expected);
    const qint64 compactedTerm = terms.isEmpty() ? 1 : terms.first();
    QCOMPARE(makeLog(terms, compactedSeq, compactedTerm).segmentStart(seq), expected);
}

void TestReplicationRules::historyFollowsAModelLog_data()
{
    QTest::addColumn<quint64>("seed");
    for (quint64 seed = 1; seed <= 30; ++seed)
        QTest::addRow("seed %llu", seed) << seed;
}

// Random appends, truncations and compactions against a plain vector of
// terms: every query must agree with the model after every operation.
void TestReplicationRules::historyFollowsAModelLog()
{
    QFETCH(quint64, seed);
    quint64 state = seed;
    const auto next = [&state](int bound) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return int((state >> 33) % quint64(bound));
    };

    TermHistory log;
    Terms model; // model[i]: the term of seq i + 1 (also for compacted seqs)
    qint64 compacted = 0;
    for (int step = 0; step < 300; ++step) {
        const int action = next(10);
        QString what;
        if (action < 6) {
            const qint64 last = model.isEmpty() ? 1 : model.last();
            const qint64 term = last + (next(4) == 0 ? 1 + next(2) : 0);
            const int count = 1 + next(4);
            for (int i = 0; i < count; ++i) {
                log.append(model.size() + 1, term);
                model.append(term);
            }
            what = QStringLiteral("append %1 x term %2").arg(count).arg(term);
        } else if (action < 8) {
            if (model.size() <= compacted)
                continue;
            const qint64 from = compacted + 1 + next(int(model.size() - compacted));
            log.truncateFrom(from);
            model.resize(from - 1);
            what = QStringLiteral("truncate from %1").arg(from);
        } else {
            if (model.size() <= compacted)
                continue;
            const qint64 through = compacted + next(int(model.size() - compacted) + 1);
            log.compactThrough(through);
            compacted = through;
            what = QStringLiteral("compact through %1").arg(through);
        }
        const QByteArray context = QStringLiteral("step %1 (%2)").arg(step).arg(what).toUtf8();
        QVERIFY2(log.lastSeq() == model.size(), context.constData());
        QVERIFY2(log.compactedSeq() == compacted, context.constData());
        QVERIFY2(log.firstSeq() == compacted + 1, context.constData());
        const qint64 compactedTerm = compacted == 0 ? 0 : model.at(compacted - 1);
        QVERIFY2(log.compactedTerm() == compactedTerm, context.constData());
        QVERIFY2(log.lastTerm() == (model.isEmpty() ? 0 : model.last()), context.constData());
        for (qint64 seq = 0; seq <= model.size() + 1; ++seq) {
            const std::optional<qint64> term = log.termAt(seq);
            qint64 expected = seq < compacted || seq > model.size() ? kNone : (seq == 0 ? 0 : model.at(seq - 1));
            QVERIFY2(term.value_or(kNone) == expected,
                     qPrintable(QStringLiteral("%1: termAt(%2) = %3, model %4").arg(QString::fromUtf8(context)).arg(seq).arg(term.value_or(kNone)).arg(expected)));
            if (seq > compacted && seq <= model.size()) {
                qint64 start = seq;
                while (start - 1 > compacted && model.at(start - 2) == model.at(seq - 1))
                    --start;
                QVERIFY2(log.segmentStart(seq) == start,
                         qPrintable(QStringLiteral("%1: segmentStart(%2) = %3, model %4").arg(QString::fromUtf8(context)).arg(seq).arg(log.segmentStart(seq)).arg(start)));
            }
        }
        // The same content built directly compares equal: segments stay canonical.
        QVERIFY2(log == makeLog(model.mid(compacted), compacted, compactedTerm), context.constData());
    }
}

void TestReplicationRules::compactionKeepsTheBoundaryTerm()
{
    TermHistory log = makeLog({1, 1, 2, 2, 3});
    log.compactThrough(4);
    QCOMPARE(log.compactedSeq(), qint64(4));
    QCOMPARE(log.compactedTerm(), qint64(2));
    QCOMPARE(log.termAt(4).value_or(kNone), qint64(2));
    QCOMPARE(log.termAt(3).value_or(kNone), kNone);
    QCOMPARE(log.termAt(5).value_or(kNone), qint64(3));
    // Compacting everything: the last term is still known.
    log.compactThrough(5);
    QCOMPARE(log.lastSeq(), qint64(5));
    QCOMPARE(log.lastTerm(), qint64(3));
    QCOMPARE(log.firstSeq(), qint64(6));
    log.append(6, 3);
    log.append(7, 4);
    QCOMPARE(log.termAt(6).value_or(kNone), qint64(3));
    QCOMPARE(log.segmentStart(6), qint64(6));
    QCOMPARE(log.segmentStart(7), qint64(7));
    // Truncating right after the compaction point leaves an empty log that keeps its base.
    log.truncateFrom(6);
    QCOMPARE(log.lastSeq(), qint64(5));
    QCOMPARE(log.lastTerm(), qint64(3));
    QVERIFY(log == TermHistory(5, 3));
}

void TestReplicationRules::equalityIgnoresHowTheLogWasBuilt()
{
    TermHistory a = makeLog({1, 1, 2, 2});
    a.truncateFrom(3);
    a.append(3, 3);
    QVERIFY(a == makeLog({1, 1, 3}));
    QVERIFY(!(a == makeLog({1, 1, 2})));
    QVERIFY(!(a == makeLog({1, 1, 3, 3})));
    QVERIFY(!(a == makeLog({1, 3, 3})));
    QVERIFY(!(makeLog({}, 2, 1) == makeLog({}, 2, 2)));
    QVERIFY(!(makeLog({}, 2, 1) == makeLog({}, 3, 1)));
    TermHistory b = makeLog({1, 1, 1, 1});
    b.compactThrough(2);
    QVERIFY(b == makeLog({1, 1}, 2, 1));
}

// --- quorums and votes -------------------------------------------------------

void TestReplicationRules::majority_data()
{
    QTest::addColumn<int>("members");
    QTest::addColumn<int>("expected");
    const int expected[] = {1, 2, 2, 3, 3, 4, 4};
    for (int members = 1; members <= 7; ++members)
        QTest::addRow("%d members", members) << members << expected[members - 1];
}

void TestReplicationRules::majority()
{
    QFETCH(int, members);
    QFETCH(int, expected);
    QCOMPARE(ReplicationRules::majority(members), expected);
}

void TestReplicationRules::isSafeWriteQuorum_data()
{
    QTest::addColumn<int>("quorum");
    QTest::addColumn<int>("members");
    QTest::addColumn<bool>("safe");
    // The smallest safe quorum for 1..7 members, spelled out.
    const int smallest[] = {1, 2, 2, 3, 3, 4, 4};
    for (int members = 1; members <= 7; ++members) {
        for (int quorum = 0; quorum <= members + 1; ++quorum) {
            QTest::addRow("%d of %d", quorum, members)
                << quorum << members << (quorum >= smallest[members - 1] && quorum <= members);
        }
    }
    QTest::newRow("no members") << 0 << 0 << false;
    QTest::newRow("negative quorum") << -1 << 3 << false;
}

void TestReplicationRules::isSafeWriteQuorum()
{
    QFETCH(int, quorum);
    QFETCH(int, members);
    QFETCH(bool, safe);
    QCOMPARE(ReplicationRules::isSafeWriteQuorum(quorum, members), safe);
}

void TestReplicationRules::isAtLeastAsUpToDate_data()
{
    QTest::addColumn<qint64>("lastTerm");
    QTest::addColumn<qint64>("lastSeq");
    QTest::addColumn<qint64>("otherTerm");
    QTest::addColumn<qint64>("otherSeq");
    QTest::addColumn<bool>("expected");
    QTest::newRow("equal") << qint64(3) << qint64(10) << qint64(3) << qint64(10) << true;
    QTest::newRow("same term, longer") << qint64(3) << qint64(11) << qint64(3) << qint64(10) << true;
    QTest::newRow("same term, shorter") << qint64(3) << qint64(9) << qint64(3) << qint64(10) << false;
    QTest::newRow("later term, shorter") << qint64(4) << qint64(2) << qint64(3) << qint64(10) << true;
    QTest::newRow("earlier term, longer") << qint64(2) << qint64(100) << qint64(3) << qint64(10) << false;
    QTest::newRow("both empty") << qint64(0) << qint64(0) << qint64(0) << qint64(0) << true;
    QTest::newRow("empty against non-empty") << qint64(0) << qint64(0) << qint64(1) << qint64(1) << false;
}

void TestReplicationRules::isAtLeastAsUpToDate()
{
    QFETCH(qint64, lastTerm);
    QFETCH(qint64, lastSeq);
    QFETCH(qint64, otherTerm);
    QFETCH(qint64, otherSeq);
    QFETCH(bool, expected);
    QCOMPARE(ReplicationRules::isAtLeastAsUpToDate(lastTerm, lastSeq, otherTerm, otherSeq), expected);
}

void TestReplicationRules::decideVote_data()
{
    QTest::addColumn<qint64>("term");
    QTest::addColumn<int>("votedFor");
    QTest::addColumn<Terms>("log");
    QTest::addColumn<qint64>("requestTerm");
    QTest::addColumn<int>("candidate");
    QTest::addColumn<qint64>("candidateLastTerm");
    QTest::addColumn<qint64>("candidateLastSeq");
    QTest::addColumn<bool>("granted");
    QTest::addColumn<qint64>("newTerm");
    QTest::addColumn<int>("newVotedFor");

    const Terms log{1, 1, 2, 2}; // last (2, 4)
    QTest::newRow("higher term, equal log: adopted and granted")
        << qint64(2) << 1 << log << qint64(3) << 2 << qint64(2) << qint64(4) << true << qint64(3) << 2;
    QTest::newRow("higher term, stale log: adopted, vote forgotten, refused")
        << qint64(2) << 1 << log << qint64(3) << 2 << qint64(2) << qint64(3) << false << qint64(3) << -1;
    QTest::newRow("same term, not voted: granted")
        << qint64(3) << -1 << log << qint64(3) << 2 << qint64(2) << qint64(4) << true << qint64(3) << 2;
    QTest::newRow("same term, voted for the same candidate: granted again")
        << qint64(3) << 2 << log << qint64(3) << 2 << qint64(2) << qint64(4) << true << qint64(3) << 2;
    QTest::newRow("same term, voted for another: refused")
        << qint64(3) << 1 << log << qint64(3) << 2 << qint64(2) << qint64(9) << false << qint64(3) << 1;
    QTest::newRow("same term, voted for itself: refused")
        << qint64(3) << 0 << log << qint64(3) << 2 << qint64(5) << qint64(9) << false << qint64(3) << 0;
    QTest::newRow("stale term: refused, state kept")
        << qint64(5) << -1 << log << qint64(4) << 2 << qint64(9) << qint64(99) << false << qint64(5) << -1;
    QTest::newRow("candidate's last term lower: refused")
        << qint64(3) << -1 << log << qint64(3) << 2 << qint64(1) << qint64(50) << false << qint64(3) << -1;
    QTest::newRow("same last term, shorter log: refused")
        << qint64(3) << -1 << log << qint64(3) << 2 << qint64(2) << qint64(3) << false << qint64(3) << -1;
    QTest::newRow("same last term, longer log: granted")
        << qint64(3) << -1 << log << qint64(3) << 2 << qint64(2) << qint64(5) << true << qint64(3) << 2;
    QTest::newRow("later last term, shorter log: granted")
        << qint64(3) << -1 << log << qint64(4) << 2 << qint64(3) << qint64(1) << true << qint64(4) << 2;
    QTest::newRow("empty logs, term 1: granted")
        << qint64(0) << -1 << Terms{} << qint64(1) << 0 << qint64(0) << qint64(0) << true << qint64(1) << 0;
}

void TestReplicationRules::decideVote()
{
    QFETCH(qint64, term);
    QFETCH(int, votedFor);
    QFETCH(Terms, log);
    QFETCH(qint64, requestTerm);
    QFETCH(int, candidate);
    QFETCH(qint64, candidateLastTerm);
    QFETCH(qint64, candidateLastSeq);
    const VoteDecision decision = ReplicationRules::decideVote(HardState{term, votedFor}, makeLog(log),
                                                               VoteRequest{requestTerm, candidate, candidateLastSeq, candidateLastTerm});
    QTEST(decision.granted, "granted");
    QTEST(decision.state.term, "newTerm");
    QTEST(decision.state.votedFor, "newVotedFor");
}

void TestReplicationRules::oneVotePerTerm()
{
    // Two candidates ask one voter for the same term, in both orders: only
    // the first gets the vote, and asking again does not change that.
    const TermHistory log = makeLog({1, 1});
    for (const bool firstIsOne : {true, false}) {
        const int first = firstIsOne ? 1 : 2;
        const int second = firstIsOne ? 2 : 1;
        HardState state{1, -1};
        VoteDecision decision = ReplicationRules::decideVote(state, log, VoteRequest{2, first, 2, 1});
        QVERIFY(decision.granted);
        state = decision.state;
        decision = ReplicationRules::decideVote(state, log, VoteRequest{2, second, 5, 1});
        QVERIFY2(!decision.granted, "a second candidate got the same term's vote");
        QCOMPARE(decision.state, state);
        decision = ReplicationRules::decideVote(state, log, VoteRequest{2, first, 2, 1});
        QVERIFY(decision.granted);
        // The next term frees the vote.
        decision = ReplicationRules::decideVote(state, log, VoteRequest{3, second, 2, 1});
        QVERIFY(decision.granted);
        QCOMPARE(decision.state, (HardState{3, second}));
    }
}

// A voter that may have helped give a lease (guard > 0) refuses to make
// another primary, keeping its term, and says when to ask again — unless
// the request is a hand-off for the term right after its own, or repeats a
// vote it already gave.
void TestReplicationRules::votesWaitForTheLeaseGuard_data()
{
    QTest::addColumn<HardState>("state");
    QTest::addColumn<VoteRequest>("request");
    QTest::addColumn<qint64>("guard");
    QTest::addColumn<bool>("granted");
    QTest::addColumn<HardState>("after");
    QTest::addColumn<qint64>("retryAfterMs");

    const HardState follower{2, 0};
    QTest::newRow("guard running: refused, term kept")
        << follower << VoteRequest{3, 1, 4, 2} << qint64(250) << false << follower << qint64(250);
    QTest::newRow("guard over: granted")
        << follower << VoteRequest{3, 1, 4, 2} << qint64(0) << true << HardState{3, 1} << qint64(0);
    QTest::newRow("hand-off for the next term: granted")
        << follower << VoteRequest{3, 1, 4, 2, true} << qint64(250) << true << HardState{3, 1} << qint64(0);
    QTest::newRow("hand-off skipping a term: refused")
        << follower << VoteRequest{4, 1, 4, 2, true} << qint64(250) << false << follower << qint64(250);
    QTest::newRow("the vote already given, asked again: granted")
        << HardState{3, 1} << VoteRequest{3, 1, 4, 2} << qint64(250) << true << HardState{3, 1} << qint64(0);
    QTest::newRow("same term, not voted, guard running: refused")
        << HardState{3, -1} << VoteRequest{3, 1, 4, 2} << qint64(250) << false << HardState{3, -1} << qint64(250);
    QTest::newRow("older term: refused for good")
        << HardState{3, -1} << VoteRequest{2, 1, 4, 2} << qint64(250) << false << HardState{3, -1} << qint64(0);
    QTest::newRow("hand-off, stale log: refused")
        << follower << VoteRequest{3, 1, 1, 1, true} << qint64(250) << false << HardState{3, -1} << qint64(0);
    // A member that started with empty storage and has not caught up.
    QTest::newRow("not a voter: refused, state kept")
        << HardState{2, -1, false} << VoteRequest{3, 1, 9, 2} << qint64(0) << false << HardState{2, -1, false} << qint64(0);
    QTest::newRow("not a voter, hand-off: refused")
        << HardState{2, -1, false} << VoteRequest{3, 1, 9, 2, true} << qint64(0) << false << HardState{2, -1, false} << qint64(0);
    QTest::newRow("not a voter, a brand-new set's bootstrap (empty log, candidate not a voter): granted")
        << HardState{1, -1, false} << VoteRequest{2, 1, 0, 0, false, false} << qint64(0) << true << HardState{2, 1, false} << qint64(0);
    // Found by the simulator: the candidate caught up when nothing was
    // committed yet; a write since committed by the two others, one of which
    // is this wiped member, must not be lost to an empty primary.
    QTest::newRow("not a voter, empty log of a voter: refused")
        << HardState{1, -1, false} << VoteRequest{2, 1, 0, 0} << qint64(0) << false << HardState{1, -1, false} << qint64(0);
    QTest::newRow("a voter, a candidate that is not one (empty logs): refused")
        << HardState{1, -1, true} << VoteRequest{2, 1, 0, 0, false, false} << qint64(0) << false << HardState{1, -1, true} << qint64(0);
}

void TestReplicationRules::votesWaitForTheLeaseGuard()
{
    QFETCH(HardState, state);
    QFETCH(VoteRequest, request);
    QFETCH(qint64, guard);
    // A member that is not a voter and meets an empty candidate is empty too.
    const TermHistory log = !state.voter && request.lastSeq == 0 ? makeLog({}) : makeLog({1, 1, 2, 2});
    const VoteDecision decision = ReplicationRules::decideVote(state, log, request, guard);
    QTEST(decision.granted, "granted");
    QTEST(decision.state, "after");
    QTEST(decision.retryAfterMs, "retryAfterMs");
}

void TestReplicationRules::leaseGuardMs_data()
{
    QTest::addColumn<qint64>("now");
    QTest::addColumn<qint64>("lastSupport");
    QTest::addColumn<qint64>("guard");
    // The primary holds its lease while now - sent <= 600 (sent <= support).
    QTest::newRow("never supported a primary") << qint64(1000) << qint64(-1) << qint64(0);
    QTest::newRow("just now") << qint64(1000) << qint64(1000) << qint64(601);
    QTest::newRow("the lease's last moment") << qint64(1600) << qint64(1000) << qint64(1);
    QTest::newRow("past it") << qint64(1601) << qint64(1000) << qint64(0);
    QTest::newRow("long past") << qint64(9000) << qint64(1000) << qint64(0);
}

void TestReplicationRules::leaseGuardMs()
{
    QFETCH(qint64, now);
    QFETCH(qint64, lastSupport);
    QTEST(ReplicationRules::leaseGuardMs(now, lastSupport, 600), "guard");
    // Consistent with hasLease: while the guard runs, a lease counted from
    // a request sent at lastSupport may still be held.
    if (lastSupport >= 0)
        QCOMPARE(ReplicationRules::leaseGuardMs(now, lastSupport, 600) > 0,
                 ReplicationRules::hasLease(now, {lastSupport, -1}, 3, 600));
}

// --- log matching and commit ------------------------------------------------------

void TestReplicationRules::matchAppend_data()
{
    QTest::addColumn<Terms>("log");
    QTest::addColumn<qint64>("compactedSeq");
    QTest::addColumn<qint64>("compactedTerm");
    QTest::addColumn<qint64>("commit");
    QTest::addColumn<qint64>("prevSeq");
    QTest::addColumn<qint64>("prevTerm");
    QTest::addColumn<Terms>("entries");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<qint64>("hintSeq");
    QTest::addColumn<qint64>("truncateFrom");
    QTest::addColumn<int>("firstNew");
    QTest::addColumn<qint64>("matchSeq");
    QTest::addColumn<bool>("conflictsWithCommitted");

    const qint64 z = 0;
    QTest::newRow("empty log, first entries")
        << Terms{} << z << z << z << z << z << Terms{1, 1} << true << z << z << 0 << qint64(2) << false;
    QTest::newRow("prevSeq beyond the end: hint lastSeq+1")
        << Terms{1, 1, 1} << z << z << z << qint64(5) << qint64(1) << Terms{1} << false << qint64(4) << z << 0 << z << false;
    QTest::newRow("prev term mismatch: hint the conflicting segment's start")
        << Terms{1, 1, 2, 2, 2} << z << z << qint64(1) << qint64(5) << qint64(3) << Terms{3} << false << qint64(3) << z << 0 << z << false;
    QTest::newRow("prev term mismatch: hint never at or below the commit point")
        << Terms{1, 1, 2, 2, 2} << z << z << qint64(4) << qint64(5) << qint64(3) << Terms{3} << false << qint64(5) << z << 0 << z << false;
    QTest::newRow("prev term mismatch at a committed seq: conflictsWithCommitted")
        << Terms{1, 1, 2, 2, 2} << z << z << qint64(4) << qint64(4) << qint64(3) << Terms{3} << false << qint64(5) << z << 0 << z << true;
    QTest::newRow("prevSeq compacted: hint right after the compaction point")
        << Terms{2, 2} << qint64(10) << qint64(2) << qint64(10) << qint64(5) << qint64(1) << Terms{1} << false << qint64(11) << z << 0 << z << false;
    QTest::newRow("prevSeq 0 on a compacted log: compacted, not conflicting")
        << Terms{2, 2} << qint64(10) << qint64(2) << qint64(10) << z << z << Terms{1, 1, 2} << false << qint64(11) << z << 0 << z << false;
    QTest::newRow("prevSeq at the compaction point")
        << Terms{2, 2} << qint64(10) << qint64(2) << qint64(10) << qint64(10) << qint64(2) << Terms{2, 2, 3} << true << z << z << 2 << qint64(13) << false;
    QTest::newRow("all entries already present")
        << Terms{1, 1, 2, 2} << z << z << z << qint64(1) << qint64(1) << Terms{1, 2, 2} << true << z << z << 3 << qint64(4) << false;
    QTest::newRow("partial overlap")
        << Terms{1, 1, 2} << z << z << z << qint64(1) << qint64(1) << Terms{1, 2, 2, 2} << true << z << z << 2 << qint64(5) << false;
    QTest::newRow("conflict mid-request: cut at the first differing seq")
        << Terms{1, 1, 2, 2, 2} << z << z << qint64(2) << qint64(2) << qint64(1) << Terms{2, 3, 3} << true << z << qint64(4) << 1 << qint64(5) << false;
    QTest::newRow("conflict on the first entry")
        << Terms{1, 1, 2, 2, 2} << z << z << qint64(2) << qint64(2) << qint64(1) << Terms{3} << true << z << qint64(3) << 0 << qint64(3) << false;
    QTest::newRow("conflict at a committed seq: refused")
        << Terms{1, 1, 2, 2} << z << z << qint64(3) << qint64(1) << qint64(1) << Terms{1, 3, 3} << false << qint64(4) << z << 0 << z << true;
    QTest::newRow("heartbeat at the end")
        << Terms{1, 1} << z << z << z << qint64(2) << qint64(1) << Terms{} << true << z << z << 0 << qint64(2) << false;
    QTest::newRow("heartbeat inside the log keeps the rest")
        << Terms{1, 1, 1, 1} << z << z << z << qint64(2) << qint64(1) << Terms{} << true << z << z << 0 << qint64(2) << false;
    QTest::newRow("stale shorter request does not cut a longer log")
        << Terms{1, 1, 2, 2, 2} << z << z << z << qint64(2) << qint64(1) << Terms{2} << true << z << z << 1 << qint64(3) << false;
}

void TestReplicationRules::matchAppend()
{
    QFETCH(Terms, log);
    QFETCH(qint64, compactedSeq);
    QFETCH(qint64, compactedTerm);
    QFETCH(qint64, commit);
    QFETCH(qint64, prevSeq);
    QFETCH(qint64, prevTerm);
    QFETCH(Terms, entries);
    QFETCH(bool, accepted);
    const AppendDecision decision = ReplicationRules::matchAppend(makeLog(log, compactedSeq, compactedTerm), commit,
                                                                  appendRequest(3, prevSeq, prevTerm, entries));
    QCOMPARE(decision.accepted, accepted);
    QTEST(decision.conflictsWithCommitted, "conflictsWithCommitted");
    if (accepted) {
        QTEST(decision.truncateFrom, "truncateFrom");
        QTEST(int(decision.firstNew), "firstNew");
        QTEST(decision.matchSeq, "matchSeq");
    } else {
        QTEST(decision.hintSeq, "hintSeq");
        QVERIFY2(decision.hintSeq > commit, "a hint at or below the commit point");
    }
}

void TestReplicationRules::commitSeq_data()
{
    QTest::addColumn<Terms>("matchSeqs");
    QTest::addColumn<int>("writeQuorum");
    QTest::addColumn<qint64>("currentTerm");
    QTest::addColumn<Terms>("log");
    QTest::addColumn<qint64>("commit");
    QTest::addColumn<qint64>("expected");

    const Terms term2(10, 2);                                // seqs 1..10 of term 2
    const Terms mixed{1, 1, 1, 1, 1, 1, 1, 1, 2, 2};        // 9, 10 of term 2
    QTest::newRow("3 members: second highest") << Terms{10, 8, 5} << 2 << qint64(2) << term2 << qint64(0) << qint64(8);
    QTest::newRow("3 members: primary not yet durable") << Terms{5, 9, 8} << 2 << qint64(2) << term2 << qint64(0) << qint64(8);
    QTest::newRow("3 members: two laggards") << Terms{10, 5, 5} << 2 << qint64(2) << term2 << qint64(0) << qint64(5);
    QTest::newRow("3 members, quorum 3") << Terms{10, 10, 9} << 3 << qint64(2) << term2 << qint64(0) << qint64(9);
    QTest::newRow("5 members: third highest") << Terms{10, 9, 8, 2, 1} << 3 << qint64(2) << term2 << qint64(0) << qint64(8);
    QTest::newRow("5 members: only two have it") << Terms{10, 9, 2, 2, 1} << 3 << qint64(2) << term2 << qint64(0) << qint64(2);
    QTest::newRow("earlier term entry: not by counting") << Terms{10, 8, 8} << 2 << qint64(2) << mixed << qint64(3) << qint64(3);
    QTest::newRow("current term entry commits the earlier ones") << Terms{10, 10, 8} << 2 << qint64(2) << mixed << qint64(3) << qint64(10);
    QTest::newRow("nothing of the current term yet") << Terms{8, 8, 8} << 2 << qint64(3) << mixed << qint64(0) << qint64(0);
    QTest::newRow("never backwards") << Terms{10, 5, 5} << 2 << qint64(2) << term2 << qint64(9) << qint64(9);
    QTest::newRow("match past the log's end") << Terms{20, 20, 20} << 2 << qint64(2) << term2 << qint64(0) << qint64(10);
    QTest::newRow("quorum larger than the set") << Terms{10, 10} << 3 << qint64(2) << term2 << qint64(4) << qint64(4);
    QTest::newRow("single member") << Terms{7} << 1 << qint64(2) << term2 << qint64(0) << qint64(7);
}

void TestReplicationRules::commitSeq()
{
    QFETCH(Terms, matchSeqs);
    QFETCH(int, writeQuorum);
    QFETCH(qint64, currentTerm);
    QFETCH(Terms, log);
    QFETCH(qint64, commit);
    QTEST(ReplicationRules::commitSeq(matchSeqs, writeQuorum, currentTerm, makeLog(log), commit), "expected");
}

void TestReplicationRules::commitNeverGoesBackwards()
{
    // Replicas' match points can be reported in any order (and regress after
    // a replica restarts); the commit point only moves forward.
    const TermHistory log = makeLog(Terms(50, 4));
    qint64 commit = 0;
    quint64 state = 7;
    for (int step = 0; step < 500; ++step) {
        QVector<qint64> matches;
        for (int member = 0; member < 5; ++member) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            matches.append(qint64((state >> 33) % 51));
        }
        const qint64 next = ReplicationRules::commitSeq(matches, 3, 4, log, commit);
        QVector<qint64> sorted = matches;
        std::sort(sorted.begin(), sorted.end(), std::greater<qint64>());
        QVERIFY2(next >= commit, qPrintable(QStringLiteral("step %1: %2 -> %3").arg(step).arg(commit).arg(next)));
        QCOMPARE(next, qMax(commit, sorted.at(2)));
        commit = next;
    }
}

// --- lease, candidate, lag ----------------------------------------------------------

void TestReplicationRules::hasLease_data()
{
    QTest::addColumn<Terms>("contacts");
    QTest::addColumn<int>("members");
    QTest::addColumn<bool>("expected");
    // now = 10000, failoverTimeoutMs = 5000
    QTest::newRow("single member") << Terms{} << 1 << true;
    QTest::newRow("3: one recent") << Terms{9000, -1} << 3 << true;
    QTest::newRow("3: none ever") << Terms{-1, -1} << 3 << false;
    QTest::newRow("3: one too old") << Terms{4999, -1} << 3 << false;
    QTest::newRow("3: one exactly at the timeout") << Terms{5000, -1} << 3 << true;
    QTest::newRow("5: two recent") << Terms{9000, 9500, -1, 100} << 5 << true;
    QTest::newRow("5: one recent") << Terms{9000, -1, -1, 100} << 5 << false;
    QTest::newRow("2: the other is needed") << Terms{-1} << 2 << false;
    QTest::newRow("2: the other heard") << Terms{10000} << 2 << true;
}

void TestReplicationRules::hasLease()
{
    QFETCH(Terms, contacts);
    QFETCH(int, members);
    QTEST(ReplicationRules::hasLease(10000, contacts, members, 5000), "expected");
}

void TestReplicationRules::chooseCandidate_data()
{
    QTest::addColumn<QString>("reports");
    QTest::addColumn<int>("members");
    QTest::addColumn<int>("expected"); // -1: none
    QTest::newRow("highest last term wins") << QStringLiteral("0:r:2:50 1:r:3:10 2:r:2:60") << 3 << 1;
    QTest::newRow("same term: longest log") << QStringLiteral("0:r:3:50 1:r:3:10 2:r:3:60") << 3 << 2;
    QTest::newRow("tie: lowest index") << QStringLiteral("2:r:3:60 0:r:3:10 1:r:3:60") << 3 << 1;
    QTest::newRow("unreachable ignored") << QStringLiteral("0:u:9:99 1:r:3:10 2:r:3:11") << 3 << 2;
    QTest::newRow("no majority reachable") << QStringLiteral("0:r:3:10 1:u:3:10 2:u:3:10") << 3 << -1;
    QTest::newRow("5: exactly a majority") << QStringLiteral("0:u:1:1 1:u:1:1 2:r:1:5 3:r:1:6 4:r:1:6") << 5 << 3;
    QTest::newRow("5: two of five") << QStringLiteral("0:u:1:1 1:u:1:1 2:u:1:5 3:r:1:6 4:r:1:6") << 5 << -1;
    QTest::newRow("nobody") << QString() << 3 << -1;
}

void TestReplicationRules::chooseCandidate()
{
    QFETCH(QString, reports);
    QFETCH(int, members);
    QFETCH(int, expected);
    const std::optional<int> chosen = ReplicationRules::chooseCandidate(::reports(reports), members);
    QCOMPARE(chosen.value_or(-1), expected);
}

void TestReplicationRules::classifyLag_data()
{
    QTest::addColumn<qint64>("lastContact");
    QTest::addColumn<qint64>("lag");
    QTest::addColumn<int>("expected");
    // now = 10000, failoverTimeoutMs = 5000, maxLagMs = 1000
    QTest::newRow("never answered") << qint64(-1) << qint64(0) << int(SyncState::Offline);
    QTest::newRow("answer too old") << qint64(4999) << qint64(0) << int(SyncState::Offline);
    QTest::newRow("answer at the timeout") << qint64(5000) << qint64(0) << int(SyncState::InSync);
    QTest::newRow("in sync") << qint64(9900) << qint64(0) << int(SyncState::InSync);
    QTest::newRow("lag at the limit") << qint64(9900) << qint64(1000) << int(SyncState::InSync);
    QTest::newRow("lagging") << qint64(9900) << qint64(1001) << int(SyncState::Lagging);
    QTest::newRow("offline beats lagging") << qint64(100) << qint64(5000) << int(SyncState::Offline);
}

void TestReplicationRules::classifyLag()
{
    QFETCH(qint64, lastContact);
    QFETCH(qint64, lag);
    QFETCH(int, expected);
    const SyncState state = ReplicationRules::classifyLag(10000, lastContact, lag, 5000, 1000);
    QCOMPARE(int(state), expected);
    QVERIFY(!syncStateName(state).isEmpty());
}

// --- wire format ---------------------------------------------------------------

using Answers = QVector<std::pair<int, PeerSummary>>;
Q_DECLARE_METATYPE(Answers)
Q_DECLARE_METATYPE(BootstrapDecision::Outcome)

void TestReplicationRules::decideBootstrap_data()
{
    QTest::addColumn<int>("members");
    QTest::addColumn<qint64>("ownTerm");
    QTest::addColumn<Answers>("answers");
    QTest::addColumn<BootstrapDecision::Outcome>("outcome");
    QTest::addColumn<qint64>("term");
    QTest::addColumn<int>("withData");
    using Outcome = BootstrapDecision::Outcome;
    const PeerSummary empty{0, 0, false};
    QTest::newRow("a single member elects itself") << 1 << qint64(0) << Answers{} << Outcome::Elect << qint64(1) << -1;
    QTest::newRow("alone of three: wait") << 3 << qint64(0) << Answers{} << Outcome::Wait << qint64(0) << -1;
    QTest::newRow("two of three empty") << 3 << qint64(0) << Answers{{1, empty}} << Outcome::Elect << qint64(1) << -1;
    QTest::newRow("after every term heard of")
        << 3 << qint64(2) << Answers{{1, PeerSummary{7, 0, false}}, {2, PeerSummary{4, 0, false}}} << Outcome::Elect << qint64(8) << -1;
    QTest::newRow("two of five: wait") << 5 << qint64(0) << Answers{{3, empty}} << Outcome::Wait << qint64(0) << -1;
    QTest::newRow("three of five") << 5 << qint64(0) << Answers{{3, empty}, {4, empty}} << Outcome::Elect << qint64(1) << -1;
    QTest::newRow("a member with data: not new")
        << 3 << qint64(0) << Answers{{1, empty}, {2, PeerSummary{3, 12, false}}} << Outcome::NotNew << qint64(0) << 2;
    QTest::newRow("an empty primary: not new")
        << 3 << qint64(0) << Answers{{1, PeerSummary{1, 0, true}}} << Outcome::NotNew << qint64(0) << 1;
    QTest::newRow("data outweighs a majority of empty ones")
        << 5 << qint64(0) << Answers{{1, empty}, {2, empty}, {3, empty}, {4, PeerSummary{1, 1, false}}} << Outcome::NotNew << qint64(0)
        << 4;
    QTest::newRow("a term past the last is not believed")
        << 3 << qint64(0) << Answers{{1, PeerSummary{kMaxTerm + 5, 0, false}}} << Outcome::Elect << qint64(kMaxTerm + 1) << -1;
}

void TestReplicationRules::decideBootstrap()
{
    QFETCH(int, members);
    QFETCH(qint64, ownTerm);
    QFETCH(Answers, answers);
    QFETCH(BootstrapDecision::Outcome, outcome);
    QFETCH(qint64, term);
    QFETCH(int, withData);
    const BootstrapDecision decision = ReplicationRules::decideBootstrap(members, ownTerm, answers);
    QCOMPARE(decision.outcome, outcome);
    QCOMPARE(decision.term, term);
    QCOMPARE(decision.withData, withData);
}

using Replicas = QVector<MemberProgress>;
Q_DECLARE_METATYPE(Replicas)

void TestReplicationRules::handOffSuccessor_data()
{
    QTest::addColumn<Replicas>("replicas");
    QTest::addColumn<qint64>("lastSeq");
    QTest::addColumn<int>("successor"); // -1: none yet
    QTest::newRow("none caught up") << Replicas{{1, 9, 100}, {2, 8, 120}} << qint64(10) << -1;
    QTest::newRow("the one caught up") << Replicas{{1, 9, 100}, {2, 10, 50}} << qint64(10) << 2;
    QTest::newRow("heard from most recently") << Replicas{{1, 10, 100}, {2, 10, 120}} << qint64(10) << 2;
    QTest::newRow("ties to the lowest index") << Replicas{{2, 10, 100}, {1, 10, 100}} << qint64(10) << 1;
    QTest::newRow("never heard from, but caught up") << Replicas{{1, 10, -1}} << qint64(10) << 1;
    QTest::newRow("no replicas") << Replicas{} << qint64(10) << -1;
}

void TestReplicationRules::handOffSuccessor()
{
    QFETCH(Replicas, replicas);
    QFETCH(qint64, lastSeq);
    QFETCH(int, successor);
    QCOMPARE(ReplicationRules::handOffSuccessor(replicas, lastSeq).value_or(-1), successor);
}

void TestReplicationRules::promotionTerm()
{
    QCOMPARE(ReplicationRules::promotionTerm(0, 4), qint64(5));
    QCOMPARE(ReplicationRules::promotionTerm(9, 4), qint64(9));
    QCOMPARE(ReplicationRules::promotionTerm(3, 4), qint64(3)); // the core refuses it (an old term)
}

void TestReplicationRules::appendRequestRoundTripsBytes()
{
    AppendRequest request;
    request.term = 7;
    request.leader = 2;
    request.prevSeq = 41;
    request.prevTerm = 6;
    request.commitSeq = 40;
    request.snapshotNeeded = false;
    request.entries.append(put(42, 6, QStringLiteral("заказ-1"), "{\"id\":\"заказ-1\",\"rev\":\"1-abc\",\"v\":2.50,\"e\":1E3}"));
    request.entries.append(put(43, 7, QStringLiteral("\u6771\u4eac \"quoted\" \\ \U0001F600"),
                               "{\"id\":\"\u6771\u4eac \\\"quoted\\\" \\\\ \U0001F600\",\"s\":\"\\u00e9\\n\",\"a\":[1,-0.0,{}]}"));
    LogEntry noop;
    noop.seq = 44;
    noop.term = 7;
    noop.op = LogEntry::Op::Noop;
    request.entries.append(noop);
    request.entryCount = request.entries.size();

    const QByteArray wire = request.toJson();
    QVERIFY2(JsonText::minify(wire).isOk(), wire.constData());
    const Result<AppendRequest> back = AppendRequest::fromJson(wire);
    QVERIFY2(back.isOk(), qPrintable(back.status().message()));
    QCOMPARE(back->term, request.term);
    QCOMPARE(back->leader, request.leader);
    QCOMPARE(back->prevSeq, request.prevSeq);
    QCOMPARE(back->prevTerm, request.prevTerm);
    QCOMPARE(back->commitSeq, request.commitSeq);
    QCOMPARE(back->snapshotNeeded, false);
    QCOMPARE(back->entryCount, qint64(3));
    QCOMPARE(back->lastSeq(), qint64(44));
    QCOMPARE(back->entries.size(), request.entries.size());
    for (qsizetype i = 0; i < request.entries.size(); ++i) {
        const LogEntry &sent = request.entries.at(i);
        const LogEntry &got = back->entries.at(i);
        QCOMPARE(got.seq, sent.seq);
        QCOMPARE(got.term, sent.term);
        QCOMPARE(got.op, sent.op);
        QCOMPARE(got.db, sent.db);
        QCOMPARE(got.id, sent.id);
        QCOMPARE(got.rev, sent.rev);
        QCOMPARE(got.timestampMs, sent.timestampMs);
        QCOMPARE(got.body, sent.body); // the document's bytes, unchanged
        QCOMPARE(got.toJson(), sent.toJson());
    }
    // Whitespace on the wire changes nothing.
    const QByteArray spaced = QByteArray(wire).replace(",\"", ",\n  \"");
    const Result<AppendRequest> again = AppendRequest::fromJson(spaced);
    QVERIFY2(again.isOk(), qPrintable(again.status().message()));
    QCOMPARE(again->entries.at(1).body, request.entries.at(1).body);
}

void TestReplicationRules::heartbeatRoundTrips()
{
    AppendRequest request;
    request.term = 3;
    request.leader = 0;
    request.prevSeq = 1000;
    request.prevTerm = 2;
    request.commitSeq = 999;
    request.snapshotNeeded = true;
    const Result<AppendRequest> back = AppendRequest::fromJson(request.toJson());
    QVERIFY2(back.isOk(), qPrintable(back.status().message()));
    QCOMPARE(back->snapshotNeeded, true);
    QCOMPARE(back->entryCount, qint64(0));
    QVERIFY(back->entries.isEmpty());
    QCOMPARE(back->prevSeq, qint64(1000));
    QCOMPARE(back->commitSeq, qint64(999));
}

void TestReplicationRules::appendResponseRoundTrips_data()
{
    QTest::addColumn<bool>("success");
    QTest::addColumn<qint64>("matchSeq");
    QTest::addColumn<qint64>("hintSeq");
    QTest::newRow("success") << true << qint64(1234567890123) << qint64(0);
    QTest::newRow("failure with hint") << false << qint64(0) << qint64(17);
}

void TestReplicationRules::appendResponseRoundTrips()
{
    QFETCH(bool, success);
    QFETCH(qint64, matchSeq);
    QFETCH(qint64, hintSeq);
    AppendResponse response;
    response.term = 9;
    response.from = 4;
    response.success = success;
    response.matchSeq = matchSeq;
    response.hintSeq = hintSeq;
    response.lastSeq = 1234567890124;
    response.voter = !success;
    const Result<AppendResponse> back = AppendResponse::fromJson(response.toJson());
    QVERIFY2(back.isOk(), qPrintable(back.status().message()));
    QCOMPARE(back->term, response.term);
    QCOMPARE(back->from, response.from);
    QCOMPARE(back->success, success);
    QCOMPARE(back->matchSeq, matchSeq);
    QCOMPARE(back->hintSeq, hintSeq);
    QCOMPARE(back->lastSeq, response.lastSeq);
    QCOMPARE(back->voter, response.voter);
}

void TestReplicationRules::voteRoundTrips()
{
    const VoteRequest request{12, 3, 4000000000, 11};
    const Result<VoteRequest> back = VoteRequest::fromJson(request.toJson());
    QVERIFY2(back.isOk(), qPrintable(back.status().message()));
    QCOMPARE(back->term, request.term);
    QCOMPARE(back->candidate, request.candidate);
    QCOMPARE(back->lastSeq, request.lastSeq);
    QCOMPARE(back->lastTerm, request.lastTerm);
    QCOMPARE(back->transfer, false);
    const VoteRequest handOff{12, 3, 4, 11, true};
    QCOMPARE(VoteRequest::fromJson(handOff.toJson())->transfer, true);
    const VoteRequest last{kMaxTerm, 3, kMaxSeq, kMaxTerm};
    QCOMPARE(VoteRequest::fromJson(last.toJson())->term, kMaxTerm);

    for (const bool granted : {true, false}) {
        const VoteResponse response{12, 1, granted, granted ? 0 : 340};
        const Result<VoteResponse> answer = VoteResponse::fromJson(response.toJson());
        QVERIFY2(answer.isOk(), qPrintable(answer.status().message()));
        QCOMPARE(answer->term, response.term);
        QCOMPARE(answer->from, response.from);
        QCOMPARE(answer->granted, granted);
        QCOMPARE(answer->retryAfterMs, response.retryAfterMs);
    }
}

void TestReplicationRules::rejectsMalformedMessages_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QByteArray>("text");
    const QString append = QStringLiteral("append");
    const auto withEntries = [](const char *entries) -> QByteArray {
        return json("{'term':2,'leader':0,'prevSeq':3,'prevTerm':1,'commitSeq':0,'entries':[") + json(entries) + "]}";
    };
    QTest::newRow("append: gap after prevSeq") << append << withEntries("{'seq':5,'term':2,'op':'noop','db':'','ts':0}");
    QTest::newRow("append: entries out of order")
        << append << withEntries("{'seq':5,'term':2,'op':'noop','db':'','ts':0},{'seq':4,'term':2,'op':'noop','db':'','ts':0}");
    QTest::newRow("append: repeated seq") << append << withEntries("{'seq':4,'term':2,'op':'noop','db':'','ts':0},{'seq':4,'term':2,'op':'noop','db':'','ts':0}");
    QTest::newRow("append: entry term above the request's")
        << append << withEntries("{'seq':4,'term':3,'op':'noop','db':'','ts':0}");
    QTest::newRow("append: entry terms going back")
        << append << withEntries("{'seq':4,'term':2,'op':'noop','db':'','ts':0},{'seq':5,'term':1,'op':'noop','db':'','ts':0}");
    QTest::newRow("append: entry term below prevTerm")
        << append << json("{'term':2,'leader':0,'prevSeq':3,'prevTerm':2,'commitSeq':0,'entries':[{'seq':4,'term':1,'op':'noop','db':'','ts':0}]}");
    QTest::newRow("append: entry not an object") << append << withEntries("4");
    QTest::newRow("append: invalid entry") << append << withEntries("{'seq':4,'term':2,'op':'put','db':'x','ts':0}");
    QTest::newRow("append: entries not an array") << append << json("{'term':2,'leader':0,'prevSeq':3,'prevTerm':1,'commitSeq':0,'entries':{}}");
    QTest::newRow("append: term as a string") << append << json("{'term':'2','leader':0,'prevSeq':3,'prevTerm':1,'commitSeq':0,'entries':[]}");
    QTest::newRow("append: term 0") << append << json("{'term':0,'leader':0,'prevSeq':3,'prevTerm':1,'commitSeq':0,'entries':[]}");
    QTest::newRow("append: fractional prevSeq") << append << json("{'term':2,'leader':0,'prevSeq':3.5,'prevTerm':1,'commitSeq':0,'entries':[]}");
    QTest::newRow("append: negative leader") << append << json("{'term':2,'leader':-1,'prevSeq':3,'prevTerm':1,'commitSeq':0,'entries':[]}");
    QTest::newRow("append: missing prevTerm") << append << json("{'term':2,'leader':0,'prevSeq':3,'commitSeq':0,'entries':[]}");
    QTest::newRow("append: snapshotNeeded not a boolean")
        << append << json("{'term':2,'leader':0,'prevSeq':3,'prevTerm':1,'commitSeq':0,'snapshotNeeded':'yes','entries':[]}");
    QTest::newRow("append: an array") << append << json("[{'seq':4,'term':2,'op':'noop','db':'','ts':0}]");
    QTest::newRow("append: not JSON") << append << QByteArray("{\"term\":2,");
    QTest::newRow("append answer: success as a string")
        << QStringLiteral("appendResponse") << json("{'term':2,'from':1,'success':'true','matchSeq':3,'hintSeq':0,'lastSeq':3}");
    QTest::newRow("append answer: missing from") << QStringLiteral("appendResponse") << json("{'term':2,'success':true,'matchSeq':3,'hintSeq':0,'lastSeq':3}");
    QTest::newRow("append answer: negative matchSeq")
        << QStringLiteral("appendResponse") << json("{'term':2,'from':1,'success':true,'matchSeq':-3,'hintSeq':0,'lastSeq':3}");
    QTest::newRow("vote: term 0") << QStringLiteral("vote") << json("{'term':0,'candidate':1,'lastSeq':3,'lastTerm':1}");
    QTest::newRow("vote: candidate as a string") << QStringLiteral("vote") << json("{'term':2,'candidate':'1','lastSeq':3,'lastTerm':1}");
    QTest::newRow("vote: missing lastTerm") << QStringLiteral("vote") << json("{'term':2,'candidate':1,'lastSeq':3}");
    QTest::newRow("vote answer: granted as a number") << QStringLiteral("voteResponse") << json("{'term':2,'from':1,'granted':1}");
    // Terms end at kMaxTerm, member indexes at kMaxMemberIndex: larger ones
    // are refused, never truncated (4294967296 would become member 0).
    QTest::newRow("append: term 2^63-1") << append << json("{'term':9223372036854775807,'leader':0,'prevSeq':3,'prevTerm':1,'commitSeq':0,'entries':[]}");
    QTest::newRow("append: term past kMaxTerm") << append << json("{'term':9007199254740993,'leader':0,'prevSeq':3,'prevTerm':1,'commitSeq':0,'entries':[]}");
    QTest::newRow("append: leader 2^32") << append << json("{'term':2,'leader':4294967296,'prevSeq':3,'prevTerm':1,'commitSeq':0,'entries':[]}");
    QTest::newRow("append: seq past kMaxSeq") << append << json("{'term':2,'leader':0,'prevSeq':9223372036854775806,'prevTerm':1,'commitSeq':0,'entries':[]}");
    QTest::newRow("append answer: from 2^32")
        << QStringLiteral("appendResponse") << json("{'term':2,'from':4294967297,'success':true,'matchSeq':3,'hintSeq':0,'lastSeq':3}");
    QTest::newRow("vote: term 2^63-1") << QStringLiteral("vote") << json("{'term':9223372036854775807,'candidate':1,'lastSeq':3,'lastTerm':1}");
    QTest::newRow("vote: candidate 2^32") << QStringLiteral("vote") << json("{'term':2,'candidate':4294967297,'lastSeq':3,'lastTerm':1}");
    QTest::newRow("vote answer: term 2^63-1") << QStringLiteral("voteResponse") << json("{'term':9223372036854775807,'from':1,'granted':true}");
    QTest::newRow("vote answer: null term") << QStringLiteral("voteResponse") << json("{'term':null,'from':1,'granted':true}");
}

void TestReplicationRules::rejectsMalformedMessages()
{
    QFETCH(QString, kind);
    QFETCH(QByteArray, text);
    Status status;
    if (kind == QLatin1String("append"))
        status = AppendRequest::fromJson(text).status();
    else if (kind == QLatin1String("appendResponse"))
        status = AppendResponse::fromJson(text).status();
    else if (kind == QLatin1String("vote"))
        status = VoteRequest::fromJson(text).status();
    else
        status = VoteResponse::fromJson(text).status();
    QVERIFY2(!status.isOk(), text.constData());
    QCOMPARE(status.code(), Status::Code::BadRequest);
}

QTEST_APPLESS_MAIN(TestReplicationRules)
#include "tst_replicationrules.moc"
