// ReadPreference: which member answers a read, and what its answer promises.
#include <QTest>

#include "ReadPreference.h"

using Mode = ReadPreference::Mode;
using Consistency = ReadPreference::Consistency;

class TestReadPreference : public QObject
{
    Q_OBJECT

private slots:
    void parses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<int>("mode");
        QTest::newRow("primary") << "primary" << true << int(Mode::Primary);
        QTest::newRow("primaryPreferred") << "primaryPreferred" << true << int(Mode::PrimaryPreferred);
        QTest::newRow("nearest") << "nearest" << true << int(Mode::Nearest);
        QTest::newRow("wrong case") << "Primary" << false << 0;
        QTest::newRow("secondary (not offered)") << "secondary" << false << 0;
        QTest::newRow("empty") << "" << false << 0;
    }

    void parses()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(int, mode);
        const Result<ReadPreference> parsed = ReadPreference::fromText(text);
        QCOMPARE(parsed.isOk(), valid);
        if (valid)
            QCOMPARE(int(parsed->mode()), mode);
        else
            QCOMPARE(parsed.status().code(), Status::Code::BadRequest);
    }

    void absentMeansPrimary()
    {
        QCOMPARE(ReadPreference::fromText(std::nullopt)->mode(), Mode::Primary);
    }

    // A router's default applies only where the request names none.
    void absentMeansTheGivenDefault()
    {
        QCOMPARE(ReadPreference::fromText(std::nullopt, Mode::PrimaryPreferred)->mode(), Mode::PrimaryPreferred);
        QCOMPARE(ReadPreference::fromText(QStringLiteral("primary"), Mode::Nearest)->mode(), Mode::Primary);
        QVERIFY(!ReadPreference::fromText(QStringLiteral("secondary"), Mode::Nearest).isOk());
        QCOMPARE(ReadPreference::modeFromName(QStringLiteral("nearest")), std::optional<Mode>(Mode::Nearest));
        QCOMPARE(ReadPreference::modeFromName(QStringLiteral("Nearest")), std::optional<Mode>());
    }

    void decides()
    {
        const Status notPrimary = Status::unavailable(QStringLiteral("not primary"));
        QCOMPARE(ReadPreference(Mode::Primary).decide(Status::ok()).value(), Consistency::Linearizable);
        const Result<Consistency> refused = ReadPreference(Mode::Primary).decide(notPrimary);
        QVERIFY(!refused.isOk());
        QCOMPARE(refused.status(), notPrimary);
        QCOMPARE(ReadPreference(Mode::PrimaryPreferred).decide(Status::ok()).value(), Consistency::Linearizable);
        QCOMPARE(ReadPreference(Mode::PrimaryPreferred).decide(notPrimary).value(), Consistency::PossiblyStale);
        QCOMPARE(ReadPreference(Mode::Nearest).decide(Status::ok()).value(), Consistency::Linearizable);
        QCOMPARE(ReadPreference(Mode::Nearest).decide(notPrimary).value(), Consistency::PossiblyStale);
        QCOMPARE(ReadPreference::consistencyName(Consistency::PossiblyStale), QByteArray("possibly-stale"));
    }
};

QTEST_APPLESS_MAIN(TestReadPreference)
#include "tst_readpreference.moc"
