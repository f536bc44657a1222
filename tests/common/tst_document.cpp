#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include "Document.h"

class TestDocument : public QObject
{
    Q_OBJECT

private slots:
    void roundTripKeepsEveryField()
    {
        const QByteArray text = "{ \"id\": \"док-1\", \"rev\": \"2-ab\", \"deleted\": false,\n"
                                "  \"data\": {\"z\": {\"b\": [1, 2.50, \"x\"]}, \"a\": null, \"big\": 12345678901234567890},\n"
                                "  \"tags\": [\"t1\", \"t2\"], \"content\": \"\\u041f\u0440\u0438\"}";
        const Result<Document> document = Document::fromJsonText(text);
        QVERIFY2(document.isOk(), qPrintable(document.status().toString()));
        QCOMPARE(document->id, QStringLiteral("док-1"));
        QCOMPARE(document->rev, QStringLiteral("2-ab"));
        QCOMPARE(document->tags.value(), (QStringList{QStringLiteral("t1"), QStringLiteral("t2")}));
        QCOMPARE(document->content.value(), QStringLiteral("При"));
        // data is kept as sent: key order, number spelling and precision.
        QCOMPARE(document->data.value(), QByteArray("{\"z\":{\"b\":[1,2.50,\"x\"]},\"a\":null,\"big\":12345678901234567890}"));
        const Result<Document> again = Document::fromJsonText(document->toJson());
        QVERIFY(again.isOk());
        QCOMPARE(again->toJson(), document->toJson());
    }

    void serialisationOmitsAbsentFieldsAndStartsWithId()
    {
        Document document;
        document.id = QStringLiteral("x\"y");
        QCOMPARE(document.toJson(), QByteArray("{\"id\":\"x\\\"y\",\"deleted\":false}"));
        document.rev = QStringLiteral("1-a");
        document.deleted = true;
        document.content = QStringLiteral("line\nnext\u0001");
        const QByteArray expected = "{\"id\":\"x\\\"y\",\"rev\":\"1-a\",\"deleted\":true,\"content\":\"line\\nnext\\u0001\"}";
        QCOMPARE(document.toJson(), expected);
    }

    void nullsAreAbsent()
    {
        const Result<Document> document = Document::fromJsonText(R"({"id":null,"rev":null,"data":null,"tags":null,"content":null,"deleted":null})");
        QVERIFY(document.isOk());
        QVERIFY(document->id.isEmpty());
        QVERIFY(!document->data && !document->tags && !document->content && !document->deleted);
    }

    void rejectsWrongTypesNamingTheField_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("id number") << QByteArray("{\"id\":5}") << QStringLiteral("field 'id' must be a string, not number");
        QTest::newRow("data array") << QByteArray("{\"data\":[1]}") << QStringLiteral("field 'data' must be an object, not array");
        QTest::newRow("tags string") << QByteArray("{\"tags\":\"a\"}") << QStringLiteral("field 'tags' must be an array of strings, not string");
        QTest::newRow("tag number") << QByteArray("{\"tags\":[\"a\",1]}") << QStringLiteral("field 'tags[1]' must be a string, not number");
        QTest::newRow("content object") << QByteArray("{\"content\":{}}") << QStringLiteral("field 'content' must be a string, not object");
        QTest::newRow("deleted string") << QByteArray("{\"deleted\":\"yes\"}") << QStringLiteral("field 'deleted' must be a boolean, not string");
        QTest::newRow("unknown field") << QByteArray("{\"name\":\"x\"}") << QStringLiteral("unknown document field 'name'");
        QTest::newRow("duplicate field") << QByteArray("{\"id\":\"a\",\"id\":\"b\"}") << QStringLiteral("field 'id' appears twice");
        QTest::newRow("malformed") << QByteArray("{\"data\":") << QStringLiteral("malformed JSON");
        QTest::newRow("array body") << QByteArray("[1]") << QStringLiteral("a document must be a JSON object, not array");
        QTest::newRow("empty body") << QByteArray("  ") << QStringLiteral("request body is empty");
    }
    void rejectsWrongTypesNamingTheField()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, expected);
        const Result<Document> document = Document::fromJsonText(text);
        QVERIFY(!document.isOk());
        QCOMPARE(document.status().code(), Status::Code::BadRequest);
        QVERIFY2(document.status().message().startsWith(expected), qPrintable(document.status().message()));
    }

    void canonicalBodyCoversEverythingButIdAndRev()
    {
        const Result<Document> a = Document::fromJsonText("{\"id\":\"1\",\"rev\":\"1-a\",\"data\":{\"x\":1,\"y\":2},\"tags\":[\"t\"]}");
        const Result<Document> b = Document::fromJsonText("{\"tags\":[\"t\"], \"data\": {\"x\": 1, \"y\": 2}, \"id\":\"2\"}");
        QVERIFY(a.isOk() && b.isOk());
        QCOMPARE(a->canonicalBody(), b->canonicalBody());
        QCOMPARE(a->canonicalBody(), QByteArray("{\"deleted\":false,\"data\":{\"x\":1,\"y\":2},\"tags\":[\"t\"]}"));
        const Result<Document> c = Document::fromJsonText("{\"data\":{\"x\":1,\"y\":3},\"tags\":[\"t\"]}");
        QVERIFY(c->canonicalBody() != a->canonicalBody());
    }

    void searchTextCoversContentStringsAndTags()
    {
        const QByteArray longWord(65, 'q');
        const Result<Document> document = Document::fromJsonText(QByteArray(
            "{\"data\":{\"city\":\"Москва\",\"n\":5,\"keyword\":{\"list\":[\"alpha\",{\"deep\":\"Beta beta\"}]},"
            "\"blob\":\"" + longWord + " x\"},\"tags\":[\" red \",\"\",\"red\"],\"content\":\"Hello, hello world\"}"));
        QVERIFY2(document.isOk(), qPrintable(document.status().message()));
        const QStringList parts = document->searchText().split(QLatin1Char(' '));
        QCOMPARE(parts, (QStringList{QStringLiteral("hello"), QStringLiteral("world"), QStringLiteral("москва"),
                                     QStringLiteral("alpha"), QStringLiteral("beta"), QStringLiteral("red")}));
        QCOMPARE(document->indexedTags(), QStringList{QStringLiteral("red")});
    }
};

QTEST_APPLESS_MAIN(TestDocument)
#include "tst_document.moc"
