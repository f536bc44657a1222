// ProcessSpec: one process of a local cluster as planned by ClusterLayout —
// its name ("router", "shard0-node1"), role, replica set position, address,
// data directory and log file. Nothing here is running; SupervisedProcess
// runs one. A value; any thread.
#pragma once

#include <QString>

struct ProcessSpec
{
    enum class Role { Router, Node };

    QString name;
    Role role = Role::Node;
    int shard = -1;  // -1 for the router
    int member = -1; // member id in the shard's replica set (0: the configured primary); -1 for the router
    // Added by a membership change (not in the configuration file): started
    // with Node.MemberId.
    bool joined = false;
    QString host;
    quint16 port = 0;
    QString url;     // http://HOST:PORT, exactly as in the cluster configuration
    QString dataDir;
    QString logPath;

    static QString roleName(Role role) { return role == Role::Router ? QStringLiteral("router") : QStringLiteral("node"); }
};
