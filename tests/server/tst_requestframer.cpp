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
        QTest::newRow("plus-signed length") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: +5\r\n\r\n");
        QTest::newRow("length list") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n");
        QTest::newRow("hex chunk size with 0x") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n");
        QTest::newRow("chunked after another coding") << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        QTest::newRow("two transfer codings headers")
            << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n");
        QTest::newRow("chunked in HTTP/1.0") << QByteArray("PUT / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
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

    // Requests that the framer and Qt's own parser could frame differently
    // (a second request hidden in the first one's body, run unchecked) are
    // refused whole, whatever the pieces they arrive in.
    void smugglingShapesAreRefused_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        const QByteArray hidden = "PUT /v1/db/smuggled HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
        const QByteArray length = QByteArray::number(hidden.size());
        QTest::newRow("folded Content-Length")
            << "POST /a HTTP/1.1\r\nContent-Length:\r\n " + length + "\r\n\r\n" + hidden << 400;
        QTest::newRow("folded other header") << "GET /a HTTP/1.1\r\nX-A: 1\r\n\t2\r\n\r\n" + hidden << 400;
        QByteArray many = "POST /a HTTP/1.1\r\nContent-Length: " + length + "\r\n";
        for (int i = 0; i < 100; ++i)
            many += "X-" + QByteArray::number(i) + ": 1\r\n";
        QTest::newRow("101 header fields") << many + "\r\n" + hidden << 431;
        QTest::newRow("field longer than 8 KiB")
            << "POST /a HTTP/1.1\r\nContent-Length: " + length + "\r\nX-Long: " + QByteArray(8200, 'a') + "\r\n\r\n" + hidden << 431;
        QTest::newRow("space before the colon") << "POST /a HTTP/1.1\r\nContent-Length : " + length + "\r\n\r\n" + hidden << 400;
        QTest::newRow("line without a colon") << "POST /a HTTP/1.1\r\nContent-Length: " + length + "\r\nnonsense\r\n\r\n" + hidden << 400;
        QTest::newRow("bare LF line ends") << "POST /a HTTP/1.1\nContent-Length: " + length + "\n\n" + hidden << 400;
        QTest::newRow("LF CRLF end of headers") << "POST /a HTTP/1.1\r\nContent-Length: " + length + "\n\r\n" + hidden << 400;
        QTest::newRow("bare CR inside a line") << "POST /a HTTP/1.1\r\nX-A: 1\rContent-Length: " + length + "\r\n\r\n" + hidden << 400;
        QTest::newRow("NUL in a header") << QByteArray("POST /a HTTP/1.1\r\nX-A: 1") + '\0' + "\r\n\r\n" + hidden << 400;
    }
    void smugglingShapesAreRefused()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        for (const int step : {100000, 1, 7}) {
            RequestFramer framer(limits(1000, 64 * 1024));
            const RequestFramer::Outcome outcome = feedInPieces(framer, bytes, step);
            QCOMPARE(outcome.refuseStatus, status);
            QCOMPARE(outcome.requestsCompleted, 0);
        }
    }

    // Headers and a body in one read, every value in use after the header
    // buffer is released (a use-after-free here once crashed nodes).
    void headersAndBodyInOneRead()
    {
        RequestFramer framer(limits(70000, 64 * 1024));
        const QByteArray body(65536, 'x');
        const QByteArray request = "PUT /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 65536\r\n\r\n" + body;
        const RequestFramer::Outcome outcome = framer.feed(request + request);
        QCOMPARE(outcome.refuseStatus, 0);
        QCOMPARE(outcome.requestsCompleted, 2);
        QCOMPARE(outcome.continuesToSend, 2);
        RequestFramer chunked(limits(70000, 64 * 1024));
        QCOMPARE(chunked.feed("PUT /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n").requestsCompleted, 1);
    }

    void acceptedShapesAtTheEdges()
    {
        // 100 fields, an 8 KiB field, tabs around values, chunk extensions:
        // Qt reads each the same way.
        QByteArray many = "GET /a HTTP/1.1\r\n";
        for (int i = 0; i < 99; ++i)
            many += "X-" + QByteArray::number(i) + ":\t1 \r\n";
        many += "X-Long: " + QByteArray(8 * 1024 - 8, 'a') + "\r\n\r\n";
        RequestFramer framer(limits(1000, 64 * 1024));
        QCOMPARE(framer.feed(many).refuseStatus, 0);
        QCOMPARE(framer.feed("PUT /b HTTP/1.1\r\nContent-Length:\t3 \r\n\r\nabc").requestsCompleted, 1);
        QVERIFY(framer.isIdle());
    }
};

QTEST_APPLESS_MAIN(TestRequestFramer)
#include "tst_requestframer.moc"
