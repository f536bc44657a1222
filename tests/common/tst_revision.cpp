#include <QTest>

#include "Revision.h"

class TestRevision : public QObject
{
    Q_OBJECT

private slots:
    void firstRevisionIsGenerationOneWithSha1()
    {
        const Revision revision = Revision::next(nullptr, QByteArray("{}"));
        QCOMPARE(revision.generation(), 1);
        // sha1("{}")
        QCOMPARE(revision.toString(), QStringLiteral("1-bf21a9e8fbc5a3846fb05b4fa0859e0917b2202f"));
    }

    void nextRevisionIncrementsGeneration()
    {
        const Revision first = Revision::next(nullptr, QByteArray("a"));
        const Revision second = Revision::next(&first, QByteArray("b"));
        QCOMPARE(second.generation(), 2);
        QVERIFY(second.toString().startsWith(QLatin1String("2-")));
        QCOMPARE(Revision::next(&first, QByteArray("b")), second);
    }

    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("sha1") << QStringLiteral("3-bf21a9e8fbc5a3846fb05b4fa0859e0917b2202f") << true;
        QTest::newRow("short digest") << QStringLiteral("12-abc") << true;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("no dash") << QStringLiteral("3abc") << false;
        QTest::newRow("no digest") << QStringLiteral("3-") << false;
        QTest::newRow("zero generation") << QStringLiteral("0-abc") << false;
        QTest::newRow("negative") << QStringLiteral("-1-abc") << false;
        QTest::newRow("upper-case hex") << QStringLiteral("1-ABC") << false;
        QTest::newRow("not hex") << QStringLiteral("1-xyz") << false;
        QTest::newRow("letters in generation") << QStringLiteral("a-abc") << false;
        QTest::newRow("huge generation") << QStringLiteral("12345678901-abc") << false;
    }
    void parse()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        const Result<Revision> revision = Revision::parse(text);
        QCOMPARE(revision.isOk(), valid);
        if (valid)
            QCOMPARE(revision->toString(), text);
        else
            QCOMPARE(revision.status().code(), Status::Code::BadRequest);
    }
};

QTEST_APPLESS_MAIN(TestRevision)
#include "tst_revision.moc"
