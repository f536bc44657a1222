#include "FailoverResult.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <functional>

namespace {

// Median (mean of the middle two for an even count), minimum and maximum of
// the values that are not negative (negative: absent).
struct Summary
{
    int count = 0;
    double median = 0;
    double minimum = 0;
    double maximum = 0;
};

Summary summarize(QVector<double> values)
{
    values.erase(std::remove_if(values.begin(), values.end(), [](double value) { return value < 0; }), values.end());
    Summary summary;
    summary.count = int(values.size());
    if (values.isEmpty())
        return summary;
    std::sort(values.begin(), values.end());
    const qsizetype middle = values.size() / 2;
    summary.median = values.size() % 2 == 1 ? values.at(middle) : (values.at(middle - 1) + values.at(middle)) / 2;
    summary.minimum = values.constFirst();
    summary.maximum = values.constLast();
    return summary;
}

QVector<double> collect(const QVector<FailoverResult::Run> &runs,
                        const std::function<double(const FailoverResult::Run &)> &value)
{
    QVector<double> values;
    for (const FailoverResult::Run &run : runs)
        values.append(value(run));
    return values;
}

double promotedToFirstWrite(const FailoverResult::Run &run)
{
    if (run.failoverMs < 0 || run.timeline.promotedMs < 0)
        return -1;
    return run.failoverMs - double(run.timeline.promotedMs);
}

QString milliseconds(double value)
{
    return value < 0 ? QStringLiteral("-") : QString::number(value, 'f', 0);
}

QString summaryText(const Summary &summary, int precision, const QString &unit)
{
    if (summary.count == 0)
        return QStringLiteral("none");
    return QStringLiteral("median %1 %4, min %2, max %3 (%5 run%6)")
            .arg(summary.median, 0, 'f', precision).arg(summary.minimum, 0, 'f', precision)
            .arg(summary.maximum, 0, 'f', precision).arg(unit).arg(summary.count)
            .arg(summary.count == 1 ? QString() : QStringLiteral("s"));
}

QJsonObject summaryJson(const Summary &summary)
{
    return QJsonObject {
        { QStringLiteral("count"), summary.count },
        { QStringLiteral("median"), summary.median },
        { QStringLiteral("min"), summary.minimum },
        { QStringLiteral("max"), summary.maximum },
    };
}

QString refusalText(const QMap<int, qint64> &refused)
{
    QStringList parts;
    for (auto it = refused.cbegin(); it != refused.cend(); ++it)
        parts.append(QStringLiteral("%1 x%2").arg(it.key() == 0 ? QStringLiteral("no answer") : QString::number(it.key()))
                             .arg(it.value()));
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", "));
}

} // namespace

qint64 FailoverResult::missingWrites() const
{
    qint64 total = 0;
    for (const Run &run : m_runs)
        total += run.lost + run.unverified;
    return total;
}

bool FailoverResult::everyRunFailedOver() const
{
    return std::all_of(m_runs.cbegin(), m_runs.cend(), [](const Run &run) { return run.failoverMs >= 0; });
}

void FailoverResult::printRun(QTextStream &out, int number, const Run &run)
{
    const FailoverTimeline &timeline = run.timeline;
    out << QStringLiteral("run %1: killed %2 (pid %3, term %4); ")
                   .arg(number, 2).arg(run.killedNode).arg(run.killedPid).arg(run.termBefore);
    if (run.failoverMs >= 0)
        out << "first write after " << QString::number(run.failoverMs, 'f', 1) << " ms";
    else
        out << "NO write acknowledged";
    out << QStringLiteral("; router: detected %1 ms, promoted %2 ms (%3 ms after detection%4), first write %5 ms")
                   .arg(milliseconds(double(timeline.detectedMs)), milliseconds(double(timeline.promotedMs)),
                        milliseconds(double(timeline.detectToPromoteMs)),
                        timeline.promotionFailures > 0
                                ? QStringLiteral(", %1 failed attempts").arg(timeline.promotionFailures)
                                : QString(),
                        milliseconds(double(timeline.firstWriteMs)));
    if (!run.newPrimary.isEmpty())
        out << "; new primary " << run.newPrimary << " (term " << run.newTerm << ')';
    out << QStringLiteral("; %1 writes acknowledged (%2 after the kill), %3 lost, %4 unverified; refused %5")
                   .arg(run.acknowledged).arg(run.acknowledgedAfterKill).arg(run.lost).arg(run.unverified)
                   .arg(refusalText(run.refusedByStatus));
    if (run.rejoinSeconds >= 0)
        out << "; started again and caught up in " << QString::number(run.rejoinSeconds, 'f', 2) << " s";
    out << Qt::endl;
}

void FailoverResult::print(QTextStream &out, const BenchOptions &options) const
{
    const auto pad = [](const QString &label) { return label.leftJustified(14); };
    qint64 acknowledged = 0;
    qint64 lost = 0;
    qint64 unverified = 0;
    for (const Run &run : m_runs) {
        acknowledged += run.acknowledged;
        lost += run.lost;
        unverified += run.unverified;
    }

    out << pad(QStringLiteral("mode")) << BenchOptions::modeName(options.mode) << '\n';
    out << pad(QStringLiteral("url")) << options.url.toString() << "  (db " << options.database
        << ", shard " << options.shard << ")\n";
    out << pad(QStringLiteral("writers")) << options.connections << " connections, "
        << options.warmupSeconds << " s of writes before each kill\n";
    out << pad(QStringLiteral("runs")) << m_runs.size() << '\n';
    out << pad(QStringLiteral("failover"))
        << summaryText(summarize(collect(m_runs, [](const Run &run) { return run.failoverMs; })), 1,
                       QStringLiteral("ms"))
        << (options.terminate ? "  (SIGTERM -> first acknowledged write)\n" : "  (kill -9 -> first acknowledged write)\n");
    out << pad(QStringLiteral("  detect"))
        << summaryText(summarize(collect(m_runs, [](const Run &run) { return double(run.timeline.detectedMs); })),
                       0, QStringLiteral("ms"))
        << "  (kill -> router's detected event)\n";
    out << pad(QStringLiteral("  promote"))
        << summaryText(summarize(collect(m_runs, [](const Run &run) { return double(run.timeline.detectToPromoteMs); })),
                       0, QStringLiteral("ms"))
        << "  (detected -> promoted, router's clock)\n";
    out << pad(QStringLiteral("  first write"))
        << summaryText(summarize(collect(m_runs, promotedToFirstWrite)), 0, QStringLiteral("ms"))
        << "  (promoted -> first acknowledged write)\n";
    out << pad(QStringLiteral("writes")) << acknowledged << " acknowledged, " << lost << " lost, "
        << unverified << " unverified\n";
    out << pad(QStringLiteral("rejoin"))
        << summaryText(summarize(collect(m_runs, [](const Run &run) { return run.rejoinSeconds; })), 2,
                       QStringLiteral("s"))
        << "  (start of the killed node -> caught up, process start included)\n";
    out.flush();
}

QByteArray FailoverResult::toJson(const BenchOptions &options) const
{
    QJsonArray runs;
    qint64 acknowledged = 0;
    qint64 lost = 0;
    qint64 unverified = 0;
    for (const Run &run : m_runs) {
        acknowledged += run.acknowledged;
        lost += run.lost;
        unverified += run.unverified;
        QJsonObject refused;
        for (auto it = run.refusedByStatus.cbegin(); it != run.refusedByStatus.cend(); ++it)
            refused.insert(QString::number(it.key()), it.value());
        const FailoverTimeline &timeline = run.timeline;
        runs.append(QJsonObject {
            { QStringLiteral("killedNode"), run.killedNode },
            { QStringLiteral("killedPid"), run.killedPid },
            { QStringLiteral("termBefore"), run.termBefore },
            { QStringLiteral("newPrimary"), run.newPrimary },
            { QStringLiteral("newTerm"), run.newTerm },
            { QStringLiteral("failoverMs"), run.failoverMs },
            { QStringLiteral("detectedMs"), timeline.detectedMs },
            { QStringLiteral("promotedMs"), timeline.promotedMs },
            { QStringLiteral("firstWriteEventMs"), timeline.firstWriteMs },
            { QStringLiteral("detectToPromoteMs"), timeline.detectToPromoteMs },
            { QStringLiteral("detectToFirstWriteMs"), timeline.detectToFirstWriteMs },
            { QStringLiteral("promotionFailures"), timeline.promotionFailures },
            { QStringLiteral("acknowledged"), run.acknowledged },
            { QStringLiteral("acknowledgedAfterKill"), run.acknowledgedAfterKill },
            { QStringLiteral("lost"), run.lost },
            { QStringLiteral("unverified"), run.unverified },
            { QStringLiteral("refused"), refused },
            { QStringLiteral("rejoinSeconds"), run.rejoinSeconds },
        });
    }
    const QJsonObject json {
        { QStringLiteral("mode"), BenchOptions::modeName(options.mode) },
        { QStringLiteral("url"), options.url.toString() },
        { QStringLiteral("db"), options.database },
        { QStringLiteral("shard"), options.shard },
        { QStringLiteral("connections"), options.connections },
        { QStringLiteral("warmupSeconds"), options.warmupSeconds },
        { QStringLiteral("runs"), runs },
        { QStringLiteral("failoverMs"),
          summaryJson(summarize(collect(m_runs, [](const Run &run) { return run.failoverMs; }))) },
        { QStringLiteral("detectedMs"),
          summaryJson(summarize(collect(m_runs, [](const Run &run) { return double(run.timeline.detectedMs); }))) },
        { QStringLiteral("detectToPromoteMs"),
          summaryJson(summarize(collect(m_runs, [](const Run &run) { return double(run.timeline.detectToPromoteMs); }))) },
        { QStringLiteral("promotedToFirstWriteMs"), summaryJson(summarize(collect(m_runs, promotedToFirstWrite))) },
        { QStringLiteral("rejoinSeconds"),
          summaryJson(summarize(collect(m_runs, [](const Run &run) { return run.rejoinSeconds; }))) },
        { QStringLiteral("acknowledged"), acknowledged },
        { QStringLiteral("lost"), lost },
        { QStringLiteral("unverified"), unverified },
    };
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}
