#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include "Document.h"
#include "JsonText.h"
#include "TextWords.h"

namespace {

// searchText() as it was first written (QString throughout). The full-text
// index forgets a document only when given exactly the text it indexed, so
// every faster version must give these bytes for every document.
QByteArray referenceSearchText(const Document &document)
{
    QString words;
    QSet<QString> seen;
    const auto add = [&](const QString &text) {
        TextWords::forEachWord(text, TextWords::kMinLength, TextWords::kMaxIndexedLength, [&](QStringView word) {
            QString lower = TextWords::toLower(word);
            if (seen.contains(lower))
                return;
            if (!words.isEmpty())
                words.append(QLatin1Char(' '));
            words.append(lower);
            seen.insert(std::move(lower));
        });
    };
    if (document.content)
        add(*document.content);
    if (document.data)
        JsonText::forEachString(*document.data, add);
    for (const QString &tag : document.indexedTags())
        add(tag);
    return words.toUtf8();
}

// A piece of text drawn from what makes word splitting hard: ASCII words of
// every length around the limits, digits, case, separators, JSON escapes,
// letters outside ASCII (some whose lower case is longer or shorter in
// UTF-8), surrogate pairs, marks and symbols that are not letters.
QString randomText(QRandomGenerator &random)
{
    static const QStringList pieces = {
        QStringLiteral("apple"), QStringLiteral("Apple"), QStringLiteral("APPLE"), QStringLiteral("a"),
        QStringLiteral("b2"), QStringLiteral("42"), QStringLiteral("x"), QStringLiteral(" "), QStringLiteral(", "),
        QStringLiteral("-"), QStringLiteral("\\\""), QStringLiteral("\\n"), QStringLiteral("\\t"), QStringLiteral("_"),
        QStringLiteral("\\u0041b"), QStringLiteral("\\u00e9"), QStringLiteral("\\ud835\\udc00"), QStringLiteral("\\/"),
        QStringLiteral("Москва"), QStringLiteral("МОСКВА"), QStringLiteral("café"), QStringLiteral("İstanbul"),
        QStringLiteral("Ⱥx"), QStringLiteral("ß"), QStringLiteral("ΣΟΦΙΑ"), QStringLiteral("日本語"), QStringLiteral("٣٤"),
        QStringLiteral("e\u0301"), QStringLiteral("😀"), QString::fromUcs4(U"\U0001D400\U0001D401"), QStringLiteral("€"),
        QString(63, QLatin1Char('q')), QString(64, QLatin1Char('Q')), QString(65, QLatin1Char('q')),
        QString(1024, QLatin1Char('v')), QString(63, QChar(0x0416)) + QStringLiteral("ab"),
    };
    QString out;
    const int count = random.bounded(0, 12);
    for (int i = 0; i < count; ++i)
        out += pieces.at(random.bounded(int(pieces.size())));
    return out;
}

} // namespace

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
        const QStringList parts = QString::fromUtf8(document->searchText()).split(QLatin1Char(' '));
        QCOMPARE(parts, (QStringList{QStringLiteral("hello"), QStringLiteral("world"), QStringLiteral("москва"),
                                     QStringLiteral("alpha"), QStringLiteral("beta"), QStringLiteral("red")}));
        QCOMPARE(document->indexedTags(), QStringList{QStringLiteral("red")});
    }

    void searchTextIsExactlyWhatTheIndexWasGiven()
    {
        // Random documents (seeded; the seed is printed on failure): content,
        // strings at any depth of data, keys that look like words (never
        // indexed), tags; searchText() must be the reference's bytes.
        const quint32 seed = QRandomGenerator::global()->generate();
        QRandomGenerator random(seed);
        for (int round = 0; round < 3000; ++round) {
            QString json = QStringLiteral("{\"data\":{");
            const int fields = random.bounded(0, 5);
            for (int i = 0; i < fields; ++i) {
                if (i)
                    json += QLatin1Char(',');
                json += QStringLiteral("\"key%1 %2\":").arg(i).arg(randomText(random).left(20).remove(QLatin1Char('\\')).remove(QLatin1Char('"')));
                switch (random.bounded(4)) {
                case 0: json += QLatin1Char('"') + randomText(random) + QLatin1Char('"'); break;
                case 1: json += QStringLiteral("[\"%1\",7,{\"deep\":\"%2\"}]").arg(randomText(random), randomText(random)); break;
                case 2: json += QStringLiteral("{\"inner\":\"%1\",\"n\":null}").arg(randomText(random)); break;
                default: json += QStringLiteral("12.5"); break;
                }
            }
            json += QLatin1Char('}');
            if (random.bounded(2)) {
                json += QStringLiteral(",\"tags\":[");
                const int tags = random.bounded(0, 4);
                for (int i = 0; i < tags; ++i)
                    json += (i ? QStringLiteral(",\"") : QStringLiteral("\"")) + randomText(random) + QLatin1Char('"');
                json += QLatin1Char(']');
            }
            if (random.bounded(2))
                json += QStringLiteral(",\"content\":\"%1\"").arg(randomText(random));
            json += QLatin1Char('}');
            const Result<Document> document = Document::fromJsonText(json.toUtf8());
            QVERIFY2(document.isOk(), qPrintable(QStringLiteral("seed %1: %2: %3").arg(seed).arg(json, document.status().message())));
            const QByteArray expected = referenceSearchText(document.value());
            QVERIFY2(document->searchText() == expected,
                     qPrintable(QStringLiteral("seed %1, document %2: got '%3', expected '%4'")
                                    .arg(seed).arg(json, QString::fromUtf8(document->searchText()), QString::fromUtf8(expected))));
        }
    }
};

QTEST_APPLESS_MAIN(TestDocument)
#include "tst_document.moc"
