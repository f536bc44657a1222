// tst_sortedmerge: SortedMerge against a model, the sorted union of every
// shard's ids: the merged page must be that union's page (skip, limit), in
// byte order of UTF-8, whatever the shards hold; the shards must be asked for
// few rows (a shard is asked again only for rows the page needs); and a shard
// that breaks the paging contract is an error, never a wrong page.
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include "JsonText.h"
#include "ShardPlacement.h"
#include "SortedMerge.h"

#include <algorithm>
#include <limits>

namespace {

constexpr qint64 kHugeSkip = std::numeric_limits<qint64>::max();

bool utf8Less(const QString &a, const QString &b)
{
    return a.toUtf8() < b.toUtf8();
}

QStringList sortedByUtf8(QStringList ids)
{
    std::sort(ids.begin(), ids.end(), utf8Less);
    return ids;
}

QByteArray jsonOf(const QString &id)
{
    return "{\"id\":" + JsonText::quote(id) + ",\"data\":{}}";
}

// A shard as a node serves it: its ids in byte order, and pages of them
// after an id. Counts what it was asked for.
struct FakeShard
{
    QStringList ids; // sorted by UTF-8
    int pages = 0;
    qint64 rows = 0;

    QVector<SortedMerge::Item> page(const QString &after, qint64 limit)
    {
        ++pages;
        QVector<SortedMerge::Item> items;
        const QByteArray key = after.toUtf8();
        for (const QString &id : ids) {
            if (items.size() >= limit)
                break;
            if (after.isEmpty() || id.toUtf8() > key)
                items.append(SortedMerge::Item{id, jsonOf(id)});
        }
        rows += items.size();
        return items;
    }
};

struct Outcome
{
    QString problem; // empty: the merge completed
    SortedMerge::Page page;
};

// Runs a merge against `shards`. With a generator, answers arrive in a random
// order and new requests are sometimes taken before every answer is in (as a
// router that sends each request as soon as it is known would do).
Outcome runMerge(QVector<FakeShard> &shards, qint64 skip, qint64 limit, qint64 pageSize,
                 QRandomGenerator *random = nullptr)
{
    SortedMerge merge(int(shards.size()), skip, limit, pageSize);
    QVector<SortedMerge::Request> inFlight;
    for (int round = 0; round < 100000 && !merge.isComplete(); ++round) {
        inFlight += merge.takeRequests();
        if (inFlight.isEmpty())
            return Outcome{QStringLiteral("not complete, but nothing to ask"), {}};
        const qsizetype pick = random ? qsizetype(random->bounded(int(inFlight.size()))) : 0;
        const SortedMerge::Request request = inFlight.takeAt(pick);
        if (request.limit > pageSize || request.limit < 0)
            return Outcome{QStringLiteral("asked shard %1 for %2 rows").arg(request.shard).arg(request.limit), {}};
        FakeShard &shard = shards[request.shard];
        const Status status = merge.addPage(request.shard, shard.ids.size(), shard.page(request.after, request.limit));
        if (!status.isOk())
            return Outcome{status.toString(), {}};
        if (!random || random->bounded(2) == 0) {
            // Round by round: answer everything in flight before asking again.
            while (!inFlight.isEmpty()) {
                const SortedMerge::Request next = inFlight.takeFirst();
                FakeShard &other = shards[next.shard];
                const Status nextStatus = merge.addPage(next.shard, other.ids.size(), other.page(next.after, next.limit));
                if (!nextStatus.isOk())
                    return Outcome{nextStatus.toString(), {}};
            }
        }
    }
    if (!merge.isComplete())
        return Outcome{QStringLiteral("the merge did not complete"), {}};
    if (!inFlight.isEmpty())
        return Outcome{QStringLiteral("complete with requests in flight"), {}};
    if (!merge.takeRequests().isEmpty())
        return Outcome{QStringLiteral("complete, yet asking for more"), {}};
    return Outcome{QString(), merge.result()};
}

QStringList idsOf(const QVector<SortedMerge::Item> &items)
{
    QStringList ids;
    for (const SortedMerge::Item &item : items)
        ids.append(item.id);
    return ids;
}

// Empty when `outcome` is the model's page and the shards were asked for no
// more than needed: a shard is asked again only after all rows of its last
// page were decided, so it gets at most (its rows among the first skip +
// limit of the union) / pageSize + 1 requests, and at most one page beyond
// those rows.
QString check(const QVector<FakeShard> &shards, qint64 skip, qint64 limit, qint64 pageSize, const Outcome &outcome)
{
    if (!outcome.problem.isEmpty())
        return outcome.problem;
    QStringList all;
    for (const FakeShard &shard : shards)
        all += shard.ids;
    all = sortedByUtf8(all);
    const qint64 total = all.size();
    if (outcome.page.total != total)
        return QStringLiteral("total %1, expected %2").arg(outcome.page.total).arg(total);
    const QStringList expected = skip >= total ? QStringList() : all.mid(skip, limit);
    const QStringList actual = idsOf(outcome.page.items);
    if (actual != expected) {
        return QStringLiteral("skip %1 limit %2: got [%3], expected [%4]")
            .arg(skip)
            .arg(limit)
            .arg(actual.join(QLatin1Char(',')), expected.join(QLatin1Char(',')));
    }
    for (const SortedMerge::Item &item : outcome.page.items) {
        if (item.json != jsonOf(item.id))
            return QStringLiteral("item %1 lost its JSON").arg(item.id);
    }
    const qint64 target = limit == 0 ? 0 : (skip > total ? total : qMin(total, skip + limit));
    const QStringList decided = skip >= total ? QStringList() : all.mid(0, target);
    const QSet<QString> decidedSet(decided.begin(), decided.end());
    for (int k = 0; k < shards.size(); ++k) {
        const FakeShard &shard = shards.at(k);
        if (skip >= total || limit == 0) {
            if (shard.pages != 1)
                return QStringLiteral("shard %1 was asked %2 times; its total was enough").arg(k).arg(shard.pages);
            continue;
        }
        qint64 own = 0;
        for (const QString &id : shard.ids)
            own += decidedSet.contains(id) ? 1 : 0;
        if (shard.pages > own / pageSize + 1)
            return QStringLiteral("shard %1 was asked %2 times for %3 rows (page size %4)").arg(k).arg(shard.pages).arg(own).arg(pageSize);
        if (shard.rows > own + qMin(pageSize, skip + limit))
            return QStringLiteral("shard %1 sent %2 rows; %3 were needed").arg(k).arg(shard.rows).arg(own);
    }
    return QString();
}

QVector<FakeShard> placed(const QStringList &ids, int shardCount)
{
    QVector<FakeShard> shards(shardCount);
    for (const QString &id : ids)
        shards[ShardPlacement::shardOf(id, shardCount)].ids.append(id);
    for (FakeShard &shard : shards)
        shard.ids = sortedByUtf8(shard.ids);
    return shards;
}

// Characters whose UTF-8 and UTF-16 orders differ: in UTF-8, U+FF21 (EF BC A1)
// < U+FFFD (EF BF BD) < U+1D11E (F0 9D ..) < U+1F600 (F0 9F ..); in UTF-16
// the surrogates of U+1D11E and U+1F600 (D834, D83D) sort before FF21 and FFFD.
const QStringList kAlphabet = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("Z"), QStringLiteral("é"),
                               QStringLiteral("Ａ"), QStringLiteral("\uFFFD"), QStringLiteral("😀"), QStringLiteral("𝄞"),
                               QStringLiteral("中"), QStringLiteral("ÿ"), QStringLiteral(" ")};

} // namespace

class TestSortedMerge : public QObject
{
    Q_OBJECT

private slots:
    void utf8OrderIsNotUtf16Order()
    {
        // The premise of the Unicode cases: QString's own order would differ.
        QVERIFY(QStringLiteral("😀") < QStringLiteral("\uFFFD"));
        QVERIFY(utf8Less(QStringLiteral("\uFFFD"), QStringLiteral("😀")));
        QVERIFY(QStringLiteral("𝄞") < QStringLiteral("Ａ"));
        QVERIFY(utf8Less(QStringLiteral("Ａ"), QStringLiteral("𝄞")));
    }

    void pages_data()
    {
        QTest::addColumn<QVector<QStringList>>("shardIds"); // per shard, any order
        QTest::addColumn<qint64>("skip");
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<qint64>("pageSize");

        const QVector<QStringList> three = {
            {QStringLiteral("a1"), QStringLiteral("a4"), QStringLiteral("a7"), QStringLiteral("b0")},
            {QStringLiteral("a2"), QStringLiteral("a5"), QStringLiteral("a8")},
            {QStringLiteral("a3"), QStringLiteral("a6"), QStringLiteral("a9"), QStringLiteral("c"), QStringLiteral("d")},
        };
        QTest::newRow("first page") << three << qint64(0) << qint64(5) << qint64(100);
        QTest::newRow("middle page") << three << qint64(4) << qint64(3) << qint64(100);
        QTest::newRow("last page, short") << three << qint64(10) << qint64(5) << qint64(100);
        QTest::newRow("limit 1") << three << qint64(6) << qint64(1) << qint64(100);
        QTest::newRow("limit 0: totals only") << three << qint64(3) << qint64(0) << qint64(100);
        QTest::newRow("skip = total") << three << qint64(12) << qint64(5) << qint64(100);
        QTest::newRow("skip > total") << three << qint64(500) << qint64(5) << qint64(2);
        QTest::newRow("huge skip") << three << kHugeSkip << qint64(5) << qint64(2);
        QTest::newRow("page size 1") << three << qint64(3) << qint64(6) << qint64(1);
        QTest::newRow("page size 2, all") << three << qint64(0) << qint64(100) << qint64(2);
        QTest::newRow("one shard") << QVector<QStringList>{three.at(2)} << qint64(1) << qint64(3) << qint64(2);
        QTest::newRow("every shard empty") << QVector<QStringList>(3) << qint64(0) << qint64(10) << qint64(5);
        QTest::newRow("some shards empty") << QVector<QStringList>{{}, three.at(0), {}} << qint64(1) << qint64(2) << qint64(1);
        QTest::newRow("one shard holds the first rows")
            << QVector<QStringList>{{QStringLiteral("x1"), QStringLiteral("x2"), QStringLiteral("x3")},
                                    {QStringLiteral("a1"), QStringLiteral("a2"), QStringLiteral("a3"), QStringLiteral("a4"),
                                     QStringLiteral("a5"), QStringLiteral("a6")}}
            << qint64(2) << qint64(3) << qint64(2);
        QTest::newRow("unicode: UTF-8 order, not UTF-16")
            << QVector<QStringList>{{QStringLiteral("😀"), QStringLiteral("a")},
                                    {QStringLiteral("\uFFFD"), QStringLiteral("Z")},
                                    {QStringLiteral("Ａ"), QStringLiteral("𝄞"), QStringLiteral("é")}}
            << qint64(0) << qint64(10) << qint64(1);
        QTest::newRow("unicode, skipping") << QVector<QStringList>{{QStringLiteral("😀"), QStringLiteral("a")},
                                                                   {QStringLiteral("\uFFFD"), QStringLiteral("Z")},
                                                                   {QStringLiteral("Ａ"), QStringLiteral("𝄞"), QStringLiteral("é")}}
                                           << qint64(3) << qint64(2) << qint64(1);
        QTest::newRow("prefixes") << QVector<QStringList>{{QStringLiteral("a"), QStringLiteral("ab")},
                                                          {QStringLiteral("a b"), QStringLiteral("abc"), QStringLiteral("b")}}
                                  << qint64(1) << qint64(3) << qint64(1);
    }
    void pages()
    {
        QFETCH(QVector<QStringList>, shardIds);
        QFETCH(qint64, skip);
        QFETCH(qint64, limit);
        QFETCH(qint64, pageSize);
        QVector<FakeShard> shards;
        for (const QStringList &ids : shardIds)
            shards.append(FakeShard{sortedByUtf8(ids)});
        const Outcome outcome = runMerge(shards, skip, limit, pageSize);
        const QString problem = check(shards, skip, limit, pageSize, outcome);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void unicodeOrderIsByteOrder()
    {
        QVector<FakeShard> shards = {FakeShard{{QStringLiteral("\uFFFD")}}, FakeShard{{QStringLiteral("😀")}},
                                     FakeShard{{QStringLiteral("Ａ")}}};
        const Outcome outcome = runMerge(shards, 0, 10, 10);
        QVERIFY2(outcome.problem.isEmpty(), qPrintable(outcome.problem));
        QCOMPARE(idsOf(outcome.page.items),
                 (QStringList{QStringLiteral("Ａ"), QStringLiteral("\uFFFD"), QStringLiteral("😀")}));
    }

    // The model check over random shard contents, skips, limits and page
    // sizes, with ids from an alphabet whose UTF-8 and UTF-16 orders differ,
    // placed by hash or piled onto few shards, answered in random orders.
    void randomizedAgainstModel()
    {
        QRandomGenerator random(20240611);
        for (int iteration = 0; iteration < 3000; ++iteration) {
            const int shardCount = 1 + random.bounded(5);
            QSet<QString> unique;
            const int wanted = random.bounded(4) == 0 ? random.bounded(4) : random.bounded(80);
            while (unique.size() < wanted) {
                QString id;
                const int length = 1 + random.bounded(3);
                for (int i = 0; i < length; ++i)
                    id += kAlphabet.at(random.bounded(int(kAlphabet.size())));
                if (!id.trimmed().isEmpty())
                    unique.insert(id);
            }
            const QStringList ids(unique.begin(), unique.end());
            QVector<FakeShard> shards;
            if (random.bounded(2) == 0) {
                shards = placed(ids, shardCount);
            } else {
                // Skewed: most ids on one shard, some shards empty.
                shards.resize(shardCount);
                for (const QString &id : ids)
                    shards[random.bounded(4) == 0 ? random.bounded(shardCount) : 0].ids.append(id);
                for (FakeShard &shard : shards)
                    shard.ids = sortedByUtf8(shard.ids);
            }
            const qint64 total = ids.size();
            qint64 skip = 0;
            switch (random.bounded(4)) {
            case 0: skip = 0; break;
            case 1: skip = random.bounded(int(total) + 1); break;
            case 2: skip = total + random.bounded(5); break;
            default: skip = random.bounded(2) ? kHugeSkip : qMax<qint64>(0, total - 1); break;
            }
            const qint64 limit = random.bounded(4) == 0 ? random.bounded(2) : random.bounded(40);
            const qint64 pageSize = 1 + random.bounded(12);
            const Outcome outcome = runMerge(shards, skip, limit, pageSize, &random);
            const QString problem = check(shards, skip, limit, pageSize, outcome);
            QVERIFY2(problem.isEmpty(), qPrintable(QStringLiteral("iteration %1 (%2 shards, %3 ids, skip %4, limit %5, page %6): %7")
                                                       .arg(iteration)
                                                       .arg(shardCount)
                                                       .arg(total)
                                                       .arg(skip)
                                                       .arg(limit)
                                                       .arg(pageSize)
                                                       .arg(problem)));
        }
    }

    // A deep page of a large list: every shard is read through once in
    // pages, the skipped rows are not kept, and the answer is exact.
    void deepSkipReadsEachShardOnce()
    {
        QStringList ids;
        for (int i = 0; i < 30000; ++i)
            ids.append(QStringLiteral("doc%1").arg(i, 6, 10, QLatin1Char('0')));
        QVector<FakeShard> shards = placed(ids, 3);
        const Outcome outcome = runMerge(shards, 25000, 10, 1000);
        const QString problem = check(shards, 25000, 10, 1000, outcome);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        qint64 rows = 0;
        for (const FakeShard &shard : shards)
            rows += shard.rows;
        QVERIFY2(rows <= 25010 + 3 * 1000, qPrintable(QStringLiteral("%1 rows read").arg(rows)));
    }

    void requestsAreTakenOnce()
    {
        SortedMerge merge(3, 0, 10, 5);
        const QVector<SortedMerge::Request> first = merge.takeRequests();
        QCOMPARE(first.size(), 3);
        for (const SortedMerge::Request &request : first) {
            QVERIFY(request.after.isEmpty());
            QCOMPARE(request.limit, qint64(5));
        }
        QVERIFY(merge.takeRequests().isEmpty());
        QVERIFY(!merge.isComplete());
        // Shard 0 sends a full page; nothing can be decided before the
        // others answer, so nothing more is asked.
        QVERIFY(merge.addPage(0, 9, {{QStringLiteral("a"), "1"}, {QStringLiteral("b"), "2"}, {QStringLiteral("c"), "3"},
                                     {QStringLiteral("d"), "4"}, {QStringLiteral("e"), "5"}}).isOk());
        QVERIFY(merge.takeRequests().isEmpty());
        QVERIFY(merge.addPage(1, 0, {}).isOk());
        QVERIFY(merge.addPage(2, 1, {{QStringLiteral("z"), "6"}}).isOk());
        // a..e are decided; shard 0 ran dry and may hold rows before z.
        const QVector<SortedMerge::Request> more = merge.takeRequests();
        QCOMPARE(more.size(), 1);
        QCOMPARE(more.first().shard, 0);
        QCOMPARE(more.first().after, QStringLiteral("e"));
        QCOMPARE(more.first().limit, qint64(5));
        QVERIFY(merge.addPage(0, 9, {{QStringLiteral("f"), "7"}}).isOk());
        QVERIFY(merge.isComplete());
        const SortedMerge::Page page = merge.result();
        QCOMPARE(page.total, qint64(10));
        QCOMPARE(idsOf(page.items), (QStringList{"a", "b", "c", "d", "e", "f", "z"}));
    }

    void contractBreaches_data()
    {
        QTest::addColumn<int>("shard");
        QTest::addColumn<qint64>("total");
        QTest::addColumn<QStringList>("ids");
        QTest::addColumn<QString>("message");
        QTest::newRow("no such shard") << 7 << qint64(1) << QStringList{"a"} << QStringLiteral("there are 2 shards");
        QTest::newRow("negative shard") << -1 << qint64(1) << QStringList{"a"} << QStringLiteral("there are 2 shards");
        QTest::newRow("negative total") << 0 << qint64(-1) << QStringList{"a"} << QStringLiteral("negative total");
        QTest::newRow("more than asked") << 0 << qint64(9) << QStringList{"a", "b", "c"} << QStringLiteral("for a limit of 2");
        QTest::newRow("out of order") << 0 << qint64(9) << QStringList{"b", "a"} << QStringLiteral("out of order");
        QTest::newRow("duplicate") << 0 << qint64(9) << QStringList{"a", "a"} << QStringLiteral("out of order");
        QTest::newRow("UTF-16 order") << 0 << qint64(9) << QStringList{"😀", "\uFFFD"} << QStringLiteral("out of order");
        QTest::newRow("empty id") << 0 << qint64(9) << QStringList{""} << QStringLiteral("without an id");
    }
    void contractBreaches()
    {
        QFETCH(int, shard);
        QFETCH(qint64, total);
        QFETCH(QStringList, ids);
        QFETCH(QString, message);
        SortedMerge merge(2, 0, 2, 10);
        QCOMPARE(merge.takeRequests().size(), 2);
        QVector<SortedMerge::Item> items;
        for (const QString &id : ids)
            items.append(SortedMerge::Item{id, jsonOf(id)});
        const Status status = merge.addPage(shard, total, items);
        QVERIFY(!status.isOk());
        QCOMPARE(status.code(), Status::Code::Internal);
        QVERIFY2(status.message().contains(message), qPrintable(status.message()));
        QVERIFY(!merge.isComplete());
    }

    // A node that ignores `after` sends its first page again: an error, not
    // repeated rows.
    void shardIgnoringAfterIsAnError()
    {
        SortedMerge merge(2, 0, 4, 2);
        QCOMPARE(merge.takeRequests().size(), 2);
        QVERIFY(merge.addPage(0, 4, {{QStringLiteral("a"), "1"}, {QStringLiteral("c"), "2"}}).isOk());
        QVERIFY(merge.addPage(1, 1, {{QStringLiteral("z"), "3"}}).isOk());
        const QVector<SortedMerge::Request> more = merge.takeRequests();
        QCOMPARE(more.size(), 1);
        QCOMPARE(more.first().after, QStringLiteral("c"));
        const Status status = merge.addPage(0, 4, {{QStringLiteral("a"), "1"}, {QStringLiteral("c"), "2"}});
        QVERIFY2(status.message().contains(QLatin1String("out of order")), qPrintable(status.message()));
        QVERIFY(!merge.isComplete());
    }

    void unaskedPageIsAnError()
    {
        SortedMerge merge(2, 0, 4, 2);
        QVERIFY(merge.addPage(0, 0, {}).message().contains(QLatin1String("not asked for")));
        QCOMPARE(merge.takeRequests().size(), 2);
        QVERIFY(merge.addPage(0, 0, {}).isOk());
        QVERIFY(merge.addPage(0, 0, {}).message().contains(QLatin1String("not asked for")));
    }
};

QTEST_APPLESS_MAIN(TestSortedMerge)
#include "tst_sortedmerge.moc"
