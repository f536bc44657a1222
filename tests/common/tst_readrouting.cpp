// The router's choice of members for a read (ReadRouting) and the headers
// that say where the answer came from (ReadOrigins), driven with made-up
// member answers and times.
#include <QTest>

#include "ReadOrigins.h"
#include "ReadRouting.h"

namespace {

using Mode = ReadPreference::Mode;

constexpr qint64 kTimeout = 500;

Membership threeMembers()
{
    return Membership::initial({QStringLiteral("http://a:1"), QStringLiteral("http://b:1"), QStringLiteral("http://c:1")});
}

ShardHealth::Options options()
{
    ShardHealth::Options out;
    out.failoverTimeoutMs = kTimeout;
    return out;
}

MemberStatus status(const QString &role, qint64 term, qint64 appliedSeq, bool lease, std::optional<qint64> contactAgeMs)
{
    MemberStatus out;
    out.role = role;
    out.term = term;
    out.lastTerm = term;
    out.lastSeq = appliedSeq;
    out.commitSeq = appliedSeq;
    out.appliedSeq = appliedSeq;
    out.lease = lease;
    out.writable = lease;
    if (contactAgeMs)
        out.raw.insert(QStringLiteral("lastPrimaryContactAgeMs"), *contactAgeMs);
    return out;
}

MemberStatus primary(qint64 term, qint64 seq, bool lease = true)
{
    return status(QStringLiteral("primary"), term, seq, lease, std::nullopt);
}

MemberStatus replica(qint64 term, qint64 seq, std::optional<qint64> contactAgeMs = 20)
{
    return status(QStringLiteral("replica"), term, seq, false, contactAgeMs);
}

} // namespace

class TestReadRouting : public QObject
{
    Q_OBJECT

private slots:
    // With a serving primary, primary reads go to it alone and
    // primaryPreferred asks it first, then the others, most up to date
    // first; nearest asks the most up to date first.
    void withAServingPrimary()
    {
        ShardHealth health(0, threeMembers(), options(), 0);
        health.answered(0, primary(2, 100), 10);
        health.answered(1, replica(2, 90), 10);
        health.answered(2, replica(2, 99), 10);
        QVERIFY(health.hasServingPrimary(20));
        QCOMPARE(ReadRouting::candidates(health, Mode::Primary, 20), (QVector<int>{0}));
        QCOMPARE(ReadRouting::candidates(health, Mode::PrimaryPreferred, 20), (QVector<int>{0, 2, 1}));
        QCOMPARE(ReadRouting::candidates(health, Mode::Nearest, 20), (QVector<int>{0, 2, 1}));
        // A replica that has applied more (polled after the primary) is
        // nearest's first choice, not primaryPreferred's.
        health.answered(1, replica(2, 101), 15);
        QCOMPARE(ReadRouting::candidates(health, Mode::PrimaryPreferred, 20), (QVector<int>{0, 1, 2}));
        QCOMPARE(ReadRouting::candidates(health, Mode::Nearest, 20), (QVector<int>{1, 0, 2}));
        // Among equals the serving primary goes first.
        health.answered(1, replica(2, 100), 15);
        QCOMPARE(ReadRouting::candidates(health, Mode::Nearest, 20), (QVector<int>{0, 1, 2}));
        QCOMPARE(ReadRouting::lagMs(health, 0, 20), std::optional<qint64>(0));
    }

    // A primary answers writes at commit and applies them in its next batch;
    // a replica told the commit point may apply them first. The serving
    // primary's reads wait for its apply, so what it has committed counts as
    // applied: a replica polled at the same moment is never ranked above it.
    void aServingPrimaryCountsWhatItHasCommitted()
    {
        ShardHealth health(0, threeMembers(), options(), 0);
        MemberStatus committedAhead = primary(2, 98);
        committedAhead.lastSeq = committedAhead.commitSeq = 100;
        health.answered(0, committedAhead, 10);
        health.answered(1, replica(2, 99), 10);
        health.answered(2, replica(2, 100), 10);
        QCOMPARE(ReadRouting::candidates(health, Mode::Nearest, 20), (QVector<int>{0, 2, 1}));
        QCOMPARE(ReadRouting::candidates(health, Mode::PrimaryPreferred, 20), (QVector<int>{0, 2, 1}));
        // Without its lease it is ranked by what it has applied.
        MemberStatus withoutLease = committedAhead;
        withoutLease.lease = withoutLease.writable = false;
        health.answered(0, withoutLease, 10);
        QCOMPARE(ReadRouting::candidates(health, Mode::Nearest, 20), (QVector<int>{2, 1, 0}));
    }

    // The primary killed: it stops answering; primary reads still go to it
    // (and fail, naming the shard), the others go to the reachable members,
    // most up to date first.
    void withThePrimaryDown()
    {
        ShardHealth health(0, threeMembers(), options(), 0);
        health.answered(0, primary(2, 100), 10);
        health.answered(1, replica(2, 97), 10);
        health.answered(2, replica(2, 100), 10);
        health.unanswered(0, QStringLiteral("connection refused"), 110);
        QVERIFY(!health.isReachable(0, 120));
        QVERIFY(!health.hasServingPrimary(120));
        QCOMPARE(ReadRouting::candidates(health, Mode::Primary, 120), (QVector<int>{0}));
        QCOMPARE(ReadRouting::candidates(health, Mode::PrimaryPreferred, 120), (QVector<int>{2, 1}));
        QCOMPARE(ReadRouting::candidates(health, Mode::Nearest, 120), (QVector<int>{2, 1}));
        // The lag: the member's own age at the poll plus the time since.
        QCOMPARE(ReadRouting::lagMs(health, 2, 120), std::optional<qint64>(20 + 110));
    }

    // Ties on the applied seq go to the higher (lastTerm, lastSeq), then the
    // lower index; a member never heard from is not asked.
    void tiesAndUnknownMembers()
    {
        ShardHealth health(0, threeMembers(), options(), 0);
        MemberStatus ahead = replica(3, 50);
        ahead.lastSeq = 55;
        health.answered(2, ahead, 10);
        health.answered(1, replica(3, 50), 10);
        QCOMPARE(ReadRouting::candidates(health, Mode::Nearest, 20), (QVector<int>{2, 1}));
        health.answered(2, replica(3, 50), 10);
        QCOMPARE(ReadRouting::candidates(health, Mode::Nearest, 20), (QVector<int>{1, 2}));
        QCOMPARE(ReadRouting::lagMs(health, 0, 20), std::optional<qint64>());
    }

    // A primary that lost its lease (cut off from its majority) serves no
    // linearizable reads: primaryPreferred ranks it with the others by what
    // it has applied; its lag is unknown.
    void aPrimaryWithoutItsLease()
    {
        ShardHealth health(0, threeMembers(), options(), 0);
        health.answered(0, primary(2, 100, false), 10);
        health.answered(1, replica(2, 100, std::nullopt), 10);
        QVERIFY(!health.hasServingPrimary(20));
        QCOMPARE(ReadRouting::candidates(health, Mode::PrimaryPreferred, 20), (QVector<int>{0, 1}));
        QCOMPARE(ReadRouting::lagMs(health, 0, 20), std::optional<qint64>());
        QCOMPARE(ReadRouting::lagMs(health, 1, 20), std::optional<qint64>());
    }

    // No member reachable: nothing to ask (the router answers 503 naming
    // the shard).
    void nobodyReachable()
    {
        ShardHealth health(0, threeMembers(), options(), 0);
        for (int member = 0; member < 3; ++member)
            health.unanswered(member, QStringLiteral("refused"), 10);
        QVERIFY(ReadRouting::candidates(health, Mode::PrimaryPreferred, 700).isEmpty());
        QVERIFY(ReadRouting::candidates(health, Mode::Nearest, 700).isEmpty());
    }

    void originHeaders()
    {
        using Headers = QList<QPair<QByteArray, QByteArray>>;
        ReadOrigins none;
        QVERIFY(none.headers().isEmpty());
        QVERIFY(!none.isLinearizable());

        ReadOrigins linearizable;
        linearizable.add(1, ReadOrigins::Part{true, "2-40", std::nullopt});
        linearizable.add(0, ReadOrigins::Part{true, "3-7", std::nullopt});
        QVERIFY(linearizable.isLinearizable());
        QCOMPARE(linearizable.headers(), (Headers{{"X-PeaceDB-Consistency", "linearizable"}, {"X-PeaceDB-Applied", "3-7, 2-40"}}));

        ReadOrigins mixed;
        mixed.add(0, ReadOrigins::Part{true, "3-7", std::nullopt});
        mixed.add(1, ReadOrigins::Part{false, "2-40", 1200});
        mixed.add(2, ReadOrigins::Part{false, QByteArray(), std::nullopt});
        QCOMPARE(mixed.headers(), (Headers{{"X-PeaceDB-Consistency", "possibly-stale"},
                                           {"X-PeaceDB-Applied", "3-7, 2-40, unknown"},
                                           {"X-PeaceDB-Stale-Shards", "1, 2"},
                                           {"X-PeaceDB-Lag-Ms", "0, 1200, unknown"}}));
        // A later page of a shard replaces its part.
        mixed.add(1, ReadOrigins::Part{true, "4-41", std::nullopt});
        mixed.add(2, ReadOrigins::Part{true, "1-9", std::nullopt});
        QVERIFY(mixed.isLinearizable());
    }
};

QTEST_APPLESS_MAIN(TestReadRouting)
#include "tst_readrouting.moc"
