// FailoverBench: the failover mode of peacedb-bench. Through a router, --runs
// times:
//
//  1. waits until --shard is whole: healthy, no promotion running, every
//     member reachable and applied up to its primary's commit point
//     (GET /v1/_cluster/status; the first time, it then creates --db);
//  2. writes new documents whose ids belong to the shard over --connections
//     for --warmup seconds;
//  3. sends SIGKILL to the primary's pid as the status reports it (so the
//     bench must run on the primary's machine) and keeps writing; the
//     failover time is from the kill to the first 2xx answer to a write sent
//     after it;
//  4. stops writing, takes the router's events of the run (FailoverTimeline)
//     and reads every write acknowledged in the run back through the router,
//     at the acknowledged rev: one missing or at another rev is lost;
//  5. starts the killed node again through the launcher's supervisor
//     (POST /v1/_supervisor/nodes/{name}/start) and times step 1 again.
//
// Exit status 3 when an acknowledged write was lost or could not be read
// back, 2 when a run got no write through or the cluster could not be used.
// Lives on the main thread; created by main(), owns its HTTP clients.
#pragma once

#include "BenchOptions.h"
#include "DocumentGenerator.h"
#include "FailoverResult.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QRandomGenerator>
#include <QStringList>
#include <QTimer>
#include <QVector>

#include <optional>

class HttpClientPool;
struct HttpClientReply;

class FailoverBench : public QObject
{
    Q_OBJECT

public:
    explicit FailoverBench(const BenchOptions &options, QObject *parent = nullptr);

    void start();

signals:
    // Emitted once; `exitCode` is the process exit status.
    void finished(int exitCode);

private:
    enum class Phase { WaitingForShard, CreatingDatabase, Writing, Failing, Draining, Verifying, Restarting, Done };
    struct Primary
    {
        int member = -1;
        QString name;
        qint64 pid = 0;
        qint64 term = 0;
    };
    struct Acknowledged
    {
        QByteArray id;
        QByteArray rev;
    };

    void waitForShard();
    void pollStatus();
    void onStatus(const HttpClientReply &reply);
    // The shard's primary when the shard is whole; otherwise nullopt and
    // `why` says what is missing.
    std::optional<Primary> readyPrimary(const QJsonObject &shard, QString *why) const;
    void createDatabase(const Primary &primary, qint64 lastEventId);
    void startRun(const Primary &primary, qint64 lastEventId);
    void sendWrite(int run);
    void onWriteReply(const QByteArray &id, qint64 sentNs, const HttpClientReply &reply);
    void killPrimary();
    void onNoWriteAfterKill();
    void stopWriting();
    void fetchEvents();
    void onEvents(const HttpClientReply &reply);
    void verifyNext();
    void onVerifyReply(int index, int attempt, const HttpClientReply &reply);
    void restartNode(int attempt);
    void completeRun();
    void finish();
    void abortRun(const QString &message);
    QByteArray nextDocumentId();
    QByteArray documentTarget(const QByteArray &id) const;

    const BenchOptions m_options;
    QRandomGenerator m_random;
    DocumentGenerator m_generator;
    QByteArray m_pathPrefix;
    QByteArray m_runTag;

    HttpClientPool *m_control;    // router: status and events, with the token
    HttpClientPool *m_clients;    // router: document writes and reads
    HttpClientPool *m_supervisor; // nullptr without --supervisor

    Phase m_phase = Phase::WaitingForShard;
    bool m_databaseCreated = false;
    QElapsedTimer m_clock;
    QTimer m_killTimer;        // --warmup: writing -> kill
    QTimer m_giveUpTimer;      // --run-timeout: kill -> no write acknowledged
    qint64 m_deadlineNs = 0;
    QString m_notReadyReason;
    int m_shardCount = 0;
    QStringList m_memberNames;
    qint64 m_nextNumber = 0;

    // The run in progress (numbered from 1).
    int m_runNumber = 0;
    FailoverResult::Run m_run;
    Primary m_primary;
    qint64 m_runFirstEventId = 0;
    qint64 m_killNs = -1;
    qint64 m_killEpochMs = 0;
    qint64 m_restartNs = -1;
    int m_inFlight = 0;
    QString m_lastRefusal;
    QVector<Acknowledged> m_acknowledged;
    int m_verifyNext = 0;
    int m_verifyDone = 0;

    FailoverResult m_result;
};
