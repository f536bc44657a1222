// tst_changecursor: the router's _changes cursor (parse, format) and the
// merge of the shards' _changes pages: hand-made cases for each rule, and
// model checks that paging with small limits over random shards returns
// every change exactly once, with every row's seq and every lastSeq a cursor
// that covers exactly what was returned; one shard answers like a node.
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include "ChangeCursor.h"

#include <optional>

namespace {

using Seqs = QVector<qint64>;

ShardChange change(qint64 seq, const QString &id = QString())
{
    return ShardChange{seq, id.isEmpty() ? QStringLiteral("d%1").arg(seq) : id, QStringLiteral("1-x"), false};
}

ShardChangePage page(const Seqs &seqs, qint64 lastSeq)
{
    ShardChangePage result;
    for (const qint64 seq : seqs)
        result.results.append(change(seq));
    result.lastSeq = lastSeq;
    return result;
}

// A shard's database as a node serves its _changes: one row per document (its
// latest change), seq > since, oldest first; lastSeq is the last row's seq
// for a full page and the database seq otherwise.
struct FakeShard
{
    QVector<ShardChange> rows; // ascending seq
    qint64 databaseSeq = 0;
    int calls = 0;

    ShardChangePage changes(qint64 since, qint64 limit)
    {
        ++calls;
        ShardChangePage answer;
        for (const ShardChange &row : rows) {
            if (answer.results.size() >= limit)
                break;
            if (row.seq > since)
                answer.results.append(row);
        }
        const bool full = !answer.results.isEmpty() && answer.results.size() == limit;
        answer.lastSeq = full ? answer.results.last().seq : databaseSeq;
        return answer;
    }

    // A write to document `id`: the next seq; an earlier row of it goes away.
    void write(const QString &id, QRandomGenerator &random)
    {
        // Writes that leave no row of their own (a database-level entry)
        // also move the database seq.
        databaseSeq += 1 + (random.bounded(4) == 0 ? random.bounded(3) : 0);
        for (qsizetype i = 0; i < rows.size(); ++i) {
            if (rows.at(i).id == id) {
                rows.removeAt(i);
                break;
            }
        }
        rows.append(ShardChange{databaseSeq, id, QStringLiteral("%1-x").arg(databaseSeq), random.bounded(5) == 0});
    }
};

QVector<FakeShard> randomShards(QRandomGenerator &random, int shardCount, int documents)
{
    QVector<FakeShard> shards(shardCount);
    for (int i = 0; i < documents; ++i) {
        const int shard = random.bounded(4) == 0 ? 0 : random.bounded(shardCount);
        // Some documents are written several times: only the latest stays.
        const QString id = QStringLiteral("doc%1").arg(random.bounded(qMax(1, documents * 3 / 4)));
        shards[shard].write(QStringLiteral("s%1-%2").arg(shard).arg(id), random);
    }
    return shards;
}

using Returned = QSet<QPair<int, qint64>>; // (shard, seq)

// Empty when `returned` is exactly the changes at or before `cursor`.
QString coverMismatch(const QVector<FakeShard> &shards, const Returned &returned, const ChangeCursor &cursor)
{
    Returned covered;
    for (int shard = 0; shard < shards.size(); ++shard) {
        for (const ShardChange &row : shards.at(shard).rows) {
            if (row.seq <= cursor.seq(shard))
                covered.insert(qMakePair(shard, row.seq));
        }
    }
    if (covered == returned)
        return QString();
    const Returned missing = covered - returned;
    const Returned extra = returned - covered;
    return QStringLiteral("cursor %1 covers %2 changes, %3 returned; %4 not returned, %5 beyond the cursor")
        .arg(cursor.toString())
        .arg(covered.size())
        .arg(returned.size())
        .arg(missing.size())
        .arg(extra.size());
}

} // namespace

class TestChangeCursor : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QString>("since"); // null: absent
        QTest::addColumn<int>("shardCount");
        QTest::addColumn<Seqs>("seqs");     // empty: an error
        QTest::newRow("absent, 1 shard") << QString() << 1 << Seqs{0};
        QTest::newRow("absent, 3 shards") << QString() << 3 << Seqs{0, 0, 0};
        QTest::newRow("0, 1 shard") << QStringLiteral("0") << 1 << Seqs{0};
        QTest::newRow("0, 3 shards") << QStringLiteral("0") << 3 << Seqs{0, 0, 0};
        QTest::newRow("number, 1 shard") << QStringLiteral("12") << 1 << Seqs{12};
        QTest::newRow("cursor") << QStringLiteral("12-40-7") << 3 << Seqs{12, 40, 7};
        QTest::newRow("zeros") << QStringLiteral("0-0-0") << 3 << Seqs{0, 0, 0};
        QTest::newRow("leading zeros") << QStringLiteral("007-0-10") << 3 << Seqs{7, 0, 10};
        QTest::newRow("18 digits") << QStringLiteral("999999999999999999-1") << 2 << Seqs{999999999999999999LL, 1};
        QTest::newRow("too few parts") << QStringLiteral("12-40") << 3 << Seqs{};
        QTest::newRow("too many parts") << QStringLiteral("12-40-7-1") << 3 << Seqs{};
        QTest::newRow("a number for 3 shards") << QStringLiteral("5") << 3 << Seqs{};
        QTest::newRow("a cursor for 1 shard") << QStringLiteral("1-2") << 1 << Seqs{};
        QTest::newRow("zeros for 1 shard") << QStringLiteral("0-0") << 1 << Seqs{};
        QTest::newRow("negative") << QStringLiteral("-1") << 1 << Seqs{};
        QTest::newRow("empty") << QStringLiteral("") << 1 << Seqs{};
        QTest::newRow("empty part") << QStringLiteral("1--2") << 3 << Seqs{};
        QTest::newRow("trailing dash") << QStringLiteral("1-2-") << 3 << Seqs{};
        QTest::newRow("plus sign") << QStringLiteral("+1-2-3") << 3 << Seqs{};
        QTest::newRow("space") << QStringLiteral(" 1-2-3") << 3 << Seqs{};
        QTest::newRow("letters") << QStringLiteral("abc") << 1 << Seqs{};
        QTest::newRow("fraction") << QStringLiteral("1.5") << 1 << Seqs{};
        QTest::newRow("19 digits") << QStringLiteral("1234567890123456789") << 1 << Seqs{};
        QTest::newRow("arabic-indic digits") << QStringLiteral("١-2") << 2 << Seqs{};
    }
    void parse()
    {
        QFETCH(QString, since);
        QFETCH(int, shardCount);
        QFETCH(Seqs, seqs);
        const Result<ChangeCursor> cursor =
            ChangeCursor::parse(since.isNull() ? std::nullopt : std::optional<QString>(since), shardCount);
        QCOMPARE(cursor.isOk(), !seqs.isEmpty());
        if (cursor.isOk()) {
            QCOMPARE(cursor->seqs(), seqs);
            QCOMPARE(cursor->shardCount(), shardCount);
            // What is formatted parses back to the same cursor.
            QCOMPARE(ChangeCursor::parse(cursor->toString(), shardCount)->seqs(), seqs);
            return;
        }
        QCOMPARE(cursor.status().code(), Status::Code::BadRequest);
        const QString expected = shardCount == 1
            ? QStringLiteral("since must be an integer >= 0, not '%1'").arg(since)
            : QStringLiteral("since must be 0 or a cursor of %1 integers >= 0 joined by '-'").arg(shardCount);
        QVERIFY2(cursor.status().message().startsWith(expected), qPrintable(cursor.status().message()));
    }

    void format()
    {
        QCOMPARE(ChangeCursor(Seqs{12}).toString(), QStringLiteral("12"));
        QCOMPARE(ChangeCursor(Seqs{12}).toJson(), QJsonValue(12));
        QCOMPARE(ChangeCursor(Seqs{12, 40, 7}).toString(), QStringLiteral("12-40-7"));
        QCOMPARE(ChangeCursor(Seqs{12, 40, 7}).toJson(), QJsonValue(QStringLiteral("12-40-7")));
        QCOMPARE(ChangeCursor(3).toString(), QStringLiteral("0-0-0"));
        QCOMPARE(ChangeCursor().toJson(), QJsonValue(0));
    }

    void pageFromJson_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<bool>("valid");
        QTest::newRow("page") << QByteArray(R"({"results":[{"seq":3,"id":"a","rev":"1-x","deleted":false},)"
                                            R"({"seq":5,"id":"b","rev":"2-y","deleted":true}],"lastSeq":9})")
                              << true;
        QTest::newRow("empty") << QByteArray(R"({"results":[],"lastSeq":0})") << true;
        QTest::newRow("no lastSeq") << QByteArray(R"({"results":[]})") << false;
        QTest::newRow("lastSeq string") << QByteArray(R"({"results":[],"lastSeq":"9"})") << false;
        QTest::newRow("lastSeq negative") << QByteArray(R"({"results":[],"lastSeq":-1})") << false;
        QTest::newRow("no results") << QByteArray(R"({"lastSeq":0})") << false;
        QTest::newRow("row not an object") << QByteArray(R"({"results":[3],"lastSeq":3})") << false;
        QTest::newRow("row without id") << QByteArray(R"({"results":[{"seq":3,"rev":"1-x","deleted":false}],"lastSeq":3})") << false;
        QTest::newRow("seq fraction") << QByteArray(R"({"results":[{"seq":3.5,"id":"a","rev":"1-x","deleted":false}],"lastSeq":3})") << false;
        QTest::newRow("deleted a string") << QByteArray(R"({"results":[{"seq":3,"id":"a","rev":"1-x","deleted":"no"}],"lastSeq":3})") << false;
    }
    void pageFromJson()
    {
        QFETCH(QByteArray, json);
        QFETCH(bool, valid);
        const Result<ShardChangePage> page = ChangeCursor::pageFromJson(QJsonDocument::fromJson(json).object());
        QCOMPARE(page.isOk(), valid);
        if (!valid) {
            QCOMPARE(page.status().code(), Status::Code::Internal);
            return;
        }
        if (!page->results.isEmpty()) {
            QCOMPARE(page->results.size(), 2);
            QCOMPARE(page->results.at(1).seq, qint64(5));
            QCOMPARE(page->results.at(1).id, QStringLiteral("b"));
            QCOMPARE(page->results.at(1).rev, QStringLiteral("2-y"));
            QVERIFY(page->results.at(1).deleted);
            QCOMPARE(page->lastSeq, qint64(9));
        }
    }

    // The merge rules, one case each: rows in (seq, shard) order, each row's
    // cursor, and lastSeq.
    void mergeRules_data()
    {
        QTest::addColumn<Seqs>("since");
        QTest::addColumn<QVector<ShardChangePage>>("pages");
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<QStringList>("rows");    // "shard:seq"
        QTest::addColumn<QStringList>("cursors"); // each row's seq
        QTest::addColumn<QString>("lastSeq");

        QTest::newRow("one shard, full page: at its last row")
            << Seqs{0} << QVector<ShardChangePage>{page({3, 5}, 5)} << qint64(2) << QStringList{"0:3", "0:5"}
            << QStringList{"3", "5"} << QStringLiteral("5");
        QTest::newRow("one shard, short page: at its lastSeq, like a node")
            << Seqs{2} << QVector<ShardChangePage>{page({3, 5}, 9)} << qint64(10) << QStringList{"0:3", "0:5"}
            << QStringList{"3", "5"} << QStringLiteral("9");
        QTest::newRow("three shards")
            << Seqs{0, 0, 0} << QVector<ShardChangePage>{page({1, 4}, 4), page({2, 3, 6}, 6), page({}, 7)} << qint64(3)
            << QStringList{"0:1", "1:2", "1:3"} << QStringList{"1-0-0", "1-2-0", "1-3-0"}
            // shard 0: one of two rows returned; shard 1: two of a full page;
            // shard 2: a short page, all (none) returned.
            << QStringLiteral("1-3-7");
        QTest::newRow("every page short and used")
            << Seqs{4, 0, 9} << QVector<ShardChangePage>{page({5}, 8), page({}, 0), page({10, 12}, 12)} << qint64(5)
            << QStringList{"0:5", "2:10", "2:12"} << QStringList{"5-0-9", "5-0-10", "5-0-12"} << QStringLiteral("8-0-12");
        QTest::newRow("full page all used: stays at its last row")
            << Seqs{0, 0} << QVector<ShardChangePage>{page({1, 2}, 2), page({}, 50)} << qint64(2)
            << QStringList{"0:1", "0:2"} << QStringList{"1-0", "2-0"} << QStringLiteral("2-50");
        QTest::newRow("short page not all used: stays at its last returned row")
            << Seqs{0, 0} << QVector<ShardChangePage>{page({1, 2, 3}, 3), page({2}, 9)} << qint64(3)
            << QStringList{"0:1", "0:2", "1:2"} << QStringList{"1-0", "2-0", "2-2"} << QStringLiteral("2-9");
        QTest::newRow("short page nothing used: stays at since")
            << Seqs{0, 5} << QVector<ShardChangePage>{page({1, 2}, 2), page({7}, 9)} << qint64(2)
            << QStringList{"0:1", "0:2"} << QStringList{"1-5", "2-5"} << QStringLiteral("2-5");
        QTest::newRow("equal seqs: lower shard first")
            << Seqs{0, 0} << QVector<ShardChangePage>{page({5}, 5), page({5}, 5)} << qint64(1)
            << QStringList{"0:5"} << QStringList{"5-0"} << QStringLiteral("5-0");
        QTest::newRow("limit 0: nothing moves")
            << Seqs{1, 2} << QVector<ShardChangePage>{page({}, 9), page({}, 9)} << qint64(0) << QStringList{}
            << QStringList{} << QStringLiteral("1-2");
        QTest::newRow("nothing new: every shard at its lastSeq")
            << Seqs{4, 7} << QVector<ShardChangePage>{page({}, 4), page({}, 8)} << qint64(10) << QStringList{}
            << QStringList{} << QStringLiteral("4-8");
        QTest::newRow("database recreated (since past its seq): back to its seq, like a node")
            << Seqs{50, 7} << QVector<ShardChangePage>{page({}, 3), page({}, 7)} << qint64(10) << QStringList{}
            << QStringList{} << QStringLiteral("3-7");
        QTest::newRow("lastSeq below the last row (read between two writes): at the row")
            << Seqs{0} << QVector<ShardChangePage>{page({4, 8}, 6)} << qint64(5) << QStringList{"0:4", "0:8"}
            << QStringList{"4", "8"} << QStringLiteral("8");
    }
    void mergeRules()
    {
        QFETCH(Seqs, since);
        QFETCH(QVector<ShardChangePage>, pages);
        QFETCH(qint64, limit);
        QFETCH(QStringList, rows);
        QFETCH(QStringList, cursors);
        QFETCH(QString, lastSeq);
        const Result<MergedChanges> merged = ChangeCursor::merge(ChangeCursor(since), pages, limit);
        QVERIFY2(merged.isOk(), qPrintable(merged.status().toString()));
        QStringList actualRows;
        QStringList actualCursors;
        for (const MergedChangeRow &row : merged->results) {
            actualRows.append(QStringLiteral("%1:%2").arg(row.shard).arg(row.change.seq));
            actualCursors.append(row.seq.toString());
            QCOMPARE(row.change.id, QStringLiteral("d%1").arg(row.change.seq));
        }
        QCOMPARE(actualRows, rows);
        QCOMPARE(actualCursors, cursors);
        QCOMPARE(merged->lastSeq.toString(), lastSeq);
    }

    void mergeErrors_data()
    {
        QTest::addColumn<QVector<ShardChangePage>>("pages");
        QTest::addColumn<QString>("message");
        QTest::newRow("a page missing") << QVector<ShardChangePage>{page({}, 0)} << QStringLiteral("1 _changes pages for 2 shards");
        QTest::newRow("more rows than asked") << QVector<ShardChangePage>{page({3, 4, 5}, 5), page({}, 0)}
                                              << QStringLiteral("3 changes for a limit of 2");
        QTest::newRow("not ascending") << QVector<ShardChangePage>{page({4, 3}, 4), page({}, 0)} << QStringLiteral("seq 3 after 4");
        QTest::newRow("repeated") << QVector<ShardChangePage>{page({4, 4}, 4), page({}, 0)} << QStringLiteral("seq 4 after 4");
        QTest::newRow("not after since") << QVector<ShardChangePage>{page({}, 0), page({2}, 2)} << QStringLiteral("seq 2 after 2");
        QTest::newRow("negative lastSeq") << QVector<ShardChangePage>{page({}, -1), page({}, 0)} << QStringLiteral("negative lastSeq");
    }
    void mergeErrors()
    {
        QFETCH(QVector<ShardChangePage>, pages);
        QFETCH(QString, message);
        const Result<MergedChanges> merged = ChangeCursor::merge(ChangeCursor(Seqs{0, 2}), pages, 2);
        QVERIFY(!merged.isOk());
        QCOMPARE(merged.status().code(), Status::Code::Internal);
        QVERIFY2(merged.status().message().contains(message), qPrintable(merged.status().message()));
    }

    void answerJson()
    {
        const Result<MergedChanges> three =
            ChangeCursor::merge(ChangeCursor(3), {page({1}, 1), page({}, 4), page({2}, 2)}, 1);
        QCOMPARE(QJsonDocument(three->toJson()).toJson(QJsonDocument::Compact),
                 QByteArray(R"({"lastSeq":"1-4-0","results":[{"deleted":false,"id":"d1","rev":"1-x","seq":"1-0-0"}]})"));
        const Result<MergedChanges> one = ChangeCursor::merge(ChangeCursor(1), {page({1, 2}, 7)}, 5);
        QCOMPARE(QJsonDocument(one->toJson()).toJson(QJsonDocument::Compact),
                 QByteArray(R"({"lastSeq":7,"results":[{"deleted":false,"id":"d1","rev":"1-x","seq":1},)"
                            R"({"deleted":false,"id":"d2","rev":"1-x","seq":2}]})"));
    }

    // Model check: pages with small limits over fixed random shards. After
    // every row and every page, what was returned is exactly what the
    // cursor covers (so nothing is skipped or repeated, and resuming from
    // any row's seq or lastSeq goes on from there); the feed ends at every
    // shard's database seq, in about total / limit pages.
    void pagingReturnsEveryChangeOnce()
    {
        QRandomGenerator random(7);
        for (int iteration = 0; iteration < 1500; ++iteration) {
            const int shardCount = 1 + random.bounded(5);
            QVector<FakeShard> shards = randomShards(random, shardCount, random.bounded(3) == 0 ? random.bounded(3) : random.bounded(60));
            const qint64 limit = 1 + random.bounded(random.bounded(2) ? 3 : 12);
            qint64 total = 0;
            Seqs databaseSeqs;
            for (const FakeShard &shard : shards) {
                total += shard.rows.size();
                databaseSeqs.append(shard.databaseSeq);
            }
            const QString where = QStringLiteral("iteration %1 (%2 shards, %3 changes, limit %4)")
                                      .arg(iteration).arg(shardCount).arg(total).arg(limit);

            ChangeCursor cursor = ChangeCursor::parse(std::nullopt, shardCount).value();
            Returned returned;
            int pages = 0;
            for (;; ++pages) {
                QVERIFY2(pages <= total / limit + 2, qPrintable(where + QStringLiteral(": too many pages")));
                QVector<ShardChangePage> answers;
                for (int shard = 0; shard < shardCount; ++shard)
                    answers.append(shards[shard].changes(cursor.seq(shard), limit));
                const Result<MergedChanges> merged = ChangeCursor::merge(cursor, answers, limit);
                QVERIFY2(merged.isOk(), qPrintable(where + QLatin1String(": ") + merged.status().toString()));
                QVERIFY(merged->results.size() <= limit);
                qint64 previousSeq = 0;
                for (const MergedChangeRow &row : merged->results) {
                    QVERIFY2(row.change.seq >= previousSeq, qPrintable(where + QStringLiteral(": rows out of seq order")));
                    previousSeq = row.change.seq;
                    const QPair<int, qint64> key(row.shard, row.change.seq);
                    QVERIFY2(!returned.contains(key), qPrintable(where + QStringLiteral(": a change returned twice")));
                    returned.insert(key);
                    const QString rowProblem = coverMismatch(shards, returned, row.seq);
                    QVERIFY2(rowProblem.isEmpty(), qPrintable(where + QStringLiteral(": row seq: ") + rowProblem));
                    // A row's seq is a `since` the next request accepts.
                    QCOMPARE(ChangeCursor::parse(row.seq.toString(), shardCount).value(), row.seq);
                }
                const QString pageProblem = coverMismatch(shards, returned, merged->lastSeq);
                QVERIFY2(pageProblem.isEmpty(), qPrintable(where + QStringLiteral(": lastSeq: ") + pageProblem));
                cursor = merged->lastSeq;
                if (merged->results.isEmpty())
                    break;
            }
            QCOMPARE(returned.size(), total);
            QVERIFY2(cursor.seqs() == databaseSeqs, qPrintable(where + QStringLiteral(": ends at ") + cursor.toString()));
            QVERIFY2(pages <= (total + limit - 1) / limit + 1, qPrintable(where + QStringLiteral(": %1 pages").arg(pages)));
        }
    }

    // While shards keep taking writes (new documents and updates that move
    // a document to a new seq), paging never returns a change twice, and
    // once the writes stop it reaches every document's latest change.
    void pagingWhileShardsChange()
    {
        QRandomGenerator random(11);
        for (int iteration = 0; iteration < 500; ++iteration) {
            const int shardCount = 1 + random.bounded(4);
            QVector<FakeShard> shards = randomShards(random, shardCount, random.bounded(30));
            const qint64 limit = 1 + random.bounded(5);
            ChangeCursor cursor(shardCount);
            Returned returned;
            QHash<QPair<int, QString>, qint64> latestSeen; // (shard, id) -> seq
            const int writingPages = random.bounded(20);
            for (int pages = 0; pages < 10000; ++pages) {
                if (pages < writingPages) {
                    for (int writes = random.bounded(4); writes > 0; --writes) {
                        const int shard = random.bounded(shardCount);
                        shards[shard].write(QStringLiteral("s%1-doc%2").arg(shard).arg(random.bounded(40)), random);
                    }
                }
                QVector<ShardChangePage> answers;
                for (int shard = 0; shard < shardCount; ++shard)
                    answers.append(shards[shard].changes(cursor.seq(shard), limit));
                const Result<MergedChanges> merged = ChangeCursor::merge(cursor, answers, limit);
                QVERIFY2(merged.isOk(), qPrintable(merged.status().toString()));
                for (const MergedChangeRow &row : merged->results) {
                    const QPair<int, qint64> key(row.shard, row.change.seq);
                    QVERIFY2(!returned.contains(key), qPrintable(QStringLiteral("iteration %1: a change returned twice").arg(iteration)));
                    returned.insert(key);
                    latestSeen[qMakePair(row.shard, row.change.id)] = row.change.seq;
                }
                cursor = merged->lastSeq;
                if (merged->results.isEmpty() && pages >= writingPages)
                    break;
            }
            for (int shard = 0; shard < shardCount; ++shard) {
                QCOMPARE(cursor.seq(shard), shards.at(shard).databaseSeq);
                for (const ShardChange &row : shards.at(shard).rows) {
                    QVERIFY2(latestSeen.value(qMakePair(shard, row.id)) == row.seq,
                             qPrintable(QStringLiteral("iteration %1: latest change of %2 not returned").arg(iteration).arg(row.id)));
                }
            }
        }
    }

    // With one shard the router's answer is the node's answer, byte for byte.
    void oneShardAnswersLikeANode()
    {
        QRandomGenerator random(3);
        for (int iteration = 0; iteration < 300; ++iteration) {
            QVector<FakeShard> shards = randomShards(random, 1, random.bounded(25));
            FakeShard &node = shards[0];
            const qint64 limit = 1 + random.bounded(6);
            qint64 since = 0;
            for (int pages = 0; pages < 100; ++pages) {
                const ShardChangePage answer = node.changes(since, limit);
                QJsonArray rows;
                for (const ShardChange &row : answer.results) {
                    rows.append(QJsonObject{{"seq", row.seq}, {"id", row.id}, {"rev", row.rev}, {"deleted", row.deleted}});
                }
                const QJsonObject nodeJson{{"results", rows}, {"lastSeq", answer.lastSeq}};
                const Result<ChangeCursor> cursor = ChangeCursor::parse(QString::number(since), 1);
                QVERIFY(cursor.isOk());
                const Result<MergedChanges> merged = ChangeCursor::merge(cursor.value(), {answer}, limit);
                QVERIFY2(merged.isOk(), qPrintable(merged.status().toString()));
                QCOMPARE(merged->toJson(), nodeJson);
                if (answer.results.isEmpty())
                    break;
                since = answer.lastSeq;
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestChangeCursor)
#include "tst_changecursor.moc"
