// The router's failure detection and candidate choice (ShardHealth), driven
// with made-up member answers and times.
#include <QTest>

#include "ShardHealth.h"

namespace {

constexpr qint64 kTimeout = 500;
constexpr qint64 kBackoff = 200;

Membership threeMembers()
{
    return Membership::initial({QStringLiteral("http://a:1"), QStringLiteral("http://b:1"), QStringLiteral("http://c:1")});
}

ShardHealth::Options options()
{
    ShardHealth::Options out;
    out.failoverTimeoutMs = kTimeout;
    out.retryBackoffMs = kBackoff;
    return out;
}

MemberStatus status(const QString &role, qint64 term, qint64 lastTerm, qint64 lastSeq, bool lease = true, qint64 rolledBack = 0)
{
    MemberStatus out;
    out.role = role;
    out.term = term;
    out.lastTerm = lastTerm;
    out.lastSeq = lastSeq;
    out.commitSeq = lastSeq;
    out.appliedSeq = lastSeq;
    out.lease = role == QLatin1String("primary") && lease;
    out.writable = out.lease;
    out.rolledBack = rolledBack;
    return out;
}

MemberStatus primary(qint64 term, qint64 seq, bool lease = true)
{
    return status(QStringLiteral("primary"), term, term, seq, lease);
}

MemberStatus replica(qint64 term, qint64 lastTerm, qint64 seq, qint64 rolledBack = 0)
{
    return status(QStringLiteral("replica"), term, lastTerm, seq, false, rolledBack);
}

QStringList kinds(const QVector<ShardEvent> &events)
{
    QStringList out;
    for (const ShardEvent &event : events)
        out.append(event.kind);
    return out;
}

const ShardEvent *findEvent(const QVector<ShardEvent> &events, const QString &kind)
{
    for (const ShardEvent &event : events) {
        if (event.kind == kind)
            return &event;
    }
    return nullptr;
}

} // namespace

class TestShardHealth : public QObject
{
    Q_OBJECT

private slots:
    // A router speaks for a shard once a member answered, or once none has
    // for the failover timeout (then the shard is down, not unknown).
    void knownAfterAnAnswerOrTheTimeout()
    {
        ShardHealth answered(0, threeMembers(), options(), 1000);
        QVERIFY(!answered.isKnown(1000));
        answered.unanswered(1, QStringLiteral("refused"), 1100);
        QVERIFY(!answered.isKnown(1100));
        answered.answered(2, replica(1, 1, 5), 1200);
        QVERIFY(answered.isKnown(1200));
        QVERIFY(!answered.hasServingPrimary(1200));

        ShardHealth silent(0, threeMembers(), options(), 1000);
        QVERIFY(!silent.isKnown(1000 + kTimeout - 1));
        QVERIFY(silent.isKnown(1000 + kTimeout));
    }

    void parsesMemberState()
    {
        const QJsonObject state{{QStringLiteral("role"), QStringLiteral("primary")}, {QStringLiteral("term"), 3},
                                {QStringLiteral("lastTerm"), 3},                     {QStringLiteral("lastSeq"), 120},
                                {QStringLiteral("commitSeq"), 118},                  {QStringLiteral("appliedSeq"), 117},
                                {QStringLiteral("rolledBack"), 2},                   {QStringLiteral("lease"), true},
                                {QStringLiteral("writable"), true},                  {QStringLiteral("leader"), 1}};
        const Result<MemberStatus> parsed = MemberStatus::fromJson(state);
        QVERIFY(parsed.isOk());
        QVERIFY(parsed->isPrimary());
        QCOMPARE(parsed->term, qint64(3));
        QCOMPARE(parsed->lastSeq, qint64(120));
        QCOMPARE(parsed->commitSeq, qint64(118));
        QCOMPARE(parsed->appliedSeq, qint64(117));
        QCOMPARE(parsed->rolledBack, qint64(2));
        QCOMPARE(parsed->leader, 1);
        QVERIFY(parsed->lease);
        QCOMPARE(parsed->raw, state);

        QJsonObject noLeader = state;
        noLeader.insert(QStringLiteral("leader"), QJsonValue());
        QCOMPARE(MemberStatus::fromJson(noLeader)->leader, -1);
    }

    void refusesBrokenMemberState_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("role missing") << "role" << QJsonValue();
        QTest::newRow("role unknown") << "role" << QJsonValue(QStringLiteral("leader"));
        QTest::newRow("term missing") << "term" << QJsonValue();
        QTest::newRow("lastSeq text") << "lastSeq" << QJsonValue(QStringLiteral("12"));
        QTest::newRow("rolledBack missing") << "rolledBack" << QJsonValue();
    }
    void refusesBrokenMemberState()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        QJsonObject state{{QStringLiteral("role"), QStringLiteral("replica")}, {QStringLiteral("term"), 1},
                          {QStringLiteral("lastTerm"), 1}, {QStringLiteral("lastSeq"), 1},
                          {QStringLiteral("commitSeq"), 1}, {QStringLiteral("appliedSeq"), 1},
                          {QStringLiteral("rolledBack"), 0}};
        QVERIFY(MemberStatus::fromJson(state).isOk());
        if (value.isUndefined() || value.isNull())
            state.remove(field);
        else
            state.insert(field, value);
        const Result<MemberStatus> parsed = MemberStatus::fromJson(state);
        QVERIFY(!parsed.isOk());
        QVERIFY2(parsed.status().message().contains(field), qPrintable(parsed.status().message()));
    }

    void healthyPrimaryIsRoutedToAndLeftAlone()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        QCOMPARE(shard.primary(), 0); // the configured one, before anything is known
        for (qint64 t = 0; t <= 3000; t += 100) {
            shard.answered(1, primary(2, 10), t);
            shard.answered(0, replica(2, 2, 10), t);
            shard.answered(2, replica(2, 2, 10), t);
            QVERIFY(!shard.decide(t));
        }
        QCOMPARE(shard.primary(), 1);
        QCOMPARE(shard.primaryTerm(), qint64(2));
        QVERIFY(kinds(shard.takeEvents()).isEmpty());
    }

    void deadPrimaryIsReplacedByTheMostUpToDateReplica_data()
    {
        QTest::addColumn<qint64>("seq1");
        QTest::addColumn<qint64>("lastTerm1");
        QTest::addColumn<qint64>("seq2");
        QTest::addColumn<qint64>("lastTerm2");
        QTest::addColumn<int>("expected");
        QTest::newRow("higher seq wins") << qint64(40) << qint64(1) << qint64(41) << qint64(1) << 2;
        QTest::newRow("higher last term beats a longer log") << qint64(38) << qint64(2) << qint64(90) << qint64(1) << 1;
        QTest::newRow("tie goes to the lower index") << qint64(40) << qint64(1) << qint64(40) << qint64(1) << 1;
    }
    void deadPrimaryIsReplacedByTheMostUpToDateReplica()
    {
        QFETCH(qint64, seq1);
        QFETCH(qint64, lastTerm1);
        QFETCH(qint64, seq2);
        QFETCH(qint64, lastTerm2);
        QFETCH(int, expected);
        ShardHealth shard(0, threeMembers(), options(), 0);
        shard.answered(0, primary(2, 40), 0);
        shard.answered(1, replica(2, lastTerm1, seq1), 0);
        shard.answered(2, replica(2, lastTerm2, seq2), 0);
        // Member 0 dies right after t=0; the replicas keep answering.
        qint64 t = 100;
        for (; t < kTimeout; t += 100) {
            shard.unanswered(0, QStringLiteral("connection refused"), t);
            shard.answered(1, replica(2, lastTerm1, seq1), t);
            shard.answered(2, replica(2, lastTerm2, seq2), t);
            QVERIFY2(!shard.decide(t), qPrintable(QString::number(t)));
        }
        shard.unanswered(0, QStringLiteral("connection refused"), t);
        shard.answered(1, replica(2, lastTerm1, seq1), t);
        shard.answered(2, replica(2, lastTerm2, seq2), t);
        const std::optional<ShardHealth::Promotion> promotion = shard.decide(t);
        QVERIFY(promotion);
        QCOMPARE(promotion->member, expected);
        QCOMPARE(promotion->term, qint64(3));
        QVERIFY(shard.isPromoting());
        QVERIFY(!shard.decide(t + 10)); // never two at once
        shard.promotionFinished(*promotion, true, QString(), t + 30);
        QCOMPARE(shard.primary(), expected);
        QCOMPARE(shard.primaryTerm(), qint64(3));
        QVERIFY(!shard.decide(t + 40));
        shard.writeAcknowledged(t + 45);
        shard.writeAcknowledged(t + 50); // only the first one counts
        const QVector<ShardEvent> events = shard.takeEvents();
        QCOMPARE(kinds(events), (QStringList{QStringLiteral("member-down"), QStringLiteral("detected"), QStringLiteral("candidate"),
                                             QStringLiteral("promoted"), QStringLiteral("first-write")}));
        QCOMPARE(findEvent(events, QStringLiteral("promoted"))->count, qint64(30));
        QCOMPARE(findEvent(events, QStringLiteral("first-write"))->count, qint64(45));
        QCOMPARE(findEvent(events, QStringLiteral("detected"))->member, 0);
    }

    // A primary whose host refuses the connection on two polls in a row has
    // no process listening: the failover starts then, not a timeout later —
    // even while the replicas still report having heard from it. Failures
    // that prove nothing (timeouts, a refusal followed by an answer, a
    // refusing replica) leave the timeout in charge.
    void refusingPrimaryIsReplacedWithoutWaitingForTheTimeout()
    {
        MemberStatus follower = replica(2, 2, 40);
        follower.leader = 0;
        follower.raw.insert(QStringLiteral("lastPrimaryContactAgeMs"), 5);
        const auto healthyAt = [&](ShardHealth &shard, qint64 t) {
            shard.answered(0, primary(2, 40), t);
            shard.answered(1, follower, t);
            shard.answered(2, follower, t);
        };

        ShardHealth shard(0, threeMembers(), options(), 0);
        healthyAt(shard, 0);
        shard.unanswered(0, QStringLiteral("connection refused"), 100, true);
        QVERIFY(!shard.decide(100)); // one refusal may be a restart racing the poll
        shard.unanswered(0, QStringLiteral("connection refused"), 120, true);
        QVERIFY(!shard.isHealthy(120));
        QVERIFY2(shard.primaryGoneReason(120).contains(QLatin1String("refused 2 connections")), qPrintable(shard.primaryGoneReason(120)));
        const std::optional<ShardHealth::Promotion> promotion = shard.decide(120);
        QVERIFY(promotion);
        // Its address gone too, polls time out: requests would still hang
        // on it until the election is over.
        shard.unanswered(0, QStringLiteral("timeout"), 150);
        QVERIFY2(shard.primaryGoneReason(150).contains(QLatin1String("is being replaced: member 1 stands for term 3")),
                 qPrintable(shard.primaryGoneReason(150)));
        QVERIFY(shard.isHealthy(150)); // no refusal run any more, yet the promotion goes on
        shard.promotionFinished(*promotion, true, QString(), 300);
        QCOMPARE(shard.primary(), 1);
        QVERIFY(shard.primaryGoneReason(300).isEmpty());
        QCOMPARE(promotion->member, 1);
        QCOMPARE(promotion->term, qint64(3));
        const QVector<ShardEvent> events = shard.takeEvents();
        const ShardEvent *detected = findEvent(events, QStringLiteral("detected"));
        QVERIFY(detected);
        QCOMPARE(detected->member, 0);
        QVERIFY2(detected->message.contains(QStringLiteral("refused")), qPrintable(detected->message));

        // Timeouts: nothing before the failover timeout.
        ShardHealth timeouts(0, threeMembers(), options(), 0);
        healthyAt(timeouts, 0);
        for (qint64 t = 20; t < kTimeout; t += 20) {
            timeouts.unanswered(0, QStringLiteral("timeout"), t);
            QVERIFY2(!timeouts.decide(t), qPrintable(QString::number(t)));
            QVERIFY2(timeouts.primaryGoneReason(t).isEmpty(), qPrintable(QString::number(t)));
        }
        QVERIFY2(timeouts.primaryGoneReason(kTimeout).startsWith(QLatin1String("no answer from its primary (member 0)")),
                 qPrintable(timeouts.primaryGoneReason(kTimeout)));

        // A refusal, an answer (it restarted), a refusal: not in a row.
        ShardHealth restarted(0, threeMembers(), options(), 0);
        healthyAt(restarted, 0);
        restarted.unanswered(0, QStringLiteral("connection refused"), 100, true);
        QVERIFY(restarted.primaryGoneReason(100).isEmpty());
        healthyAt(restarted, 110);
        restarted.unanswered(0, QStringLiteral("connection refused"), 120, true);
        QVERIFY(restarted.isHealthy(120));
        QVERIFY(!restarted.decide(120));
        // A timeout between two refusals breaks the run as well.
        restarted.unanswered(0, QStringLiteral("timeout"), 130);
        restarted.unanswered(0, QStringLiteral("connection refused"), 140, true);
        QVERIFY(!restarted.decide(140));

        // At start-up a primary that never answered may not listen yet.
        ShardHealth starting(0, threeMembers(), options(), 0);
        for (qint64 t = 20; t < kTimeout; t += 20) {
            starting.unanswered(0, QStringLiteral("connection refused"), t, true);
            starting.answered(1, replica(0, 0, 0), t);
            starting.answered(2, replica(0, 0, 0), t);
            QVERIFY2(!starting.decide(t), qPrintable(QString::number(t)));
        }

        // A replica refusing changes nothing while the primary answers.
        ShardHealth replicaGone(0, threeMembers(), options(), 0);
        for (qint64 t = 0; t < 3 * kTimeout; t += 20) {
            replicaGone.answered(0, primary(2, 40), t);
            replicaGone.answered(1, follower, t);
            replicaGone.unanswered(2, QStringLiteral("connection refused"), t, true);
            QVERIFY2(!replicaGone.decide(t), qPrintable(QString::number(t)));
        }
    }

    void aPrimaryElectedMeanwhileIsServedWhileThePromotionIsStillOut()
    {
        // Two routers: the other one's promotion wins first. A poll shows the
        // new primary while this router's own promotion is still out:
        // requests go to the new primary, not a 503 "being replaced".
        const auto failedOver = [](ShardHealth &shard) {
            shard.answered(0, primary(2, 40), 0);
            shard.answered(1, replica(2, 2, 40), 0);
            shard.answered(2, replica(2, 2, 40), 0);
            shard.unanswered(0, QStringLiteral("connection refused"), 100, true);
            shard.unanswered(0, QStringLiteral("connection refused"), 120, true);
            const std::optional<ShardHealth::Promotion> promotion = shard.decide(120);
            shard.unanswered(0, QStringLiteral("timeout"), 150);
            return promotion;
        };
        for (const int elected : {1, 2}) {
            ShardHealth shard(0, threeMembers(), options(), 0);
            const std::optional<ShardHealth::Promotion> promotion = failedOver(shard);
            QVERIFY(promotion);
            QCOMPARE(promotion->member, 1);
            QCOMPARE(promotion->term, qint64(3));
            QVERIFY(!shard.primaryGoneReason(150).isEmpty());
            shard.answered(elected, primary(3, 41), 160);
            shard.answered(3 - elected, replica(3, 3, 41), 160);
            QCOMPARE(shard.primary(), elected);
            QVERIFY2(shard.primaryGoneReason(160).isEmpty(), qPrintable(shard.primaryGoneReason(160)));
            QVERIFY(shard.isPromoting());
        }

        // The old primary answering again in its old term is still being
        // replaced.
        ShardHealth resumed(0, threeMembers(), options(), 0);
        QVERIFY(failedOver(resumed));
        resumed.answered(0, primary(2, 40), 160);
        QCOMPARE(resumed.primary(), 0);
        QVERIFY2(resumed.primaryGoneReason(160).contains(QLatin1String("is being replaced")), qPrintable(resumed.primaryGoneReason(160)));
    }

    void minorityCannotPromote()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        shard.answered(0, primary(1, 5), 0);
        shard.answered(1, replica(1, 1, 5), 0);
        shard.answered(2, replica(1, 1, 5), 0);
        for (qint64 t = 100; t <= 3000; t += 100) {
            shard.unanswered(0, QStringLiteral("timeout"), t);
            shard.unanswered(1, QStringLiteral("timeout"), t);
            shard.answered(2, replica(1, 1, 5), t);
            QVERIFY2(!shard.decide(t), qPrintable(QString::number(t)));
        }
        QVERIFY(kinds(shard.takeEvents()).contains(QStringLiteral("detected")));
        // Member 1 answers again: now a majority is reachable.
        shard.answered(1, replica(1, 1, 5), 3100);
        shard.answered(2, replica(1, 1, 5), 3100);
        const std::optional<ShardHealth::Promotion> promotion = shard.decide(3100);
        QVERIFY(promotion);
        QCOMPARE(promotion->member, 1);
    }

    void failedPromotionBacksOffAndTriesAnotherMember()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        const auto poll = [&](qint64 t) {
            shard.unanswered(0, QStringLiteral("refused"), t);
            shard.answered(1, replica(1, 1, 9), t);
            shard.answered(2, replica(1, 1, 8), t);
        };
        poll(0);
        std::optional<ShardHealth::Promotion> first;
        qint64 t = 0;
        for (; t < 5000; t += 50) {
            poll(t);
            first = shard.decide(t);
            if (first)
                break;
        }
        QVERIFY(first);
        QCOMPARE(t, kTimeout);
        QCOMPARE(first->member, 1);
        shard.promotionFinished(*first, false, QStringLiteral("lost the vote"), t);
        poll(t + kBackoff - 10);
        QVERIFY(!shard.decide(t + kBackoff - 10)); // backing off
        poll(t + kBackoff);
        const std::optional<ShardHealth::Promotion> second = shard.decide(t + kBackoff);
        QVERIFY(second);
        QCOMPARE(second->member, 2); // member 1 failed: the others first
        QVERIFY(second->term > first->term);
        shard.promotionFinished(*second, false, QStringLiteral("lost the vote"), t + kBackoff);
        poll(t + 2 * kBackoff);
        const std::optional<ShardHealth::Promotion> third = shard.decide(t + 2 * kBackoff);
        QVERIFY(third);
        QCOMPARE(third->member, 1); // everyone failed once: the best again
        const QVector<ShardEvent> events = shard.takeEvents();
        QCOMPARE(kinds(events).count(QStringLiteral("promotion-failed")), 2);
        QVERIFY(findEvent(events, QStringLiteral("promotion-failed"))->message.contains(QLatin1String("lost the vote")));
    }

    // A candidate that stops answering (paused, cut off, gone) while its
    // election runs is given up once it has been silent for the failover
    // timeout — not after the promote request's own timeout (10 s) — and
    // another member stands for a newer term; the late answer of the one
    // given up changes nothing.
    void silentCandidateIsGivenUp()
    {
        // The primary (member 0) stepped down and answers as a replica;
        // member 1, a little ahead, is the candidate.
        ShardHealth shard(0, threeMembers(), options(), 0);
        const auto poll = [&](qint64 t, bool candidateAnswers) {
            shard.answered(0, replica(1, 1, 9), t);
            if (candidateAnswers)
                shard.answered(1, replica(1, 1, 10), t);
            else
                shard.unanswered(1, QStringLiteral("timeout"), t);
            shard.answered(2, replica(1, 1, 9), t);
        };
        std::optional<ShardHealth::Promotion> first;
        qint64 t = 0;
        for (; !first && t < 5000; t += 50) {
            poll(t, true);
            first = shard.decide(t);
        }
        QVERIFY(first);
        QCOMPARE(first->member, 1);
        const qint64 lastAnswer = t - 50;
        // Member 1 answers nothing from here on.
        std::optional<ShardHealth::Promotion> second;
        for (; !second && t < lastAnswer + 5000; t += 50) {
            poll(t, false);
            second = shard.decide(t);
            if (t - lastAnswer < kTimeout) {
                QVERIFY2(!second, "a candidate was given up before it had been silent for the failover timeout");
                QVERIFY(shard.isPromoting());
            }
        }
        QVERIFY2(second, "the silent candidate's promotion was never given up");
        qInfo("given up %lld ms after its last answer; the next candidate %lld ms after", kTimeout, t - 50 - lastAnswer);
        QVERIFY(t - 50 - lastAnswer <= kTimeout + kBackoff + 50);
        QCOMPARE(second->member, 0);
        QVERIFY(second->term > first->term);
        const QVector<ShardEvent> events = shard.takeEvents();
        const ShardEvent *failed = findEvent(events, QStringLiteral("promotion-failed"));
        QVERIFY(failed);
        QCOMPARE(failed->member, 1);
        QVERIFY2(failed->message.contains(QLatin1String("stopped answering")), qPrintable(failed->message));
        // The first promotion's answer comes late: nothing changes.
        shard.promotionFinished(*first, true, QString(), t);
        QVERIFY(shard.isPromoting());
        QVERIFY(!findEvent(shard.takeEvents(), QStringLiteral("promoted")));
        shard.promotionFinished(*second, true, QString(), t);
        QVERIFY(!shard.isPromoting());
    }

    // A router that stalled itself (paused, starved) sees every answer as
    // old when it resumes, before its next polls come back: that is no
    // evidence against its candidate, which is kept until a poll fails.
    // A candidate whose last answer was almost too old when it was chosen
    // still gets the whole timeout from the promotion's start.
    void candidateIsKeptWithoutAFailedPoll()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        const auto poll = [&](qint64 t) {
            shard.answered(0, replica(1, 1, 9), t);
            shard.answered(1, replica(1, 1, 10), t);
            shard.answered(2, replica(1, 1, 9), t);
        };
        std::optional<ShardHealth::Promotion> first;
        qint64 t = 0;
        for (; !first && t < 5000; t += 50) {
            poll(t);
            first = shard.decide(t);
        }
        QVERIFY(first);
        QCOMPARE(first->member, 1);
        const qint64 started = t - 50;
        // The router stalls for four timeouts; nothing was polled meanwhile.
        t = started + 4 * kTimeout;
        QVERIFY(!shard.giveUpSilentCandidate(t));
        QVERIFY(!shard.decide(t));
        QVERIFY(shard.isPromoting());
        // Its polls come back: the candidate answers, as the new primary.
        shard.answered(1, primary(2, 11), t + 10);
        shard.promotionFinished(*first, true, QString(), t + 20);
        QVERIFY(findEvent(shard.takeEvents(), QStringLiteral("promoted")));

        // A second promotion, chosen right after an answer 450 ms old
        // (the failover timeout is 500): one failed poll 100 ms later is
        // not enough; the timeout counts from the promotion's start.
        t += 1000;
        shard.answered(0, replica(2, 2, 11), t);
        shard.answered(1, replica(2, 2, 11), t - 450);
        shard.answered(2, replica(2, 2, 11), t);
        const std::optional<ShardHealth::Promotion> second = shard.beginPromotion(1, QStringLiteral("operator request"), t);
        QVERIFY(second);
        shard.unanswered(1, QStringLiteral("timeout"), t + 100);
        QVERIFY(!shard.giveUpSilentCandidate(t + 100));
        QVERIFY(!shard.giveUpSilentCandidate(t + kTimeout - 10));
        shard.unanswered(1, QStringLiteral("timeout"), t + kTimeout);
        QVERIFY(shard.giveUpSilentCandidate(t + kTimeout));
        QVERIFY(!shard.isPromoting());
    }

    // Found starting a local cluster: the configured primary of a new set
    // took longer than FailoverTimeoutMs to elect itself, the router
    // detected "no primary", and as soon as a replica had caught up with the
    // new primary the router promoted it for term 2, deposing that primary
    // (which its next poll would have shown). A replica's word that it
    // hears a primary the router reaches holds the promotion back.
    void noPromotionWhileAMemberHearsAReachablePrimary()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        MemberStatus follower = replica(1, 1, 3);
        follower.leader = 0;
        follower.raw.insert(QStringLiteral("lastPrimaryContactAgeMs"), 20);
        qint64 t = 0;
        for (; t <= 2000; t += 100) {
            shard.answered(0, replica(0, 0, 0), t); // its poll answered just before it won
            shard.answered(1, replica(0, 0, 0), t);
            shard.answered(2, follower, t);
            QVERIFY2(!shard.decide(t), qPrintable(QString::number(t)));
        }
        QVERIFY(findEvent(shard.takeEvents(), QStringLiteral("detected")));
        // The primary cut off from the router: a replica still hearing it
        // does not stop the failover, which the lease then delays.
        for (; t <= 4000; t += 100) {
            shard.unanswered(0, QStringLiteral("timeout"), t);
            shard.answered(1, replica(1, 1, 3), t);
            shard.answered(2, follower, t);
            if (shard.decide(t))
                break;
        }
        QVERIFY(t <= 4000);
    }

    // A brand-new set: the configured primary (member 0) answers and will
    // elect itself once a majority is up and empty. The router does not race
    // it with a promotion (with polls seconds apart it could depose the
    // primary just made) — for four failover timeouts; nor does it wait
    // when member 0 does not answer at all.
    void brandNewSetIsLeftToItsBootstrap()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        qint64 t = 0;
        std::optional<ShardHealth::Promotion> promotion;
        for (; t <= 10 * kTimeout && !promotion; t += 100) {
            for (int member = 0; member < 3; ++member)
                shard.answered(member, replica(0, 0, 0), t);
            promotion = shard.decide(t);
        }
        QVERIFY(promotion);
        QCOMPARE(t - 100, ShardHealth::kBootstrapGraceFactor * kTimeout);
        QCOMPARE(promotion->member, 0);

        // The bootstrap happened meanwhile: nothing to do.
        ShardHealth booted(0, threeMembers(), options(), 0);
        for (t = 0; t <= 1000; t += 100) {
            booted.answered(0, replica(0, 0, 0), t);
            booted.answered(1, replica(0, 0, 0), t);
            booted.answered(2, replica(0, 0, 0), t);
            QVERIFY(!booted.decide(t));
        }
        booted.answered(0, primary(1, 1), t);
        QVERIFY(booted.isHealthy(t));
        QVERIFY(!booted.decide(t));

        // Member 0 never answers: the others elect one after the timeout.
        ShardHealth withoutZero(0, threeMembers(), options(), 0);
        promotion.reset();
        for (t = 0; t <= 10 * kTimeout && !promotion; t += 100) {
            withoutZero.unanswered(0, QStringLiteral("timeout"), t);
            withoutZero.answered(1, replica(0, 0, 0), t);
            withoutZero.answered(2, replica(0, 0, 0), t);
            promotion = withoutZero.decide(t);
        }
        QVERIFY(promotion);
        QCOMPARE(t - 100, kTimeout);
        QCOMPARE(promotion->member, 1);

        // A set holding data is no new set: the timeout as usual.
        ShardHealth restarted(0, threeMembers(), options(), 0);
        promotion.reset();
        for (t = 0; t <= 10 * kTimeout && !promotion; t += 100) {
            restarted.answered(0, replica(1, 1, 5), t);
            restarted.answered(1, replica(1, 1, 5), t);
            restarted.answered(2, replica(1, 1, 4), t);
            promotion = restarted.decide(t);
        }
        QVERIFY(promotion);
        QCOMPARE(t - 100, kTimeout);
    }

    // A member catching up after starting empty may not stand (it would be
    // refused), unless the whole set is new.
    void memberThatIsNotAVoterIsNoCandidate()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        MemberStatus recovering = replica(2, 2, 12);
        recovering.voter = false;
        shard.answered(0, primary(2, 12), 0);
        for (qint64 t = 100; t <= 700; t += 100) {
            shard.unanswered(0, QStringLiteral("refused"), t);
            shard.answered(1, replica(2, 2, 10), t);
            shard.answered(2, recovering, t);
        }
        QCOMPARE(shard.bestCandidate(700), 1);

        ShardHealth fresh(0, threeMembers(), options(), 0);
        MemberStatus empty = replica(0, 0, 0);
        empty.voter = false;
        for (int member = 0; member < 3; ++member)
            fresh.answered(member, empty, 100);
        QCOMPARE(fresh.bestCandidate(100), 0);
    }

    void primaryWithoutLeaseIsReplaced()
    {
        // Member 0 answers the router but has lost its replicas (partition):
        // it keeps saying primary without its lease.
        ShardHealth shard(0, threeMembers(), options(), 0);
        shard.answered(0, primary(1, 20), 0);
        qint64 t = 100;
        std::optional<ShardHealth::Promotion> promotion;
        for (; t <= 2000; t += 100) {
            shard.answered(0, primary(1, 25, false), t);
            shard.answered(1, replica(1, 1, 20), t);
            shard.answered(2, replica(1, 1, 20), t);
            promotion = shard.decide(t);
            if (promotion)
                break;
        }
        QVERIFY(promotion);
        QCOMPARE(t, kTimeout); // detected exactly FailoverTimeoutMs after the last healthy answer
        QCOMPARE(promotion->member, 0); // its log is the longest; the votes decide whether it can win
        shard.promotionFinished(*promotion, false, QStringLiteral("no majority"), t);
        shard.answered(0, primary(1, 25, false), t + kBackoff);
        shard.answered(1, replica(1, 1, 20), t + kBackoff);
        shard.answered(2, replica(1, 1, 20), t + kBackoff);
        const std::optional<ShardHealth::Promotion> next = shard.decide(t + kBackoff);
        QVERIFY(next);
        QCOMPARE(next->member, 1);
        shard.promotionFinished(*next, true, QString(), t + kBackoff + 20);
        QCOMPARE(shard.primary(), 1);
        // The old primary, still claiming term 1, does not take the writes back.
        shard.answered(0, primary(1, 25, false), t + kBackoff + 30);
        QCOMPARE(shard.primary(), 1);
        // It steps down to term 3 and rolls back its 5-entry tail.
        shard.answered(0, replica(3, 3, 21, 5), t + kBackoff + 200);
        const QVector<ShardEvent> events = shard.takeEvents();
        QVERIFY(findEvent(events, QStringLiteral("fenced")));
        QCOMPARE(findEvent(events, QStringLiteral("fenced"))->member, 0);
        QVERIFY(findEvent(events, QStringLiteral("rolled-back")));
        QCOMPARE(findEvent(events, QStringLiteral("rolled-back"))->count, qint64(5));
    }

    void nothingHappensBeforeTheFirstTimeoutAfterStart()
    {
        ShardHealth shard(0, threeMembers(), options(), 1000);
        for (qint64 t = 1000; t < 1000 + kTimeout; t += 50) {
            for (int member = 0; member < 3; ++member)
                shard.unanswered(member, QStringLiteral("refused"), t);
            QVERIFY(!shard.decide(t));
        }
        QVERIFY(kinds(shard.takeEvents()).isEmpty()); // members still starting are not "down" yet
        for (int member = 0; member < 3; ++member)
            shard.unanswered(member, QStringLiteral("refused"), 1000 + kTimeout);
        QVERIFY(!shard.decide(1000 + kTimeout)); // nobody reachable: detected, no promotion
        const QStringList seen = kinds(shard.takeEvents());
        QCOMPARE(seen.count(QStringLiteral("member-down")), 3);
        QVERIFY(seen.contains(QStringLiteral("detected")));
    }

    void silentMemberIsOneUnheardForTheTimeout()
    {
        ShardHealth shard(0, threeMembers(), options(), 1000);
        QVERIFY(!shard.hasServingPrimary(1000)); // healthy (grace period), but no primary seen yet
        QVERIFY(!shard.isSilent(0, 1000 + kTimeout - 1)); // never answered, but the clock just started
        QVERIFY(shard.isSilent(0, 1000 + kTimeout));
        shard.answered(0, primary(1, 5), 2000);
        QVERIFY(shard.hasServingPrimary(2000));
        QVERIFY(!shard.isSilent(0, 2000 + kTimeout - 1));
        shard.unanswered(0, QStringLiteral("refused"), 2100); // one failed poll is not silence yet
        QVERIFY(!shard.isSilent(0, 2200));
        QVERIFY(shard.isSilent(0, 2000 + kTimeout));
        QVERIFY(!shard.hasServingPrimary(2100));
        shard.answered(0, primary(1, 5, false), 2300); // answers, but without its lease
        QVERIFY(!shard.hasServingPrimary(2300));
    }

    void setWithNoPrimaryAfterARestartGetsOne()
    {
        // Every member restarted: all replicas, nobody elects itself.
        ShardHealth shard(0, threeMembers(), options(), 0);
        std::optional<ShardHealth::Promotion> promotion;
        qint64 t = 0;
        for (; !promotion && t <= 2000; t += 100) {
            shard.answered(0, replica(4, 4, 70), t);
            shard.answered(1, replica(4, 4, 71), t);
            shard.answered(2, replica(5, 4, 71), t);
            promotion = shard.decide(t);
        }
        QVERIFY(promotion);
        QCOMPARE(promotion->member, 1);
        QCOMPARE(promotion->term, qint64(6)); // above every term seen
    }

    void primaryFoundElsewhereIsFollowed()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        shard.answered(0, primary(1, 3), 0);
        QCOMPARE(shard.primary(), 0);
        shard.primaryHinted(2, 10);
        QCOMPARE(shard.primary(), 2);
        // An operator (or another router) promoted member 1.
        shard.answered(1, primary(2, 4), 20);
        QCOMPARE(shard.primary(), 1);
        QCOMPARE(shard.primaryTerm(), qint64(2));
        const QVector<ShardEvent> events = shard.takeEvents();
        QCOMPARE(kinds(events), QStringList{QStringLiteral("primary-changed")});
        QCOMPARE(events.first().term, qint64(2));
    }

    void operatorPromotionAndCandidateWithoutAMember()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        shard.answered(0, primary(1, 30), 0);
        shard.answered(1, replica(1, 1, 30), 0);
        shard.answered(2, replica(1, 1, 29), 0);
        QCOMPARE(shard.bestCandidate(10), 0);
        QCOMPARE(shard.bestCandidate(10, 0), 1); // a step-down: anyone but the primary
        const std::optional<ShardHealth::Promotion> promotion = shard.beginPromotion(2, QStringLiteral("operator"), 10);
        QVERIFY(promotion);
        QCOMPARE(promotion->member, 2);
        QCOMPARE(promotion->term, qint64(2));
        QVERIFY(!shard.beginPromotion(1, QStringLiteral("operator"), 11)); // one at a time
        QVERIFY(!shard.decide(12));
        QVERIFY(shard.primaryGoneReason(12).isEmpty()); // the primary serves until the new one wins
        shard.promotionFinished(*promotion, true, QString(), 40);
        QCOMPARE(shard.primary(), 2);
        QCOMPARE(shard.primaryTerm(), qint64(2));
        const QVector<ShardEvent> events = shard.takeEvents();
        QCOMPARE(kinds(events), (QStringList{QStringLiteral("candidate"), QStringLiteral("promoted")}));
        QVERIFY(events.first().message.contains(QLatin1String("operator")));
    }

    void memberDownAndUpAreReportedOnce()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        shard.answered(2, replica(1, 1, 1), 0);
        for (qint64 t = 100; t <= 2000; t += 100)
            shard.unanswered(2, QStringLiteral("refused"), t);
        shard.answered(2, replica(1, 1, 1), 2100);
        const QVector<ShardEvent> events = shard.takeEvents();
        QCOMPARE(kinds(events), (QStringList{QStringLiteral("member-down"), QStringLiteral("member-up")}));
        QCOMPARE(events.first().atMs, kTimeout);
        QVERIFY(events.first().message.contains(QLatin1String("refused")));
    }

    // The primary's membership: new members are counted and may be
    // promoted once voters; learners are never candidates; removed members
    // are not reachable and do not count; committed changes are events.
    void membershipFromThePrimaryIsFollowed()
    {
        ShardHealth shard(0, threeMembers(), options(), 0);
        const Membership withLearner = threeMembers().withLearner(QStringLiteral("http://d:1")).value();
        shard.setMembership(withLearner, true, 10);
        QCOMPARE(shard.size(), 4);
        QVERIFY(shard.isMember(3));
        QVERIFY(kinds(shard.takeEvents()).isEmpty()); // not committed yet
        shard.setMembership(withLearner, false, 20);
        QCOMPARE(kinds(shard.takeEvents()), QStringList{QStringLiteral("member-added")});

        // The primary dies; only the learner and one voter answer: a learner
        // is no candidate, and two of the three voters are needed.
        for (qint64 t = 0; t <= 400; t += 100) {
            shard.answered(0, primary(1, 50), t);
            shard.answered(1, replica(1, 1, 50), t);
            shard.answered(3, replica(1, 1, 60), t);
        }
        qint64 t = 1500;
        shard.answered(1, replica(1, 1, 50), t);
        shard.answered(3, replica(1, 1, 60), t);
        shard.unanswered(0, QStringLiteral("refused"), t);
        shard.unanswered(2, QStringLiteral("refused"), t);
        QVERIFY(!shard.decide(t)); // 1 of 3 voters
        QCOMPARE(shard.bestCandidate(t), 1);

        // Caught up and a voter: now the most up-to-date member is chosen,
        // and two of four voters are still not a majority.
        const Membership promoted = withLearner.withVoter(3).value();
        shard.setMembership(promoted, false, t);
        QCOMPARE(kinds(shard.takeEvents()).last(), QStringLiteral("learner-caught-up"));
        QCOMPARE(shard.bestCandidate(t), 3);
        QVERIFY(!shard.decide(t + 300));
        shard.answered(2, replica(1, 1, 50), t + 300);
        const std::optional<ShardHealth::Promotion> promotion = shard.decide(t + 400);
        QVERIFY(promotion);
        QCOMPARE(promotion->member, 3);
        shard.promotionFinished(*promotion, true, QString(), t + 500);

        // Member 0 removed: it no longer counts, answers are ignored.
        const Membership removed = promoted.without(0).value();
        shard.setMembership(removed, false, t + 600);
        QVERIFY(kinds(shard.takeEvents()).contains(QStringLiteral("member-removed")));
        QVERIFY(!shard.isMember(0));
        shard.answered(0, primary(9, 99), t + 700);
        QVERIFY(!shard.isReachable(0, t + 700));
        QCOMPARE(shard.primary(), 3);
        QCOMPARE(shard.reachableCount(t + 700), 1); // member 2; not the removed member 0
    }
};

QTEST_APPLESS_MAIN(TestShardHealth)
#include "tst_shardhealth.moc"
