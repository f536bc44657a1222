#include <QJsonDocument>
#include <QTest>

#include "JsonText.h"

class TestJsonText : public QObject
{
    Q_OBJECT

private slots:
    void quoteIsValidJson_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("plain") << QStringLiteral("abc");
        QTest::newRow("quotes") << QStringLiteral("a\"b\\c");
        QTest::newRow("controls") << QStringLiteral("\n\r\t\b\f") + QChar(1) + QChar(0x1f);
        QTest::newRow("unicode") << QStringLiteral("Привет 🙂 ü");
        QTest::newRow("empty") << QString();
    }
    void quoteIsValidJson()
    {
        QFETCH(QString, text);
        const QByteArray quoted = JsonText::quote(text);
        const QJsonDocument document = QJsonDocument::fromJson("[" + quoted + "]");
        QVERIFY(document.isArray());
        QCOMPARE(document.array().at(0).toString(), text);
    }

    void minifyKeepsValuesAndDropsSpace()
    {
        const Result<QByteArray> out = JsonText::minify(" { \"a\" : [ 1 , -0.5e+3 , true , false , null ] ,\n \"s\" : \"x y \\\" \\u00e9\" } ");
        QVERIFY2(out.isOk(), qPrintable(out.status().message()));
        QCOMPARE(out.value(), QByteArray("{\"a\":[1,-0.5e+3,true,false,null],\"s\":\"x y \\\" \\u00e9\"}"));
        QCOMPARE(JsonText::minify("12345678901234567890123").value(), QByteArray("12345678901234567890123"));
    }

    void minifyRejects_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("trailing comma") << QByteArray("[1,]");
        QTest::newRow("trailing comma object") << QByteArray("{\"a\":1,}");
        QTest::newRow("two values") << QByteArray("{} {}");
        QTest::newRow("single quotes") << QByteArray("{'a':1}");
        QTest::newRow("leading zero") << QByteArray("01");
        QTest::newRow("bare dot") << QByteArray("1.");
        QTest::newRow("plus") << QByteArray("+1");
        QTest::newRow("nan") << QByteArray("NaN");
        QTest::newRow("unterminated") << QByteArray("\"abc");
        QTest::newRow("raw newline in string") << QByteArray("\"a\nb\"");
        QTest::newRow("bad escape") << QByteArray("\"\\x\"");
        QTest::newRow("short unicode escape") << QByteArray("\"\\u12\"");
        QTest::newRow("invalid utf-8") << QByteArray("\"\xff\"");
        QTest::newRow("overlong utf-8") << QByteArray("\"\xc0\xaf\"");
        QTest::newRow("utf-8 surrogate") << QByteArray("\"\xed\xa0\x80\"");
        QTest::newRow("truncated utf-8") << QByteArray("\"\xd0\"");
        QTest::newRow("non-string key") << QByteArray("{1:2}");
        QTest::newRow("missing colon") << QByteArray("{\"a\" 1}");
        QTest::newRow("too deep") << QByteArray(100, '[') + QByteArray(100, ']');
        QTest::newRow("truncated literal") << QByteArray("tru");
    }
    void minifyRejects()
    {
        QFETCH(QByteArray, text);
        const Result<QByteArray> out = JsonText::minify(text);
        QVERIFY(!out.isOk());
        QVERIFY2(out.status().message().startsWith(QLatin1String("malformed JSON at offset")), qPrintable(out.status().message()));
    }

    // Long strings are checked eight bytes at a time: every kind of byte
    // that needs a closer look, at every offset of a word and across words.
    void minifyChecksEveryByteOfALongString()
    {
        struct Case
        {
            QByteArray bytes;
            bool valid;
        };
        const QVector<Case> cases{
            {"\"", false}, {"\\\"", true}, {"\\n", true}, {"\\u00e9", true}, {"\\q", false},
            {"\n", false}, {QByteArray(1, '\x1f'), false}, {QByteArray(1, '\x7f'), true}, {"\xc3\xa9", true},
            {"\xe2\x82\xac", true}, {"\xf0\x9f\x98\x80", true}, {"\xff", false}, {"\xc3", false}, {"\xed\xa0\x80", false},
            {" ", true}, {"!", true}, {"#", true}, {"[", true}, {"]", true}, {"~", true},
        };
        for (const Case &c : cases) {
            for (int before = 0; before < 20; ++before) {
                const QByteArray text = "\"" + QByteArray(before, 'a') + c.bytes + QByteArray(17, 'b') + "\"";
                const Result<QByteArray> out = JsonText::minify(text);
                QVERIFY2(out.isOk() == c.valid,
                         qPrintable(QStringLiteral("%1 at offset %2: %3").arg(QString::fromLatin1(c.bytes.toHex())).arg(before)
                                        .arg(out.isOk() ? QStringLiteral("accepted") : out.status().message())));
                if (c.valid)
                    QCOMPARE(out.value(), text);
            }
        }
        // A string that ends right at a word's end, and one cut short.
        for (int length = 0; length < 20; ++length) {
            const QByteArray text = "\"" + QByteArray(length, 'x') + "\"";
            QCOMPARE(JsonText::minify(text).value(), text);
            QVERIFY(!JsonText::minify(text.left(text.size() - 1)).isOk());
        }
    }

    void readersOfMinifiedText()
    {
        const QByteArray object = JsonText::minify("{\"k\":\"v\",\"n\":{\"a\":[1,\"x,]}\"]},\"e\\\"\":[]}").value();
        const QVector<JsonText::Member> members = JsonText::members(object);
        QCOMPARE(members.size(), 3);
        QCOMPARE(JsonText::unquote(members.at(0).key), QStringLiteral("k"));
        QCOMPARE(members.at(1).value, QByteArrayView("{\"a\":[1,\"x,]}\"]}"));
        QCOMPARE(JsonText::unquote(members.at(2).key), QStringLiteral("e\""));
        QCOMPARE(JsonText::elements(members.at(2).value).size(), 0);
        QCOMPARE(JsonText::elements(QByteArrayView("[1,\"a\",{\"b\":[2]},[]]")).size(), 4);

        QStringList strings;
        JsonText::forEachString(object, [&](const QString &s) { strings.append(s); });
        QCOMPARE(strings, (QStringList{QStringLiteral("v"), QStringLiteral("x,]}")}));
    }

    void unquoteEscapes()
    {
        QCOMPARE(JsonText::unquote("\"a\\n\\t\\\"\\\\\\/\\u00e9\\ud83d\\ude42\""), QStringLiteral("a\n\t\"\\/é🙂"));
        QCOMPARE(JsonText::unquote("\"при\""), QStringLiteral("при"));
    }

    void parseObjectErrors()
    {
        QVERIFY(JsonText::parseObject("{\"a\":1}").isOk());
        QVERIFY(JsonText::parseObject("{\"a\":").status().message().startsWith(QLatin1String("malformed JSON at offset")));
        QVERIFY(!JsonText::parseObject("\"x\"").isOk());
        QVERIFY(!JsonText::parseObject("").isOk());
    }
};

QTEST_APPLESS_MAIN(TestJsonText)
#include "tst_jsontext.moc"
