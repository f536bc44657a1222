// ChunkWriter: chunks written on the writer's thread arrive in order and
// whole; queuedBytes() counts what waits and drained() follows each chunk;
// a failing file (a full file system, /dev/full) is reported by failed()
// and close(), later chunks dropped; destroyed with chunks queued, it
// neither crashes nor calls back.
#include <QCryptographicHash>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

#include "ChunkWriter.h"

namespace {

// Runs the event loop until close()'s callback comes.
std::optional<Status> closeAndWait(ChunkWriter &writer)
{
    std::optional<Status> result;
    writer.close([&result](const Status &status) { result = status; });
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, 10000))
        return std::nullopt;
    return result;
}

} // namespace

class TestChunkWriter : public QObject
{
    Q_OBJECT

private slots:
    void writesEveryChunkInOrder()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("copy"));
        ChunkWriter writer;
        QVERIFY(writer.open(path).isOk());
        QSignalSpy drained(&writer, &ChunkWriter::drained);
        QCryptographicHash expected(QCryptographicHash::Sha256);
        qint64 total = 0;
        for (int i = 0; i < 200; ++i) {
            const QByteArray chunk(1 + (i * 7919) % 300000, char('a' + i % 26));
            expected.addData(chunk);
            total += chunk.size();
            writer.write(chunk);
        }
        QVERIFY(writer.queuedBytes() <= total);
        const std::optional<Status> closed = closeAndWait(writer);
        QVERIFY(closed.has_value());
        QVERIFY2(closed->isOk(), qPrintable(closed->message()));
        QCOMPARE(writer.queuedBytes(), qint64(0));
        QVERIFY(!writer.failed());
        QTRY_COMPARE(drained.count(), 200);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.size(), total);
        QCOMPARE(QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256), expected.result());
    }

    void aFullFileSystemIsReported()
    {
        if (!QFile::exists(QStringLiteral("/dev/full")))
            QFAIL("/dev/full is missing: this test needs Linux's always-full device");
        ChunkWriter writer;
        QVERIFY(writer.open(QStringLiteral("/dev/full")).isOk());
        for (int i = 0; i < 8; ++i)
            writer.write(QByteArray(1 << 20, 'x'));
        const std::optional<Status> closed = closeAndWait(writer);
        QVERIFY(closed.has_value());
        QVERIFY(!closed->isOk());
        QCOMPARE(closed->code(), Status::Code::StorageFailure);
        QVERIFY2(closed->message().contains(QLatin1String("/dev/full")), qPrintable(closed->message()));
        QVERIFY(writer.failed());
        QCOMPARE(writer.queuedBytes(), qint64(0));
    }

    void aMissingDirectoryIsRefusedAtOpen()
    {
        ChunkWriter writer;
        const Status opened = writer.open(QStringLiteral("/nonexistent-peacedb-dir/copy"));
        QVERIFY(!opened.isOk());
        QVERIFY(opened.message().contains(QLatin1String("cannot write /nonexistent-peacedb-dir/copy")));
    }

    void destroyedWithChunksQueued()
    {
        QTemporaryDir dir;
        bool called = false;
        {
            ChunkWriter writer;
            QVERIFY(writer.open(dir.filePath(QStringLiteral("copy"))).isOk());
            for (int i = 0; i < 64; ++i)
                writer.write(QByteArray(1 << 20, 'y'));
            writer.close([&called](const Status &) { called = true; });
        }
        QTest::qWait(100);
        QVERIFY(!called);
    }
};

QTEST_GUILESS_MAIN(TestChunkWriter)
#include "tst_chunkwriter.moc"
