// The write path's decisions against pending (appended, not yet committed)
// writes, with a commit log the test drives by hand: no sockets, no
// replication, every step under the test's control. The scenario the
// fault-injection suite found (a 409 given because of a write no read showed
// yet) is here deterministically.
#include <QTemporaryDir>
#include <QTest>

#include <optional>

#include "CommitLog.h"
#include "Document.h"
#include "DocumentReader.h"
#include "DocumentService.h"
#include "StorageWriter.h"

namespace {

// Appends in memory; commits, cuts or abandons only when the test says so.
class ManualLog : public CommitLog
{
public:
    Status writable() const override { return Status::ok(); }
    Status readable() const override { return Status::ok(); }
    Status health() const override { return Status::ok(); }
    qint64 term() const override { return m_term; }
    std::pair<qint64, qint64> appliedPosition() const override { return {m_term, m_applied}; }
    qint64 commitSeq() const override { return qMax(m_committed, m_applied); }
    qint64 nextSeq() const override { return m_terms.size() + 1; }
    std::optional<qint64> termAt(qint64 seq) const override
    {
        return seq >= 1 && seq <= m_terms.size() ? std::optional<qint64>(m_terms.at(seq - 1)) : std::nullopt;
    }
    Status append(QVector<LogEntry> &entries) override
    {
        for (LogEntry &entry : entries) {
            entry.term = m_term;
            m_terms.append(m_term);
        }
        return Status::ok();
    }

    // Committed and applied at once (as a standalone node reports it).
    void commitThrough(qint64 seq)
    {
        m_applied = seq;
        emit applied(seq);
    }
    // Committed (a write quorum holds the entries), not yet applied (as a
    // replica set's primary reports it).
    void commitOnly(qint64 seq)
    {
        m_committed = seq;
        emit committed(seq);
    }
    void abandonAfter(qint64 lastKeptSeq) { emit abandoned(Status::unavailable(QStringLiteral("no longer the primary")), lastKeptSeq); }
    void failStorage(qint64 lastKeptSeq) { emit abandoned(Status::storageFailure(QStringLiteral("disk I/O error")), lastKeptSeq); }
    // A newer primary's entries of `term` now stand at `fromSeq`..: with
    // `announce`, the log reports the cut as a node does.
    void replaceFrom(qint64 fromSeq, qint64 term, int count, bool announce)
    {
        m_terms.resize(fromSeq - 1);
        for (int i = 0; i < count; ++i)
            m_terms.append(term);
        m_term = term;
        if (announce)
            emit cut(fromSeq);
    }

private:
    QVector<qint64> m_terms{1, 1}; // seqs 1 and 2 are committed before the test
    qint64 m_term = 1;
    qint64 m_applied = 2;
    qint64 m_committed = 2;
};

Document doc(const QString &id, const QString &rev, const QByteArray &data)
{
    Document out;
    out.id = id;
    out.rev = rev;
    out.data = data;
    return out;
}

// What a write's callback got, if it ran.
struct Outcome
{
    std::optional<Result<Document>> result;
    DocumentService::DocumentCallback callback()
    {
        return [this](const Result<Document> &answer) { result = answer; };
    }
    bool answered() const { return result.has_value(); }
    Status::Code code() const { return result->status().code(); }
};

} // namespace

class TestDocumentService : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<DocumentReader> m_reader;
    std::unique_ptr<ManualLog> m_log;
    std::unique_ptr<DocumentService> m_service;

    const QString m_rev1 = QStringLiteral("1-a");

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        const QString path = m_dir->filePath(QStringLiteral("peacedb.sqlite"));
        // Committed state: database "db" (seq 1) and document "a" at rev 1-a (seq 2).
        StorageWriter writer(path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogEntry create;
        create.seq = 1;
        create.term = 1;
        create.op = LogEntry::Op::CreateDatabase;
        create.db = QStringLiteral("db");
        LogEntry put = create;
        put.seq = 2;
        put.op = LogEntry::Op::PutDocument;
        put.id = QStringLiteral("a");
        put.rev = m_rev1;
        put.body = "{\"id\":\"a\",\"rev\":\"1-a\",\"deleted\":false,\"data\":{\"v\":0}}";
        WriteBatch batch;
        batch.entries = {create, put};
        batch.applyThroughSeq = 2;
        QVERIFY(writer.write(batch).status.isOk());
        m_reader = std::make_unique<DocumentReader>();
        QVERIFY(m_reader->open(path, StorageOptions()).isOk());
        m_log = std::make_unique<ManualLog>();
        m_service = std::make_unique<DocumentService>(m_log.get(), m_reader.get(), 0);
    }

    void cleanup()
    {
        m_service.reset();
        m_log.reset();
        m_reader.reset();
        m_dir.reset();
    }

    void conflictWithAPendingWriteIsAnsweredOnlyOnceItCommits()
    {
        const QString rev1 = m_rev1;
        Outcome a, b;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), rev1, "{\"v\":1}"), WriteKind::Put, a.callback());
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), rev1, "{\"v\":2}"), WriteKind::Put, b.callback());
        // b loses to a, but a is not committed: no answer yet for either.
        QVERIFY(!a.answered());
        QVERIFY(!b.answered());
        m_log->commitThrough(3);
        QVERIFY(a.answered() && a.result->isOk());
        QVERIFY(b.answered());
        QCOMPARE(b.code(), Status::Code::Conflict);
    }

    void conflictWithAnAbandonedWriteIsUnavailableAndChangesNothing()
    {
        const QString rev1 = m_rev1;
        Outcome a, b;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), rev1, "{\"v\":1}"), WriteKind::Put, a.callback());
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), rev1, "{\"v\":2}"), WriteKind::Put, b.callback());
        QVERIFY(!b.answered());
        m_log->abandonAfter(2); // a will not be committed here
        QCOMPARE(a.code(), Status::Code::Unavailable);
        QCOMPARE(b.code(), Status::Code::Unavailable);
        QVERIFY2(b.result->status().message().contains(QLatin1String("nothing was changed")), qPrintable(b.result->status().message()));
        QCOMPARE(m_log->nextSeq(), qint64(4)); // b appended nothing
    }

    void conflictWithCommittedStateIsAnsweredAtOnce()
    {
        Outcome stale;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), QStringLiteral("9-abc"), "{}"), WriteKind::Put,
                                 stale.callback());
        QVERIFY(stale.answered());
        QCOMPARE(stale.code(), Status::Code::Conflict);
        Outcome created;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), QString(), "{}"), WriteKind::Put, created.callback());
        QCOMPARE(created.code(), Status::Code::Conflict); // exists, committed
    }

    // Found by the fault runs: a pending write's seq was taken by a newer
    // primary's entry, which then committed. Matching by seq alone would
    // acknowledge the write; its term tells it was replaced.
    void writeWhoseSeqANewerPrimaryTookIsNotAcknowledged()
    {
        Outcome a;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), m_rev1, "{\"v\":1}"), WriteKind::Put, a.callback());
        QVERIFY(!a.answered());
        m_log->replaceFrom(3, 2, 2, false);
        m_log->commitThrough(4);
        QVERIFY(a.answered());
        QCOMPARE(a.code(), Status::Code::Unavailable);
        QVERIFY2(a.result->status().message().contains(QLatin1String("not committed")), qPrintable(a.result->status().message()));
    }

    void writesCutFromTheLogFailAtOnce()
    {
        Outcome a, b, c;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), m_rev1, "{\"v\":1}"), WriteKind::Put, a.callback());
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), m_rev1, "{\"v\":2}"), WriteKind::Put, b.callback());
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("c"), QString(), "{}"), WriteKind::Put, c.callback());
        m_log->replaceFrom(4, 2, 1, true); // c (seq 4) is cut; a (seq 3) stays
        QVERIFY(c.answered());
        QCOMPARE(c.code(), Status::Code::Unavailable);
        QVERIFY(!a.answered());
        QVERIFY(!b.answered()); // refused against a, which may still commit
        m_log->commitThrough(4);
        QVERIFY(a.answered() && a.result->isOk());
        QCOMPARE(b.code(), Status::Code::Conflict);
        QVERIFY(!m_service->hasPendingWrites());
    }

    void abandonmentKeepsWritesUpToTheCommitPoint()
    {
        Outcome a, c;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), m_rev1, "{\"v\":1}"), WriteKind::Put, a.callback());
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("c"), QString(), "{}"), WriteKind::Put, c.callback());
        m_log->abandonAfter(3); // seq 3 (a) committed before the role was lost; seq 4 (c) unknown
        QCOMPARE(c.code(), Status::Code::Unavailable);
        QVERIFY2(c.result->status().message().contains(QLatin1String("may or may not")), qPrintable(c.result->status().message()));
        QVERIFY(!a.answered());
        m_log->commitThrough(3);
        QVERIFY(a.answered() && a.result->isOk());
    }

    // A write is answered once a write quorum holds it, not after the
    // batch that applies it; until then its overlay stands for it.
    void aWriteIsAnsweredOnceCommittedBeforeItIsApplied()
    {
        Outcome a;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), m_rev1, "{\"v\":1}"), WriteKind::Put, a.callback());
        QVERIFY(!a.answered());
        m_log->commitOnly(3);
        QVERIFY(a.answered() && a.result->isOk());
        const QString rev2 = a.result->value().rev;
        // Not applied: the committed state still holds 1-a, the overlay 2-…
        const Result<std::optional<DocumentHead>> stored = m_reader->head(QStringLiteral("db"), QStringLiteral("a"));
        QVERIFY(stored.isOk() && stored->has_value());
        QCOMPARE(stored->value().rev, m_rev1);
        Outcome stale, next;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), m_rev1, "{\"v\":2}"), WriteKind::Put, stale.callback());
        QVERIFY(stale.answered()); // refused against a committed write: at once
        QCOMPARE(stale.code(), Status::Code::Conflict);
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), rev2, "{\"v\":3}"), WriteKind::Put, next.callback());
        QVERIFY(!next.answered());
        m_log->commitOnly(4);
        QVERIFY(next.answered() && next.result->isOk());
        QVERIFY(!m_service->hasPendingWrites());
    }

    // Reads that must be linearizable wait until every entry this node
    // knows committed is applied: a write answered at commit is then in
    // what they read.
    void aLinearizableReadWaitsForTheCommittedWritesToBeApplied()
    {
        int ran = 0;
        std::optional<Status> status;
        const auto read = [&](const Status &ready) {
            ++ran;
            status = ready;
        };
        QVERIFY(m_service->appliedAllCommitted());
        m_service->whenCommittedApplied(read); // nothing waits: at once
        QCOMPARE(ran, 1);
        QVERIFY(status->isOk());

        Outcome a;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), m_rev1, "{\"v\":1}"), WriteKind::Put, a.callback());
        m_service->whenCommittedApplied(read); // a is not committed: its client has no answer, a read need not see it
        QCOMPARE(ran, 2);
        m_log->commitOnly(3);
        QVERIFY(a.answered());
        QVERIFY(!m_service->appliedAllCommitted());
        m_service->whenCommittedApplied(read);
        m_service->whenCommittedApplied(read);
        QCOMPARE(ran, 2);
        m_log->commitThrough(3);
        QCOMPARE(ran, 4);
        QVERIFY(status->isOk());

        // An apply that does not come: 503 after the wait's bound, nothing read.
        DocumentService bounded(m_log.get(), m_reader.get(), 50);
        Outcome b;
        bounded.writeDocument(QStringLiteral("db"), doc(QStringLiteral("b"), QString(), "{}"), WriteKind::Put, b.callback());
        m_log->commitOnly(4);
        QVERIFY(b.answered() && b.result->isOk());
        bounded.whenCommittedApplied(read);
        QCOMPARE(ran, 4);
        QTRY_COMPARE_WITH_TIMEOUT(ran, 5, 2000);
        QCOMPARE(status->code(), Status::Code::Unavailable);
        QVERIFY2(status->message().contains(QLatin1String("not applied")), qPrintable(status->message()));

        // Storage failed: nothing will be applied; held reads fail at once.
        Outcome c;
        bounded.writeDocument(QStringLiteral("db"), doc(QStringLiteral("c"), QString(), "{}"), WriteKind::Put, c.callback());
        m_log->commitOnly(5);
        bounded.whenCommittedApplied(read);
        QCOMPARE(ran, 5);
        m_log->failStorage(5);
        QCOMPARE(ran, 6);
        QCOMPARE(status->code(), Status::Code::StorageFailure);
    }

    void bulkRefusedOnlyByPendingWritesWaitsForThem()
    {
        const QString rev1 = m_rev1;
        Outcome a;
        m_service->writeDocument(QStringLiteral("db"), doc(QStringLiteral("a"), rev1, "{\"v\":1}"), WriteKind::Put, a.callback());
        std::optional<Result<QVector<Result<Document>>>> bulk;
        m_service->writeDocuments(QStringLiteral("db"), {doc(QStringLiteral("a"), rev1, "{\"v\":3}")},
                                  [&](const Result<QVector<Result<Document>>> &result) { bulk = result; });
        QVERIFY(!bulk.has_value());
        m_log->commitThrough(3);
        QVERIFY(bulk.has_value() && bulk->isOk());
        QCOMPARE(bulk->value().at(0).status().code(), Status::Code::Conflict);
    }
};

QTEST_GUILESS_MAIN(TestDocumentService)
#include "tst_documentservice.moc"
