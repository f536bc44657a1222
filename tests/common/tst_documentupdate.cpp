#include <QTest>

#include "DocumentUpdate.h"
#include "Revision.h"

namespace {

Document withId(const QString &id, const QString &rev = QString())
{
    Document document;
    document.id = id;
    document.rev = rev;
    document.data = QByteArray("{\"v\":1}");
    return document;
}

Result<Document> prepareDocument(const std::optional<DocumentHead> &head, const Document &incoming, WriteKind kind)
{
    const Result<DocumentUpdate::Prepared> prepared = DocumentUpdate::prepare(head, incoming, kind);
    if (!prepared.isOk())
        return prepared.status();
    return prepared->document;
}

const QString kRev1 = QStringLiteral("1-1111111111111111111111111111111111111111");
const QString kRev2 = QStringLiteral("2-2222222222222222222222222222222222222222");

} // namespace

class TestDocumentUpdate : public QObject
{
    Q_OBJECT

private slots:
    void putNewDocument()
    {
        const Result<Document> stored = prepareDocument(std::nullopt, withId(QStringLiteral("a")), WriteKind::Put);
        QVERIFY(stored.isOk());
        QCOMPARE(stored->id, QStringLiteral("a"));
        QVERIFY(stored->rev.startsWith(QLatin1String("1-")));
        QCOMPARE(stored->rev.size(), 42);
        QCOMPARE(stored->data.value(), QByteArray("{\"v\":1}"));
    }

    void putNewDocumentWithRevIsConflict()
    {
        const Result<Document> stored = prepareDocument(std::nullopt, withId(QStringLiteral("a"), kRev1), WriteKind::Put);
        QCOMPARE(stored.status().code(), Status::Code::Conflict);
    }

    void putUpdateNeedsCurrentRev_data()
    {
        QTest::addColumn<QString>("rev");
        QTest::addColumn<int>("code");
        QTest::newRow("current") << kRev2 << int(Status::Code::Ok);
        QTest::newRow("missing") << QString() << int(Status::Code::Conflict);
        QTest::newRow("stale") << kRev1 << int(Status::Code::Conflict);
        QTest::newRow("malformed") << QStringLiteral("bogus") << int(Status::Code::BadRequest);
    }
    void putUpdateNeedsCurrentRev()
    {
        QFETCH(QString, rev);
        QFETCH(int, code);
        const Result<Document> stored =
            prepareDocument(DocumentHead{kRev2, false}, withId(QStringLiteral("a"), rev), WriteKind::Put);
        QCOMPARE(int(stored.isOk() ? Status::Code::Ok : stored.status().code()), code);
        if (stored.isOk())
            QVERIFY(stored->rev.startsWith(QLatin1String("3-")));
    }

    void putRecreatesTombstoneWithOrWithoutItsRev()
    {
        const DocumentHead tombstone{kRev2, true};
        const Result<Document> withoutRev = prepareDocument(tombstone, withId(QStringLiteral("a")), WriteKind::Put);
        QVERIFY(withoutRev.isOk());
        QVERIFY(withoutRev->rev.startsWith(QLatin1String("3-")));
        QVERIFY(prepareDocument(tombstone, withId(QStringLiteral("a"), kRev2), WriteKind::Put).isOk());
        QCOMPARE(prepareDocument(tombstone, withId(QStringLiteral("a"), kRev1), WriteKind::Put).status().code(),
                 Status::Code::Conflict);
    }

    void postNeverOverwrites()
    {
        QCOMPARE(prepareDocument(DocumentHead{kRev1, false}, withId(QStringLiteral("a")), WriteKind::Post).status().code(),
                 Status::Code::Conflict);
        QCOMPARE(prepareDocument(DocumentHead{kRev1, false}, withId(QStringLiteral("a"), kRev1), WriteKind::Post)
                     .status()
                     .code(),
                 Status::Code::Conflict);
        QVERIFY(prepareDocument(std::nullopt, withId(QStringLiteral("a")), WriteKind::Post).isOk());
        QVERIFY(prepareDocument(DocumentHead{kRev1, true}, withId(QStringLiteral("a")), WriteKind::Post).isOk());
    }

    void deleteMakesEmptyTombstone()
    {
        const Result<Document> stored =
            prepareDocument(DocumentHead{kRev1, false}, withId(QStringLiteral("a"), kRev1), WriteKind::Delete);
        QVERIFY(stored.isOk());
        QVERIFY(stored->deleted);
        QVERIFY(!stored->data && !stored->tags && !stored->content);
        QVERIFY(stored->rev.startsWith(QLatin1String("2-")));
    }

    void deleteErrors()
    {
        QCOMPARE(prepareDocument(std::nullopt, withId(QStringLiteral("a"), kRev1), WriteKind::Delete).status().code(),
                 Status::Code::NotFound);
        QCOMPARE(prepareDocument(DocumentHead{kRev1, true}, withId(QStringLiteral("a"), kRev1), WriteKind::Delete)
                     .status()
                     .code(),
                 Status::Code::NotFound);
        // A delete that lost the race against another delete of the same rev.
        QCOMPARE(prepareDocument(DocumentHead{kRev2, true}, withId(QStringLiteral("a"), kRev1), WriteKind::Delete)
                     .status()
                     .code(),
                 Status::Code::Conflict);
        QCOMPARE(prepareDocument(DocumentHead{kRev2, false}, withId(QStringLiteral("a"), kRev1), WriteKind::Delete)
                     .status()
                     .code(),
                 Status::Code::Conflict);
        QCOMPARE(prepareDocument(DocumentHead{kRev2, false}, withId(QStringLiteral("a")), WriteKind::Delete).status().code(),
                 Status::Code::BadRequest);
    }

    void preparedJsonIsTheStoredDocument()
    {
        Document incoming = withId(QStringLiteral("док"));
        incoming.tags = QStringList{QStringLiteral("a\"b")};
        incoming.content = QStringLiteral("line\nnext");
        const Result<DocumentUpdate::Prepared> prepared = DocumentUpdate::prepare(std::nullopt, incoming, WriteKind::Put);
        QVERIFY(prepared.isOk());
        QCOMPARE(prepared->json, prepared->document.toJson());
        QCOMPARE(Document::fromJsonText(prepared->json)->toJson(), prepared->json);
        // The digest covers the canonical body.
        QCOMPARE(prepared->document.rev, Revision::next(nullptr, prepared->document.canonicalBody()).toString());
    }

    void sameContentSameRevisionOnEveryNode()
    {
        const Result<Document> a = prepareDocument(DocumentHead{kRev1, false}, withId(QStringLiteral("a"), kRev1), WriteKind::Put);
        const Result<Document> b = prepareDocument(DocumentHead{kRev1, false}, withId(QStringLiteral("a"), kRev1), WriteKind::Put);
        QCOMPARE(a->rev, b->rev);
        QCOMPARE(a->toJson(), b->toJson());
    }
};

QTEST_APPLESS_MAIN(TestDocumentUpdate)
#include "tst_documentupdate.moc"
