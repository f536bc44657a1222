// DocumentGenerator: builds PeaceDB document JSON of roughly a given size
// ({"data":{...},"tags":[...],"content":"..."}) from a pool of prebuilt
// templates, so producing a document costs one number and one concatenation.
// Used on the main thread; owned by BenchRunner.
#pragma once

#include <QByteArray>
#include <QRandomGenerator>
#include <QVector>

class DocumentGenerator
{
public:
    DocumentGenerator(int documentSize, QRandomGenerator *random);

    // A document body for PUT /v1/db/{db}/docs/{id}; `number` becomes data.n.
    QByteArray document(qint64 number);
    // Appends {"id":"<id>","data":{...},...} for a _bulk_docs request.
    void appendBulkItem(QByteArray *out, const QByteArray &id, qint64 number);

private:
    QByteArray buildTail(int documentSize);
    QByteArray sentence(int minimumWords, int maximumWords);
    const QByteArray &randomTail();

    QRandomGenerator *m_random;
    // Everything after {"data":{"n":<number>, of each template document.
    QVector<QByteArray> m_tails;
};
