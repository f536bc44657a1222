#include <QTest>

#include "MurmurHash3.h"
#include "ShardPlacement.h"

class TestMurmurHash3 : public QObject
{
    Q_OBJECT

private slots:
    void knownVectors_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<quint32>("seed");
        QTest::addColumn<quint32>("expected");
        QTest::newRow("empty, seed 0") << QByteArray() << 0u << 0u;
        QTest::newRow("empty, seed 1") << QByteArray() << 1u << 0x514e28b7u;
        QTest::newRow("empty, seed ffffffff") << QByteArray() << 0xffffffffu << 0x81f16f39u;
        QTest::newRow("four zero bytes") << QByteArray(4, '\0') << 0u << 0x2362f9deu;
        QTest::newRow("a") << QByteArray("a") << 0x9747b28cu << 0x7fa09ea6u;
        QTest::newRow("aa") << QByteArray("aa") << 0x9747b28cu << 0x5d211726u;
        QTest::newRow("aaa") << QByteArray("aaa") << 0x9747b28cu << 0x283e0130u;
        QTest::newRow("aaaa") << QByteArray("aaaa") << 0x9747b28cu << 0x5a97808au;
        QTest::newRow("ab") << QByteArray("ab") << 0x9747b28cu << 0x74875592u;
        QTest::newRow("abc") << QByteArray("abc") << 0x9747b28cu << 0xc84a62ddu;
        QTest::newRow("abcd") << QByteArray("abcd") << 0x9747b28cu << 0xf0478627u;
        QTest::newRow("Hello, world!") << QByteArray("Hello, world!") << 0x9747b28cu << 0x24884cbau;
        QTest::newRow("quick brown fox") << QByteArray("The quick brown fox jumps over the lazy dog") << 0x9747b28cu
                                         << 0x2fa826cdu;
    }
    void knownVectors()
    {
        QFETCH(QByteArray, input);
        QFETCH(quint32, seed);
        QFETCH(quint32, expected);
        QCOMPARE(MurmurHash3::x86_32(input, seed), expected);
    }

    void shardPlacementUsesTheOriginalFormula()
    {
        for (const QString &id : {QStringLiteral("user-1"), QStringLiteral("документ-42"), QStringLiteral("x")}) {
            const quint32 hash = MurmurHash3::x86_32(id.toUtf8(), 0x9747b28cu);
            for (int shards : {1, 2, 3, 7}) {
                QCOMPARE(ShardPlacement::shardOf(id, shards), int((hash & 0x7fffffffu) % quint32(shards)));
                QVERIFY(ShardPlacement::shardOf(id, shards) < shards);
            }
        }
    }

    void shardPlacementSpreadsIds()
    {
        int counts[3] = {0, 0, 0};
        for (int i = 0; i < 3000; ++i)
            ++counts[ShardPlacement::shardOf(QStringLiteral("doc-%1").arg(i), 3)];
        for (int count : counts)
            QVERIFY2(count > 800 && count < 1200, qPrintable(QString::number(count)));
    }
};

QTEST_APPLESS_MAIN(TestMurmurHash3)
#include "tst_murmurhash3.moc"
