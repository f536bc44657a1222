#include <QTest>

#include "LogEntry.h"

class TestLogEntry : public QObject
{
    Q_OBJECT

private slots:
    void putRoundTripsBytesExactly()
    {
        LogEntry entry;
        entry.seq = 42;
        entry.term = 3;
        entry.op = LogEntry::Op::PutDocument;
        entry.db = QStringLiteral("orders");
        entry.id = QStringLiteral("заказ-1");
        entry.rev = QStringLiteral("2-ab");
        entry.body = QByteArray(R"({"id":"заказ-1","rev":"2-ab","deleted":false,"data":{"z":1,"a":2}})");
        entry.timestampMs = 1700000000000;
        const Result<LogEntry> back = LogEntry::fromJson(entry.toJson());
        QVERIFY2(back.isOk(), qPrintable(back.status().message()));
        QCOMPARE(back->seq, entry.seq);
        QCOMPARE(back->term, entry.term);
        QCOMPARE(back->id, entry.id);
        QCOMPARE(back->body, entry.body); // key order kept: bytes, not a re-serialised object
        QCOMPARE(back->timestampMs, entry.timestampMs);
    }

    void databaseOps()
    {
        LogEntry entry;
        entry.seq = 1;
        entry.term = 1;
        entry.op = LogEntry::Op::DeleteDatabase;
        entry.db = QStringLiteral("x");
        const Result<LogEntry> back = LogEntry::fromJson(entry.toJson());
        QVERIFY(back.isOk());
        QCOMPARE(back->op, LogEntry::Op::DeleteDatabase);
        QVERIFY(!entry.toJson().contains(QStringLiteral("body")));
    }

    void rejectsInvalidEntries()
    {
        QVERIFY(!LogEntry::fromJson(QJsonObject{{QStringLiteral("seq"), 0}, {QStringLiteral("term"), 1}, {QStringLiteral("op"), QStringLiteral("put")}}).isOk());
        QVERIFY(!LogEntry::fromJson(QJsonObject{{QStringLiteral("seq"), 1}, {QStringLiteral("term"), 1}, {QStringLiteral("op"), QStringLiteral("bogus")},
                                                {QStringLiteral("db"), QStringLiteral("x")}})
                     .isOk());
        QVERIFY(!LogEntry::fromJson(QJsonObject{{QStringLiteral("seq"), 1}, {QStringLiteral("term"), 1}, {QStringLiteral("op"), QStringLiteral("put")},
                                                {QStringLiteral("db"), QStringLiteral("x")}})
                     .isOk());
    }
};

QTEST_APPLESS_MAIN(TestLogEntry)
#include "tst_logentry.moc"
