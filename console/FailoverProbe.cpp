#include "FailoverProbe.h"

#include <QDateTime>
#include <QJsonObject>
#include <QTimer>

#include <algorithm>

#include "ConsoleClient.h"
#include "ShardPlacement.h"

namespace {

constexpr int kWriters = 2;
constexpr int kReaders = 4;
constexpr int kReadAttempts = 10;
constexpr int kReadRetryMs = 300;

} // namespace

QString FailoverProbe::Report::summary() const
{
    if (!completed)
        return QStringLiteral("Test failover did not complete: %1").arg(error);
    return QStringLiteral("Write outage %1 ms. %2 writes sent, %3 acknowledged, %4 failed. %5")
        .arg(outageMs)
        .arg(writesSent)
        .arg(writesAcknowledged)
        .arg(writesFailed)
        .arg(lost.isEmpty() ? QStringLiteral("All %1 acknowledged writes read back intact.").arg(readBack)
                            : QStringLiteral("LOST %1 acknowledged writes: %2").arg(lost.size()).arg(lost.mid(0, 10).join(QStringLiteral(", "))));
}

FailoverProbe::FailoverProbe(ConsoleClient *client, const Options &options, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_options(options)
{
}

void FailoverProbe::start()
{
    Q_ASSERT(m_phase == Phase::Idle);
    m_clock.start();
    m_runId = QString::number(QDateTime::currentMSecsSinceEpoch(), 36);
    m_phase = Phase::Baseline;
    emit progress(QStringLiteral("Creating database %1").arg(m_options.database));
    m_client->request("PUT", QStringLiteral("/v1/db/%1").arg(m_options.database), {}, [this](const ClientReply &reply) {
        if (!reply.isOk() && reply.status != 409) {
            finish(QStringLiteral("could not create the probe database: %1").arg(reply.errorText()));
            return;
        }
        emit progress(QStringLiteral("Writing probes to shard %1").arg(m_options.shard));
        for (int writer = 0; writer < kWriters; ++writer) {
            ++m_writersRunning;
            writeLoop();
        }
        QTimer::singleShot(m_options.baselineMs, this, &FailoverProbe::runAction);
    });
}

QString FailoverProbe::nextId()
{
    for (;;) {
        const QString id = QStringLiteral("probe-%1-%2").arg(m_runId).arg(m_candidate++);
        if (ShardPlacement::shardOf(id, m_options.shardCount) == m_options.shard)
            return id;
    }
}

void FailoverProbe::writeLoop()
{
    if (m_phase == Phase::Draining || m_phase == Phase::Done || m_phase == Phase::Verifying) {
        if (--m_writersRunning == 0 && m_phase == Phase::Draining)
            verify();
        return;
    }
    const int index = int(m_writes.size());
    Write write;
    write.id = nextId();
    write.number = index;
    write.sentMs = now();
    m_writes.append(write);
    ++m_report.writesSent;
    const QJsonObject body{{QStringLiteral("data"),
                            QJsonObject{{QStringLiteral("probe"), index}, {QStringLiteral("run"), m_runId}}}};
    m_client->request(
        "PUT", QStringLiteral("/v1/db/%1/docs/%2").arg(m_options.database, write.id), body,
        [this, index](const ClientReply &reply) {
            Write &done = m_writes[index];
            done.answeredMs = now();
            done.acknowledged = reply.isOk();
            if (done.acknowledged)
                ++m_report.writesAcknowledged;
            else
                ++m_report.writesFailed;
            checkRecovered();
            QTimer::singleShot(m_options.pauseMs, this, &FailoverProbe::writeLoop);
        },
        m_options.writeTimeoutMs);
}

void FailoverProbe::runAction()
{
    if (m_phase != Phase::Baseline)
        return;
    m_phase = Phase::Action;
    m_actionMs = now();
    auto done = [this](const ClientReply &reply) {
        if (!reply.isOk()) {
            m_report.actionResult = reply.errorText();
            m_phase = Phase::Draining;
            m_report.error = QStringLiteral("the action failed: %1").arg(reply.errorText());
            return;
        }
        m_report.actionResult = QStringLiteral("ok");
        if (m_phase == Phase::Action)
            m_phase = Phase::Recovering;
        QTimer::singleShot(m_options.timeoutMs, this, [this]() {
            if (m_phase == Phase::Recovering) {
                m_report.error = QStringLiteral("writes were not acknowledged again within %1 ms").arg(m_options.timeoutMs);
                m_phase = Phase::Draining;
            }
        });
        checkRecovered();
    };
    if (m_options.mode == Mode::Kill) {
        emit progress(QStringLiteral("Killing %1").arg(m_options.primaryName));
        m_client->killNode(m_options.primaryName, done);
    } else {
        emit progress(QStringLiteral("Stepping down shard %1's primary").arg(m_options.shard));
        m_client->stepDown(m_options.shard, done);
    }
}

void FailoverProbe::checkRecovered()
{
    if (m_phase != Phase::Recovering)
        return;
    if (m_recoveredMs < 0) {
        for (const Write &write : m_writes) {
            if (write.acknowledged && write.sentMs > m_actionMs) {
                m_recoveredMs = now();
                emit progress(QStringLiteral("Writes acknowledged again; %1 ms more").arg(m_options.recoveryMs));
                QTimer::singleShot(m_options.recoveryMs, this, [this]() {
                    if (m_phase == Phase::Recovering)
                        m_phase = Phase::Draining;
                });
                break;
            }
        }
    }
}

void FailoverProbe::verify()
{
    m_phase = Phase::Verifying;
    m_report.outageMs = measureOutage();
    for (int index = 0; index < m_writes.size(); ++index) {
        if (m_writes[index].acknowledged)
            m_toRead.append(index);
    }
    emit progress(QStringLiteral("Reading back %1 acknowledged probes").arg(m_toRead.size()));
    if (m_toRead.isEmpty()) {
        finish(m_report.error.isEmpty() ? QStringLiteral("no write was acknowledged") : m_report.error);
        return;
    }
    for (int reader = 0; reader < kReaders; ++reader)
        readNext();
}

void FailoverProbe::readNext()
{
    if (m_toRead.isEmpty()) {
        if (m_readsInFlight == 0)
            finish(m_report.error);
        return;
    }
    ++m_readsInFlight;
    readOne(m_toRead.takeFirst(), 0);
}

void FailoverProbe::readOne(int index, int attempt)
{
    const Write write = m_writes[index];
    m_client->request("GET", QStringLiteral("/v1/db/%1/docs/%2").arg(m_options.database, write.id), {},
                      [this, index, attempt, write](const ClientReply &reply) {
        const bool transient = reply.status == 0 || reply.status == 503;
        if (transient && attempt + 1 < kReadAttempts) {
            QTimer::singleShot(kReadRetryMs, this, [this, index, attempt]() { readOne(index, attempt + 1); });
            return;
        }
        const QJsonObject data = reply.json().value(QStringLiteral("data")).toObject();
        if (reply.isOk() && data.value(QStringLiteral("probe")).toInt(-1) == write.number)
            ++m_report.readBack;
        else
            m_report.lost.append(QStringLiteral("%1 (%2)").arg(write.id, reply.isOk() ? QStringLiteral("wrong data") : reply.errorText()));
        --m_readsInFlight;
        readNext();
    });
}

qint64 FailoverProbe::measureOutage() const
{
    QList<qint64> acknowledged;
    for (const Write &write : m_writes) {
        if (write.acknowledged)
            acknowledged.append(write.answeredMs);
    }
    std::sort(acknowledged.begin(), acknowledged.end());
    qint64 previous = m_actionMs;
    qint64 longest = 0;
    for (const qint64 time : acknowledged) {
        if (time <= m_actionMs)
            continue;
        longest = qMax(longest, time - previous);
        previous = time;
    }
    return longest;
}

void FailoverProbe::finish(const QString &error)
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    m_report.error = error;
    m_report.completed = error.isEmpty();
    emit progress(m_report.summary());
    emit finished(m_report);
}
