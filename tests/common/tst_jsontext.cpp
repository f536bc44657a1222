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
