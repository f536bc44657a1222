// FailoverProbe: "Test failover" on one shard. Writes small probe documents
// through the router to ids that land on that shard, takes its primary down
// (kill, or step down), keeps writing until writes are acknowledged again,
// then reads every acknowledged probe back.
//
//   1. PUT the probe database (created on every shard; "exists" is fine).
//   2. Two writers each PUT a new probe document, wait `pauseMs`, repeat.
//      Every answer is recorded: when it was sent, when it came back,
//      acknowledged (2xx) or not.
//   3. After `baselineMs` of writing, the action: POST .../nodes/{primary}/kill
//      or .../shards/{id}/stepdown.
//   4. Writing goes on until a write sent after the action has been
//      acknowledged and `recoveryMs` more have passed (or `timeoutMs` after
//      the action, which is reported as a failure to recover).
//   5. Every acknowledged id is read back (a 503 or no answer is retried a
//      few times; only a 404 or different data counts as lost).
//
// The write outage is the longest time without any acknowledged write,
// counted from the action on: from the action to the first acknowledgement
// after it, or between two later acknowledgements if that is longer.
//
// GUI thread; owned by its QObject parent; uses a client owned elsewhere.
// One run per object.
#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

class ConsoleClient;

class FailoverProbe : public QObject
{
    Q_OBJECT

public:
    enum class Mode { Kill, StepDown };

    struct Options
    {
        int shard = 0;
        int shardCount = 1;
        Mode mode = Mode::Kill;
        // The primary to kill (Mode::Kill), as shard<S>-node<M>.
        QString primaryName;
        QString database = QStringLiteral("console-probe");
        int baselineMs = 1500;
        int recoveryMs = 1500;
        int timeoutMs = 30000;
        int pauseMs = 10;
        int writeTimeoutMs = 2000;
    };

    struct Report
    {
        // False when the probe could not run or writes never came back.
        bool completed = false;
        QString error;
        QString actionResult;
        int writesSent = 0;
        int writesAcknowledged = 0;
        int writesFailed = 0;
        qint64 outageMs = -1;
        int readBack = 0;
        QStringList lost;
        bool allAcknowledgedSurvived() const { return completed && lost.isEmpty() && readBack == writesAcknowledged; }
        QString summary() const;
    };

    FailoverProbe(ConsoleClient *client, const Options &options, QObject *parent = nullptr);

    void start();
    bool isRunning() const { return m_phase != Phase::Idle && m_phase != Phase::Done; }
    const Report &report() const { return m_report; }

signals:
    void progress(const QString &message);
    void finished(const FailoverProbe::Report &report);

private:
    enum class Phase { Idle, Baseline, Action, Recovering, Draining, Verifying, Done };

    struct Write
    {
        QString id;
        int number = 0;
        qint64 sentMs = 0;
        qint64 answeredMs = -1;
        bool acknowledged = false;
    };

    qint64 now() const { return m_clock.elapsed(); }
    QString nextId();
    void writeLoop();
    void runAction();
    void checkRecovered();
    void verify();
    void readNext();
    void readOne(int index, int attempt);
    void finish(const QString &error);
    qint64 measureOutage() const;

    ConsoleClient *m_client;
    Options m_options;
    Phase m_phase = Phase::Idle;
    QElapsedTimer m_clock;
    QString m_runId;
    int m_candidate = 0;
    int m_writersRunning = 0;
    qint64 m_actionMs = -1;
    qint64 m_recoveredMs = -1;
    QList<Write> m_writes;
    QList<int> m_toRead;
    int m_readsInFlight = 0;
    Report m_report;
};
