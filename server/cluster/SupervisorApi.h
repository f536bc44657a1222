// SupervisorApi: the launcher's supervisor endpoint, with which
// `peacedb-cluster start|stop` and the console start and stop processes of
// a running local cluster (every route needs the cluster token):
//
//   GET  /v1/_supervisor/nodes               {"total": n, "items": [process, ...]}
//   POST /v1/_supervisor/nodes/{name}/start  200 {"ok": true, ...process} once it
//                                            answers HTTP; 503 if it exits or
//                                            stays silent; 404 unknown name
//   POST /v1/_supervisor/nodes/{name}/stop   200 {"ok": true, ...process} once it
//                                            has exited; 404 unknown name
//
// A process is described as in cluster.json (ClusterFile::Process). Start
// and stop are idempotent: starting a running process or stopping a stopped
// one answers 200 at once. Thin: parses, calls the Supervisor, maps.
// Main thread; registered on an HttpServer; uses, does not own, the
// Supervisor.
#pragma once

#include "HttpServer.h"

class Supervisor;

class SupervisorApi
{
public:
    explicit SupervisorApi(Supervisor &supervisor);

    void registerRoutes(HttpServer &server);

private:
    void list(const HttpRequest &request, const HttpReplyPtr &reply);
    void start(const HttpRequest &request, const HttpReplyPtr &reply);
    void stop(const HttpRequest &request, const HttpReplyPtr &reply);
    // The answer to a finished start or stop of `name`.
    HttpResponse outcome(const QString &name, const Status &status) const;

    Supervisor &m_supervisor;
};
