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

// Appends in memory; commits or abandons only when the test says so.
class ManualLog : public CommitLog
{
public:
    Status writable() const override { return Status::ok(); }
    Status health() const override { return Status::ok(); }
    qint64 term() const override { return 1; }
    std::pair<qint64, qint64> appliedPosition() const override { return {1, m_applied}; }
    qint64 nextSeq() const override { return m_next; }
    Status append(QVector<LogEntry> &entries) override
    {
        for (LogEntry &entry : entries)
            entry.term = 1;
        m_next += entries.size();
        return Status::ok();
    }

    void commitThrough(qint64 seq)
    {
        m_applied = seq;
        emit applied(seq);
    }
    void abandonAfter(qint64 lastKeptSeq) { emit abandoned(Status::unavailable(QStringLiteral("no longer the primary")), lastKeptSeq); }

private:
    qint64 m_next = 3;    // seqs 1 and 2 are committed before the test
    qint64 m_applied = 2;
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
