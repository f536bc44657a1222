#include <QTest>

#include "JsonText.h"
#include "LogEntry.h"

namespace {

Result<LogEntry> roundTrip(const LogEntry &entry)
{
    return LogEntry::fromJson(JsonText::minify(entry.toJson()).value());
}

} // namespace

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
        entry.body = QByteArray("{\"id\":\"заказ-1\",\"rev\":\"2-ab\",\"deleted\":false,\"data\":{\"z\":1,\"a\":2.50}}");
        entry.timestampMs = 1700000000000;
        const Result<LogEntry> back = roundTrip(entry);
        QVERIFY2(back.isOk(), qPrintable(back.status().message()));
        QCOMPARE(back->seq, entry.seq);
        QCOMPARE(back->term, entry.term);
        QCOMPARE(back->id, entry.id);
        QCOMPARE(back->rev, entry.rev);
        QCOMPARE(back->body, entry.body); // key order and number spelling kept: bytes travel unchanged
        QCOMPARE(back->timestampMs, entry.timestampMs);
    }

    void databaseOpsAndNoop()
    {
        for (LogEntry::Op op : {LogEntry::Op::CreateDatabase, LogEntry::Op::DeleteDatabase, LogEntry::Op::Noop}) {
            LogEntry entry;
            entry.seq = 1;
            entry.term = 1;
            entry.op = op;
            entry.db = op == LogEntry::Op::Noop ? QString() : QStringLiteral("x");
            const Result<LogEntry> back = roundTrip(entry);
            QVERIFY2(back.isOk(), qPrintable(back.status().message()));
            QCOMPARE(back->op, op);
            QVERIFY(!entry.toJson().contains("body"));
        }
    }

    void rejectsInvalidEntries_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("seq 0") << QByteArray(R"({"seq":0,"term":1,"op":"createDb","db":"x"})");
        QTest::newRow("term 0") << QByteArray(R"({"seq":1,"term":0,"op":"createDb","db":"x"})");
        QTest::newRow("unknown op") << QByteArray(R"({"seq":1,"term":1,"op":"bogus","db":"x"})");
        QTest::newRow("no db") << QByteArray(R"({"seq":1,"term":1,"op":"createDb"})");
        QTest::newRow("put without body") << QByteArray(R"({"seq":1,"term":1,"op":"put","db":"x","id":"a","rev":"1-a"})");
        QTest::newRow("seq text") << QByteArray(R"({"seq":"1","term":1,"op":"noop"})");
    }
    void rejectsInvalidEntries()
    {
        QFETCH(QByteArray, json);
        QVERIFY(!LogEntry::fromJson(JsonText::minify(json).value()).isOk());
    }
};

QTEST_APPLESS_MAIN(TestLogEntry)
#include "tst_logentry.moc"
