// BenchResult: the figures of the measured part of a run (successes and
// latencies per operation, errors by HTTP status or socket failure, bulk
// document counts) and their text and JSON reports. Used on the main thread;
// owned by BenchRunner.
#pragma once

#include "BenchOptions.h"
#include "LatencyRecorder.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QTextStream>

class BenchResult
{
public:
    enum class Operation { Read, Write, Bulk };

    void recordSuccess(Operation operation, qint64 latencyNs);
    // Outcome of the documents of one successful _bulk_docs request;
    // `failedByStatus` maps the per-document status (0 if none) to a count.
    void recordDocuments(qint64 succeeded, const QMap<int, qint64> &failedByStatus);
    void recordStatusError(int statusCode);
    void recordFailure(const QString &reason);

    qint64 requestsOk() const;
    qint64 requestsFailed() const;
    bool hasStatusErrors() const { return !m_statusErrors.isEmpty(); }
    // "HTTP 500: 3, connection refused: 2"
    QString errorSummary() const;
    // The most frequent socket-level failure ("connection refused"), if any.
    QString commonestFailure() const;

    void print(QTextStream &out, const BenchOptions &options, double seconds) const;
    QByteArray toJson(const BenchOptions &options, double seconds) const;

private:
    static constexpr int kOperationCount = 3;
    static QString operationName(int operation);
    static bool reportsDocuments(const BenchOptions &options);
    qint64 documentsFailed() const;
    LatencyRecorder allLatencies() const;

    LatencyRecorder m_latencies[kOperationCount];
    QMap<int, qint64> m_statusErrors;
    QMap<QString, qint64> m_failures;
    qint64 m_documentsOk = 0;
    QMap<int, qint64> m_documentErrors;
};
