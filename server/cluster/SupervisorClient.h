// SupervisorClient: what `peacedb-cluster start|stop NAME` (and add-member,
// remove-member) use to ask the running launcher of a cluster directory to
// start or stop one process, or add or remove a member.
// It finds the supervisor endpoint and the token file in DIR/cluster.json,
// and sends one request (ClusterRequest).
//
// Main thread (needs a QCoreApplication); owned by its caller.
#pragma once

#include <QByteArray>
#include <QString>

#include "ClusterFile.h"
#include "Result.h"

class SupervisorClient
{
public:
    // Reads DIR/cluster.json and the token. Unavailable when the launcher
    // has stopped; NotFound when DIR holds no cluster.
    static Result<SupervisorClient> open(const QString &dataDir);

    const ClusterFile &cluster() const { return m_cluster; }

    // POST /v1/_supervisor/nodes/{name}/start or /stop. The process as the
    // launcher describes it afterwards, or the launcher's error (NotFound
    // for an unknown name, Unavailable when it did not come up) or
    // Unavailable when the launcher cannot be reached.
    Result<ClusterFile::Process> start(const QString &name, int timeoutMs) const;
    Result<ClusterFile::Process> stop(const QString &name, int timeoutMs) const;
    // POST /v1/_supervisor/shards/{shard}/members (the new member's process,
    // running) and /v1/_supervisor/nodes/{name}/remove (the removed one's).
    // Also Conflict (another change runs) and BadRequest as the router said.
    Result<ClusterFile::Process> addMember(int shard, int timeoutMs) const;
    Result<ClusterFile::Process> removeMember(const QString &name, int timeoutMs) const;

private:
    Result<ClusterFile::Process> post(const QByteArray &path, int timeoutMs) const;

    ClusterFile m_cluster;
    QByteArray m_token;
};
