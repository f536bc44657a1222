// Storage tests: the writer (append + apply in one transaction), the group
// committer in front of it and the reader, in process on a temporary file.
#include <QDir>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "Document.h"
#include "DocumentApplier.h"
#include "DocumentReader.h"
#include "GroupCommitter.h"
#include "LogEntry.h"
#include "LogTable.h"
#include "ReadPool.h"
#include "SearchQuery.h"
#include "SnapshotFile.h"
#include "SqliteConnection.h"
#include "StorageSchema.h"
#include "StorageWriter.h"

namespace {

class LogBuilder
{
public:
    explicit LogBuilder(qint64 firstSeq = 1) : m_seq(firstSeq) {}

    LogEntry createDatabase(const QString &db) { return entry(LogEntry::Op::CreateDatabase, db); }
    LogEntry deleteDatabase(const QString &db) { return entry(LogEntry::Op::DeleteDatabase, db); }
    LogEntry put(const QString &db, const QString &id, const QString &rev, const QByteArray &documentJson, bool deleted = false)
    {
        LogEntry e = entry(LogEntry::Op::PutDocument, db);
        e.id = id;
        e.rev = rev;
        e.deleted = deleted;
        e.body = documentJson;
        return e;
    }

private:
    LogEntry entry(LogEntry::Op op, const QString &db)
    {
        LogEntry e;
        e.seq = m_seq++;
        e.term = 1;
        e.op = op;
        e.db = db;
        e.timestampMs = 1000 + e.seq;
        return e;
    }

    qint64 m_seq;
};

QByteArray body(const QString &id, const QString &rev, const QByteArray &rest)
{
    return "{\"id\":\"" + id.toUtf8() + "\",\"rev\":\"" + rev.toUtf8() + "\",\"deleted\":false" + rest + '}';
}

WriteBatch batch(const QVector<LogEntry> &entries, bool apply = true)
{
    WriteBatch b;
    b.entries = entries;
    b.applyThroughSeq = apply && !entries.isEmpty() ? entries.last().seq : 0;
    return b;
}

QStringList ids(const DocumentPage &page)
{
    QStringList out;
    for (const QByteArray &item : page.bodies)
        out.append(Document::fromJsonText(item)->id);
    return out;
}

} // namespace

class TestStorage : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_path = m_dir->filePath(QStringLiteral("peacedb.sqlite"));
    }

    // Reads on the pool's workers see what is applied, answer on this
    // thread, are refused past the queue's bound, and wait while the pool
    // is suspended (a snapshot swap) with every connection closed.
    void readPoolAnswersRefusesAndSuspends()
    {
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogBuilder log;
        QVERIFY(writer.write(batch({log.createDatabase(QStringLiteral("db")),
                                    log.put(QStringLiteral("db"), QStringLiteral("a"), QStringLiteral("1-a"),
                                            body(QStringLiteral("a"), QStringLiteral("1-a"), QByteArray()))}))
                    .status.isOk());

        ReadPool::Options options;
        options.path = m_path;
        options.threads = 2;
        options.maxQueued = 3;
        ReadPool pool(options);
        QThread *const mainThread = QThread::currentThread();
        QStringList answers;
        const auto names = [](DocumentReader &reader) { return reader.databaseNames(); };
        const auto collect = [&answers, mainThread](const Result<QStringList> &names) {
            QCOMPARE(QThread::currentThread(), mainThread);
            answers.append(names.isOk() ? names->join(QLatin1Char(',')) : names.status().message());
        };
        QVERIFY(pool.submit<QStringList>(names, collect));
        QTRY_COMPARE(answers, QStringList{QStringLiteral("db")});

        // Suspended: queries queue up to the bound and none runs.
        pool.suspend();
        for (int i = 0; i < 3; ++i)
            QVERIFY(pool.submit<QStringList>(names, collect));
        QVERIFY(!pool.submit<QStringList>(names, collect));
        QCOMPARE(pool.refusedTotal(), qint64(1));
        // A query admitted earlier (a read that waited for the apply) is
        // queued beyond the bound.
        QVERIFY(pool.submit<QStringList>(names, collect, ReadPool::Admission::Admitted));
        QCOMPARE(pool.refusedTotal(), qint64(1));
        QTest::qWait(100);
        QCOMPARE(answers.size(), 1);
        QCOMPARE(pool.queued(), 4);
        // With the workers' connections closed the file can be replaced.
        QVERIFY(writer.write(batch({log.createDatabase(QStringLiteral("second"))})).status.isOk());
        pool.resume();
        QTRY_COMPARE(answers.size(), 5);
        QCOMPARE(answers.last(), QStringLiteral("db,second"));
        QCOMPARE(pool.queued(), 0);
    }

    void statementCacheStaysBounded()
    {
        // Queries whose text comes from client input (tag lists of any
        // length) must not grow the cache without end; a statement still
        // borrowed when the cache is cleared keeps working.
        SqliteConnection connection;
        QVERIFY(connection.open(m_path, SqliteConnection::Mode::Writer, StorageOptions()).isOk());
        Status status;
        SqliteStatement held = connection.statement(QStringLiteral("SELECT 1 UNION ALL SELECT 2"), &status);
        QVERIFY(held);
        QVERIFY(held->exec());
        QVERIFY(held->next());
        for (int i = 0; i < 1000; ++i) {
            SqliteStatement statement = connection.statement(QStringLiteral("SELECT %1").arg(i), &status);
            QVERIFY(statement);
            QVERIFY(statement->exec() && statement->next());
            QCOMPARE(statement->value(0).toInt(), i);
            QVERIFY(connection.cachedStatementCount() <= 256);
        }
        QVERIFY(held->next());
        QCOMPARE(held->value(0).toInt(), 2);
    }

    // The log table alone, inside transactions of the test's own: append,
    // term lookups, a cut kept in rollback (never of applied entries),
    // compaction recorded in meta, positions put back after a rollback.
    void logTableAlone()
    {
        SqliteConnection connection;
        QVERIFY(connection.open(m_path, SqliteConnection::Mode::Writer, StorageOptions()).isOk());
        QVERIFY(connection.enableWal().isOk());
        QVERIFY(StorageSchema::create(connection).isOk());
        LogTable log(connection);
        QVERIFY(log.open(0, 0).isOk());
        QCOMPARE(log.lastSeq(), qint64(0));
        LogBuilder entries;
        QVERIFY(connection.database().transaction());
        for (int i = 0; i < 5; ++i) {
            LogEntry entry = entries.put(QStringLiteral("db"), QStringLiteral("d%1").arg(i), QStringLiteral("1-a"), "{}");
            entry.term = i < 3 ? 1 : 2;
            QVERIFY(log.append(entry).isOk());
        }
        QVERIFY(connection.database().commit());
        QCOMPARE(log.lastSeq(), qint64(5));
        QCOMPARE(log.lastTerm(), qint64(2));
        qint64 term = 0;
        QVERIFY(log.termOf(3, &term).isOk());
        QCOMPARE(term, qint64(1));
        QVERIFY(log.termOf(4, &term).isOk());
        QCOMPARE(term, qint64(2));
        QCOMPARE(log.termOf(9, &term).code(), Status::Code::StorageFailure);
        LogEntry loaded;
        QVERIFY(log.load(2, &loaded).isOk());
        QCOMPARE(loaded.id, QStringLiteral("d1"));

        // A cut of applied entries is refused; one after them is kept.
        qint64 count = 0;
        QCOMPARE(log.truncate(2, 3, &count).code(), Status::Code::Internal);
        QVERIFY(connection.database().transaction());
        QVERIFY(log.truncate(4, 3, &count).isOk());
        QVERIFY(connection.database().commit());
        QCOMPARE(count, qint64(2));
        QCOMPARE(log.lastSeq(), qint64(3));
        QCOMPARE(log.lastTerm(), qint64(1));

        // Rolled back: the table and the positions as before.
        const LogTable::Position before = log.position();
        QVERIFY(connection.database().transaction());
        QVERIFY(log.compactThrough(2).isOk());
        QCOMPARE(log.compactedSeq(), qint64(2));
        QVERIFY(connection.database().rollback());
        log.restore(before);
        QCOMPARE(log.compactedSeq(), qint64(0));
        QVERIFY(log.load(1, &loaded).isOk());

        QVERIFY(connection.database().transaction());
        QVERIFY(log.compactThrough(2).isOk());
        QVERIFY(connection.database().commit());
        QCOMPARE(log.compactedSeq(), qint64(2));
        QCOMPARE(log.compactedTerm(), qint64(1));
        QCOMPARE(log.load(1, &loaded).code(), Status::Code::StorageFailure);
        QVERIFY(log.termOf(2, &term).isOk()); // the compacted position's term
        QCOMPARE(term, qint64(1));
        log.close();

        // Read again from the file: the same positions.
        LogTable again(connection);
        QVERIFY(again.open(2, 1).isOk());
        QCOMPARE(again.lastSeq(), qint64(3));
        QCOMPARE(again.history().termAt(3).value_or(-1), qint64(1));
        again.close();
    }

    // The document half alone: a database, a put, an update and a
    // deletion applied; the counters only once flushed; discard() forgets.
    void documentApplierAlone()
    {
        SqliteConnection connection;
        QVERIFY(connection.open(m_path, SqliteConnection::Mode::Writer, StorageOptions()).isOk());
        QVERIFY(connection.enableWal().isOk());
        QVERIFY(StorageSchema::create(connection).isOk());
        DocumentApplier applier(connection);
        QVERIFY(applier.prepare().isOk());
        LogBuilder entries;
        const auto counters = [&connection] {
            QSqlQuery query(connection.database());
            query.exec(QStringLiteral("SELECT seq, docs_total, docs_deleted FROM dbs WHERE name = 'shop'"));
            return query.next() ? QStringLiteral("%1/%2/%3").arg(query.value(0).toLongLong()).arg(query.value(1).toLongLong())
                                      .arg(query.value(2).toLongLong())
                                : QString();
        };
        QVERIFY(connection.database().transaction());
        QVERIFY(applier.apply(entries.createDatabase(QStringLiteral("shop"))).isOk());
        QVERIFY(applier.apply(entries.put(QStringLiteral("shop"), QStringLiteral("a"), QStringLiteral("1-x"),
                                          body(QStringLiteral("a"), QStringLiteral("1-x"), R"(,"data":{"n":1},"tags":["T"])")))
                    .isOk());
        QCOMPARE(counters(), QStringLiteral("0/0/0")); // counted in memory until flushed
        QVERIFY(applier.flush().isOk());
        QVERIFY(connection.database().commit());
        QCOMPARE(counters(), QStringLiteral("1/1/0"));

        // Rolled back and discarded: nothing of it stays, in the file or counted.
        QVERIFY(connection.database().transaction());
        QVERIFY(applier.apply(entries.put(QStringLiteral("shop"), QStringLiteral("b"), QStringLiteral("1-y"),
                                          body(QStringLiteral("b"), QStringLiteral("1-y"), "")))
                    .isOk());
        QVERIFY(connection.database().rollback());
        applier.discard();
        // Counted and written back, then the commit fails: the counters
        // kept in memory between batches are forgotten too.
        QVERIFY(connection.database().transaction());
        QVERIFY(applier.apply(entries.put(QStringLiteral("shop"), QStringLiteral("c"), QStringLiteral("1-w"),
                                          body(QStringLiteral("c"), QStringLiteral("1-w"), "")))
                    .isOk());
        QVERIFY(applier.flush().isOk());
        QCOMPARE(counters(), QStringLiteral("2/2/0"));
        QVERIFY(connection.database().rollback());
        applier.discard();
        QCOMPARE(counters(), QStringLiteral("1/1/0"));

        QVERIFY(connection.database().transaction());
        QVERIFY(applier.apply(entries.put(QStringLiteral("shop"), QStringLiteral("a"), QStringLiteral("2-z"),
                                          body(QStringLiteral("a"), QStringLiteral("2-z"), ""), true))
                    .isOk());
        QVERIFY(applier.flush().isOk());
        QVERIFY(connection.database().commit());
        QCOMPARE(counters(), QStringLiteral("2/1/1"));
        QSqlQuery query(connection.database());
        QVERIFY(query.exec(QStringLiteral("SELECT rev FROM revs WHERE db = 'shop' AND id = 'a'")) && query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("1-x")); // the revision the deletion replaced
        QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM tags WHERE db = 'shop'")) && query.next());
        QCOMPARE(query.value(0).toInt(), 0);
        QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM docs WHERE db = 'shop' AND id = 'b'")) && query.next());
        QCOMPARE(query.value(0).toInt(), 0);
        query.finish();
        applier.close();
    }

    void appliesPutsUpdatesAndTombstones()
    {
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogBuilder log;
        WriteBatchResult result = writer.write(batch({
            log.createDatabase(QStringLiteral("db")),
            log.put(QStringLiteral("db"), QStringLiteral("a"), QStringLiteral("1-a"),
                    body(QStringLiteral("a"), QStringLiteral("1-a"), ",\"data\":{\"w\":\"alpha beta\"},\"tags\":[\"x\",\"y\"]")),
            log.put(QStringLiteral("db"), QStringLiteral("b"), QStringLiteral("1-b"),
                    body(QStringLiteral("b"), QStringLiteral("1-b"), ",\"content\":\"gamma\",\"tags\":[\"y\"]")),
        }));
        QVERIFY2(result.status.isOk(), qPrintable(result.status.toString()));
        QCOMPARE(result.lastSeq, qint64(3));
        QCOMPARE(result.appliedSeq, qint64(3));

        // Update a (new text, new tags) and delete b.
        result = writer.write(batch({
            log.put(QStringLiteral("db"), QStringLiteral("a"), QStringLiteral("2-a"),
                    body(QStringLiteral("a"), QStringLiteral("2-a"), ",\"data\":{\"w\":\"delta\"},\"tags\":[\"z\"]")),
            log.put(QStringLiteral("db"), QStringLiteral("b"), QStringLiteral("2-b"),
                    "{\"id\":\"b\",\"rev\":\"2-b\",\"deleted\":true}", true),
        }));
        QVERIFY2(result.status.isOk(), qPrintable(result.status.toString()));

        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        const std::optional<DatabaseInfo> info = reader.database(QStringLiteral("db")).value();
        QVERIFY(info);
        QCOMPARE(info->seq, qint64(4));
        QCOMPARE(info->docsTotal, qint64(2));
        QCOMPARE(info->docsDeleted, qint64(1));

        QCOMPARE(reader.head(QStringLiteral("db"), QStringLiteral("a")).value()->rev, QStringLiteral("2-a"));
        QVERIFY(reader.head(QStringLiteral("db"), QStringLiteral("b")).value()->deleted);
        // Old revisions stay readable.
        const std::optional<StoredDocument> old = reader.document(QStringLiteral("db"), QStringLiteral("a"), QStringLiteral("1-a")).value();
        QVERIFY(old);
        QVERIFY(old->body.contains("alpha beta"));
        QVERIFY(!reader.document(QStringLiteral("db"), QStringLiteral("a"), QStringLiteral("9-z")).value());

        // The full-text index forgot the old text and the tombstone.
        PageRequest page;
        QCOMPARE(reader.search(QStringLiteral("db"), SearchQuery::fromText(u"alpha"), page)->total, qint64(0));
        QCOMPARE(reader.search(QStringLiteral("db"), SearchQuery::fromText(u"delta"), page)->total, qint64(1));
        QCOMPARE(reader.search(QStringLiteral("db"), SearchQuery::fromText(u"gamma"), page)->total, qint64(0));

        // Tags follow the latest revision.
        TagQuery tags;
        tags.allOf = {QStringLiteral("y")};
        QCOMPARE(reader.findTags(QStringLiteral("db"), tags)->total, qint64(0));
        tags.allOf = {QStringLiteral("z")};
        QCOMPARE(ids(reader.findTags(QStringLiteral("db"), tags).value()), QStringList{QStringLiteral("a")});

        // Changes: one row per document, its latest change.
        const QVector<ChangeRow> changes = reader.changes(QStringLiteral("db"), 0, 100).value();
        QCOMPARE(changes.size(), 2);
        QCOMPARE(changes.at(0).id, QStringLiteral("a"));
        QCOMPARE(changes.at(0).seq, qint64(3));
        QCOMPARE(changes.at(1).id, QStringLiteral("b"));
        QVERIFY(changes.at(1).deleted);
    }

    void deletingADatabaseRemovesEverythingAndItCanBeRecreated()
    {
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogBuilder log;
        QVERIFY(writer.write(batch({log.createDatabase(QStringLiteral("db")),
                                    log.put(QStringLiteral("db"), QStringLiteral("a"), QStringLiteral("1-a"),
                                            body(QStringLiteral("a"), QStringLiteral("1-a"), ",\"content\":\"word\",\"tags\":[\"t\"]")),
                                    log.deleteDatabase(QStringLiteral("db")),
                                    log.createDatabase(QStringLiteral("db"))}))
                    .status.isOk());
        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        QCOMPARE(reader.database(QStringLiteral("db")).value()->docsTotal, qint64(0));
        QVERIFY(!reader.head(QStringLiteral("db"), QStringLiteral("a")).value());
        QCOMPARE(reader.search(QStringLiteral("db"), SearchQuery::fromText(u"word"), PageRequest())->total, qint64(0));
        QCOMPARE(reader.tagCount(QStringLiteral("db")).value(), qint64(0));
        QCOMPARE(reader.allDocuments(QStringLiteral("db"), PageRequest(), true)->total, qint64(0));
    }

    void aFailedBatchLeavesNothingBehind()
    {
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogBuilder log;
        QVERIFY(writer.write(batch({log.createDatabase(QStringLiteral("db"))})).status.isOk());
        // The second entry writes to a database that does not exist: the
        // whole batch, the first entry included, must roll back.
        const WriteBatchResult result = writer.write(batch({
            log.put(QStringLiteral("db"), QStringLiteral("a"), QStringLiteral("1-a"), body(QStringLiteral("a"), QStringLiteral("1-a"), "")),
            log.put(QStringLiteral("nope"), QStringLiteral("b"), QStringLiteral("1-b"), body(QStringLiteral("b"), QStringLiteral("1-b"), "")),
        }));
        QVERIFY(!result.status.isOk());
        QCOMPARE(result.lastSeq, qint64(1));
        QCOMPARE(writer.lastSeq(), qint64(1));
        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        QVERIFY(!reader.head(QStringLiteral("db"), QStringLiteral("a")).value());
        QCOMPARE(reader.state()->lastSeq, qint64(1));
        QCOMPARE(reader.database(QStringLiteral("db")).value()->seq, qint64(0));
    }

    void refusesAGapInTheLog()
    {
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogBuilder log(5);
        const WriteBatchResult result = writer.write(batch({log.createDatabase(QStringLiteral("db"))}));
        QVERIFY(!result.status.isOk());
        QVERIFY(result.status.message().contains(QLatin1String("log gap")));
    }

    void appendedButUncommittedEntriesAreAppliedLater()
    {
        LogBuilder log;
        {
            StorageWriter writer(m_path, StorageOptions());
            QVERIFY(writer.open().isOk());
            QVERIFY(writer.write(batch({log.createDatabase(QStringLiteral("db"))})).status.isOk());
            // Durable in the log, not yet committed (a replica set waits for quorum).
            QVERIFY(writer.write(batch({log.put(QStringLiteral("db"), QStringLiteral("a"), QStringLiteral("1-a"),
                                                body(QStringLiteral("a"), QStringLiteral("1-a"), ""))},
                                       false))
                        .status.isOk());
            QCOMPARE(writer.lastSeq(), qint64(2));
            QCOMPARE(writer.appliedSeq(), qint64(1));
            DocumentReader reader;
            QVERIFY(reader.open(m_path, StorageOptions()).isOk());
            QVERIFY(!reader.head(QStringLiteral("db"), QStringLiteral("a")).value()); // reads see committed state only
        }
        // After a restart the writer knows the log's end and what was applied,
        // and applies the entry from the log once it is committed.
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        QCOMPARE(writer.lastSeq(), qint64(2));
        QCOMPARE(writer.appliedSeq(), qint64(1));
        WriteBatch applyOnly;
        applyOnly.applyThroughSeq = 2;
        QVERIFY(writer.write(applyOnly).status.isOk());
        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        QCOMPARE(reader.head(QStringLiteral("db"), QStringLiteral("a")).value()->rev, QStringLiteral("1-a"));
    }

    // A replica applies an entry in the batch after the one that appended it.
    // What it applies is what the log holds at that seq then: never an entry
    // a later batch cut, nor one a failed batch meant to append.
    void entriesAppliedInALaterBatchAreTheOnesTheLogHolds()
    {
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogBuilder log;
        const auto put = [](LogBuilder &builder, const QString &id) {
            return builder.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), ""));
        };
        WriteBatch first = batch({log.createDatabase(QStringLiteral("db")), put(log, QStringLiteral("a")),
                                  put(log, QStringLiteral("b"))},
                                 false);
        first.applyThroughSeq = 1;
        QVERIFY(writer.write(first).status.isOk());

        // A batch that fails (a gap) changes nothing, in the file or kept.
        LogBuilder gap(9);
        WriteBatch failing = batch({put(gap, QStringLiteral("z"))}, false);
        failing.applyThroughSeq = 2;
        QVERIFY(!writer.write(failing).status.isOk());
        QCOMPARE(writer.appliedSeq(), qint64(1));

        // A new term cuts b (seq 3) and appends c there; a applies.
        WriteBatch cut;
        cut.truncateFromSeq = 3;
        cut.hardState = HardState{2, 1};
        LogBuilder newer(3);
        LogEntry c = put(newer, QStringLiteral("c"));
        c.term = 2;
        cut.entries = {c};
        cut.applyThroughSeq = 2;
        QVERIFY(writer.write(cut).status.isOk());
        QCOMPARE(writer.appliedSeq(), qint64(2));

        WriteBatch applyOnly;
        applyOnly.applyThroughSeq = 3;
        QVERIFY(writer.write(applyOnly).status.isOk());
        QCOMPARE(writer.appliedSeq(), qint64(3));
        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        QVERIFY(reader.head(QStringLiteral("db"), QStringLiteral("a")).value());
        QVERIFY(!reader.head(QStringLiteral("db"), QStringLiteral("b")).value());
        QVERIFY(!reader.head(QStringLiteral("db"), QStringLiteral("z")).value());
        QVERIFY(reader.head(QStringLiteral("db"), QStringLiteral("c")).value());
        QCOMPARE(reader.database(QStringLiteral("db")).value()->docsTotal, qint64(2));
    }

    void refusesAFileThatIsNotPeaceDb()
    {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
            db.setDatabaseName(m_path);
            QVERIFY(db.open());
            QSqlQuery(db).exec(QStringLiteral("CREATE TABLE other(x)"));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
        StorageWriter writer(m_path, StorageOptions());
        const Status status = writer.open();
        QVERIFY(!status.isOk());
        QVERIFY2(status.message().contains(QLatin1String("not a PeaceDB data file")), qPrintable(status.message()));
    }

    // A version 1 file (tags indexed as written, compared case-sensitively)
    // is upgraded on open: its tag index holds case-folded keys afterwards,
    // so the tag queries ignore case for the documents it already holds. A
    // newer version than this build's is refused.
    void upgradesAVersionOneTagIndex()
    {
        {
            StorageWriter writer(m_path, StorageOptions());
            QVERIFY(writer.open().isOk());
            LogBuilder log;
            const WriteBatchResult result = writer.write(batch({
                log.createDatabase(QStringLiteral("db")),
                log.put(QStringLiteral("db"), QStringLiteral("a"), QStringLiteral("1-a"),
                        body(QStringLiteral("a"), QStringLiteral("1-a"), ",\"tags\":[\"Red\",\"RED\",\"Blue\"]")),
                log.put(QStringLiteral("db"), QStringLiteral("b"), QStringLiteral("1-b"),
                        body(QStringLiteral("b"), QStringLiteral("1-b"), ",\"tags\":[\"red\",\"ΣΟΦΙΑ\"]")),
            }));
            QVERIFY2(result.status.isOk(), qPrintable(result.status.toString()));
        }
        const auto rewrite = [this](const QStringList &statements) {
            {
                QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("older"));
                db.setDatabaseName(m_path);
                QVERIFY(db.open());
                for (const QString &statement : statements)
                    QVERIFY2(QSqlQuery(db).exec(statement), qPrintable(statement));
                db.close();
            }
            QSqlDatabase::removeDatabase(QStringLiteral("older"));
        };
        // What version 1 wrote for the same documents.
        rewrite({QStringLiteral("DELETE FROM tags"),
                 QStringLiteral("INSERT INTO tags(db, tag, id) VALUES('db', 'Red', 'a'), ('db', 'RED', 'a'), ('db', 'Blue', 'a'),"
                                " ('db', 'red', 'b'), ('db', 'ΣΟΦΙΑ', 'b')"),
                 QStringLiteral("UPDATE meta SET value = 1 WHERE key = 'schemaVersion'")});
        {
            StorageWriter writer(m_path, StorageOptions());
            const Status opened = writer.open();
            QVERIFY2(opened.isOk(), qPrintable(opened.toString()));
        }
        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        const auto found = [&reader](const QString &tag) {
            TagQuery query;
            query.allOf = {Document::tagKey(tag)};
            return ids(reader.findTags(QStringLiteral("db"), query).value());
        };
        QCOMPARE(found(QStringLiteral("red")), (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
        QCOMPARE(found(QStringLiteral("BLUE")), QStringList{QStringLiteral("a")});
        QCOMPARE(found(QStringLiteral("σοφια")), QStringList{QStringLiteral("b")});
        QCOMPARE(reader.tagCount(QStringLiteral("db")).value(), qint64(3));
        // Documents keep their tags as written.
        QVERIFY(reader.document(QStringLiteral("db"), QStringLiteral("a"), QString()).value()->body.contains("\"Red\",\"RED\",\"Blue\""));
        reader.close();

        rewrite({QStringLiteral("UPDATE meta SET value = 3 WHERE key = 'schemaVersion'")});
        StorageWriter newer(m_path, StorageOptions());
        const Status status = newer.open();
        QVERIFY(!status.isOk());
        QVERIFY2(status.message().contains(QLatin1String("schema version 3")), qPrintable(status.message()));
    }

    void truncationKeepsARollbackCopyAndRefusesCommittedEntries()
    {
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogBuilder log;
        QVector<LogEntry> entries{log.createDatabase(QStringLiteral("db"))};
        for (int i = 0; i < 4; ++i) {
            const QString id = QStringLiteral("d%1").arg(i);
            entries.append(log.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), "")));
        }
        WriteBatch first = batch(entries, false);
        first.applyThroughSeq = 3; // 4 and 5 are durable but not committed
        QVERIFY(writer.write(first).status.isOk());

        WriteBatch cut;
        cut.truncateFromSeq = 4;
        cut.hardState = HardState{2, 1};
        LogBuilder newer(4);
        LogEntry replacement = newer.put(QStringLiteral("db"), QStringLiteral("x"), QStringLiteral("1-x"), body(QStringLiteral("x"), QStringLiteral("1-x"), ""));
        replacement.term = 2;
        cut.entries = {replacement};
        cut.applyThroughSeq = 4;
        const WriteBatchResult result = writer.write(cut);
        QVERIFY2(result.status.isOk(), qPrintable(result.status.toString()));
        QCOMPARE(result.rolledBack, qint64(2));
        QCOMPARE(result.lastSeq, qint64(4));
        QCOMPARE(result.lastTerm, qint64(2));
        QCOMPARE(result.appliedSeq, qint64(4));

        // Cutting committed entries is refused, and nothing changes.
        WriteBatch bad;
        bad.truncateFromSeq = 2;
        QVERIFY(!writer.write(bad).status.isOk());
        QCOMPARE(writer.lastSeq(), qint64(4));

        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        QCOMPARE(reader.rolledBackCount().value(), qint64(2));
        QVERIFY(reader.head(QStringLiteral("db"), QStringLiteral("x")).value());
        QVERIFY(!reader.head(QStringLiteral("db"), QStringLiteral("d3")).value());
        const QVector<LogEntry> stored = reader.logEntries(1, 10, 10).value();
        QCOMPARE(stored.size(), 4);
        QCOMPARE(stored.last().id, QStringLiteral("x"));

        // The term, vote and term history survive a restart.
        writer.close();
        StorageWriter reopened(m_path, StorageOptions());
        QVERIFY(reopened.open().isOk());
        QCOMPARE(reopened.hardState(), (HardState{2, 1}));
        QCOMPARE(reopened.termHistory().termAt(3), std::optional<qint64>(1));
        QCOMPARE(reopened.termHistory().termAt(4), std::optional<qint64>(2));
        QCOMPARE(reopened.termHistory().lastSeq(), qint64(4));
    }

    // A snapshot replaces a member's database in one step: the hard state
    // written is the one given at swap time, the member's rolled-back
    // entries stay, and a database not closed cleanly is never swapped.
    void snapshotInstallIsAtomicAndKeepsTheCurrentHardState()
    {
        const QString source = m_dir->filePath(QStringLiteral("source.sqlite"));
        {
            StorageWriter writer(source, StorageOptions());
            QVERIFY(writer.open().isOk());
            LogBuilder log;
            QVector<LogEntry> entries{log.createDatabase(QStringLiteral("db"))};
            for (int i = 0; i < 5; ++i) {
                const QString id = QStringLiteral("s%1").arg(i);
                entries.append(log.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), "")));
            }
            QVERIFY(writer.write(batch(entries)).status.isOk());
        }
        {
            // The installing member: one rolled-back entry, term 3, vote 2.
            StorageWriter writer(m_path, StorageOptions());
            QVERIFY(writer.open().isOk());
            LogBuilder log;
            WriteBatch first = batch({log.createDatabase(QStringLiteral("db")),
                                      log.put(QStringLiteral("db"), QStringLiteral("t"), QStringLiteral("1-t"),
                                              body(QStringLiteral("t"), QStringLiteral("1-t"), ""))},
                                     false);
            first.applyThroughSeq = 1;
            first.hardState = HardState{3, 2};
            QVERIFY(writer.write(first).status.isOk());
            WriteBatch cut;
            cut.truncateFromSeq = 2;
            QVERIFY(writer.write(cut).status.isOk());
        }
        const QString snapshot = m_dir->filePath(QStringLiteral("snapshot-in.sqlite"));
        const Result<SnapshotFile::Info> made = SnapshotFile::create(source, snapshot);
        QVERIFY2(made.isOk(), qPrintable(made.status().toString()));
        QCOMPARE(made->seq, qint64(6));
        const Result<SnapshotFile::Info> prepared = SnapshotFile::prepareInstall(snapshot, QStringLiteral("member-2"));
        QVERIFY2(prepared.isOk(), qPrintable(prepared.status().toString()));
        // The term and vote moved on while the snapshot was downloaded.
        const HardState now{5, 1, false};
        QVERIFY(SnapshotFile::finishInstall(snapshot, m_path, now).isOk());

        // An old write-ahead log next to the database would be replayed
        // into the new file: refused, and nothing is moved.
        QFile wal(m_path + QStringLiteral("-wal"));
        QVERIFY(wal.open(QIODevice::WriteOnly) && wal.write("not empty") > 0);
        wal.close();
        QVERIFY(!SnapshotFile::swapInto(snapshot, m_path).isOk());
        QVERIFY(QFile::exists(snapshot));
        QVERIFY(QFile::remove(m_path + QStringLiteral("-wal")));

        QVERIFY(SnapshotFile::swapInto(snapshot, m_path).isOk());
        QVERIFY(!QFile::exists(snapshot));
        StorageWriter installed(m_path, StorageOptions());
        QVERIFY(installed.open().isOk());
        QCOMPARE(installed.hardState(), now);
        QCOMPARE(installed.termHistory().compactedSeq(), qint64(6));
        QCOMPARE(installed.lastSeq(), qint64(6));
        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        QVERIFY(reader.head(QStringLiteral("db"), QStringLiteral("s4")).value());
        QVERIFY(!reader.head(QStringLiteral("db"), QStringLiteral("t")).value());
        QCOMPARE(reader.rolledBackCount().value(), qint64(1));
    }

    // A backup reads its copies without changing a byte or leaving a file
    // beside them; a restore makes a copy a member's database with the hard
    // state it is given.
    void snapshotReadChangesNothingAndRestoresAsAMember()
    {
        const QString source = m_dir->filePath(QStringLiteral("source.sqlite"));
        {
            StorageWriter writer(source, StorageOptions());
            QVERIFY(writer.open().isOk());
            LogBuilder log;
            QVector<LogEntry> entries{log.createDatabase(QStringLiteral("db")), log.createDatabase(QStringLiteral("other"))};
            for (int i = 0; i < 5; ++i) {
                const QString id = QStringLiteral("s%1").arg(i);
                entries.append(log.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), "")));
            }
            QVERIFY(writer.write(batch(entries)).status.isOk());
        }
        QTemporaryDir backup;
        const QString copy = QDir(backup.path()).filePath(QStringLiteral("shard-0.sqlite"));
        QVERIFY(SnapshotFile::create(source, copy).isOk());
        QFile file(copy);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray before = file.readAll();
        file.close();

        const Result<SnapshotFile::Info> read = SnapshotFile::read(copy);
        QVERIFY2(read.isOk(), qPrintable(read.status().toString()));
        QCOMPARE(read->seq, qint64(7));
        QCOMPARE(read->term, qint64(1));
        QCOMPARE(read->bytes, qint64(before.size()));
        const QMap<QString, qint64> databases{{QStringLiteral("db"), 5}, {QStringLiteral("other"), 0}};
        QCOMPARE(read->databases, databases);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll() == before);
        file.close();
        QCOMPARE(QDir(backup.path()).entryList(QDir::Files), QStringList{QStringLiteral("shard-0.sqlite")});

        const QString notOurs = QDir(backup.path()).filePath(QStringLiteral("notes.txt"));
        QFile text(notOurs);
        QVERIFY(text.open(QIODevice::WriteOnly) && text.write("not a database at all, just some text to read") > 0);
        text.close();
        QVERIFY(!SnapshotFile::read(notOurs).isOk());
        QVERIFY(!SnapshotFile::read(QDir(backup.path()).filePath(QStringLiteral("missing.sqlite"))).isOk());

        QVERIFY(SnapshotFile::prepareInstall(copy, QStringLiteral("restored-member")).isOk());
        QVERIFY(SnapshotFile::writeHardState(copy, HardState{1, -1, true}).isOk());
        StorageWriter restored(copy, StorageOptions());
        QVERIFY(restored.open().isOk());
        QCOMPARE(restored.hardState(), (HardState{1, -1, true}));
        QCOMPARE(restored.termHistory().compactedSeq(), qint64(7));
        QCOMPARE(restored.lastSeq(), qint64(7));
    }

    void retentionCompactsAppliedEntries()
    {
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogBuilder log;
        QVector<LogEntry> entries{log.createDatabase(QStringLiteral("db"))};
        for (int i = 0; i < 199; ++i) {
            const QString id = QStringLiteral("d%1").arg(i);
            entries.append(log.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), "")));
        }
        WriteBatch withRetention = batch(entries);
        withRetention.retainEntries = 50;
        const WriteBatchResult result = writer.write(withRetention);
        QVERIFY2(result.status.isOk(), qPrintable(result.status.toString()));
        QCOMPARE(result.compactedSeq, qint64(150));
        QCOMPARE(result.compactedTerm, qint64(1));
        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        QCOMPARE(reader.logEntries(1, 1000, 1000)->size(), 50);
        QCOMPARE(reader.logEntries(1, 1000, 1000)->first().seq, qint64(151));
        QCOMPARE(reader.database(QStringLiteral("db")).value()->docsTotal, qint64(199)); // documents are not affected
        writer.close();
        StorageWriter reopened(m_path, StorageOptions());
        QVERIFY(reopened.open().isOk());
        QCOMPARE(reopened.termHistory().compactedSeq(), qint64(150));
        QCOMPARE(reopened.termHistory().termAt(150), std::optional<qint64>(1));
        QVERIFY(!reopened.termHistory().termAt(149));
    }

    void committerTicketsCompleteInOrderAndSurviveTruncation()
    {
        GroupCommitter committer(m_path, StorageOptions(), 2);
        QVERIFY(committer.start().isOk());
        QSignalSpy durable(&committer, &GroupCommitter::durable);
        LogBuilder log;
        GroupCommitter::LogWrite create;
        create.entries = {log.createDatabase(QStringLiteral("db"))};
        create.commitThroughSeq = 1;
        const quint64 first = committer.submit(create);
        GroupCommitter::LogWrite puts;
        for (int i = 0; i < 5; ++i) {
            const QString id = QStringLiteral("d%1").arg(i);
            puts.entries.append(log.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), "")));
        }
        const quint64 second = committer.submit(puts); // spans several batches (2 entries each)
        // Replace the last two before they are written.
        GroupCommitter::LogWrite cut;
        cut.truncateFromSeq = 5;
        LogBuilder again(5);
        cut.entries = {again.put(QStringLiteral("db"), QStringLiteral("z"), QStringLiteral("1-z"), body(QStringLiteral("z"), QStringLiteral("1-z"), ""))};
        cut.hardState = HardState{3, -1};
        const quint64 third = committer.submit(cut);
        QVERIFY(first < second && second < third);
        QTRY_VERIFY_WITH_TIMEOUT(!durable.isEmpty() && durable.last().at(2).toULongLong() >= third, 10000);
        quint64 previous = 0;
        for (const QList<QVariant> &signal : durable) {
            QVERIFY(signal.at(2).toULongLong() >= previous);
            previous = signal.at(2).toULongLong();
        }
        QCOMPARE(committer.durableSeq(), qint64(5));
        committer.stop();
        StorageWriter reopened(m_path, StorageOptions());
        QVERIFY(reopened.open().isOk());
        QCOMPARE(reopened.hardState().term, qint64(3));
        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        const QVector<LogEntry> stored = reader.logEntries(1, 10, 10).value();
        QCOMPARE(stored.size(), 5);
        QCOMPARE(stored.last().id, QStringLiteral("z"));
    }

    void lookupsStayFastInALargeDatabase()
    {
        // Regression: a join that let SQLite scan every document of the
        // database for each bulk request took seconds here.
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogBuilder log;
        QVector<LogEntry> entries{log.createDatabase(QStringLiteral("db"))};
        for (int i = 0; i < 50000; ++i) {
            const QString id = QStringLiteral("doc-%1").arg(i, 6, 10, QLatin1Char('0'));
            entries.append(log.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), "")));
        }
        QVERIFY(writer.write(batch(entries)).status.isOk());

        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        QStringList wanted;
        for (int i = 0; i < 1000; ++i)
            wanted.append(QStringLiteral("doc-%1").arg(i * 37, 6, 10, QLatin1Char('0')));
        wanted.append(QStringLiteral("absent"));
        QElapsedTimer timer;
        timer.start();
        const QHash<QString, DocumentHead> heads = reader.heads(QStringLiteral("db"), wanted).value();
        const Result<DocumentPage> lastPage = reader.allDocuments(QStringLiteral("db"), PageRequest{49990, 100}, false);
        const qint64 elapsed = timer.elapsed();
        QCOMPARE(heads.size(), 1000);
        QVERIFY(!heads.contains(QStringLiteral("absent")));
        QCOMPARE(lastPage->total, qint64(50000));
        QCOMPARE(lastPage->bodies.size(), 10);
        QVERIFY2(elapsed < 300, qPrintable(QStringLiteral("%1 ms").arg(elapsed)));
    }

    void groupCommitterBatchesQueuedEntries()
    {
        GroupCommitter committer(m_path, StorageOptions(), 1000);
        QVERIFY(committer.start().isOk());
        QSignalSpy durable(&committer, &GroupCommitter::durable);
        LogBuilder log;
        committer.append({log.createDatabase(QStringLiteral("db"))}, 1);
        // While the first batch is being written, 200 more writes queue up
        // and go out together in far fewer batches.
        for (int i = 0; i < 200; ++i) {
            const QString id = QStringLiteral("d%1").arg(i);
            const LogEntry entry = log.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), ""));
            committer.append({entry}, entry.seq);
        }
        QTRY_COMPARE_WITH_TIMEOUT(committer.appliedSeq(), qint64(201), 10000);
        QVERIFY(committer.isIdle());
        QVERIFY2(committer.batchesWritten() < 50, qPrintable(QString::number(committer.batchesWritten())));
        QCOMPARE(committer.entriesWritten(), qint64(201));
        QCOMPARE(durable.last().at(0).toLongLong(), qint64(201));
        committer.stop();

        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        QCOMPARE(reader.database(QStringLiteral("db")).value()->docsTotal, qint64(200));
    }

    // Log retention drops a little with every batch — never a large slice
    // of the log in one commit — and gets back to its length after a burst.
    void retentionCompactsStepByStep()
    {
        StorageWriter writer(m_path, StorageOptions());
        QVERIFY(writer.open().isOk());
        LogBuilder log;
        WriteBatch first = batch({log.createDatabase(QStringLiteral("db"))});
        first.retainEntries = 1000;
        QVERIFY(writer.write(first).status.isOk());
        qint64 compacted = 0;
        qint64 last = 1;
        qint64 largestStep = 0;
        for (int round = 0; round < 150; ++round) {
            QVector<LogEntry> entries;
            for (int i = 0; i < 10; ++i) {
                const QString id = QStringLiteral("d%1-%2").arg(round).arg(i);
                entries << log.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), ""));
            }
            last = entries.last().seq;
            WriteBatch next = batch(entries);
            next.retainEntries = 1000;
            const WriteBatchResult result = writer.write(next);
            QVERIFY2(result.status.isOk(), qPrintable(result.status.toString()));
            largestStep = qMax(largestStep, result.compactedSeq - compacted);
            compacted = result.compactedSeq;
            // Never more than a batch's worth over the retention.
            QVERIFY2(last - compacted <= 1000 + 10, qPrintable(QStringLiteral("log %1..%2").arg(compacted).arg(last)));
        }
        // (Dropping a tenth of the retention at once would be 100 here.)
        QVERIFY2(largestStep <= 2 * (10 + 10), qPrintable(QString::number(largestStep)));
        QCOMPARE(last - compacted, qint64(1000));

        // A burst appended unapplied, then applied by a batch without entries.
        QVector<LogEntry> burst;
        for (int i = 0; i < 3000; ++i) {
            const QString id = QStringLiteral("b%1").arg(i);
            burst << log.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), ""));
        }
        WriteBatch appended = batch(burst, false);
        appended.applyThroughSeq = last;
        appended.retainEntries = 1000;
        QVERIFY(writer.write(appended).status.isOk());
        WriteBatch applied;
        applied.applyThroughSeq = burst.last().seq;
        applied.retainEntries = 1000;
        const WriteBatchResult result = writer.write(applied);
        QVERIFY(result.status.isOk());
        QCOMPARE(result.compactedSeq, burst.last().seq - 1000);
    }

    // The write-ahead log is checkpointed on a thread of its own (the
    // writer's commits run none): it stays bounded while thousands of
    // documents are written, across a stop and start (as around a snapshot
    // install), and everything reads back.
    void checkpointsRunBesideTheWriter()
    {
        StorageOptions options;
        options.walAutoCheckpointPages = 64;
        GroupCommitter committer(m_path, options, 1000);
        QVERIFY(committer.start().isOk());
        QSignalSpy failed(&committer, &GroupCommitter::failed);
        LogBuilder log;
        committer.append({log.createDatabase(QStringLiteral("db"))}, 1);
        const QByteArray filler(900, 'x');
        qint64 last = 1;
        const auto writeDocuments = [&](int from, int count) {
            for (int i = from; i < from + count; ++i) {
                const QString id = QStringLiteral("d%1").arg(i);
                const LogEntry entry =
                    log.put(QStringLiteral("db"), id, QStringLiteral("1-a"), body(id, QStringLiteral("1-a"), QByteArray(",\"data\":{\"f\":\"") + filler + "\"}"));
                committer.append({entry}, entry.seq);
                last = entry.seq;
                if (i % 50 == 0)
                    QTRY_VERIFY_WITH_TIMEOUT(committer.isIdle(), 10000);
            }
            QTRY_VERIFY2_WITH_TIMEOUT(committer.isIdle() && committer.appliedSeq() == last,
                                      qPrintable(QStringLiteral("applied %1 of %2, durable %3, idle %4")
                                                     .arg(committer.appliedSeq())
                                                     .arg(last)
                                                     .arg(committer.durableSeq())
                                                     .arg(committer.isIdle())),
                                      20000);
        };
        writeDocuments(0, 2000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().value<Status>().toString()));
        QTRY_VERIFY_WITH_TIMEOUT(committer.checkpoints() > 0, 5000);
        const qint64 walBytes = QFileInfo(m_path + QStringLiteral("-wal")).size();
        const qint64 databaseBytes = QFileInfo(m_path).size();
        // About 4 MB went through the log; it restarted after checkpoints.
        QVERIFY2(walBytes < 2 * 1024 * 1024 && databaseBytes > 2 * 1024 * 1024,
                 qPrintable(QStringLiteral("wal %1 bytes, database %2 bytes, %3 checkpoints").arg(walBytes).arg(databaseBytes).arg(committer.checkpoints())));
        committer.stop();
        QVERIFY(committer.start().isOk());
        writeDocuments(2000, 500);
        committer.stop();

        DocumentReader reader;
        QVERIFY(reader.open(m_path, StorageOptions()).isOk());
        QCOMPARE(reader.database(QStringLiteral("db")).value()->docsTotal, qint64(2500));
    }

    // Under a load that never pauses, background checkpoints alone never
    // catch up with the log (a commit lands while each one runs), so the log
    // never restarts: it grew to 1.2 GB in a bulk ingest of a million
    // documents. The writer finishes a checkpoint itself once the log is
    // well past the threshold, and the log restarts.
    void theLogStaysBoundedUnderAnUnbrokenLoad()
    {
        StorageOptions options;
        options.walAutoCheckpointPages = 64; // 256 KiB of log
        GroupCommitter committer(m_path, options, 1000);
        QVERIFY(committer.start().isOk());
        LogBuilder log;
        committer.append({log.createDatabase(QStringLiteral("db"))}, 1);
        const QByteArray filler(900, 'x');
        const QString walPath = m_path + QStringLiteral("-wal");
        qint64 peakWal = 0;
        qint64 last = 1;
        for (int i = 0; i < 12000; ++i) {
            const QString id = QStringLiteral("d%1").arg(i);
            const LogEntry entry = log.put(QStringLiteral("db"), id, QStringLiteral("1-a"),
                                           body(id, QStringLiteral("1-a"), QByteArray(",\"data\":{\"f\":\"") + filler + "\"}"));
            committer.append({entry}, entry.seq);
            last = entry.seq;
            if (i % 20 == 0) {
                QCoreApplication::processEvents();
                peakWal = qMax(peakWal, QFileInfo(walPath).size());
                // Keep the writer busy but not buried: a few batches queued.
                while (last - committer.appliedSeq() > 400)
                    QTest::qWait(1);
            }
        }
        QTRY_VERIFY_WITH_TIMEOUT(committer.isIdle() && committer.appliedSeq() == last, 60000);
        peakWal = qMax(peakWal, QFileInfo(walPath).size());
        const qint64 databaseBytes = QFileInfo(m_path).size();
        const qint64 checkpoints = committer.checkpoints();
        committer.stop();
        // Some 12 MB of documents (and their indexes) went through the log.
        QVERIFY2(databaseBytes > 10 * 1024 * 1024, qPrintable(QString::number(databaseBytes)));
        qInfo("log peak %lld bytes, database %lld bytes, %lld checkpoints beside the writer", peakWal, databaseBytes,
              checkpoints);
        // The writer completes a checkpoint at 512 pages (2 MB) at the latest
        // — at the next commit if one beside it was running — and a commit
        // here can hold a few hundred documents: a few MB. Unbounded, the
        // log reaches 28 MB here.
        QVERIFY2(peakWal < 10 * 1024 * 1024,
                 qPrintable(QStringLiteral("the log reached %1 bytes (database %2 bytes, %3 checkpoints)")
                                .arg(peakWal)
                                .arg(databaseBytes)
                                .arg(checkpoints)));
    }

    void groupCommitterReportsFailureAndDropsTheQueue()
    {
        GroupCommitter committer(m_path, StorageOptions(), 1);
        QVERIFY(committer.start().isOk());
        QSignalSpy failed(&committer, &GroupCommitter::failed);
        LogBuilder log;
        // Entry 1 writes to a missing database (fails); entries 2 and 3 are
        // queued behind it and must be dropped, not written.
        const LogEntry bad = log.put(QStringLiteral("missing"), QStringLiteral("a"), QStringLiteral("1-a"), body(QStringLiteral("a"), QStringLiteral("1-a"), ""));
        committer.append({bad}, 1);
        committer.append({log.createDatabase(QStringLiteral("db")), log.createDatabase(QStringLiteral("db2"))}, 3);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
        QCOMPARE(failed.at(0).at(2).toLongLong(), qint64(0));
        QCOMPARE(committer.lastQueuedSeq(), qint64(0));
        QVERIFY(!committer.isBroken()); // a rolled-back batch is not an I/O error
        // The log continues from the last durable entry.
        LogBuilder again;
        committer.append({again.createDatabase(QStringLiteral("db"))}, 1);
        QTRY_COMPARE_WITH_TIMEOUT(committer.appliedSeq(), qint64(1), 10000);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

QTEST_GUILESS_MAIN(TestStorage)
#include "tst_storage.moc"
