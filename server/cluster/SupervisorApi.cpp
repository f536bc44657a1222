#include "SupervisorApi.h"

#include "Supervisor.h"

#include <QJsonArray>

SupervisorApi::SupervisorApi(Supervisor &supervisor, MemberChanges changes)
    : m_supervisor(supervisor)
    , m_changes(std::move(changes))
{
}

void SupervisorApi::registerRoutes(HttpServer &server)
{
    using Method = QHttpServerRequest::Method;
    const auto route = [this, &server](Method method, const char *pattern,
                                       void (SupervisorApi::*handler)(const HttpRequest &, const HttpReplyPtr &)) {
        server.addMemberRoute(method, pattern,
                        [this, handler](const HttpRequest &request, const HttpReplyPtr &reply) {
                            (this->*handler)(request, reply);
                        });
    };
    route(Method::Get, "/v1/_supervisor/nodes", &SupervisorApi::list);
    route(Method::Post, "/v1/_supervisor/nodes/{name}/start", &SupervisorApi::start);
    route(Method::Post, "/v1/_supervisor/nodes/{name}/stop", &SupervisorApi::stop);
    route(Method::Post, "/v1/_supervisor/shards/{shard}/members", &SupervisorApi::addMember);
    route(Method::Post, "/v1/_supervisor/nodes/{name}/remove", &SupervisorApi::removeMember);
}

void SupervisorApi::list(const HttpRequest &, const HttpReplyPtr &reply)
{
    QJsonArray items;
    for (const ClusterFile::Process &process : m_supervisor.describe())
        items.append(process.toJson());
    reply->send(HttpResponse::json(200, QJsonObject{{QStringLiteral("total"), items.size()}, {QStringLiteral("items"), items}}));
}

HttpResponse SupervisorApi::outcome(const QString &name, const Status &status) const
{
    const SupervisedProcess *process = m_supervisor.find(name);
    if (!status.isOk()) {
        QJsonObject context;
        if (process)
            context = Supervisor::describe(*process).toJson();
        return HttpResponse::error(status, context);
    }
    QJsonObject body = Supervisor::describe(*process).toJson();
    body.insert(QStringLiteral("ok"), true);
    return HttpResponse::json(200, body);
}

void SupervisorApi::start(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QString name = request.param(QStringLiteral("name"));
    m_supervisor.start(name, [this, name, reply](const Status &status) { reply->send(outcome(name, status)); });
}

void SupervisorApi::stop(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QString name = request.param(QStringLiteral("name"));
    m_supervisor.stop(name, [this, name, reply](const Status &status) { reply->send(outcome(name, status)); });
}

HttpResponse SupervisorApi::processAnswer(const Result<ClusterFile::Process> &process)
{
    if (!process.isOk())
        return HttpResponse::error(process.status());
    QJsonObject body = process->toJson();
    body.insert(QStringLiteral("ok"), true);
    return HttpResponse::json(200, body);
}

void SupervisorApi::addMember(const HttpRequest &request, const HttpReplyPtr &reply)
{
    bool ok = false;
    const int shard = request.param(QStringLiteral("shard")).toInt(&ok);
    if (!ok || shard < 0)
        return reply->send(HttpResponse::error(Status::notFound(QStringLiteral("no shard '%1'").arg(request.param(QStringLiteral("shard")).left(40)))));
    m_changes.add(shard, [reply](const Result<ClusterFile::Process> &process) { reply->send(processAnswer(process)); });
}

void SupervisorApi::removeMember(const HttpRequest &request, const HttpReplyPtr &reply)
{
    m_changes.remove(request.param(QStringLiteral("name")),
                     [reply](const Result<ClusterFile::Process> &process) { reply->send(processAnswer(process)); });
}
