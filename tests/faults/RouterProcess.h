// RouterProcess: one more router for a ClusterProcesses cluster, run by the
// test itself beside the launcher's: `peacedb-server --role router` with the
// cluster's configuration and token files, on 127.0.0.1 at a port the kernel
// picks at the first start and that every restart keeps (the workloads'
// clients know it), with the environment and the launcher wrapper the
// cluster's own processes run with. It has a health monitor and coordinator
// of its own, so its view of which member is primary is its own too.
//
// start() (the first time, or again after kill()) returns once /healthz
// answers 200: the router has heard from every shard. The destructor stops
// the process (SIGTERM, then SIGKILL); a test that dies without running it
// takes the process along (ServerProcess::killWithTest). What the process
// prints is kept in memory, every start's: call drainOutput() now and then
// in a long test so that a full pipe never blocks it.
//
// Test thread only; owned by the test; must not outlive `cluster`.
#pragma once

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include "ServerProcess.h"

class ClusterProcesses;

class RouterProcess
{
public:
    // `wrapper`: the command the cluster's launcher runs under (empty:
    // none; see ClusterProcesses::Options::launcherWrapper).
    RouterProcess(ClusterProcesses &cluster, const QStringList &wrapper);
    RouterProcess(const RouterProcess &) = delete;
    RouterProcess &operator=(const RouterProcess &) = delete;

    // Starts the router and waits until it is ready; false (with *error)
    // if it is not within timeoutMs.
    bool start(QString *error, int timeoutMs = 30000);
    // SIGKILL, and wait until it is gone.
    void kill();

    qint64 pid() const { return m_process.pid(); }
    // 0 before the first start.
    quint16 port() const { return m_port; }
    void drainOutput();
    // Everything it printed, every start's.
    QString output();

private:
    bool ready();

    ClusterProcesses &m_cluster;
    QTemporaryDir m_dataDir;
    ServerProcess m_process;
    quint16 m_port = 0;
    QString m_earlierOutput; // of the starts before the current one
};
