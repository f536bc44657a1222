#include "NodeApi.h"

#include "DocumentReader.h"
#include "DocumentService.h"
#include "GroupCommitter.h"

#include <QCoreApplication>
#include <QFile>
#include <QTimer>

#include <csignal>
#include <unistd.h>

namespace {

using Method = QHttpServerRequest::Method;

} // namespace

NodeApi::NodeApi(const Sources &sources)
    : m_sources(sources)
{
    m_uptime.start();
}

void NodeApi::registerRoutes(HttpServer &server)
{
    const auto route = [this, &server](Method method, const char *pattern,
                                       void (NodeApi::*handler)(const HttpRequest &, const HttpReplyPtr &)) {
        server.addApiRoute(method, pattern,
                        [this, handler](const HttpRequest &request, const HttpReplyPtr &reply) {
                            (this->*handler)(request, reply);
                        });
    };
    route(Method::Get, "/healthz", &NodeApi::health);
    route(Method::Get, "/v1/_stats", &NodeApi::stats);
    route(Method::Get, "/v1/_admin/config", &NodeApi::config);
    route(Method::Post, "/v1/_admin/kill", &NodeApi::kill);
}

qint64 NodeApi::residentBytes()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE) : 0;
}

void NodeApi::health(const HttpRequest &, const HttpReplyPtr &reply)
{
    const Status health = m_sources.service->health();
    const Status writable = m_sources.service->writable();
    QJsonObject body{{QStringLiteral("ok"), health.isOk()},
                     {QStringLiteral("status"), health.isOk() ? QStringLiteral("ok") : health.message()},
                     {QStringLiteral("role"), m_sources.role},
                     {QStringLiteral("writable"), writable.isOk()},
                     {QStringLiteral("version"), QStringLiteral(PEACEDB_VERSION)}};
    reply->send(HttpResponse::json(health.isOk() ? 200 : 503, body));
}

void NodeApi::stats(const HttpRequest &, const HttpReplyPtr &reply)
{
    const Result<StorageState> storage = m_sources.reader->state();
    if (!storage.isOk())
        return reply->send(HttpResponse::error(storage.status()));
    const GroupCommitter &committer = *m_sources.committer;
    const qint64 batches = committer.batchesWritten();
    reply->send(HttpResponse::json(
        200, QJsonObject{
                 {QStringLiteral("requestsTotal"), m_sources.http->requestsTotal()},
                 {QStringLiteral("role"), m_sources.role},
                 {QStringLiteral("nodeId"), storage->nodeId},
                 {QStringLiteral("version"), QStringLiteral(PEACEDB_VERSION)},
                 {QStringLiteral("pid"), qint64(QCoreApplication::applicationPid())},
                 {QStringLiteral("uptimeMs"), m_uptime.elapsed()},
                 {QStringLiteral("databases"), storage->databases},
                 {QStringLiteral("lastSeq"), committer.durableSeq()},
                 {QStringLiteral("appliedSeq"), committer.appliedSeq()},
                 {QStringLiteral("openConnections"), m_sources.http->openConnections()},
                 {QStringLiteral("commitBatches"), batches},
                 {QStringLiteral("commitEntries"), committer.entriesWritten()},
                 {QStringLiteral("averageBatchEntries"), batches ? double(committer.entriesWritten()) / double(batches) : 0.0},
                 {QStringLiteral("lastBatchMs"), double(committer.lastBatchMicros()) / 1000.0},
                 {QStringLiteral("rssBytes"), residentBytes()},
                 {QStringLiteral("storageBytes"), storage->fileBytes},
             }));
}

void NodeApi::config(const HttpRequest &, const HttpReplyPtr &reply)
{
    reply->send(HttpResponse::json(200, m_sources.config));
}

void NodeApi::kill(const HttpRequest &, const HttpReplyPtr &reply)
{
    reply->send(HttpResponse::json(202, QJsonObject{{QStringLiteral("ok"), true},
                                                    {QStringLiteral("pid"), qint64(QCoreApplication::applicationPid())}}));
    // Let the answer leave, then die the way a crash does: no shutdown, no
    // checkpoint, no flush of anything that is not already durable.
    QTimer::singleShot(20, [] { ::raise(SIGKILL); });
}
