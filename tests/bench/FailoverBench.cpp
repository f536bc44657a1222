#include "FailoverBench.h"

#include "HttpClientPool.h"
#include "ShardPlacement.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace {

// Pause before a writer sends again after a refused write: short, so the
// failover time is measured to within a few ms, but not a busy loop that
// would take CPU from the election it measures.
constexpr int kRefusedRetryDelayMs = 10;
// Pause after a write that got no answer at all (the router is unreachable).
constexpr int kUnansweredRetryDelayMs = 100;
// How often the shard's state is polled while waiting for it to be whole.
constexpr int kStatusPollMs = 100;
// Reading back an acknowledged write: attempts and the pause between them
// while the answer is neither the document nor a 404.
constexpr int kVerifyAttempts = 50;
constexpr int kVerifyRetryDelayMs = 100;
// Starting the killed node: attempts and the pause between them (the
// supervisor may not have seen the process exit yet).
constexpr int kRestartAttempts = 20;
constexpr int kRestartRetryDelayMs = 250;
constexpr int kControlConnections = 2;

void note(const QString &message)
{
    QTextStream(stderr) << "peacedb-bench: " << message << Qt::endl;
}

QString describe(const HttpClientReply &reply)
{
    if (!reply.answered())
        return reply.error;
    return QStringLiteral("HTTP %1 %2").arg(reply.status).arg(QString::fromUtf8(reply.body.left(200)).simplified());
}

bool isSuccess(const HttpClientReply &reply)
{
    return reply.status >= 200 && reply.status < 300;
}

QJsonObject bodyObject(const HttpClientReply &reply)
{
    return QJsonDocument::fromJson(reply.body).object();
}

} // namespace

FailoverBench::FailoverBench(const BenchOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_random(options.seed)
    , m_generator(options.documentSize, &m_random)
    , m_runTag(QByteArray::number(QDateTime::currentMSecsSinceEpoch(), 36))
{
    m_pathPrefix = options.url.path(QUrl::FullyEncoded).toUtf8();
    while (m_pathPrefix.endsWith('/'))
        m_pathPrefix.chop(1);

    const int timeoutMs = int(options.timeoutSeconds * 1000);
    m_control = new HttpClientPool(options.url, options.token, kControlConnections, timeoutMs, this);
    m_clients = new HttpClientPool(options.url, options.token, options.connections, timeoutMs, this);
    m_supervisor = options.supervisorUrl.isEmpty()
            ? nullptr
            : new HttpClientPool(options.supervisorUrl, options.token, 1, timeoutMs, this);

    m_killTimer.setSingleShot(true);
    m_killTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_killTimer, &QTimer::timeout, this, &FailoverBench::killPrimary);
    m_giveUpTimer.setSingleShot(true);
    connect(&m_giveUpTimer, &QTimer::timeout, this, &FailoverBench::onNoWriteAfterKill);
    m_clock.start();
}

void FailoverBench::start()
{
    waitForShard();
}

// Step 1 (and 5): polls the status until the shard is whole or the run
// timeout passes.
void FailoverBench::waitForShard()
{
    m_phase = Phase::WaitingForShard;
    m_deadlineNs = m_clock.nsecsElapsed() + qint64(m_options.runTimeoutSeconds * 1e9);
    m_notReadyReason = QStringLiteral("no status yet");
    pollStatus();
}

void FailoverBench::pollStatus()
{
    if (m_phase != Phase::WaitingForShard)
        return;
    if (m_clock.nsecsElapsed() > m_deadlineNs) {
        abortRun(QStringLiteral("shard %1 was not whole within %2 s: %3")
                         .arg(m_options.shard).arg(m_options.runTimeoutSeconds).arg(m_notReadyReason));
        return;
    }
    m_control->get(m_pathPrefix + "/v1/_cluster/status", [this](const HttpClientReply &reply) { onStatus(reply); });
}

void FailoverBench::onStatus(const HttpClientReply &reply)
{
    if (m_phase != Phase::WaitingForShard)
        return;
    if (reply.status == 401 || reply.status == 404) {
        abortRun(QStringLiteral("GET /v1/_cluster/status: %1 (is --url a router, and the token its own?)")
                         .arg(describe(reply)));
        return;
    }
    std::optional<Primary> primary;
    if (reply.status == 200) {
        const QJsonObject body = bodyObject(reply);
        const QJsonArray shards = body.value(QLatin1String("shards")).toArray();
        m_shardCount = int(shards.size());
        if (m_options.shard >= m_shardCount) {
            abortRun(QStringLiteral("the router has %1 shards; there is no shard %2")
                             .arg(m_shardCount).arg(m_options.shard));
            return;
        }
        const QJsonObject shard = shards.at(m_options.shard).toObject();
        primary = readyPrimary(shard, &m_notReadyReason);
        if (primary && primary->pid <= 0) {
            abortRun(QStringLiteral("the status gives no pid for %1, the primary of shard %2")
                             .arg(primary->name).arg(m_options.shard));
            return;
        }
        if (primary) {
            m_memberNames.clear();
            for (const QJsonValue &member : shard.value(QLatin1String("members")).toArray())
                m_memberNames.append(member.toObject().value(QLatin1String("name")).toString());
            if (m_restartNs >= 0) {
                m_run.rejoinSeconds = double(m_clock.nsecsElapsed() - m_restartNs) / 1e9;
                m_restartNs = -1;
                completeRun();
            }
            if (m_result.runs().size() >= m_options.runs) {
                finish();
                return;
            }
            const qint64 lastEventId = body.value(QLatin1String("lastEventId")).toInteger();
            if (m_databaseCreated)
                startRun(*primary, lastEventId);
            else
                createDatabase(*primary, lastEventId);
            return;
        }
    } else {
        m_notReadyReason = QStringLiteral("GET /v1/_cluster/status: %1").arg(describe(reply));
    }
    QTimer::singleShot(kStatusPollMs, this, &FailoverBench::pollStatus);
}

std::optional<FailoverBench::Primary> FailoverBench::readyPrimary(const QJsonObject &shard, QString *why) const
{
    if (!shard.value(QLatin1String("healthy")).toBool()) {
        *why = QStringLiteral("the shard is not healthy");
        return std::nullopt;
    }
    if (shard.value(QLatin1String("promoting")).toBool()) {
        *why = QStringLiteral("a promotion is running");
        return std::nullopt;
    }
    const QJsonArray members = shard.value(QLatin1String("members")).toArray();
    const int primaryMember = shard.value(QLatin1String("primaryMember")).toInt(-1);
    if (primaryMember < 0 || primaryMember >= members.size()) {
        *why = QStringLiteral("no primary member");
        return std::nullopt;
    }
    const QJsonObject primary = members.at(primaryMember).toObject();
    if (primary.value(QLatin1String("role")).toString() != QLatin1String("primary")) {
        *why = QStringLiteral("member %1 is the router's primary but says it is %2")
                       .arg(primaryMember).arg(primary.value(QLatin1String("role")).toString());
        return std::nullopt;
    }
    const qint64 commitSeq = primary.value(QLatin1String("commitSeq")).toInteger();
    for (const QJsonValue &value : members) {
        const QJsonObject member = value.toObject();
        const QString name = member.value(QLatin1String("name")).toString();
        if (!member.value(QLatin1String("reachable")).toBool()) {
            *why = QStringLiteral("%1 is not reachable").arg(name);
            return std::nullopt;
        }
        if (m_restartNs >= 0 && member.value(QLatin1String("pid")).toInteger() == m_run.killedPid) {
            *why = QStringLiteral("%1 still shows the killed process").arg(name);
            return std::nullopt;
        }
        const qint64 applied = member.value(QLatin1String("appliedSeq")).toInteger();
        if (applied < commitSeq) {
            *why = QStringLiteral("%1 has applied seq %2 of %3").arg(name).arg(applied).arg(commitSeq);
            return std::nullopt;
        }
    }
    return Primary{primaryMember, primary.value(QLatin1String("name")).toString(),
                   primary.value(QLatin1String("pid")).toInteger(), shard.value(QLatin1String("term")).toInteger()};
}

void FailoverBench::createDatabase(const Primary &primary, qint64 lastEventId)
{
    m_phase = Phase::CreatingDatabase;
    m_clients->request("PUT", m_pathPrefix + "/v1/db/" + QUrl::toPercentEncoding(m_options.database), QByteArray(),
                       [this, primary, lastEventId](const HttpClientReply &reply) {
                           if (!isSuccess(reply)) {
                               abortRun(QStringLiteral("cannot create database \"%1\" through %2: %3")
                                                .arg(m_options.database, m_options.url.toString(), describe(reply)));
                               return;
                           }
                           m_databaseCreated = true;
                           startRun(primary, lastEventId);
                       });
}

// Step 2: writes to the shard for --warmup seconds, then kills its primary.
void FailoverBench::startRun(const Primary &primary, qint64 lastEventId)
{
    ++m_runNumber;
    m_run = FailoverResult::Run();
    m_run.killedNode = primary.name;
    m_run.killedPid = primary.pid;
    m_run.termBefore = primary.term;
    m_primary = primary;
    m_runFirstEventId = lastEventId;
    m_killNs = -1;
    m_acknowledged.clear();
    m_lastRefusal.clear();
    m_phase = Phase::Writing;
    note(QStringLiteral("run %1: writing to shard %2 over %3 connections; %4 (pid %5) is killed in %6 s")
                 .arg(m_runNumber).arg(m_options.shard).arg(m_options.connections).arg(primary.name)
                 .arg(primary.pid).arg(m_options.warmupSeconds));
    m_killTimer.start(int(m_options.warmupSeconds * 1000));
    for (int i = 0; i < m_options.connections; ++i)
        sendWrite(m_runNumber);
}

// `run` is the run that scheduled this write, so that a retry still pending
// when its run ended does not add a writer to the next one.
void FailoverBench::sendWrite(int run)
{
    if (run != m_runNumber || (m_phase != Phase::Writing && m_phase != Phase::Failing))
        return;
    const QByteArray id = nextDocumentId();
    const qint64 sentNs = m_clock.nsecsElapsed();
    ++m_inFlight;
    m_clients->request("PUT", documentTarget(id), m_generator.document(m_nextNumber),
                       [this, id, sentNs](const HttpClientReply &reply) { onWriteReply(id, sentNs, reply); });
    ++m_nextNumber;
}

void FailoverBench::onWriteReply(const QByteArray &id, qint64 sentNs, const HttpClientReply &reply)
{
    --m_inFlight;
    const bool afterKill = m_killNs >= 0 && sentNs >= m_killNs;
    if (isSuccess(reply)) {
        m_acknowledged.append(Acknowledged{id, bodyObject(reply).value(QLatin1String("rev")).toString().toUtf8()});
        ++m_run.acknowledged;
        if (afterKill) {
            ++m_run.acknowledgedAfterKill;
            if (m_run.failoverMs < 0) {
                m_run.failoverMs = double(m_clock.nsecsElapsed() - m_killNs) / 1e6;
                stopWriting();
            }
        }
    } else {
        m_lastRefusal = describe(reply);
        if (m_killNs >= 0)
            ++m_run.refusedByStatus[reply.status];
    }

    if (m_phase == Phase::Draining) {
        if (m_inFlight == 0)
            fetchEvents();
        return;
    }
    if (isSuccess(reply)) {
        sendWrite(m_runNumber);
        return;
    }
    const int run = m_runNumber;
    QTimer::singleShot(reply.answered() ? kRefusedRetryDelayMs : kUnansweredRetryDelayMs, this,
                       [this, run] { sendWrite(run); });
}

// Step 3.
void FailoverBench::killPrimary()
{
    if (m_phase != Phase::Writing)
        return;
    if (m_run.acknowledged == 0 && m_options.warmupSeconds > 0) {
        abortRun(QStringLiteral("no write was acknowledged on shard %1 in %2 s before the kill (last answer: %3)")
                         .arg(m_options.shard).arg(m_options.warmupSeconds).arg(m_lastRefusal));
        return;
    }
    m_killEpochMs = QDateTime::currentMSecsSinceEpoch();
    m_killNs = m_clock.nsecsElapsed();
    if (::kill(pid_t(m_primary.pid), m_options.terminate ? SIGTERM : SIGKILL) != 0) {
        const int error = errno;
        abortRun(QStringLiteral("cannot kill %1 (pid %2): %3%4")
                         .arg(m_primary.name).arg(m_primary.pid).arg(QString::fromLocal8Bit(std::strerror(error)),
                              error == ESRCH ? QStringLiteral(" (the bench must run on the node's machine)")
                                             : QString()));
        return;
    }
    m_phase = Phase::Failing;
    m_giveUpTimer.start(int(m_options.runTimeoutSeconds * 1000));
}

void FailoverBench::onNoWriteAfterKill()
{
    if (m_phase != Phase::Failing)
        return;
    note(QStringLiteral("run %1: no write acknowledged within %2 s of the kill (last answer: %3)")
                 .arg(m_runNumber).arg(m_options.runTimeoutSeconds).arg(m_lastRefusal));
    stopWriting();
}

// Step 4: no new writes; the ones in flight are awaited (an acknowledged one
// is verified like the others).
void FailoverBench::stopWriting()
{
    m_giveUpTimer.stop();
    m_phase = Phase::Draining;
    if (m_inFlight == 0)
        fetchEvents();
}

void FailoverBench::fetchEvents()
{
    m_phase = Phase::Verifying;
    m_control->get(m_pathPrefix + "/v1/_cluster/events?limit=1000&since=" + QByteArray::number(m_runFirstEventId),
                   [this](const HttpClientReply &reply) { onEvents(reply); });
}

void FailoverBench::onEvents(const HttpClientReply &reply)
{
    if (reply.status == 200) {
        const QJsonArray events = bodyObject(reply).value(QLatin1String("events")).toArray();
        m_run.timeline = FailoverTimeline::fromEvents(events, m_options.shard, m_killEpochMs);
        const int promoted = m_run.timeline.promotedMember;
        if (promoted >= 0) {
            m_run.newPrimary = promoted < m_memberNames.size() ? m_memberNames.at(promoted)
                                                               : QStringLiteral("member %1").arg(promoted);
            m_run.newTerm = m_run.timeline.promotedTerm;
        }
    } else {
        note(QStringLiteral("run %1: no events: %2").arg(m_runNumber).arg(describe(reply)));
    }
    m_verifyNext = 0;
    m_verifyDone = 0;
    if (m_acknowledged.isEmpty()) {
        restartNode(1);
        return;
    }
    for (int i = 0; i < m_options.connections; ++i)
        verifyNext();
}

void FailoverBench::verifyNext()
{
    if (m_verifyNext >= m_acknowledged.size())
        return;
    const int index = m_verifyNext++;
    m_clients->get(documentTarget(m_acknowledged.at(index).id),
                   [this, index](const HttpClientReply &reply) { onVerifyReply(index, 1, reply); });
}

void FailoverBench::onVerifyReply(int index, int attempt, const HttpClientReply &reply)
{
    const Acknowledged &written = m_acknowledged.at(index);
    if (reply.status == 200 || reply.status == 404) {
        const QByteArray rev = bodyObject(reply).value(QLatin1String("rev")).toString().toUtf8();
        if (reply.status == 404 || (!written.rev.isEmpty() && rev != written.rev)) {
            ++m_run.lost;
            note(QStringLiteral("run %1: LOST acknowledged write %2 (rev %3): %4")
                         .arg(m_runNumber).arg(QString::fromUtf8(written.id), QString::fromUtf8(written.rev),
                              describe(reply)));
        }
    } else if (attempt < kVerifyAttempts) {
        QTimer::singleShot(kVerifyRetryDelayMs, this, [this, index, attempt] {
            m_clients->get(documentTarget(m_acknowledged.at(index).id),
                           [this, index, attempt](const HttpClientReply &reply) {
                               onVerifyReply(index, attempt + 1, reply);
                           });
        });
        return;
    } else {
        ++m_run.unverified;
        note(QStringLiteral("run %1: cannot read back acknowledged write %2: %3")
                     .arg(m_runNumber).arg(QString::fromUtf8(written.id), describe(reply)));
    }
    if (++m_verifyDone == m_acknowledged.size())
        restartNode(1);
    else
        verifyNext();
}

// Step 5.
void FailoverBench::restartNode(int attempt)
{
    if (!m_supervisor) {
        note(QStringLiteral("%1 stays down (no --supervisor)").arg(m_run.killedNode));
        completeRun();
        finish();
        return;
    }
    m_phase = Phase::Restarting;
    if (attempt == 1)
        m_restartNs = m_clock.nsecsElapsed();
    // After SIGTERM the node hands off and exits on its own time; the
    // supervisor can start it only once it is gone.
    if (m_options.terminate && ::kill(pid_t(m_primary.pid), 0) == 0
        && m_clock.nsecsElapsed() - m_restartNs < qint64(m_options.runTimeoutSeconds * 1e9)) {
        QTimer::singleShot(50, this, [this, attempt] { restartNode(attempt); });
        return;
    }
    m_supervisor->post("/v1/_supervisor/nodes/" + QUrl::toPercentEncoding(m_run.killedNode) + "/start", QByteArray(),
                       [this, attempt](const HttpClientReply &reply) {
                           if (isSuccess(reply)) {
                               waitForShard();
                           } else if (attempt < kRestartAttempts && reply.status != 401 && reply.status != 404) {
                               QTimer::singleShot(kRestartRetryDelayMs, this,
                                                  [this, attempt] { restartNode(attempt + 1); });
                           } else {
                               abortRun(QStringLiteral("cannot start %1 through the supervisor: %2")
                                                .arg(m_run.killedNode, describe(reply)));
                           }
                       });
}

void FailoverBench::completeRun()
{
    m_result.add(m_run);
    QTextStream out(stdout);
    FailoverResult::printRun(out, m_runNumber, m_run);
}

void FailoverBench::finish()
{
    m_phase = Phase::Done;
    QTextStream out(stdout);
    m_result.print(out, m_options);
    if (m_options.json)
        out << m_result.toJson(m_options) << Qt::endl;
    if (m_result.missingWrites() > 0) {
        note(QStringLiteral("%1 acknowledged writes lost or unreadable").arg(m_result.missingWrites()));
        emit finished(3);
        return;
    }
    if (!m_result.everyRunFailedOver()) {
        note(QStringLiteral("a run got no write through after its kill"));
        emit finished(2);
        return;
    }
    emit finished(0);
}

void FailoverBench::abortRun(const QString &message)
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    m_killTimer.stop();
    m_giveUpTimer.stop();
    note(message);
    if (!m_result.runs().isEmpty()) {
        QTextStream out(stdout);
        m_result.print(out, m_options);
    }
    emit finished(m_result.missingWrites() > 0 ? 3 : 2);
}

// New ids unique to this bench, kept only when they belong to the shard
// (about one in m_shardCount does).
QByteArray FailoverBench::nextDocumentId()
{
    for (;;) {
        const QByteArray id = "failover-" + m_runTag + '-' + QByteArray::number(m_nextNumber);
        if (ShardPlacement::shardOf(QString::fromLatin1(id), m_shardCount) == m_options.shard)
            return id;
        ++m_nextNumber;
    }
}

QByteArray FailoverBench::documentTarget(const QByteArray &id) const
{
    return m_pathPrefix + "/v1/db/" + QUrl::toPercentEncoding(m_options.database) + "/docs/" + id;
}
