// BackupSource: the decisions of a backup about one shard, from its members'
// answers to GET /v1/_replication/state (nullopt: no answer).
//
//  - commitPoint(): what the backup must hold at least — the commitSeq of a
//    member answering as a readable primary (the highest term if several
//    claim it). A readable primary holds its lease and has committed the
//    first entry of its term, so its commitSeq covers every write any
//    primary acknowledged before it answered. Whether it is also writable
//    (room in its pending-write queue) does not matter: a backup must go on
//    while writes are refused for overload. nullopt: no such answer.
//  - choose(): the member to copy — one that has applied the commit point
//    and reports no storage failure; replicas before the primary (the copy
//    costs its disk and its thread), then the member that has applied the
//    most, then the lowest index. Under writes the primary is often the
//    only one there at first (replicas learn a commit point with its next
//    message), so with waitForReplica the primary is not chosen while a
//    replica that answers without a storage failure has yet to apply it.
//    -1: none yet: ask again shortly (and stop waiting for a replica after
//    a while).
//
// What a member has applied is committed, so any member passing choose()
// gives a copy that holds every write acknowledged before the commit point
// was read, and nothing that was not committed. Pure; any thread.
#pragma once

#include <QVector>

#include <optional>

#include "ShardHealth.h"

namespace BackupSource {

using Answers = QVector<std::optional<MemberStatus>>;

std::optional<qint64> commitPoint(const Answers &answers);
int choose(const Answers &answers, qint64 commitPoint, bool waitForReplica);

} // namespace BackupSource
