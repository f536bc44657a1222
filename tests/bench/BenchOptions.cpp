#include "BenchOptions.h"

#include <QCommandLineOption>
#include <QCommandLineParser>

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
            "  ingest  like bulk until --total documents are acknowledged (no warm-up)\n\n"
            "Exit status: 0 when the run completed, 1 on invalid options, 2 when the server "
            "could not be reached, the setup failed or no request succeeded."));
    parser.addHelpOption();
    parser.addVersionOption();

    const QCommandLineOption urlOption(QStringLiteral("url"),
            QStringLiteral("Server URL (http only)."), QStringLiteral("URL"),
            QStringLiteral("http://127.0.0.1:8080"));
    const QCommandLineOption modeOption(QStringLiteral("mode"),
            QStringLiteral("Workload: write, read, mixed, bulk or ingest."), QStringLiteral("MODE"),
            QStringLiteral("write"));
    const QCommandLineOption connectionsOption(QStringLiteral("connections"),
            QStringLiteral("Number of keep-alive connections."), QStringLiteral("N"),
            QStringLiteral("32"));
    const QCommandLineOption durationOption(QStringLiteral("duration"),
            QStringLiteral("Measured run time (not used by ingest)."), QStringLiteral("SECONDS"),
            QStringLiteral("10"));
    const QCommandLineOption warmupOption(QStringLiteral("warmup"),
            QStringLiteral("Run time before measuring starts (not used by ingest)."),
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
    const QCommandLineOption jsonOption(QStringLiteral("json"),
            QStringLiteral("Also print the results as one JSON line."));
    const QCommandLineOption seedOption(QStringLiteral("seed"),
            QStringLiteral("Seed of the random generator (documents, read ids, read/write mix)."),
            QStringLiteral("N"), QStringLiteral("1"));
    parser.addOptions({ urlOption, modeOption, connectionsOption, durationOption, warmupOption,
                        timeoutOption, dbOption, docSizeOption, docsOption, readRatioOption,
                        bulkSizeOption, totalOption, tokenOption, jsonOption, seedOption });

    parser.process(arguments);
    if (!parser.positionalArguments().isEmpty()) {
        *errorMessage = QStringLiteral("unexpected argument \"%1\"")
                                .arg(parser.positionalArguments().constFirst());
        return std::nullopt;
    }

    BenchOptions options;

    const QString urlText = parser.value(urlOption);
    options.url = QUrl(urlText, QUrl::StrictMode);
    if (!options.url.isValid() || options.url.scheme() != QLatin1String("http")
        || options.url.host().isEmpty() || !options.url.query().isEmpty()
        || !options.url.fragment().isEmpty() || !options.url.userInfo().isEmpty()) {
        *errorMessage = QStringLiteral("--url must look like http://host:port, got \"%1\"").arg(urlText);
        return std::nullopt;
    }

    const QString modeText = parser.value(modeOption);
    const Mode modes[] = { Mode::Write, Mode::Read, Mode::Mixed, Mode::Bulk, Mode::Ingest };
    const auto mode = std::find_if(std::begin(modes), std::end(modes),
                                   [&modeText](Mode candidate) { return modeName(candidate) == modeText; });
    if (mode == std::end(modes)) {
        *errorMessage = QStringLiteral("--mode must be write, read, mixed, bulk or ingest, got \"%1\"")
                                .arg(modeText);
        return std::nullopt;
    }
    options.mode = *mode;

    qint64 integer = 0;
    if (!parseInteger(parser.value(connectionsOption), connectionsOption.names().constFirst(),
                      1, 10000, &integer, errorMessage))
        return std::nullopt;
    options.connections = int(integer);
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

    constexpr double kDay = 24 * 3600;
    if (!parseNumber(parser.value(durationOption), durationOption.names().constFirst(),
                     0.001, kDay, &options.durationSeconds, errorMessage)
        || !parseNumber(parser.value(warmupOption), warmupOption.names().constFirst(),
                        0, kDay, &options.warmupSeconds, errorMessage)
        || !parseNumber(parser.value(timeoutOption), timeoutOption.names().constFirst(),
                        0.001, kDay, &options.timeoutSeconds, errorMessage)
        || !parseNumber(parser.value(readRatioOption), readRatioOption.names().constFirst(),
                        0, 1, &options.readRatio, errorMessage))
        return std::nullopt;

    options.database = parser.value(dbOption);
    if (options.database.isEmpty()) {
        *errorMessage = QStringLiteral("--db must not be empty");
        return std::nullopt;
    }
    options.token = parser.value(tokenOption).toUtf8();
    if (options.token.contains('\r') || options.token.contains('\n')) {
        *errorMessage = QStringLiteral("--token must not contain line breaks");
        return std::nullopt;
    }
    options.json = parser.isSet(jsonOption);
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
    }
    Q_UNREACHABLE();
}
