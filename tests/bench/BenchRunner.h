// BenchRunner: runs one benchmark: creates the database, preloads documents
// for read and mixed, keeps every connection busy with the chosen workload
// through the warm-up and the measured window (or until ingest is done), waits
// for the requests still in flight and prints the report. Lives on the main
// thread; created by main(), owns the connections.
#pragma once

#include "BenchOptions.h"
#include "BenchResult.h"
#include "DocumentGenerator.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QMap>
#include <QObject>
#include <QRandomGenerator>
#include <QTimer>
#include <QVector>

class HttpConnection;

class BenchRunner : public QObject
{
    Q_OBJECT

public:
    explicit BenchRunner(const BenchOptions &options, QObject *parent = nullptr);

    void start();

signals:
    // Emitted once; `exitCode` is the process exit status.
    void finished(int exitCode);

private:
    enum class Phase { CreatingDatabase, Preloading, WarmingUp, Measuring, Draining, Done };
    enum class RequestKind { CreateDatabase, Preload, Read, Write, Bulk };
    struct BulkOutcome
    {
        qint64 succeeded = 0;
        QMap<int, qint64> failedByStatus;
    };

    void issue(int connection);
    void issueAll();
    void sendRead(int connection);
    void sendWrite(int connection);
    void sendBulk(int connection, RequestKind kind, int count);
    void onResponse(int connection, int statusCode, const QByteArray &body, qint64 latencyNs);
    void onFailure(int connection, const QString &reason);
    void onCreateDatabaseResponse(int statusCode, const QByteArray &body);
    void onPreloadResponse(int connection, int statusCode, const QByteArray &body);
    void onRunResponse(int connection, int statusCode, const QByteArray &body, qint64 latencyNs);
    void continueRun(int connection, bool afterFailure);
    void startPreload();
    void startRun();
    void onPhaseTimeout();
    void stopIssuing();
    void finish();
    void abortRun(const QString &message);
    void reportIngestProgress();
    bool anyBusy() const;
    QByteArray newDocumentId();
    static QByteArray preloadedId(qint64 index);
    static BulkOutcome parseBulkResponse(const QByteArray &body, int documents);
    static BenchResult::Operation operationOf(RequestKind kind);

    const BenchOptions m_options;
    const QString m_urlText;
    QRandomGenerator m_random;
    DocumentGenerator m_generator;
    BenchResult m_result;

    QByteArray m_databaseTarget;
    QByteArray m_documentTargetPrefix;
    QByteArray m_bulkTarget;
    QByteArray m_runTag;

    QVector<HttpConnection *> m_connections;
    QVector<RequestKind> m_requestKinds;
    QVector<int> m_requestDocuments;

    Phase m_phase = Phase::CreatingDatabase;
    QTimer m_phaseTimer;
    QElapsedTimer m_setupClock;
    QElapsedTimer m_measureClock;
    double m_measuredSeconds = 0;
    QString m_failureMessage;

    qint64 m_nextNumber = 0;
    qint64 m_preloadNext = 0;
    qint64 m_preloadDone = 0;
    qint64 m_ingestAcknowledged = 0;
    qint64 m_ingestInFlight = 0;
    qint64 m_ingestFailed = 0;
    int m_ingestReportedTenths = 0;
};
