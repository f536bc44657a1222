// ShardPlacement: which shard owns a document id.
//
//   shard = (MurmurHash3_x86_32(utf8(id), 0x9747b28c) & 0x7FFFFFFF) % shardCount
//
// The original PeaceDatabase formula, so existing layouts keep working.
// Pure; any thread.
#pragma once

#include <QString>

namespace ShardPlacement {

constexpr quint32 kSeed = 0x9747b28cU;

// REQUIRES: shardCount > 0
int shardOf(QStringView documentId, int shardCount);

} // namespace ShardPlacement
