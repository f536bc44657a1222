#include <QTest>

#include "TokenRules.h"

class TestTokenRules : public QObject
{
    Q_OBJECT

private slots:
    void check_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<bool>("usable");
        QTest::newRow("generated (48 hex)") << QByteArray("3f9c0a7b5e2d41f8a6c3b9e07d1f2a4c8e5b6d3a9f0c1e7b") << true;
        QTest::newRow("32 hex") << QByteArray("9e107d9d372bb6826bd81d3542a419d6") << true;
        QTest::newRow("16 mixed") << QByteArray("kT9#pL2@xQ7!mZ4$") << true;
        QTest::newRow("empty") << QByteArray() << false;
        QTest::newRow("15 characters") << QByteArray("kT9#pL2@xQ7!mZ4") << false;
        QTest::newRow("one character repeated") << QByteArray(40, 'a') << false;
        QTest::newRow("two characters alternating") << QByteArray("abababababababababababababababab") << false;
        QTest::newRow("seven distinct") << QByteArray("abcdefgabcdefgabcdefgabcdefg") << false;
        QTest::newRow("a space inside") << QByteArray("3f9c0a7b5e2d 41f8a6c3b9e07d1f2a4c") << false;
        QTest::newRow("a control character") << QByteArray("3f9c0a7b5e2d\x01" "41f8a6c3b9e07d1f2a4c") << false;
    }
    void check()
    {
        QFETCH(QByteArray, token);
        QFETCH(bool, usable);
        const Status status = TokenRules::check(token, QStringLiteral("test"));
        QVERIFY2(status.isOk() == usable, qPrintable(status.message()));
        if (!usable) {
            QCOMPARE(status.code(), Status::Code::BadRequest);
            QVERIFY(status.message().contains(QLatin1String("test")));
        }
    }
};

QTEST_APPLESS_MAIN(TestTokenRules)
#include "tst_tokenrules.moc"
