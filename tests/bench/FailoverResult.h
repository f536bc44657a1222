// FailoverResult: the figures of a failover benchmark — one Run per kill of a
// shard's primary — and their text and JSON reports (per run, then median,
// minimum and maximum). Used on the main thread; owned by FailoverBench.
#pragma once

#include "BenchOptions.h"
#include "FailoverTimeline.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QTextStream>
#include <QVector>

class FailoverResult
{
public:
    struct Run
    {
        QString killedNode;
        qint64 killedPid = 0;
        qint64 termBefore = 0;
        QString newPrimary;
        qint64 newTerm = 0;
        // Kill -> first 2xx to a write sent after the kill; -1: none within
        // the run timeout.
        double failoverMs = -1;
        FailoverTimeline timeline;
        // Writes acknowledged in the run (before and after the kill), and
        // how many of them could not be read back at their rev: missing or
        // at another rev (lost), or no answer after retries (unverified).
        qint64 acknowledged = 0;
        qint64 acknowledgedAfterKill = 0;
        qint64 lost = 0;
        qint64 unverified = 0;
        // Answers to writes other than 2xx after the kill, by status (0: no
        // answer).
        QMap<int, qint64> refusedByStatus;
        // Start request for the killed node -> every member back and caught
        // up (the process's start included); -1: not started again.
        double rejoinSeconds = -1;
    };

    void add(const Run &run) { m_runs.append(run); }
    const QVector<Run> &runs() const { return m_runs; }
    // Acknowledged writes lost or unverified over all runs.
    qint64 missingWrites() const;
    // Whether every run saw a write acknowledged after its kill.
    bool everyRunFailedOver() const;

    static void printRun(QTextStream &out, int number, const Run &run);
    void print(QTextStream &out, const BenchOptions &options) const;
    QByteArray toJson(const BenchOptions &options) const;

private:
    QVector<Run> m_runs;
};
