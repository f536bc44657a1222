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
//   POST /v1/_supervisor/shards/{shard}/members  adds a member to the shard
//                                            (through the router) and starts
//                                            its process: 200 {"ok": true,
//                                            ...process} once it answers
//   POST /v1/_supervisor/nodes/{name}/remove removes the member from its set
//                                            (through the router), stops and
//                                            forgets its process: 200 once done
//
// A process is described as in cluster.json (ClusterFile::Process). Start
// and stop are idempotent: starting a running process or stopping a stopped
// one answers 200 at once. Thin: parses, calls the Supervisor, maps.
// Main thread; registered on an HttpServer; uses, does not own, the
// Supervisor.
#pragma once

#include <functional>

#include "ClusterFile.h"
#include "HttpServer.h"

class Supervisor;

class SupervisorApi
{
public:
    // The launcher's membership changes (ClusterLauncher::addMember, removeMember).
    using ProcessDone = std::function<void(const Result<ClusterFile::Process> &)>;
    struct MemberChanges
    {
        std::function<void(int shard, ProcessDone done)> add;
        std::function<void(const QString &name, ProcessDone done)> remove;
    };

    SupervisorApi(Supervisor &supervisor, MemberChanges changes);

    void registerRoutes(HttpServer &server);

private:
    void list(const HttpRequest &request, const HttpReplyPtr &reply);
    void start(const HttpRequest &request, const HttpReplyPtr &reply);
    void stop(const HttpRequest &request, const HttpReplyPtr &reply);
    void addMember(const HttpRequest &request, const HttpReplyPtr &reply);
    void removeMember(const HttpRequest &request, const HttpReplyPtr &reply);
    static HttpResponse processAnswer(const Result<ClusterFile::Process> &process);
    // The answer to a finished start or stop of `name`.
    HttpResponse outcome(const QString &name, const Status &status) const;

    Supervisor &m_supervisor;
    MemberChanges m_changes;
};
