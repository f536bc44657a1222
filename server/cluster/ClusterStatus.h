// ClusterStatus: the text `peacedb-cluster status` prints — the launcher
// and every process of a cluster file, one line each, with whether its pid
// is alive:
//
//   launcher pid 4242 alive, supervisor http://127.0.0.1:8079
//   NAME          ROLE    SHARD  URL                    PID   ALIVE                    LOG
//   router        router  -      http://127.0.0.1:8080  4243  yes                      /abs/DIR/logs/router.log
//   shard0-node1  node    0      http://127.0.0.1:8082  -     no (killed by signal 9)  /abs/DIR/logs/shard0-node1.log
//
// Pure: whether a pid is alive is asked of the function passed in.
// Any thread.
#pragma once

#include <QString>

#include <functional>

#include "ClusterFile.h"

class ClusterStatus
{
public:
    using PidAlive = std::function<bool(qint64 pid)>;

    static QString format(const ClusterFile &file, const PidAlive &alive);
    // How many listed processes have a live pid.
    static int aliveCount(const ClusterFile &file, const PidAlive &alive);
};
