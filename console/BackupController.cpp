#include "BackupController.h"

#include <QJsonArray>

#include "ConsoleClient.h"

namespace {

QString megabytes(qint64 bytes)
{
    return QString::number(double(bytes) / 1e6, 'f', 1);
}

QString seconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
}

} // namespace

BackupController::BackupController(ConsoleClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
    m_poll.setInterval(kPollIntervalMs);
    connect(&m_poll, &QTimer::timeout, this, &BackupController::refresh);
}

bool BackupController::isRunning() const
{
    return m_status.value(QStringLiteral("state")).toString() == QLatin1String("running");
}

void BackupController::start(const QString &target)
{
    m_client->request("POST", QStringLiteral("/v1/_cluster/backup"), QJsonObject{{QStringLiteral("to"), target}},
                      [this](const ClientReply &reply) {
                          if (!reply.isOk()) {
                              emit startFailed(reply.errorText());
                              return;
                          }
                          setStatus(reply.json());
                      });
}

void BackupController::refresh()
{
    if (m_refreshing)
        return;
    m_refreshing = true;
    m_client->request("GET", QStringLiteral("/v1/_cluster/backup"), QJsonObject(), [this](const ClientReply &reply) {
        m_refreshing = false;
        // A router without the route (an older version) has no backups
        // to show; one that does not answer keeps the last status.
        if (reply.isOk())
            setStatus(reply.json());
        else if (reply.status == 404)
            setStatus(QJsonObject{{QStringLiteral("state"), QStringLiteral("none")}});
        else if (!isRunning())
            m_poll.stop();
    });
}

void BackupController::setStatus(const QJsonObject &status)
{
    m_status = status;
    if (isRunning())
        m_poll.start();
    else
        m_poll.stop();
    emit statusChanged(m_status, describe(m_status));
}

QString BackupController::describe(const QJsonObject &status)
{
    const QString state = status.value(QStringLiteral("state")).toString();
    if (state.isEmpty() || state == QLatin1String("none"))
        return QString();
    const QString head = QStringLiteral("Backup %1 into %2")
                             .arg(status.value(QStringLiteral("id")).toString(), status.value(QStringLiteral("to")).toString());
    const QJsonArray shards = status.value(QStringLiteral("shards")).toArray();
    const qint64 elapsedMs = status.value(QStringLiteral("elapsedMs")).toInteger();
    if (state == QLatin1String("running")) {
        int copied = 0;
        for (const QJsonValue &shard : shards)
            copied += shard.toObject().value(QStringLiteral("state")).toString() == QLatin1String("done") ? 1 : 0;
        const qint64 bytes = status.value(QStringLiteral("bytes")).toInteger();
        const QString progress = bytes > 0 ? QStringLiteral("%1 of %2 MB")
                                                 .arg(megabytes(status.value(QStringLiteral("bytesCopied")).toInteger()), megabytes(bytes))
                                           : QStringLiteral("finding each shard's commit point");
        return QStringLiteral("%1: %2 of %3 shards copied, %4 (%5)%6")
            .arg(head)
            .arg(copied)
            .arg(shards.size())
            .arg(progress, seconds(elapsedMs),
                 status.value(QStringLiteral("publishing")).toBool() ? QStringLiteral(", writing the manifest") : QString());
    }
    if (state == QLatin1String("finished")) {
        return QStringLiteral("%1 finished: %2 shards, %3 MB in %4")
            .arg(head)
            .arg(shards.size())
            .arg(megabytes(status.value(QStringLiteral("bytes")).toInteger()), seconds(elapsedMs));
    }
    if (state == QLatin1String("failed"))
        return QStringLiteral("%1 failed after %2: %3").arg(head, seconds(elapsedMs), status.value(QStringLiteral("error")).toString());
    return QStringLiteral("%1: %2").arg(head, state);
}
