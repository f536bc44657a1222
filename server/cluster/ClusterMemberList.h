// ClusterMemberList: DIR/members.json, the launcher's record of a local
// cluster's membership changes — the members added since the cluster was
// made (shard, member id, address) and the names of those removed — so that
// `peacedb-cluster up` on the same directory starts the set as it is now
// (ClusterLayout::Request::joined / removed), not as the configuration file
// first described it.
//
//   {"joined": [{"shard": 0, "member": 3, "host": "127.0.0.1", "port": 8084}],
//    "removed": ["shard0-node1"]}
//
// A missing file is an empty list. Written atomically (QSaveFile). Any
// thread; a value.
#pragma once

#include <QString>

#include "ClusterLayout.h"
#include "Result.h"

struct ClusterMemberList
{
    QVector<ClusterLayout::Request::Joined> joined;
    QStringList removed;

    static Result<ClusterMemberList> read(const QString &path);
    Status write(const QString &path) const;
};
