#include "BenchRunner.h"

#include "HttpConnection.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <algorithm>

namespace {

// Pause before a connection that hit a socket error sends again, so an
// unreachable server does not turn the bench into a busy loop.
constexpr int kRetryDelayMs = 100;

void note(const QString &message)
{
    QTextStream(stderr) << "peacedb-bench: " << message << Qt::endl;
}

QString bodySnippet(const QByteArray &body)
{
    return QString::fromUtf8(body.left(200)).simplified();
}

QByteArray hostHeader(const QUrl &url)
{
    QByteArray host = url.host(QUrl::FullyEncoded).toUtf8();
    if (host.contains(':'))
        host = '[' + host + ']';
    if (url.port(80) != 80)
        host += ':' + QByteArray::number(url.port());
    return host;
}

} // namespace

BenchRunner::BenchRunner(const BenchOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_urlText(options.url.toString())
    , m_random(options.seed)
    , m_generator(options.documentSize, &m_random)
    , m_runTag(QByteArray::number(QDateTime::currentMSecsSinceEpoch(), 36))
{
    QByteArray pathPrefix = options.url.path(QUrl::FullyEncoded).toUtf8();
    while (pathPrefix.endsWith('/'))
        pathPrefix.chop(1);
    m_databaseTarget = pathPrefix + "/v1/db/" + QUrl::toPercentEncoding(options.database);
    m_documentTargetPrefix = m_databaseTarget + "/docs/";
    m_bulkTarget = m_databaseTarget + "/_bulk_docs";

    QByteArray fixedHeaders = "Host: " + hostHeader(options.url) + "\r\n";
    if (!options.token.isEmpty())
        fixedHeaders += "Authorization: Bearer " + options.token + "\r\n";
    fixedHeaders += "Accept: application/json\r\n";

    const int timeoutMs = int(options.timeoutSeconds * 1000);
    for (int i = 0; i < options.connections; ++i) {
        const bool tls = options.url.scheme() == QLatin1String("https");
        auto *connection = new HttpConnection(options.url.host(), quint16(options.url.port(tls ? 443 : 80)),
                                              fixedHeaders, timeoutMs, this, tls);
        connect(connection, &HttpConnection::responseReceived, this,
                [this, i](int statusCode, const QByteArray &body, qint64 latencyNs) {
                    onResponse(i, statusCode, body, latencyNs);
                });
        connect(connection, &HttpConnection::requestFailed, this,
                [this, i](const QString &reason) { onFailure(i, reason); });
        m_connections.append(connection);
    }
    m_requestKinds.fill(RequestKind::Read, options.connections);
    m_requestDocuments.fill(0, options.connections);

    m_phaseTimer.setSingleShot(true);
    m_phaseTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_phaseTimer, &QTimer::timeout, this, &BenchRunner::onPhaseTimeout);
}

void BenchRunner::start()
{
    m_phase = Phase::CreatingDatabase;
    m_requestKinds[0] = RequestKind::CreateDatabase;
    m_connections[0]->sendRequest("PUT", m_databaseTarget, QByteArray());
}

void BenchRunner::issue(int connection)
{
    if (m_connections[connection]->isBusy())
        return;
    switch (m_phase) {
    case Phase::Preloading: {
        const int count = int(std::min<qint64>(m_options.bulkSize, m_options.documents - m_preloadNext));
        if (count > 0)
            sendBulk(connection, RequestKind::Preload, count);
        return;
    }
    case Phase::WarmingUp:
    case Phase::Measuring:
        break;
    case Phase::CreatingDatabase:
    case Phase::Draining:
    case Phase::Done:
        return;
    }

    switch (m_options.mode) {
    case BenchOptions::Mode::Write:
        sendWrite(connection);
        break;
    case BenchOptions::Mode::Read:
        sendRead(connection);
        break;
    case BenchOptions::Mode::Mixed:
        if (m_random.generateDouble() < m_options.readRatio)
            sendRead(connection);
        else
            sendWrite(connection);
        break;
    case BenchOptions::Mode::Bulk:
        sendBulk(connection, RequestKind::Bulk, m_options.bulkSize);
        break;
    case BenchOptions::Mode::Ingest: {
        const qint64 remaining = m_options.total - m_ingestAcknowledged - m_ingestInFlight;
        if (remaining > 0) {
            const int count = int(std::min<qint64>(m_options.bulkSize, remaining));
            m_ingestInFlight += count;
            sendBulk(connection, RequestKind::Bulk, count);
        }
        break;
    }
    case BenchOptions::Mode::Failover:
        Q_UNREACHABLE(); // FailoverBench runs it
    }
}

void BenchRunner::issueAll()
{
    for (int i = 0; i < m_connections.size(); ++i)
        issue(i);
}

void BenchRunner::sendRead(int connection)
{
    m_requestKinds[connection] = RequestKind::Read;
    m_requestDocuments[connection] = 1;
    const QByteArray target = m_documentTargetPrefix + preloadedId(m_random.bounded(m_options.documents));
    m_connections[connection]->sendRequest("GET", target, QByteArray());
}

void BenchRunner::sendWrite(int connection)
{
    m_requestKinds[connection] = RequestKind::Write;
    m_requestDocuments[connection] = 1;
    const QByteArray target = m_documentTargetPrefix + newDocumentId();
    m_connections[connection]->sendRequest("PUT", target, m_generator.document(m_nextNumber));
    ++m_nextNumber;
}

void BenchRunner::sendBulk(int connection, RequestKind kind, int count)
{
    m_requestKinds[connection] = kind;
    m_requestDocuments[connection] = count;
    QByteArray body;
    body.reserve(qsizetype(count) * (m_options.documentSize + 64) + 16);
    body += "{\"docs\":[";
    for (int i = 0; i < count; ++i) {
        if (i > 0)
            body += ',';
        if (kind == RequestKind::Preload) {
            m_generator.appendBulkItem(&body, preloadedId(m_preloadNext), m_preloadNext);
            ++m_preloadNext;
        } else {
            m_generator.appendBulkItem(&body, newDocumentId(), m_nextNumber);
            ++m_nextNumber;
        }
    }
    body += "]}";
    m_connections[connection]->sendRequest("POST", m_bulkTarget, body);
}

void BenchRunner::onResponse(int connection, int statusCode, const QByteArray &body, qint64 latencyNs)
{
    switch (m_requestKinds[connection]) {
    case RequestKind::CreateDatabase:
        onCreateDatabaseResponse(statusCode, body);
        break;
    case RequestKind::Preload:
        onPreloadResponse(connection, statusCode, body);
        break;
    case RequestKind::Read:
    case RequestKind::Write:
    case RequestKind::Bulk:
        onRunResponse(connection, statusCode, body, latencyNs);
        break;
    }
}

void BenchRunner::onFailure(int connection, const QString &reason)
{
    switch (m_requestKinds[connection]) {
    case RequestKind::CreateDatabase:
        abortRun(QStringLiteral("cannot reach %1: %2").arg(m_urlText, reason));
        return;
    case RequestKind::Preload:
        abortRun(QStringLiteral("preloading failed: cannot reach %1: %2").arg(m_urlText, reason));
        return;
    case RequestKind::Read:
    case RequestKind::Write:
    case RequestKind::Bulk:
        break;
    }
    if (m_phase == Phase::Measuring)
        m_result.recordFailure(reason);
    if (m_options.mode == BenchOptions::Mode::Ingest) {
        m_ingestInFlight -= m_requestDocuments[connection];
        m_ingestFailed += m_requestDocuments[connection];
    }
    continueRun(connection, true);
}

void BenchRunner::onCreateDatabaseResponse(int statusCode, const QByteArray &body)
{
    // 409 and 412 are how servers commonly say the database already exists.
    if (statusCode != 200 && statusCode != 201 && statusCode != 409 && statusCode != 412) {
        abortRun(QStringLiteral("cannot create database \"%1\" at %2: HTTP %3 %4")
                         .arg(m_options.database, m_urlText).arg(statusCode).arg(bodySnippet(body)));
        return;
    }
    if (m_options.mode == BenchOptions::Mode::Read || m_options.mode == BenchOptions::Mode::Mixed)
        startPreload();
    else
        startRun();
}

void BenchRunner::onPreloadResponse(int connection, int statusCode, const QByteArray &body)
{
    if (m_phase != Phase::Preloading)
        return;
    if (statusCode != 200 && statusCode != 201) {
        abortRun(QStringLiteral("preloading failed: HTTP %1 %2").arg(statusCode).arg(bodySnippet(body)));
        return;
    }
    BulkOutcome outcome = parseBulkResponse(body, m_requestDocuments[connection]);
    // 409: the document is left from an earlier run with the same --docs.
    outcome.failedByStatus.remove(409);
    if (!outcome.failedByStatus.isEmpty()) {
        QStringList errors;
        for (auto it = outcome.failedByStatus.cbegin(); it != outcome.failedByStatus.cend(); ++it)
            errors.append(QStringLiteral("status %1: %2").arg(it.key()).arg(it.value()));
        abortRun(QStringLiteral("preloading failed: documents rejected (%1)").arg(errors.join(QStringLiteral(", "))));
        return;
    }
    m_preloadDone += m_requestDocuments[connection];
    if (m_preloadDone < m_options.documents) {
        issue(connection);
        return;
    }
    note(QStringLiteral("preloaded %1 documents in %2 s")
                 .arg(m_options.documents).arg(double(m_setupClock.elapsed()) / 1000.0, 0, 'f', 2));
    startRun();
}

void BenchRunner::onRunResponse(int connection, int statusCode, const QByteArray &body, qint64 latencyNs)
{
    const RequestKind kind = m_requestKinds[connection];
    const int documents = m_requestDocuments[connection];
    const bool counted = m_phase == Phase::Measuring;
    const bool success = kind == RequestKind::Read ? statusCode == 200 : (statusCode == 200 || statusCode == 201);
    qint64 documentsOk = 0;
    if (success) {
        if (kind == RequestKind::Bulk) {
            const BulkOutcome outcome = parseBulkResponse(body, documents);
            documentsOk = outcome.succeeded;
            if (counted)
                m_result.recordDocuments(outcome.succeeded, outcome.failedByStatus);
        }
        if (counted)
            m_result.recordSuccess(operationOf(kind), latencyNs);
    } else if (counted) {
        m_result.recordStatusError(statusCode);
    }
    if (m_options.mode == BenchOptions::Mode::Ingest) {
        m_ingestInFlight -= documents;
        m_ingestAcknowledged += documentsOk;
        m_ingestFailed += documents - documentsOk;
    }
    continueRun(connection, false);
}

void BenchRunner::continueRun(int connection, bool afterFailure)
{
    if (m_phase == Phase::Draining) {
        if (!anyBusy())
            finish();
        return;
    }
    if (m_phase != Phase::WarmingUp && m_phase != Phase::Measuring)
        return;

    if (m_options.mode == BenchOptions::Mode::Ingest) {
        reportIngestProgress();
        if (m_ingestAcknowledged == m_options.total) {
            stopIssuing();
            return;
        }
        if (m_ingestFailed > m_options.total) {
            m_failureMessage = QStringLiteral("giving up: %1 documents failed, more than --total")
                                       .arg(m_ingestFailed);
            stopIssuing();
            return;
        }
        if (afterFailure)
            QTimer::singleShot(kRetryDelayMs, this, &BenchRunner::issueAll);
        else
            issueAll();
        return;
    }
    if (afterFailure)
        QTimer::singleShot(kRetryDelayMs, this, [this, connection] { issue(connection); });
    else
        issue(connection);
}

void BenchRunner::startPreload()
{
    m_phase = Phase::Preloading;
    m_setupClock.start();
    note(QStringLiteral("preloading %1 documents into %2").arg(m_options.documents).arg(m_options.database));
    issueAll();
}

void BenchRunner::startRun()
{
    const QString connections = QStringLiteral("%1 connections").arg(m_options.connections);
    if (m_options.mode == BenchOptions::Mode::Ingest) {
        note(QStringLiteral("ingesting %1 documents in batches of %2 over %3")
                     .arg(m_options.total).arg(m_options.bulkSize).arg(connections));
        m_phase = Phase::Measuring;
        m_measureClock.start();
    } else if (m_options.warmupSeconds > 0) {
        note(QStringLiteral("%1: %2 s warm-up, then %3 s measured over %4")
                     .arg(BenchOptions::modeName(m_options.mode)).arg(m_options.warmupSeconds)
                     .arg(m_options.durationSeconds).arg(connections));
        m_phase = Phase::WarmingUp;
        m_phaseTimer.start(int(m_options.warmupSeconds * 1000));
    } else {
        note(QStringLiteral("%1: %2 s measured over %3")
                     .arg(BenchOptions::modeName(m_options.mode)).arg(m_options.durationSeconds)
                     .arg(connections));
        m_phase = Phase::Measuring;
        m_measureClock.start();
        m_phaseTimer.start(int(m_options.durationSeconds * 1000));
    }
    issueAll();
}

void BenchRunner::onPhaseTimeout()
{
    if (m_phase == Phase::WarmingUp) {
        m_phase = Phase::Measuring;
        m_measureClock.start();
        m_phaseTimer.start(int(m_options.durationSeconds * 1000));
    } else if (m_phase == Phase::Measuring) {
        stopIssuing();
    }
}

// Ends the measured window; the answers still in flight are awaited but not
// counted.
void BenchRunner::stopIssuing()
{
    m_measuredSeconds = double(m_measureClock.nsecsElapsed()) / 1e9;
    m_phase = Phase::Draining;
    if (!anyBusy())
        finish();
}

void BenchRunner::finish()
{
    m_phase = Phase::Done;
    QTextStream out(stdout);
    m_result.print(out, m_options, m_measuredSeconds);
    if (m_options.json)
        out << m_result.toJson(m_options, m_measuredSeconds) << Qt::endl;

    if (m_failureMessage.isEmpty() && m_result.requestsOk() == 0) {
        const QString window = QStringLiteral("during the measured %1 s").arg(m_measuredSeconds, 0, 'f', 1);
        if (m_result.requestsFailed() == 0)
            m_failureMessage = QStringLiteral("no request completed %1").arg(window);
        else if (!m_result.hasStatusErrors())
            m_failureMessage = QStringLiteral("cannot reach %1: %2").arg(m_urlText, m_result.commonestFailure());
        else
            m_failureMessage = QStringLiteral("no request succeeded %1 (%2)").arg(window, m_result.errorSummary());
    }
    if (!m_failureMessage.isEmpty()) {
        note(m_failureMessage);
        emit finished(2);
        return;
    }
    emit finished(0);
}

void BenchRunner::abortRun(const QString &message)
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    m_phaseTimer.stop();
    note(message);
    emit finished(2);
}

void BenchRunner::reportIngestProgress()
{
    const int tenths = int(m_ingestAcknowledged * 10 / m_options.total);
    if (tenths <= m_ingestReportedTenths)
        return;
    m_ingestReportedTenths = tenths;
    const double seconds = double(m_measureClock.nsecsElapsed()) / 1e9;
    note(QStringLiteral("%1 / %2 documents in %3 s (%4 docs/s)")
                 .arg(m_ingestAcknowledged).arg(m_options.total).arg(seconds, 0, 'f', 1)
                 .arg(seconds > 0 ? double(m_ingestAcknowledged) / seconds : 0.0, 0, 'f', 0));
}

bool BenchRunner::anyBusy() const
{
    return std::any_of(m_connections.cbegin(), m_connections.cend(),
                       [](const HttpConnection *connection) { return connection->isBusy(); });
}

// New documents get ids unique to this run, so repeated runs never collide.
QByteArray BenchRunner::newDocumentId()
{
    return "bench-" + m_runTag + '-' + QByteArray::number(m_nextNumber);
}

QByteArray BenchRunner::preloadedId(qint64 index)
{
    return "bench-" + QByteArray::number(index).rightJustified(8, '0');
}

BenchRunner::BulkOutcome BenchRunner::parseBulkResponse(const QByteArray &body, int documents)
{
    BulkOutcome outcome;
    const QJsonArray results = QJsonDocument::fromJson(body).object().value(QLatin1String("results")).toArray();
    qint64 failed = 0;
    for (const QJsonValue &result : results) {
        const QJsonObject object = result.toObject();
        if (object.contains(QLatin1String("error"))) {
            ++outcome.failedByStatus[object.value(QLatin1String("status")).toInt(0)];
            ++failed;
        } else {
            ++outcome.succeeded;
        }
    }
    outcome.succeeded = std::min<qint64>(outcome.succeeded, documents - failed);
    // Documents the answer does not mention were not acknowledged.
    if (outcome.succeeded + failed < documents)
        outcome.failedByStatus[0] += documents - outcome.succeeded - failed;
    return outcome;
}

// Only Read, Write and Bulk requests are measured.
BenchResult::Operation BenchRunner::operationOf(RequestKind kind)
{
    switch (kind) {
    case RequestKind::Read:
        return BenchResult::Operation::Read;
    case RequestKind::Bulk:
        return BenchResult::Operation::Bulk;
    case RequestKind::CreateDatabase:
    case RequestKind::Preload:
    case RequestKind::Write:
        break;
    }
    return BenchResult::Operation::Write;
}
