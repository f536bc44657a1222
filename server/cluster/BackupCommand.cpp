#include "BackupCommand.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QThread>

#include <cstdio>

#include "ClusterFileStore.h"
#include "ClusterLauncher.h"
#include "ClusterRequest.h"
#include "JsonText.h"

namespace BackupCommand {

namespace {

constexpr int kRequestTimeoutMs = 10000;
constexpr int kPollIntervalMs = 250;
// How long the router may stay silent before the command gives up following.
constexpr int kSilenceLimitMs = 30000;

int fail(const QString &message)
{
    std::fprintf(stderr, "peacedb-cluster: %s\n", qPrintable(message));
    return ClusterLauncher::ExitStartupFailed;
}

void say(const QString &text)
{
    std::fprintf(stdout, "%s\n", qPrintable(text));
    std::fflush(stdout);
}

QString megabytes(qint64 bytes)
{
    return QString::number(double(bytes) / 1e6, 'f', 1) + QStringLiteral(" MB");
}

// One line for a shard whose state changed.
QString describeShard(const QJsonObject &shard)
{
    const QString state = shard.value(QStringLiteral("state")).toString();
    QString line = QStringLiteral("shard %1: %2").arg(shard.value(QStringLiteral("shard")).toInt()).arg(state);
    if (shard.contains(QStringLiteral("node")))
        line += QStringLiteral(" from %1").arg(shard.value(QStringLiteral("node")).toString());
    if (shard.contains(QStringLiteral("commitPoint")))
        line += QStringLiteral(", commit point %1").arg(shard.value(QStringLiteral("commitPoint")).toInteger());
    if (state == QLatin1String("done")) {
        line += QStringLiteral(": seq %1 of term %2, %3")
                    .arg(shard.value(QStringLiteral("seq")).toInteger())
                    .arg(shard.value(QStringLiteral("term")).toInteger())
                    .arg(megabytes(shard.value(QStringLiteral("bytes")).toInteger()));
    }
    if (shard.contains(QStringLiteral("error")))
        line += QStringLiteral(": ") + shard.value(QStringLiteral("error")).toString();
    return line;
}

} // namespace

int run(const ClusterOptions &options)
{
    const Result<ClusterFile> cluster = ClusterFileStore::read(QDir(options.dataDir).filePath(QStringLiteral("cluster.json")));
    if (!cluster.isOk()) {
        if (cluster.status().code() == Status::Code::NotFound)
            return fail(QStringLiteral("no cluster in %1 (no cluster.json)").arg(options.dataDir));
        return fail(cluster.status().message());
    }
    if (cluster->launcherPid <= 0)
        return fail(QStringLiteral("the cluster in %1 is not running; start it with peacedb-cluster up --data %1").arg(options.dataDir));
    if (cluster->routerUrl.isEmpty())
        return fail(QStringLiteral("the cluster in %1 has no router (up --no-router); backups are made by the router").arg(options.dataDir));
    QFile tokenFile(cluster->tokenFile);
    if (!tokenFile.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read the token file %1: %2").arg(cluster->tokenFile, tokenFile.errorString()));
    const QByteArray token = tokenFile.readAll().trimmed();
    const QString target = QDir::cleanPath(QFileInfo(options.backupDir).absoluteFilePath());
    const auto request = [&](const QByteArray &method, const QByteArray &body) {
        return ClusterRequest::send(cluster->routerUrl, cluster->dataDir, token, method, QByteArrayLiteral("/v1/_cluster/backup"), body,
                                    kRequestTimeoutMs);
    };

    const Result<ClusterRequest::Answer> started = request("POST", JsonText::compact(QJsonObject{{QStringLiteral("to"), target}}));
    if (!started.isOk())
        return fail(QStringLiteral("the router refused: %1").arg(started.status().message()));
    if (started->status != 202)
        return fail(QStringLiteral("the router refused the backup (%1): %2").arg(started->status).arg(started->error()));
    const QString id = started->body.value(QStringLiteral("id")).toString();
    say(QStringLiteral("backup %1 of the cluster in %2 into %3").arg(id, cluster->dataDir, target));

    QHash<int, QString> reported; // shard -> its last line
    qint64 lastProgressMs = 0;
    QElapsedTimer silence;
    silence.start();
    for (;;) {
        QThread::msleep(kPollIntervalMs);
        const Result<ClusterRequest::Answer> answer = request("GET", QByteArray());
        if (!answer.isOk() || answer->status != 200) {
            if (silence.elapsed() > kSilenceLimitMs) {
                return fail(QStringLiteral("lost the router while following backup %1: %2")
                                .arg(id, answer.isOk() ? answer->error() : answer.status().message()));
            }
            continue;
        }
        silence.restart();
        const QJsonObject status = answer->body;
        if (status.value(QStringLiteral("id")).toString() != id)
            return fail(QStringLiteral("the router no longer reports backup %1 (was it restarted?)").arg(id));
        for (const QJsonValue &value : status.value(QStringLiteral("shards")).toArray()) {
            const QJsonObject shard = value.toObject();
            QJsonObject stable = shard;
            stable.remove(QStringLiteral("bytesCopied"));
            stable.remove(QStringLiteral("waiting"));
            const QString line = describeShard(stable);
            const int index = shard.value(QStringLiteral("shard")).toInt();
            if (reported.value(index) != line) {
                reported.insert(index, line);
                say(line);
            }
        }
        const QString state = status.value(QStringLiteral("state")).toString();
        const qint64 elapsed = status.value(QStringLiteral("elapsedMs")).toInteger();
        if (state == QLatin1String("running") && elapsed - lastProgressMs >= 2000) {
            lastProgressMs = elapsed;
            say(QStringLiteral("%1 of %2 copied after %3 s")
                    .arg(megabytes(status.value(QStringLiteral("bytesCopied")).toInteger()),
                         megabytes(status.value(QStringLiteral("bytes")).toInteger()))
                    .arg(double(elapsed) / 1000.0, 0, 'f', 1));
        }
        if (state == QLatin1String("failed"))
            return fail(QStringLiteral("backup %1 failed: %2").arg(id, status.value(QStringLiteral("error")).toString()));
        if (state == QLatin1String("finished")) {
            say(QStringLiteral("backup %1 complete: %2 in %3 s; manifest %4")
                    .arg(id, megabytes(status.value(QStringLiteral("bytes")).toInteger()))
                    .arg(double(elapsed) / 1000.0, 0, 'f', 1)
                    .arg(status.value(QStringLiteral("manifest")).toString()));
            return ClusterLauncher::ExitOk;
        }
    }
}

} // namespace BackupCommand
