// ClusterFile: the launcher's machine-readable description of a running
// local cluster, DIR/cluster.json:
//
//   {"launcherPid": 4242, "dataDir": "/abs/DIR", "configFile": "...",
//    "tokenFile": "...", "supervisor": "http://127.0.0.1:8079",
//    "router": "http://127.0.0.1:8080" (null with --no-router),
//    "shards": 3, "replicas": 2,
//    "processes": [{"name": "shard0-node0", "role": "node", "shard": 0,
//                   "member": 0, "url": "http://127.0.0.1:8081",
//                   "pid": 4243 (null while down), "state": "running",
//                   "lastExit": "killed by signal 9" (absent until it exits),
//                   "log": "/abs/DIR/logs/shard0-node0.log",
//                   "dataDir": "/abs/DIR/shard0-node0"}, ...]}
//
// The launcher rewrites it whenever a pid or state changes; its last
// version, written on shutdown, has launcherPid and every pid null. The
// same process entries are the supervisor endpoint's answer. Only the
// codec is here (pure); a value; any thread.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QVector>

#include "Result.h"

struct ClusterFile
{
    struct Process
    {
        QString name;
        QString role;
        int shard = -1;  // -1: none (router)
        int member = -1;
        QString url;
        qint64 pid = 0;  // 0: not running
        QString state;   // starting, running, stopping, stopped
        QString lastExit;
        QString log;
        QString dataDir;

        QJsonObject toJson() const;
        static Result<Process> fromJson(const QJsonObject &object);
    };

    qint64 launcherPid = 0; // 0: the launcher has stopped
    QString dataDir;
    QString configFile;
    QString tokenFile;
    QString supervisorUrl;
    QString routerUrl;      // empty without a router
    int shards = 0;
    int replicas = 0;
    QVector<Process> processes;

    QJsonObject toJson() const;
    // BadRequest naming the field when the file is not one the launcher
    // wrote.
    static Result<ClusterFile> fromJson(const QJsonObject &object);
    // nullptr if there is no process of that name.
    const Process *find(const QString &name) const;
};
