#include <QJsonDocument>
#include <QTest>

#include "FieldQuery.h"
#include "PageRequest.h"
#include "SearchQuery.h"
#include "TagQuery.h"

namespace {

QJsonObject parse(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

} // namespace

class TestQueries : public QObject
{
    Q_OBJECT

private slots:
    void pageFromText_data()
    {
        QTest::addColumn<QString>("skip");
        QTest::addColumn<QString>("limit");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<qint64>("expectedSkip");
        QTest::addColumn<qint64>("expectedLimit");
        QTest::newRow("defaults") << QString() << QString() << true << qint64(0) << qint64(100);
        QTest::newRow("given") << QStringLiteral("20") << QStringLiteral("5") << true << qint64(20) << qint64(5);
        QTest::newRow("limit 0") << QString() << QStringLiteral("0") << true << qint64(0) << qint64(0);
        QTest::newRow("max") << QString() << QStringLiteral("1000") << true << qint64(0) << qint64(1000);
        QTest::newRow("over max") << QString() << QStringLiteral("1001") << false << qint64(0) << qint64(0);
        QTest::newRow("negative skip") << QStringLiteral("-1") << QString() << false << qint64(0) << qint64(0);
        QTest::newRow("text") << QString() << QStringLiteral("ten") << false << qint64(0) << qint64(0);
    }
    void pageFromText()
    {
        QFETCH(QString, skip);
        QFETCH(QString, limit);
        QFETCH(bool, valid);
        const Result<PageRequest> page = PageRequest::fromText(skip.isNull() ? std::nullopt : std::optional<QString>(skip),
                                                               limit.isNull() ? std::nullopt : std::optional<QString>(limit),
                                                               100, 1000);
        QCOMPARE(page.isOk(), valid);
        if (valid) {
            QTEST(page->skip, "expectedSkip");
            QTEST(page->limit, "expectedLimit");
        }
    }

    void pageFromJsonRejectsFractionsAndStrings()
    {
        QVERIFY(!PageRequest::fromJson(parse(R"({"limit":1.5})"), 100, 1000).isOk());
        QVERIFY(!PageRequest::fromJson(parse(R"({"skip":"3"})"), 100, 1000).isOk());
        QCOMPARE(PageRequest::fromJson(parse(R"({"skip":3,"limit":null})"), 100, 1000)->limit, qint64(100));
    }

    // `after` (keyset paging): absent means from the start; present, it must
    // be a valid document id, from a query string or a JSON body alike.
    void pageAfter_data()
    {
        QTest::addColumn<QJsonValue>("after"); // undefined: absent
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("expected");
        QTest::newRow("absent") << QJsonValue(QJsonValue::Undefined) << true << QString();
        QTest::newRow("ascii") << QJsonValue(QStringLiteral("p100")) << true << QStringLiteral("p100");
        QTest::newRow("unicode") << QJsonValue(QStringLiteral("ключ 😀")) << true << QStringLiteral("ключ 😀");
        QTest::newRow("512 bytes") << QJsonValue(QString(256, QChar(0x0434))) << true << QString(256, QChar(0x0434));
        QTest::newRow("empty") << QJsonValue(QStringLiteral("")) << false << QString();
        QTest::newRow("only spaces") << QJsonValue(QStringLiteral("  ")) << false << QString();
        QTest::newRow("control character") << QJsonValue(QStringLiteral("a\nb")) << false << QString();
        QTest::newRow("lone surrogate") << QJsonValue(QString(QChar(0xD800))) << false << QString();
        QTest::newRow("513 bytes") << QJsonValue(QString(513, QLatin1Char('x'))) << false << QString();
    }
    void pageAfter()
    {
        QFETCH(QJsonValue, after);
        QFETCH(bool, valid);
        QFETCH(QString, expected);
        QJsonObject body{{QStringLiteral("limit"), 5}};
        std::optional<QString> text;
        if (!after.isUndefined()) {
            body.insert(QStringLiteral("after"), after);
            text = after.toString();
        }
        for (const Result<PageRequest> &page : {PageRequest::fromJson(body, 100, 1000),
                                                PageRequest::fromText(std::nullopt, QStringLiteral("5"), 100, 1000, text)}) {
            QCOMPARE(page.isOk(), valid);
            if (valid) {
                QCOMPARE(page->after, expected);
                QCOMPARE(page->limit, qint64(5));
            } else {
                QVERIFY2(page.status().message().startsWith(QLatin1String("after must be")),
                         qPrintable(page.status().message()));
            }
        }
    }

    void pageAfterMustBeAStringInJson_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("valid");
        QTest::newRow("number") << QByteArray(R"({"after":5})") << false;
        QTest::newRow("boolean") << QByteArray(R"({"after":true})") << false;
        QTest::newRow("array") << QByteArray(R"({"after":["a"]})") << false;
        QTest::newRow("object") << QByteArray(R"({"after":{}})") << false;
        QTest::newRow("null is absent") << QByteArray(R"({"after":null})") << true;
    }
    void pageAfterMustBeAStringInJson()
    {
        QFETCH(QByteArray, body);
        QFETCH(bool, valid);
        const QJsonObject object = QJsonDocument::fromJson(body).object();
        const Result<PageRequest> page = PageRequest::fromJson(object, 100, 1000);
        QCOMPARE(page.isOk(), valid);
        if (valid) {
            QVERIFY(page->after.isEmpty());
        } else {
            QVERIFY2(page.status().message().startsWith(QLatin1String("after must be a string")),
                     qPrintable(page.status().message()));
        }
        // The queries take `after` as one of their fields.
        QCOMPARE(FieldQuery::fromJson(object, 100, 1000).isOk(), valid);
        QCOMPARE(TagQuery::fromJson(object, 100, 1000).isOk(), valid);
    }

    void queriesCarryAfter()
    {
        QCOMPARE(FieldQuery::fromJson(parse(R"({"after":"b","skip":1})"), 100, 1000)->page.after, QStringLiteral("b"));
        QCOMPARE(TagQuery::fromJson(parse(R"({"after":"b","limit":2})"), 100, 1000)->page.after, QStringLiteral("b"));
        QVERIFY(!TagQuery::fromJson(parse(R"({"after":""})"), 100, 1000).isOk());
    }

    void jsonPaths_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("path");
        QTest::newRow("plain") << QStringLiteral("city") << QStringLiteral("$.\"data\".\"city\"");
        QTest::newRow("data prefix") << QStringLiteral("data.city") << QStringLiteral("$.\"data\".\"city\"");
        QTest::newRow("nested") << QStringLiteral("address.zip") << QStringLiteral("$.\"data\".\"address\".\"zip\"");
        QTest::newRow("index") << QStringLiteral("items[2].name") << QStringLiteral("$.\"data\".\"items\"[2].\"name\"");
        QTest::newRow("cyrillic") << QStringLiteral("город") << QStringLiteral("$.\"data\".\"город\"");
        QTest::newRow("empty segment") << QStringLiteral("a..b") << QString();
        QTest::newRow("quote") << QStringLiteral("a\"b") << QString();
        QTest::newRow("bad index") << QStringLiteral("a[x]") << QString();
        QTest::newRow("empty") << QString() << QString();
    }
    void jsonPaths()
    {
        QFETCH(QString, field);
        QFETCH(QString, path);
        const Result<QString> result = FieldQuery::jsonPathOf(field);
        QCOMPARE(result.isOk(), !path.isEmpty());
        if (result.isOk())
            QCOMPARE(result.value(), path);
    }

    void fieldQueryParses()
    {
        const Result<FieldQuery> query = FieldQuery::fromJson(
            parse(R"({"equalsMap":{"city":"Paris","age":30,"ok":true},"numericField":"n","min":1,"max":9.5,"skip":2,"limit":3})"),
            100, 1000);
        QVERIFY2(query.isOk(), qPrintable(query.status().message()));
        QCOMPARE(query->equals.size(), 3);
        QCOMPARE(query->numericJsonPath, QStringLiteral("$.\"data\".\"n\""));
        QCOMPARE(*query->min, 1.0);
        QCOMPARE(*query->max, 9.5);
        QCOMPARE(query->page.skip, qint64(2));
        QCOMPARE(query->page.limit, qint64(3));
    }

    void fieldQueryErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown key") << QByteArray(R"({"equals":{}})") << QStringLiteral("unknown field 'equals'");
        QTest::newRow("map not object") << QByteArray(R"({"equalsMap":[1]})") << QStringLiteral("equalsMap must be an object");
        QTest::newRow("null value") << QByteArray(R"({"equalsMap":{"a":null}})") << QStringLiteral("equalsMap.a must be a string");
        QTest::newRow("min without field") << QByteArray(R"({"min":1})") << QStringLiteral("min needs numericField");
        QTest::newRow("min string") << QByteArray(R"({"numericField":"a","min":"1"})") << QStringLiteral("min must be a number");
        QTest::newRow("field number") << QByteArray(R"({"numericField":5})") << QStringLiteral("numericField must be a string");
        QTest::newRow("limit too big") << QByteArray(R"({"limit":5000})") << QStringLiteral("limit must be between 0 and 1000");
    }
    void fieldQueryErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, message);
        const Result<FieldQuery> query = FieldQuery::fromJson(QJsonDocument::fromJson(body).object(), 100, 1000);
        QVERIFY(!query.isOk());
        QVERIFY2(query.status().message().startsWith(message), qPrintable(query.status().message()));
    }

    void tagQuery()
    {
        const Result<TagQuery> query = TagQuery::fromJson(parse(R"({"allOf":[" a ","a",""],"anyOf":[],"noneOf":["z"]})"), 100, 1000);
        QVERIFY(query.isOk());
        QCOMPARE(query->allOf, QStringList{QStringLiteral("a")});
        QVERIFY(query->hasAnyOf);
        QVERIFY(query->anyOf.isEmpty());
        QCOMPARE(query->noneOf, QStringList{QStringLiteral("z")});
        QVERIFY(!TagQuery::fromJson(parse(R"({"allOf":"a"})"), 100, 1000).isOk());
        QVERIFY(!TagQuery::fromJson(parse(R"({"allOf":[1]})"), 100, 1000).isOk());
        QVERIFY(!TagQuery::fromJson(parse(R"({"tags":[]})"), 100, 1000).isOk());
        QVERIFY(!TagQuery::fromJson(parse(R"({})"), 100, 1000)->hasAnyOf);
    }

    void searchTerms_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("terms");
        QTest::newRow("words") << QStringLiteral("Hello, World!") << QStringList{QStringLiteral("hello"), QStringLiteral("world")};
        QTest::newRow("cyrillic") << QStringLiteral("Привет МИР") << QStringList{QStringLiteral("привет"), QStringLiteral("мир")};
        QTest::newRow("short dropped") << QStringLiteral("a b cd") << QStringList{QStringLiteral("cd")};
        QTest::newRow("duplicates") << QStringLiteral("x1 X1 x1") << QStringList{QStringLiteral("x1")};
        QTest::newRow("fts syntax is text") << QStringLiteral("NEAR(\"a\" OR b*) -c") << QStringList{QStringLiteral("near"), QStringLiteral("or")};
        QTest::newRow("empty") << QString() << QStringList();
    }
    void searchTerms()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, terms);
        QCOMPARE(SearchQuery::fromText(text).terms, terms);
    }

    void searchMatchQuotesEveryTerm()
    {
        QCOMPARE(SearchQuery::fromText(QStringLiteral("or near")).toFts5Match(), QStringLiteral("\"or\" \"near\""));
    }
};

QTEST_APPLESS_MAIN(TestQueries)
#include "tst_queries.moc"
