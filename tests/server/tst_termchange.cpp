// A real replica set member (peacedb-server --role node, member 0) against
// two scripted members (tests/support/ScriptedPeer): the test decides every
// vote and append answer the member gets, and plays a newer primary itself,
// so the moments where a primary's term changes under its clients happen in
// exactly the order that exposed each bug in the fault runs.
//
//  - acknowledgesOnlyTheEntryThatCommitted: a primary's client write X is
//    pending (no quorum) when a newer primary's first append reaches it,
//    cutting X's entry, putting its own entries at X's seq and committing
//    past it in the same message. X must not be acknowledged.
//  - newPrimaryServesReadsOnlyAfterItsFirstCommit: a replica holds an entry
//    (an acknowledged update) it has not applied, and is promoted. Until it
//    has committed and applied an entry of its own term, a read must not
//    return the older revision.
//  - readsNeedTheLease: a primary that has not heard from a majority for
//    FailoverTimeoutMs refuses linearizable reads; an explicit
//    readPreference=nearest read answers, marked possibly stale; a replica
//    refuses linearizable reads and names its primary.
//  - votesWaitForTheLeaseToRunOut: a member that heard from a primary within
//    FailoverTimeoutMs refuses to vote for another candidate (the lease it
//    gave may still be in force) unless the election is a hand-off.
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <memory>

#include "DocumentUpdate.h"
#include "ReplicaSetProcesses.h"
#include "ReplicationMessages.h"
#include "ScriptedPeer.h"
#include "TestHttpClient.h"

namespace {

constexpr qint64 kFailoverTimeoutMs = 1000;
const QByteArray kDb = QByteArrayLiteral("terms");

// A document write entry as a primary makes it.
LogEntry documentEntry(qint64 seq, qint64 term, const QString &id, const std::optional<DocumentHead> &head, int value)
{
    Document incoming;
    incoming.id = id;
    incoming.rev = head ? head->rev : QString();
    incoming.data = "{\"v\":" + QByteArray::number(value) + "}";
    const Result<DocumentUpdate::Prepared> prepared = DocumentUpdate::prepare(head, incoming, WriteKind::Put);
    LogEntry entry;
    entry.seq = seq;
    entry.term = term;
    entry.op = LogEntry::Op::PutDocument;
    entry.db = QString::fromLatin1(kDb);
    entry.id = id;
    entry.rev = prepared->document.rev;
    entry.body = prepared->json;
    entry.timestampMs = 1;
    return entry;
}

// A new primary's no-op, or (withDatabase) the creation of kDb.
LogEntry plainEntry(qint64 seq, qint64 term, bool withDatabase = false)
{
    LogEntry entry;
    entry.seq = seq;
    entry.term = term;
    entry.op = withDatabase ? LogEntry::Op::CreateDatabase : LogEntry::Op::Noop;
    entry.db = withDatabase ? QString::fromLatin1(kDb) : QString();
    return entry;
}

LogEntry noopEntry(qint64 seq, qint64 term)
{
    return plainEntry(seq, term);
}

AppendRequest append(qint64 term, int leader, qint64 prevSeq, qint64 prevTerm, const QVector<LogEntry> &entries, qint64 commitSeq)
{
    AppendRequest request;
    request.term = term;
    request.leader = leader;
    request.prevSeq = prevSeq;
    request.prevTerm = prevTerm;
    request.entries = entries;
    request.entryCount = entries.size();
    request.commitSeq = commitSeq;
    return request;
}

// Member 0 real, members 1 and 2 scripted.
struct Fixture
{
    Fixture()
        : set(ReplicaSetProcesses::Options{3, 2, kFailoverTimeoutMs, 100, 30000, {}})
    {
    }

    bool start(QString *error)
    {
        if (!set.isValid()) {
            *error = set.error();
            return false;
        }
        for (int member : {1, 2}) {
            peers.push_back(std::make_unique<ScriptedPeer>(member, set.port(member)));
            if (!peers.back()->start(error))
                return false;
        }
        if (!set.startMember(0)) {
            *error = set.error();
            return false;
        }
        return true;
    }

    void setAppends(ScriptedPeer::Appends appends)
    {
        for (const auto &peer : peers)
            peer->setAppends(appends);
    }

    // Makes member 0 primary of `term` (the scripted members vote for it).
    bool promote(qint64 term, QString *error)
    {
        const TestHttpResponse promoted =
            set.request(0, "POST", "/v1/_replication/promote", "{\"term\":" + QByteArray::number(term) + "}", 20000);
        if (promoted.status != 200) {
            *error = QStringLiteral("promote: %1 %2").arg(promoted.status).arg(QString::fromUtf8(promoted.body));
            return false;
        }
        return set.waitUntil([&] { return set.state(0).value(QStringLiteral("writable")).toBool(); }, 10000);
    }

    // start(), promote(1), then database kDb and document "a" written.
    bool startAsPrimaryWithDocument(QString *error)
    {
        if (!start(error) || !promote(1, error))
            return false;
        const TestHttpResponse created = set.request(0, "PUT", "/v1/db/" + kDb);
        const TestHttpResponse written = set.request(0, "PUT", "/v1/db/" + kDb + "/docs/a", "{\"data\":{\"v\":1}}");
        if (created.status != 201 || written.status != 200) {
            *error = QStringLiteral("setup writes: %1, %2").arg(created.status).arg(written.status);
            return false;
        }
        return true;
    }

    TestHttpResponse replicate(const AppendRequest &request)
    {
        return set.request(0, "POST", "/v1/_replication/replicate", request.toJson());
    }

    ReplicaSetProcesses set;
    std::vector<std::unique_ptr<ScriptedPeer>> peers;
};

} // namespace

class TestTermChange : public QObject
{
    Q_OBJECT

private slots:
    void acknowledgesOnlyTheEntryThatCommitted()
    {
        Fixture fixture;
        QString error;
        QVERIFY2(fixture.startAsPrimaryWithDocument(&error), qPrintable(error));
        ReplicaSetProcesses &set = fixture.set;

        // The other members stop acknowledging: X waits for its quorum.
        fixture.setAppends(ScriptedPeer::Appends::Refuse);
        TestHttpClient writerX(set.port(0));
        QVERIFY(writerX.send(writerX.requestBytes("PUT", "/v1/db/" + kDb + "/docs/x", "{\"data\":{\"v\":1}}"), &error));
        LogEntry x;
        QVERIFY(set.waitUntil([&] { return (x = fixture.peers.front()->entryFor(QStringLiteral("x"))).seq > 0; }, 5000));
        QCOMPARE(x.term, qint64(1));

        // Member 1 became primary of term 2 without X; its first append to
        // member 0 cuts X, puts its own entries at X's seq and commits them.
        const AppendRequest fromNewPrimary =
            append(2, 1, x.seq - 1, 1, {noopEntry(x.seq, 2), documentEntry(x.seq + 1, 2, QStringLiteral("y"), std::nullopt, 2)},
                   x.seq + 1);
        const TestHttpResponse accepted = fixture.replicate(fromNewPrimary);
        QCOMPARE(accepted.status, 200);
        QVERIFY2(accepted.json().value(QStringLiteral("success")).toBool(), accepted.body.constData());

        const TestHttpResponse answerX = writerX.receive(false, 20000);
        qInfo("X's client got %d %s", answerX.status, answerX.body.constData());
        QVERIFY2(answerX.status == 503, qPrintable(QStringLiteral("X was never committed, yet its client got %1 %2")
                                                       .arg(answerX.status)
                                                       .arg(QString::fromUtf8(answerX.body))));
        QVERIFY(set.waitUntil([&] { return set.state(0).value(QStringLiteral("appliedSeq")).toInteger() >= x.seq + 1; }, 5000));
        QCOMPARE(set.get(0, "/v1/db/" + kDb + "/docs/x?readPreference=nearest").status, 404);
        QCOMPARE(set.get(0, "/v1/db/" + kDb + "/docs/y?readPreference=nearest").status, 200);
        const QJsonObject state = set.state(0);
        QCOMPARE(state.value(QStringLiteral("rolledBack")).toInteger(), qint64(1));
    }

    void newPrimaryServesReadsOnlyAfterItsFirstCommit()
    {
        Fixture fixture;
        QString error;
        QVERIFY2(fixture.start(&error), qPrintable(error));
        ReplicaSetProcesses &set = fixture.set;

        // Member 1 (the test) is primary of term 1. Member 0 gets revision 1
        // and revision 2 of "a"; it learns only that revision 1 is committed.
        // Revision 2 is committed too (member 2 holds it), and member 1
        // acknowledged it to its client.
        const LogEntry first = documentEntry(3, 1, QStringLiteral("a"), std::nullopt, 1);
        const LogEntry second = documentEntry(4, 1, QStringLiteral("a"), DocumentHead{first.rev, false}, 2);
        const TestHttpResponse accepted =
            fixture.replicate(append(1, 1, 0, 0, {noopEntry(1, 1), plainEntry(2, 1, true), first, second}, 3));
        QCOMPARE(accepted.status, 200);
        QVERIFY2(accepted.json().value(QStringLiteral("success")).toBool(), accepted.body.constData());
        QVERIFY(set.waitUntil([&] { return set.state(0).value(QStringLiteral("appliedSeq")).toInteger() == 3; }, 5000));

        // Member 1 dies. Member 0 is elected for term 2; the others do not
        // acknowledge its first entry yet.
        fixture.setAppends(ScriptedPeer::Appends::Refuse);
        const TestHttpResponse promoted = set.request(0, "POST", "/v1/_replication/promote", "{\"term\":2}", 20000);
        QCOMPARE(promoted.status, 200);
        const QByteArray path = "/v1/db/" + kDb + "/docs/a";
        const TestHttpResponse early = set.get(0, path);
        qInfo("read right after the promotion: %d %s", early.status, early.body.constData());
        QVERIFY2(early.status == 503 || early.json().value(QStringLiteral("rev")).toString() == second.rev,
                 qPrintable(QStringLiteral("a read right after the promotion answered %1 %2; revision 2 (%3) was "
                                           "acknowledged before")
                                .arg(early.status)
                                .arg(QString::fromUtf8(early.body), second.rev)));
        if (early.status == 503)
            QVERIFY2(early.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("first entry of its term")), early.body.constData());

        // Once its first entry commits, reads answer, and with revision 2.
        fixture.setAppends(ScriptedPeer::Appends::Acknowledge);
        TestHttpResponse later;
        QVERIFY(set.waitUntil([&] { return (later = set.get(0, path)).status == 200; }, 10000));
        QCOMPARE(later.json().value(QStringLiteral("rev")).toString(), second.rev);
        QCOMPARE(later.header("X-PeaceDB-Consistency"), QByteArray("linearizable"));
    }

    void readsNeedTheLease()
    {
        Fixture fixture;
        QString error;
        QVERIFY2(fixture.startAsPrimaryWithDocument(&error), qPrintable(error));
        ReplicaSetProcesses &set = fixture.set;
        const QByteArray path = "/v1/db/" + kDb + "/docs/a";
        const TestHttpResponse leased = set.get(0, path);
        QCOMPARE(leased.status, 200);
        QCOMPARE(leased.header("X-PeaceDB-Consistency"), QByteArray("linearizable"));

        // Nobody answers for longer than the lease.
        fixture.setAppends(ScriptedPeer::Appends::Refuse);
        QVERIFY(set.waitUntil([&] { return !set.state(0).value(QStringLiteral("lease")).toBool(); }, 5000));
        const QList<QByteArray> reads{path, "/v1/db/" + kDb + "/_all_docs", "/v1/db/" + kDb + "/_changes",
                                      "/v1/db/" + kDb + "/_stats", QByteArray("/v1/db")};
        for (const QByteArray &read : reads) {
            const TestHttpResponse refused = set.get(0, read);
            QVERIFY2(refused.status == 503, qPrintable(QStringLiteral("%1 without the lease: %2 %3")
                                                           .arg(QString::fromUtf8(read))
                                                           .arg(refused.status)
                                                           .arg(QString::fromUtf8(refused.body))));
            QVERIFY2(refused.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("no quorum")), refused.body.constData());
        }
        const TestHttpResponse nearest = set.get(0, path + "?readPreference=nearest");
        QCOMPARE(nearest.status, 200);
        QCOMPARE(nearest.header("X-PeaceDB-Consistency"), QByteArray("possibly-stale"));
        QVERIFY(!nearest.header("X-PeaceDB-Applied").isEmpty());
        QCOMPARE(set.get(0, path + "?readPreference=sometimes").status, 400);

        // A replica refuses linearizable reads and names its primary.
        const TestHttpResponse deposed = fixture.replicate(append(2, 1, 3, 1, {noopEntry(4, 2)}, 4));
        QCOMPARE(deposed.status, 200);
        const TestHttpResponse replicaRead = set.get(0, path);
        QCOMPARE(replicaRead.status, 503);
        QCOMPARE(replicaRead.json().value(QStringLiteral("error")).toString(), QStringLiteral("not primary"));
        QCOMPARE(replicaRead.json().value(QStringLiteral("primary")).toString(), set.url(1));
        QCOMPARE(set.get(0, path + "?readPreference=nearest").status, 200);
    }

    void votesWaitForTheLeaseToRunOut()
    {
        Fixture fixture;
        QString error;
        QVERIFY2(fixture.start(&error), qPrintable(error));
        ReplicaSetProcesses &set = fixture.set;

        // Member 1 (the test) is primary of term 1 and has just been heard.
        QCOMPARE(fixture.replicate(append(1, 1, 0, 0, {noopEntry(1, 1)}, 1)).status, 200);
        const VoteRequest request{2, 2, 1, 1};
        const TestHttpResponse early = set.request(0, "POST", "/v1/_replication/vote", request.toJson());
        QCOMPARE(early.status, 200);
        QVERIFY2(!early.json().value(QStringLiteral("granted")).toBool(), early.body.constData());
        // Refused without adopting the candidate's term: the primary it
        // follows is not disturbed.
        QCOMPARE(early.json().value(QStringLiteral("term")).toInteger(), qint64(1));
        QVERIFY(early.json().value(QStringLiteral("retryAfterMs")).toInteger() > 0);

        // A hand-off (the primary stepped down and named its successor) is
        // granted at once.
        VoteRequest transfer = request;
        transfer.transfer = true;
        const TestHttpResponse handedOff = set.request(0, "POST", "/v1/_replication/vote", transfer.toJson());
        QVERIFY2(handedOff.json().value(QStringLiteral("granted")).toBool(), handedOff.body.constData());

        // Once the lease has run out, an ordinary election gets the vote.
        QCOMPARE(fixture.replicate(append(2, 2, 1, 1, {noopEntry(2, 2)}, 2)).status, 200);
        QTest::qWait(int(kFailoverTimeoutMs) + 100);
        const VoteRequest later{3, 1, 2, 2};
        const TestHttpResponse granted = set.request(0, "POST", "/v1/_replication/vote", later.toJson());
        QVERIFY2(granted.json().value(QStringLiteral("granted")).toBool(), granted.body.constData());
    }
};

QTEST_GUILESS_MAIN(TestTermChange)
#include "tst_termchange.moc"
