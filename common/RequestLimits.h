// RequestLimits: how much work one client request may cause, and the
// errors that say so (README "Limits"). Pure; any thread.
#pragma once

#include <QString>

#include "Status.h"

namespace RequestLimits {

// Skipping costs a read of every skipped match (and, through a router, a
// round of requests to every shard per page): `after` pages at the same
// cost however deep.
constexpr qint64 kMaxSkip = 10000;

// Writes accepted but not yet durable and committed (a stalled disk,
// replicas that do not answer): at either bound (Server.MaxPendingWrites,
// Server.MaxPendingWriteBytes) new writes are refused with 503 (retry), so
// the queues in front of the disk and the replicas stay bounded.
Status checkPendingWrites(qint64 entries, qint64 bytes, qint64 maxEntries, qint64 maxBytes);

QString skipTooLarge(qint64 skip);
QString tooManyBulkDocuments(qint64 count, qint64 maximum);

} // namespace RequestLimits
