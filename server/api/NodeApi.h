// NodeApi: the node's own routes — health, statistics and the admin
// endpoints (which need the cluster token):
//
//   GET  /healthz            200 {"ok":true,"status":"ok",...} or 503
//   GET  /v1/_stats          request counts, log position, group-commit
//                            figures, memory and file sizes
//   GET  /v1/_admin/config   the effective configuration (token)
//   POST /v1/_admin/kill     answers 202, then the process kills itself
//                            with SIGKILL, like a crash (token)
//
// Main thread; registered on an HttpServer; uses, does not own, what it
// reports on.
#pragma once

#include <QElapsedTimer>
#include <QJsonObject>

#include "HttpServer.h"

class DocumentReader;
class DocumentService;
class GroupCommitter;

class NodeApi
{
public:
    struct Sources
    {
        HttpServer *http = nullptr;
        DocumentService *service = nullptr;
        DocumentReader *reader = nullptr;
        GroupCommitter *committer = nullptr;
        QString role;
        QJsonObject config;
    };

    explicit NodeApi(const Sources &sources);

    void registerRoutes(HttpServer &server);
    // Resident memory of this process, from /proc/self/statm.
    static qint64 residentBytes();

private:
    void health(const HttpRequest &request, const HttpReplyPtr &reply);
    void stats(const HttpRequest &request, const HttpReplyPtr &reply);
    void config(const HttpRequest &request, const HttpReplyPtr &reply);
    void kill(const HttpRequest &request, const HttpReplyPtr &reply);

    Sources m_sources;
    QElapsedTimer m_uptime;
};
