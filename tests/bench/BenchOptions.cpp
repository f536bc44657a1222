#include "BenchOptions.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QFile>

#include <algorithm>
#include <iterator>
#include <limits>

namespace {

bool parseInteger(const QString &text, const QString &name, qint64 minimum, qint64 maximum,
                  qint64 *value, QString *errorMessage)
{
    bool ok = false;
    const qint64 parsed = text.toLongLong(&ok);
    if (!ok || parsed < minimum || parsed > maximum) {
        *errorMessage = QStringLiteral("--%1 must be an integer between %2 and %3, got \"%4\"")
                                .arg(name).arg(minimum).arg(maximum).arg(text);
        return false;
    }
    *value = parsed;
    return true;
}

bool parseNumber(const QString &text, const QString &name, double minimum, double maximum,
                 double *value, QString *errorMessage)
{
    bool ok = false;
    const double parsed = text.toDouble(&ok);
    if (!ok || !(parsed >= minimum && parsed <= maximum)) {
        *errorMessage = QStringLiteral("--%1 must be a number between %2 and %3, got \"%4\"")
                                .arg(name).arg(minimum).arg(maximum).arg(text);
        return false;
    }
    *value = parsed;
    return true;
}

bool parseHttpUrl(const QString &text, const QString &name, QUrl *url, QString *errorMessage)
{
    *url = QUrl(text, QUrl::StrictMode);
    if (!url->isValid() || (url->scheme() != QLatin1String("http") && url->scheme() != QLatin1String("https")) || url->host().isEmpty()
        || !url->query().isEmpty() || !url->fragment().isEmpty() || !url->userInfo().isEmpty()) {
        *errorMessage = QStringLiteral("--%1 must look like http://host:port, got \"%2\"").arg(name, text);
        return false;
    }
    return true;
}

bool readToken(const QString &path, QByteArray *token, QString *errorMessage)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *errorMessage = QStringLiteral("--token-file: cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    *token = file.readAll().trimmed();
    if (token->isEmpty()) {
        *errorMessage = QStringLiteral("--token-file: %1 is empty").arg(path);
        return false;
    }
    return true;
}

} // namespace

std::optional<BenchOptions> BenchOptions::parse(const QStringList &arguments, QString *errorMessage)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "Drives a PeaceDB server over N keep-alive HTTP/1.1 connections (one request in "
            "flight per connection) and prints throughput and latency percentiles.\n\n"
            "Modes:\n"
            "  write   PUT /v1/db/{db}/docs/{new id}\n"
            "  read    GET /v1/db/{db}/docs/{id} of --docs preloaded documents\n"
            "  mixed   reads and writes, --read-ratio of them reads\n"
            "  bulk    POST /v1/db/{db}/_bulk_docs with --bulk-size new documents\n"
            "  ingest  like bulk until --total documents are acknowledged (no warm-up)\n"
            "  failover  through a router (--url) with the cluster token: --runs times, "
            "writes documents of --shard over --connections (default 4) for --warmup seconds, "
            "sends SIGKILL to the shard's primary (this machine's pid from "
            "/v1/_cluster/status) and times the first write acknowledged after it; then checks "
            "that every acknowledged write is readable, starts the node again through "
            "--supervisor and waits until it has caught up\n\n"
            "Exit status: 0 when the run completed, 1 on invalid options, 2 when the server "
            "could not be reached, the setup failed or no request succeeded (failover: a run "
            "got no write through within --run-timeout of its kill), 3 when an acknowledged "
            "write was lost (failover)."));
    parser.addHelpOption();
    parser.addVersionOption();

    const QCommandLineOption urlOption(QStringLiteral("url"),
            QStringLiteral("Server URL (http only)."), QStringLiteral("URL"),
            QStringLiteral("http://127.0.0.1:8080"));
    const QCommandLineOption modeOption(QStringLiteral("mode"),
            QStringLiteral("Workload: write, read, mixed, bulk, ingest or failover."), QStringLiteral("MODE"),
            QStringLiteral("write"));
    const QCommandLineOption connectionsOption(QStringLiteral("connections"),
            QStringLiteral("Number of keep-alive connections (failover: writers, default 4)."), QStringLiteral("N"),
            QStringLiteral("32"));
    const QCommandLineOption durationOption(QStringLiteral("duration"),
            QStringLiteral("Measured run time (not used by ingest)."), QStringLiteral("SECONDS"),
            QStringLiteral("10"));
    const QCommandLineOption warmupOption(QStringLiteral("warmup"),
            QStringLiteral("Run time before measuring starts (not used by ingest; failover: "
                           "writing before each kill)."),
            QStringLiteral("SECONDS"), QStringLiteral("1"));
    const QCommandLineOption timeoutOption(QStringLiteral("timeout"),
            QStringLiteral("A request without a complete answer after this long fails."),
            QStringLiteral("SECONDS"), QStringLiteral("30"));
    const QCommandLineOption dbOption(QStringLiteral("db"),
            QStringLiteral("Database to use; created with PUT /v1/db/{db} at start."),
            QStringLiteral("NAME"), QStringLiteral("bench"));
    const QCommandLineOption docSizeOption(QStringLiteral("doc-size"),
            QStringLiteral("Approximate size of each document's JSON."), QStringLiteral("BYTES"),
            QStringLiteral("1024"));
    const QCommandLineOption docsOption(QStringLiteral("docs"),
            QStringLiteral("Documents preloaded for read and mixed (ids bench-00000000...)."),
            QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption readRatioOption(QStringLiteral("read-ratio"),
            QStringLiteral("Fraction of reads in mixed mode."), QStringLiteral("R"),
            QStringLiteral("0.9"));
    const QCommandLineOption bulkSizeOption(QStringLiteral("bulk-size"),
            QStringLiteral("Documents per _bulk_docs request (bulk, ingest, preloading)."),
            QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption totalOption(QStringLiteral("total"),
            QStringLiteral("Documents to write in ingest mode."), QStringLiteral("N"),
            QStringLiteral("1000000"));
    const QCommandLineOption tokenOption(QStringLiteral("token"),
            QStringLiteral("Sent as \"Authorization: Bearer T\" with every request."),
            QStringLiteral("T"));
    const QCommandLineOption tokenFileOption(QStringLiteral("token-file"),
            QStringLiteral("Like --token, with the token read from FILE (peacedb-cluster's DIR/token)."),
            QStringLiteral("FILE"));
    const QCommandLineOption caFileOption(QStringLiteral("ca-file"),
            QStringLiteral("For https:// URLs: trust only the CA certificates in FILE (peacedb-cluster's DIR/tls/ca.pem)."),
            QStringLiteral("FILE"));
    const QCommandLineOption shardOption(QStringLiteral("shard"),
            QStringLiteral("Failover: the shard whose primary is killed."), QStringLiteral("S"),
            QStringLiteral("0"));
    const QCommandLineOption runsOption(QStringLiteral("runs"),
            QStringLiteral("Failover: number of kills."), QStringLiteral("N"), QStringLiteral("10"));
    const QCommandLineOption supervisorOption(QStringLiteral("supervisor"),
            QStringLiteral("Failover: peacedb-cluster's supervisor endpoint (router port - 1), "
                           "which starts the killed node again; needed for more than one run."),
            QStringLiteral("URL"));
    const QCommandLineOption runTimeoutOption(QStringLiteral("run-timeout"),
            QStringLiteral("Failover: longest wait for a write after a kill, and for the shard "
                           "to be whole again."),
            QStringLiteral("SECONDS"), QStringLiteral("60"));
    const QCommandLineOption signalOption(QStringLiteral("signal"),
            QStringLiteral("Failover: KILL (default; a crash, the router fails over) or TERM (a "
                           "clean stop: the primary hands off before it exits)."),
            QStringLiteral("KILL|TERM"), QStringLiteral("KILL"));
    const QCommandLineOption jsonOption(QStringLiteral("json"),
            QStringLiteral("Also print the results as one JSON line."));
    const QCommandLineOption seedOption(QStringLiteral("seed"),
            QStringLiteral("Seed of the random generator (documents, read ids, read/write mix)."),
            QStringLiteral("N"), QStringLiteral("1"));
    parser.addOptions({ urlOption, modeOption, connectionsOption, durationOption, warmupOption,
                        timeoutOption, dbOption, docSizeOption, docsOption, readRatioOption,
                        bulkSizeOption, totalOption, tokenOption, tokenFileOption, caFileOption, jsonOption, seedOption,
                        shardOption, runsOption, supervisorOption, runTimeoutOption, signalOption });

    parser.process(arguments);
    if (!parser.positionalArguments().isEmpty()) {
        *errorMessage = QStringLiteral("unexpected argument \"%1\"")
                                .arg(parser.positionalArguments().constFirst());
        return std::nullopt;
    }

    BenchOptions options;

    if (!parseHttpUrl(parser.value(urlOption), urlOption.names().constFirst(), &options.url, errorMessage))
        return std::nullopt;

    const QString modeText = parser.value(modeOption);
    const Mode modes[] = { Mode::Write, Mode::Read, Mode::Mixed, Mode::Bulk, Mode::Ingest, Mode::Failover };
    const auto mode = std::find_if(std::begin(modes), std::end(modes),
                                   [&modeText](Mode candidate) { return modeName(candidate) == modeText; });
    if (mode == std::end(modes)) {
        *errorMessage = QStringLiteral("--mode must be write, read, mixed, bulk, ingest or failover, got \"%1\"")
                                .arg(modeText);
        return std::nullopt;
    }
    options.mode = *mode;

    qint64 integer = 0;
    if (!parseInteger(parser.value(connectionsOption), connectionsOption.names().constFirst(),
                      1, 10000, &integer, errorMessage))
        return std::nullopt;
    options.connections = int(integer);
    if (options.mode == Mode::Failover && !parser.isSet(connectionsOption))
        options.connections = 4;
    if (!parseInteger(parser.value(docSizeOption), docSizeOption.names().constFirst(),
                      1, 64 * 1024 * 1024, &integer, errorMessage))
        return std::nullopt;
    options.documentSize = int(integer);
    if (!parseInteger(parser.value(docsOption), docsOption.names().constFirst(),
                      1, 99999999, &integer, errorMessage))
        return std::nullopt;
    options.documents = int(integer);
    if (!parseInteger(parser.value(bulkSizeOption), bulkSizeOption.names().constFirst(),
                      1, 1000000, &integer, errorMessage))
        return std::nullopt;
    options.bulkSize = int(integer);
    if (!parseInteger(parser.value(totalOption), totalOption.names().constFirst(),
                      1, Q_INT64_C(1000000000000), &options.total, errorMessage))
        return std::nullopt;
    if (!parseInteger(parser.value(seedOption), seedOption.names().constFirst(),
                      0, std::numeric_limits<quint32>::max(), &integer, errorMessage))
        return std::nullopt;
    options.seed = quint32(integer);
    if (!parseInteger(parser.value(shardOption), shardOption.names().constFirst(),
                      0, 1023, &integer, errorMessage))
        return std::nullopt;
    options.shard = int(integer);
    if (!parseInteger(parser.value(runsOption), runsOption.names().constFirst(),
                      1, 1000, &integer, errorMessage))
        return std::nullopt;
    options.runs = int(integer);

    constexpr double kDay = 24 * 3600;
    if (!parseNumber(parser.value(durationOption), durationOption.names().constFirst(),
                     0.001, kDay, &options.durationSeconds, errorMessage)
        || !parseNumber(parser.value(warmupOption), warmupOption.names().constFirst(),
                        0, kDay, &options.warmupSeconds, errorMessage)
        || !parseNumber(parser.value(timeoutOption), timeoutOption.names().constFirst(),
                        0.001, kDay, &options.timeoutSeconds, errorMessage)
        || !parseNumber(parser.value(readRatioOption), readRatioOption.names().constFirst(),
                        0, 1, &options.readRatio, errorMessage)
        || !parseNumber(parser.value(runTimeoutOption), runTimeoutOption.names().constFirst(),
                        1, kDay, &options.runTimeoutSeconds, errorMessage))
        return std::nullopt;

    const QString signal = parser.value(signalOption).toUpper();
    if (signal != QLatin1String("KILL") && signal != QLatin1String("TERM")) {
        *errorMessage = QStringLiteral("--signal must be KILL or TERM, not '%1'").arg(parser.value(signalOption));
        return std::nullopt;
    }
    options.terminate = signal == QLatin1String("TERM");

    options.database = parser.value(dbOption);
    if (options.database.isEmpty()) {
        *errorMessage = QStringLiteral("--db must not be empty");
        return std::nullopt;
    }
    if (parser.isSet(tokenOption) && parser.isSet(tokenFileOption)) {
        *errorMessage = QStringLiteral("give either --token or --token-file, not both");
        return std::nullopt;
    }
    options.token = parser.value(tokenOption).toUtf8();
    if (parser.isSet(tokenFileOption) && !readToken(parser.value(tokenFileOption), &options.token, errorMessage))
        return std::nullopt;
    if (options.token.contains('\r') || options.token.contains('\n')) {
        *errorMessage = QStringLiteral("--token must not contain line breaks");
        return std::nullopt;
    }
    options.caFile = parser.value(caFileOption);
    options.json = parser.isSet(jsonOption);

    if (parser.isSet(supervisorOption)
        && !parseHttpUrl(parser.value(supervisorOption), supervisorOption.names().constFirst(),
                         &options.supervisorUrl, errorMessage))
        return std::nullopt;
    if (options.mode == Mode::Failover) {
        if (options.token.isEmpty()) {
            *errorMessage = QStringLiteral("failover needs the cluster token (--token or --token-file)");
            return std::nullopt;
        }
        if (options.runs > 1 && options.supervisorUrl.isEmpty()) {
            *errorMessage = QStringLiteral("failover with more than one run needs --supervisor to start "
                                           "the killed node again");
            return std::nullopt;
        }
    }
    return options;
}

QString BenchOptions::modeName(Mode mode)
{
    switch (mode) {
    case Mode::Write:
        return QStringLiteral("write");
    case Mode::Read:
        return QStringLiteral("read");
    case Mode::Mixed:
        return QStringLiteral("mixed");
    case Mode::Bulk:
        return QStringLiteral("bulk");
    case Mode::Ingest:
        return QStringLiteral("ingest");
    case Mode::Failover:
        return QStringLiteral("failover");
    }
    Q_UNREACHABLE();
}
