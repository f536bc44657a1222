// Unit test: LogLine — the text and JSON forms of one log event, the shard
// and term taken from a message's "shard N[ term T]: " prefix or from the
// process's defaults, UTC times, one line per event.
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "LogLine.h"

namespace {

// 2026-11-27T19:05:52.123Z
constexpr qint64 kTime = 1795806352123;

} // namespace

class TestLogLine : public QObject
{
    Q_OBJECT

private slots:
    void formatNames()
    {
        QCOMPARE(LogLine::formatFromName(QStringLiteral("text")), std::optional(LogLine::Format::Text));
        QCOMPARE(LogLine::formatFromName(QStringLiteral("json")), std::optional(LogLine::Format::Json));
        QVERIFY(!LogLine::formatFromName(QStringLiteral("xml")));
    }

    void textWithoutContext()
    {
        QCOMPARE(LogLine::format(LogLine::Format::Text, kTime, QtInfoMsg, QStringLiteral("peacedb.server"),
                                 QStringLiteral("listening on http://127.0.0.1:8080"), {}),
                 QByteArray("2026-11-27T19:05:52.123Z INFO peacedb.server listening on http://127.0.0.1:8080"));
        QCOMPARE(LogLine::format(LogLine::Format::Text, kTime, QtWarningMsg, QStringLiteral("default"), QStringLiteral("a\nb"), {}),
                 QByteArray("2026-11-27T19:05:52.123Z WARNING default a\\nb"));
    }

    void prefixGivesShardAndTerm()
    {
        QCOMPARE(LogLine::format(LogLine::Format::Text, kTime, QtInfoMsg, QStringLiteral("peacedb.cluster"),
                                 QStringLiteral("shard 2 term 7: promoted: member 1 won"), {}),
                 QByteArray("2026-11-27T19:05:52.123Z INFO peacedb.cluster shard=2 term=7 promoted: member 1 won"));
        // A shard without a term: the process's term only for its own shard.
        LogLine::Context node;
        node.shard = 1;
        node.term = 4;
        QCOMPARE(LogLine::format(LogLine::Format::Text, kTime, QtInfoMsg, QStringLiteral("peacedb.replication"),
                                 QStringLiteral("shard 1: fetching a snapshot"), node),
                 QByteArray("2026-11-27T19:05:52.123Z INFO peacedb.replication shard=1 term=4 fetching a snapshot"));
        QCOMPARE(LogLine::format(LogLine::Format::Text, kTime, QtInfoMsg, QStringLiteral("peacedb.cluster"),
                                 QStringLiteral("shard 0: member-down: gone"), node),
                 QByteArray("2026-11-27T19:05:52.123Z INFO peacedb.cluster shard=0 member-down: gone"));
        // No prefix: the defaults.
        QCOMPARE(LogLine::format(LogLine::Format::Text, kTime, QtCriticalMsg, QStringLiteral("peacedb.replication"),
                                 QStringLiteral("disk full"), node),
                 QByteArray("2026-11-27T19:05:52.123Z ERROR peacedb.replication shard=1 term=4 disk full"));
    }

    void json()
    {
        LogLine::Context node;
        node.shard = 0;
        node.term = 3;
        const QByteArray line = LogLine::format(LogLine::Format::Json, kTime, QtInfoMsg, QStringLiteral("peacedb.replication"),
                                                QStringLiteral("shard 0 term 5: promoted \"x\"\nnext"), node);
        QVERIFY(!line.contains('\n'));
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        QCOMPARE(object.value(QStringLiteral("time")).toString(), QStringLiteral("2026-11-27T19:05:52.123Z"));
        QCOMPARE(object.value(QStringLiteral("level")).toString(), QStringLiteral("info"));
        QCOMPARE(object.value(QStringLiteral("component")).toString(), QStringLiteral("peacedb.replication"));
        QCOMPARE(object.value(QStringLiteral("shard")).toInt(), 0);
        QCOMPARE(object.value(QStringLiteral("term")).toInt(), 5);
        QCOMPARE(object.value(QStringLiteral("message")).toString(), QStringLiteral("promoted \"x\"\nnext"));
        const QJsonObject plain = QJsonDocument::fromJson(LogLine::format(LogLine::Format::Json, kTime, QtDebugMsg,
                                                                          QStringLiteral("default"), QStringLiteral("hi"), {}))
                                      .object();
        QCOMPARE(plain.keys(), (QStringList{QStringLiteral("component"), QStringLiteral("level"), QStringLiteral("message"),
                                            QStringLiteral("time")}));
        QCOMPARE(plain.value(QStringLiteral("level")).toString(), QStringLiteral("debug"));
    }
};

QTEST_APPLESS_MAIN(TestLogLine)
#include "tst_logline.moc"
