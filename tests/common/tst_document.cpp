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
        const QByteArray text = R"({"id":"док-1","rev":"2-ab","deleted":false,"data":{"a":{"b":[1,2.5,"x"]},"n":null},)"
                                R"("tags":["t1","t2"],"content":"Привет"})";
        const Result<Document> document = Document::fromJsonText(text);
        QVERIFY2(document.isOk(), qPrintable(document.status().toString()));
        QCOMPARE(document->id, QStringLiteral("док-1"));
        QCOMPARE(document->rev, QStringLiteral("2-ab"));
        QCOMPARE(document->tags.value(), (QStringList{QStringLiteral("t1"), QStringLiteral("t2")}));
        QCOMPARE(document->content.value(), QStringLiteral("Привет"));
        const Result<Document> again = Document::fromJsonText(document->toJson());
        QVERIFY(again.isOk());
        QCOMPARE(again->toJson(), document->toJson());
        QCOMPARE(QJsonDocument::fromJson(document->toJson()).object().value(QStringLiteral("data")).toObject(),
                 QJsonDocument::fromJson(text).object().value(QStringLiteral("data")).toObject());
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
        QTest::newRow("id number") << QByteArray(R"({"id":5})") << QStringLiteral("field 'id' must be a string, not number");
        QTest::newRow("data array") << QByteArray(R"({"data":[1]})") << QStringLiteral("field 'data' must be an object, not array");
        QTest::newRow("tags string") << QByteArray(R"({"tags":"a"})") << QStringLiteral("field 'tags' must be an array of strings, not string");
        QTest::newRow("tag number") << QByteArray(R"({"tags":["a",1]})") << QStringLiteral("field 'tags[1]' must be a string, not number");
        QTest::newRow("content object") << QByteArray(R"({"content":{}})") << QStringLiteral("field 'content' must be a string, not object");
        QTest::newRow("deleted string") << QByteArray(R"({"deleted":"yes"})") << QStringLiteral("field 'deleted' must be a boolean, not string");
        QTest::newRow("unknown field") << QByteArray(R"({"name":"x"})") << QStringLiteral("unknown document field 'name'");
        QTest::newRow("malformed") << QByteArray(R"({"data":)") << QStringLiteral("malformed JSON");
        QTest::newRow("array body") << QByteArray("[1]") << QStringLiteral("request body must be a JSON object");
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

    void canonicalBodyIgnoresIdRevAndKeyOrder()
    {
        const Result<Document> a = Document::fromJsonText(R"({"id":"1","rev":"1-a","data":{"x":1,"y":2},"tags":["t"]})");
        const Result<Document> b = Document::fromJsonText(R"({"tags":["t"],"data":{"y":2,"x":1},"id":"2"})");
        QVERIFY(a.isOk() && b.isOk());
        QCOMPARE(a->canonicalBody(), b->canonicalBody());
        QCOMPARE(a->canonicalBody(), QByteArray(R"({"data":{"x":1,"y":2},"deleted":false,"tags":["t"]})"));
    }

    void searchTextCoversContentStringsAndTags()
    {
        const Result<Document> document = Document::fromJsonText(
            R"({"data":{"city":"Москва","n":5,"nested":{"list":["alpha",{"deep":"beta"}]}},"tags":[" red ","","red"],"content":"hello"})");
        QVERIFY(document.isOk());
        const QStringList parts = document->searchText().split(QLatin1Char('\n'));
        for (const QString &word : {QStringLiteral("hello"), QStringLiteral("Москва"), QStringLiteral("alpha"),
                                    QStringLiteral("beta"), QStringLiteral("red")}) {
            QVERIFY2(parts.contains(word), qPrintable(word));
        }
        QVERIFY(!parts.contains(QStringLiteral("5")));
        QCOMPARE(document->indexedTags(), QStringList{QStringLiteral("red")});
    }
};

QTEST_APPLESS_MAIN(TestDocument)
#include "tst_document.moc"
