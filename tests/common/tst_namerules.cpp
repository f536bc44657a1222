#include <QTest>

#include "NameRules.h"

class TestNameRules : public QObject
{
    Q_OBJECT

private slots:
    void databaseNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("valid");
        QTest::newRow("simple") << QStringLiteral("orders") << true;
        QTest::newRow("mixed") << QStringLiteral("Orders_2024-v1.bak") << true;
        QTest::newRow("digit first") << QStringLiteral("1st") << true;
        QTest::newRow("64 chars") << QString(64, QLatin1Char('a')) << true;
        QTest::newRow("65 chars") << QString(65, QLatin1Char('a')) << false;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("underscore first") << QStringLiteral("_users") << false;
        QTest::newRow("dash first") << QStringLiteral("-x") << false;
        QTest::newRow("space") << QStringLiteral("my db") << false;
        QTest::newRow("slash") << QStringLiteral("a/b") << false;
        QTest::newRow("cyrillic") << QStringLiteral("база") << false;
        QTest::newRow("dollar") << QStringLiteral("a$") << false;
    }
    void databaseNames()
    {
        QFETCH(QString, name);
        QFETCH(bool, valid);
        const Status status = NameRules::checkDatabaseName(name);
        QCOMPARE(status.isOk(), valid);
        if (!valid) {
            QCOMPARE(status.code(), Status::Code::BadRequest);
            QVERIFY(status.message().startsWith(QLatin1String("invalid database name")));
        }
    }

    void documentIds_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<bool>("valid");
        QTest::newRow("simple") << QStringLiteral("doc-1") << true;
        QTest::newRow("cyrillic") << QStringLiteral("документ №1") << true;
        QTest::newRow("emoji") << QStringLiteral("🙂") << true;
        QTest::newRow("slash and spaces") << QStringLiteral("a/b c") << true;
        QTest::newRow("underscore") << QStringLiteral("_design") << true;
        QTest::newRow("512 bytes") << QString(512, QLatin1Char('x')) << true;
        QTest::newRow("513 bytes") << QString(513, QLatin1Char('x')) << false;
        QTest::newRow("256 cyrillic = 512 bytes") << QString(256, QChar(0x0434)) << true;
        QTest::newRow("257 cyrillic = 514 bytes") << QString(257, QChar(0x0434)) << false;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("only spaces") << QStringLiteral("   ") << false;
        QTest::newRow("newline") << QStringLiteral("a\nb") << false;
        QTest::newRow("nul") << QString(QChar(0)) << false;
        QTest::newRow("del") << QStringLiteral("a\x7f") << false;
        QTest::newRow("lone surrogate") << QString(QChar(0xd800)) << false;
    }
    void documentIds()
    {
        QFETCH(QString, id);
        QFETCH(bool, valid);
        const Status status = NameRules::checkDocumentId(id);
        QCOMPARE(status.isOk(), valid);
        if (!valid)
            QCOMPARE(status.code(), Status::Code::BadRequest);
    }
};

QTEST_APPLESS_MAIN(TestNameRules)
#include "tst_namerules.moc"
