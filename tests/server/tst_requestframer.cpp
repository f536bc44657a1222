#include <QTest>

#include "RequestFramer.h"

namespace {

RequestFramer::Limits limits(qint64 body = 100, qint64 header = 200)
{
    RequestFramer::Limits out;
    out.maxBodyBytes = body;
    out.maxHeaderBytes = header;
    return out;
}

// Feeds `bytes` in pieces of `step` bytes and sums the outcomes.
RequestFramer::Outcome feedInPieces(RequestFramer &framer, const QByteArray &bytes, int step)
{
    RequestFramer::Outcome total;
    for (qsizetype i = 0; i < bytes.size() && !framer.isRefused(); i += step) {
        const RequestFramer::Outcome outcome = framer.feed(bytes.mid(i, step));
        total.requestsCompleted += outcome.requestsCompleted;
        total.continuesToSend += outcome.continuesToSend;
        if (outcome.refuseStatus) {
            total.refuseStatus = outcome.refuseStatus;
            total.reason = outcome.reason;
        }
    }
    return total;
}

} // namespace

class TestRequestFramer : public QObject
{
    Q_OBJECT

private slots:
    void keepAliveRequestsAreFramedWhateverTheChunking_data()
    {
        QTest::addColumn<int>("step");
        QTest::newRow("all at once") << 100000;
        QTest::newRow("byte by byte") << 1;
        QTest::newRow("7 bytes") << 7;
    }
    void keepAliveRequestsAreFramedWhateverTheChunking()
    {
        QFETCH(int, step);
        const QByteArray bytes = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                                 "PUT /b HTTP/1.1\r\ncontent-length: 10\r\n\r\n0123456789"
                                 "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
                                 "DELETE /d HTTP/1.1\r\n\r\n";
        RequestFramer framer(limits());
        const RequestFramer::Outcome outcome = feedInPieces(framer, bytes, step);
        QCOMPARE(outcome.refuseStatus, 0);
        QCOMPARE(outcome.requestsCompleted, 4);
        QVERIFY(framer.isIdle());
    }

    void declaredBodyTooLargeIsRefusedAtTheHeaders()
    {
        RequestFramer framer(limits(100));
        const RequestFramer::Outcome outcome = framer.feed("PUT /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n");
        QCOMPARE(outcome.refuseStatus, 413);
        QVERIFY(outcome.reason.contains(QLatin1String("101 bytes")));
        QVERIFY(framer.isRefused());
        QCOMPARE(framer.feed("more").refuseStatus, 0); // ignores input after refusing
    }

    void bodyAtTheLimitIsAccepted()
    {
        RequestFramer framer(limits(100));
        const RequestFramer::Outcome outcome =
            framer.feed("PUT /x HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + QByteArray(100, 'x'));
        QCOMPARE(outcome.refuseStatus, 0);
        QCOMPARE(outcome.requestsCompleted, 1);
    }

    void internalPathsHaveTheirOwnLimit()
    {
        RequestFramer::Limits internal = limits(100);
        internal.internalPathPrefix = "/v1/_replication/";
        internal.maxInternalBodyBytes = 300;
        RequestFramer framer(internal);
        RequestFramer::Outcome outcome =
            framer.feed("POST /v1/_replication/replicate HTTP/1.1\r\nContent-Length: 300\r\n\r\n" + QByteArray(300, 'x'));
        QCOMPARE(outcome.refuseStatus, 0);
        QCOMPARE(outcome.requestsCompleted, 1);
        // The next request on the same connection gets the client limit again.
        outcome = framer.feed("PUT /v1/_replication HTTP/1.1\r\nContent-Length: 101\r\n\r\n");
        QCOMPARE(outcome.refuseStatus, 413);
        QVERIFY(outcome.reason.contains(QLatin1String("limit of 100 bytes")));

        RequestFramer chunked(internal);
        outcome = feedInPieces(chunked,
                               "POST /v1/_replication/replicate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "12c\r\n" + QByteArray(300, 'x') + "\r\n1\r\nx\r\n0\r\n\r\n",
                               13);
        QCOMPARE(outcome.refuseStatus, 413);
        QVERIFY(outcome.reason.contains(QLatin1String("limit of 300 bytes")));
    }

    void chunkedBodyIsRefusedWhenTheSumPassesTheLimit()
    {
        RequestFramer framer(limits(100));
        QByteArray bytes = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 3; ++i)
            bytes += "28\r\n" + QByteArray(40, 'y') + "\r\n"; // 3 x 40 = 120 > 100
        const RequestFramer::Outcome outcome = feedInPieces(framer, bytes, 5);
        QCOMPARE(outcome.refuseStatus, 413);
    }

    void headersTooLarge()
    {
        RequestFramer framer(limits(100, 200));
        const RequestFramer::Outcome outcome = framer.feed("GET / HTTP/1.1\r\nX-Big: " + QByteArray(300, 'a'));
        QCOMPARE(outcome.refuseStatus, 431);
    }

    void malformedFraming_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("bad length") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: ten\r\n\r\n");
        QTest::newRow("negative length") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: -5\r\n\r\n");
        QTest::newRow("two lengths") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
        QTest::newRow("length and chunked") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
        QTest::newRow("bad chunk size") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        QTest::newRow("missing chunk end") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc");
        QTest::newRow("gzip encoding") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
        QTest::newRow("garbage line") << QByteArray("HELLO there\r\n");
        QTest::newRow("lower-case method") << QByteArray("get / HTTP/1.1\r\n");
        QTest::newRow("no version") << QByteArray("GET /\r\n");
        QTest::newRow("HTTP/2 preface") << QByteArray("PRI * HTTP/2.0\r\n");
        QTest::newRow("binary (a TLS hello)") << QByteArray("\x16\x03\x01\x02\x00\x01\n", 7);
    }
    void malformedFraming()
    {
        QFETCH(QByteArray, bytes);
        RequestFramer framer(limits());
        QCOMPARE(framer.feed(bytes).refuseStatus, 400);
    }

    void expectContinueIsReportedOncePerRequest()
    {
        RequestFramer framer(limits(100));
        RequestFramer::Outcome outcome = framer.feed("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        QCOMPARE(outcome.continuesToSend, 1);
        outcome = framer.feed("abc");
        QCOMPARE(outcome.continuesToSend, 0);
        QCOMPARE(outcome.requestsCompleted, 1);
        // Too large: refused, no 100 Continue.
        outcome = framer.feed("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 300\r\n\r\n");
        QCOMPARE(outcome.continuesToSend, 0);
        QCOMPARE(outcome.refuseStatus, 413);
    }

    void bareLineFeedsEndHeadersToo()
    {
        RequestFramer framer(limits());
        const RequestFramer::Outcome outcome = framer.feed("GET / HTTP/1.1\nHost: x\n\nGET /b HTTP/1.1\r\n\r\n");
        QCOMPARE(outcome.requestsCompleted, 2);
    }
};

QTEST_APPLESS_MAIN(TestRequestFramer)
#include "tst_requestframer.moc"
