// BenchOptions: the validated command line of peacedb-bench (what to run,
// against which server, with how many connections). Parsed once in main() on
// the main thread; BenchRunner and FailoverBench keep their own copy.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

struct BenchOptions
{
    enum class Mode { Write, Read, Mixed, Bulk, Ingest, Failover };

    // Parses and validates `arguments` (argv of the application). --help and
    // --version print and exit; on invalid values returns nullopt and sets
    // `errorMessage`.
    static std::optional<BenchOptions> parse(const QStringList &arguments, QString *errorMessage);
    static QString modeName(Mode mode);

    QUrl url;
    Mode mode = Mode::Write;
    int connections = 32;
    double durationSeconds = 10.0;
    double warmupSeconds = 1.0;
    double timeoutSeconds = 30.0;
    QString database;
    int documentSize = 1024;
    int documents = 10000;
    double readRatio = 0.9;
    int bulkSize = 1000;
    qint64 total = 1000000;
    QByteArray token;
    QString caFile; // https:// URLs: the CA to verify the server with
    bool json = false;
    quint32 seed = 1;

    // Failover mode: the shard whose primary is killed, how many times, and
    // the launcher's supervisor that starts the killed node again (required
    // for more than one run).
    int shard = 0;
    int runs = 10;
    QUrl supervisorUrl;
    double runTimeoutSeconds = 60.0;
    // SIGKILL (a crash: failover) or SIGTERM (a clean stop: the primary
    // hands off to a caught-up replica before it exits).
    bool terminate = false;
};
