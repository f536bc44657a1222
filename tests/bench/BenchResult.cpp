#include "BenchResult.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace {

double milliseconds(qint64 microseconds)
{
    return double(microseconds) / 1000.0;
}

double perSecond(qint64 count, double seconds)
{
    return seconds > 0 ? double(count) / seconds : 0.0;
}

QString statusName(int statusCode)
{
    return statusCode == 0 ? QStringLiteral("unknown") : QString::number(statusCode);
}

QString documentErrorSummary(const QMap<int, qint64> &errors)
{
    QStringList parts;
    for (auto it = errors.cbegin(); it != errors.cend(); ++it)
        parts.append(statusName(it.key()) + QStringLiteral(": ") + QString::number(it.value()));
    return parts.join(QStringLiteral(", "));
}

QJsonObject latencyJson(const LatencyRecorder &latencies)
{
    return QJsonObject {
        { QStringLiteral("count"), latencies.count() },
        { QStringLiteral("mean"), latencies.mean() / 1000.0 },
        { QStringLiteral("p50"), milliseconds(latencies.percentile(0.50)) },
        { QStringLiteral("p95"), milliseconds(latencies.percentile(0.95)) },
        { QStringLiteral("p99"), milliseconds(latencies.percentile(0.99)) },
        { QStringLiteral("max"), milliseconds(latencies.maximum()) },
    };
}

} // namespace

void BenchResult::recordSuccess(Operation operation, qint64 latencyNs)
{
    m_latencies[int(operation)].record(latencyNs / 1000);
}

void BenchResult::recordDocuments(qint64 succeeded, const QMap<int, qint64> &failedByStatus)
{
    m_documentsOk += succeeded;
    for (auto it = failedByStatus.cbegin(); it != failedByStatus.cend(); ++it)
        m_documentErrors[it.key()] += it.value();
}

void BenchResult::recordStatusError(int statusCode)
{
    ++m_statusErrors[statusCode];
}

void BenchResult::recordFailure(const QString &reason)
{
    ++m_failures[reason];
}

qint64 BenchResult::requestsOk() const
{
    qint64 total = 0;
    for (const LatencyRecorder &latencies : m_latencies)
        total += latencies.count();
    return total;
}

qint64 BenchResult::requestsFailed() const
{
    qint64 total = 0;
    for (qint64 count : m_statusErrors)
        total += count;
    for (qint64 count : m_failures)
        total += count;
    return total;
}

QString BenchResult::errorSummary() const
{
    QStringList parts;
    for (auto it = m_statusErrors.cbegin(); it != m_statusErrors.cend(); ++it)
        parts.append(QStringLiteral("HTTP %1: %2").arg(it.key()).arg(it.value()));
    for (auto it = m_failures.cbegin(); it != m_failures.cend(); ++it)
        parts.append(QStringLiteral("%1: %2").arg(it.key()).arg(it.value()));
    return parts.join(QStringLiteral(", "));
}

QString BenchResult::commonestFailure() const
{
    const auto commonest = std::max_element(m_failures.cbegin(), m_failures.cend());
    return commonest == m_failures.cend() ? QString() : commonest.key();
}

void BenchResult::print(QTextStream &out, const BenchOptions &options, double seconds) const
{
    const auto pad = [](const QString &label) { return label.leftJustified(14); };

    out << pad(QStringLiteral("mode")) << BenchOptions::modeName(options.mode) << '\n';
    out << pad(QStringLiteral("url")) << options.url.toString() << "  (db " << options.database << ")\n";
    out << pad(QStringLiteral("connections")) << options.connections << '\n';
    out << pad(QStringLiteral("duration")) << QString::number(seconds, 'f', 3) << " s measured";
    if (options.mode == BenchOptions::Mode::Ingest)
        out << " (" << options.total << " documents)\n";
    else
        out << " (after " << options.warmupSeconds << " s warm-up)\n";

    out << pad(QStringLiteral("requests")) << requestsOk() << " ok, " << requestsFailed() << " failed";
    if (requestsFailed() > 0)
        out << " (" << errorSummary() << ')';
    out << '\n';
    if (reportsDocuments(options)) {
        out << pad(QStringLiteral("documents")) << m_documentsOk << " ok, " << documentsFailed() << " failed";
        if (!m_documentErrors.isEmpty())
            out << " (" << documentErrorSummary(m_documentErrors) << ')';
        out << '\n';
    }
    out << pad(QStringLiteral("throughput")) << QString::number(perSecond(requestsOk(), seconds), 'f', 1)
        << " requests/s";
    if (reportsDocuments(options))
        out << ", " << QString::number(perSecond(m_documentsOk, seconds), 'f', 1) << " docs/s";
    out << '\n';

    out << pad(QStringLiteral("latency (ms)")) << QStringLiteral("%1 %2 %3 %4 %5\n")
                    .arg(QStringLiteral("p50"), 9).arg(QStringLiteral("p95"), 9)
                    .arg(QStringLiteral("p99"), 9).arg(QStringLiteral("max"), 9)
                    .arg(QStringLiteral("count"), 10);
    const auto printRow = [&](const QString &name, const LatencyRecorder &latencies) {
        out << pad(QStringLiteral("  ") + name) << QStringLiteral("%1 %2 %3 %4 %5\n")
                        .arg(milliseconds(latencies.percentile(0.50)), 9, 'f', 3)
                        .arg(milliseconds(latencies.percentile(0.95)), 9, 'f', 3)
                        .arg(milliseconds(latencies.percentile(0.99)), 9, 'f', 3)
                        .arg(milliseconds(latencies.maximum()), 9, 'f', 3)
                        .arg(latencies.count(), 10);
    };
    int rows = 0;
    for (int operation = 0; operation < kOperationCount; ++operation) {
        if (m_latencies[operation].count() > 0) {
            printRow(operationName(operation), m_latencies[operation]);
            ++rows;
        }
    }
    if (rows != 1)
        printRow(QStringLiteral("all"), allLatencies());
    out.flush();
}

QByteArray BenchResult::toJson(const BenchOptions &options, double seconds) const
{
    QJsonObject errors;
    for (auto it = m_statusErrors.cbegin(); it != m_statusErrors.cend(); ++it)
        errors.insert(QString::number(it.key()), it.value());
    for (auto it = m_failures.cbegin(); it != m_failures.cend(); ++it)
        errors.insert(it.key(), it.value());

    QJsonObject latencies;
    for (int operation = 0; operation < kOperationCount; ++operation) {
        if (m_latencies[operation].count() > 0)
            latencies.insert(operationName(operation), latencyJson(m_latencies[operation]));
    }
    latencies.insert(QStringLiteral("all"), latencyJson(allLatencies()));

    QJsonObject json {
        { QStringLiteral("mode"), BenchOptions::modeName(options.mode) },
        { QStringLiteral("url"), options.url.toString() },
        { QStringLiteral("db"), options.database },
        { QStringLiteral("connections"), options.connections },
        { QStringLiteral("docSize"), options.documentSize },
        { QStringLiteral("durationSeconds"), seconds },
        { QStringLiteral("requestsOk"), requestsOk() },
        { QStringLiteral("requestsFailed"), requestsFailed() },
        { QStringLiteral("errors"), errors },
        { QStringLiteral("requestsPerSecond"), perSecond(requestsOk(), seconds) },
        { QStringLiteral("latencyMs"), latencies },
    };
    if (options.mode == BenchOptions::Mode::Ingest)
        json.insert(QStringLiteral("total"), options.total);
    else
        json.insert(QStringLiteral("warmupSeconds"), options.warmupSeconds);
    if (options.mode == BenchOptions::Mode::Mixed)
        json.insert(QStringLiteral("readRatio"), options.readRatio);
    if (reportsDocuments(options)) {
        QJsonObject documentErrors;
        for (auto it = m_documentErrors.cbegin(); it != m_documentErrors.cend(); ++it)
            documentErrors.insert(statusName(it.key()), it.value());
        json.insert(QStringLiteral("bulkSize"), options.bulkSize);
        json.insert(QStringLiteral("docsOk"), m_documentsOk);
        json.insert(QStringLiteral("docsFailed"), documentsFailed());
        json.insert(QStringLiteral("docErrors"), documentErrors);
        json.insert(QStringLiteral("docsPerSecond"), perSecond(m_documentsOk, seconds));
    }
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}

QString BenchResult::operationName(int operation)
{
    switch (Operation(operation)) {
    case Operation::Read:
        return QStringLiteral("read");
    case Operation::Write:
        return QStringLiteral("write");
    case Operation::Bulk:
        return QStringLiteral("bulk");
    }
    Q_UNREACHABLE();
}

bool BenchResult::reportsDocuments(const BenchOptions &options)
{
    return options.mode == BenchOptions::Mode::Bulk || options.mode == BenchOptions::Mode::Ingest;
}

qint64 BenchResult::documentsFailed() const
{
    qint64 total = 0;
    for (qint64 count : m_documentErrors)
        total += count;
    return total;
}

LatencyRecorder BenchResult::allLatencies() const
{
    LatencyRecorder all;
    for (const LatencyRecorder &latencies : m_latencies)
        all.add(latencies);
    return all;
}
