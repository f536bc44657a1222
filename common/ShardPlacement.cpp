#include "ShardPlacement.h"

#include "MurmurHash3.h"

namespace ShardPlacement {

int shardOf(QStringView documentId, int shardCount)
{
    Q_ASSERT(shardCount > 0);
    const quint32 hash = MurmurHash3::x86_32(documentId.toUtf8(), kSeed);
    return int((hash & 0x7fffffffU) % quint32(shardCount));
}

} // namespace ShardPlacement
