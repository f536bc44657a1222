// RequestLimits: how much work one client request may cause, and the
// errors that say so (README "Limits"). Pure; any thread.
#pragma once

#include <QString>

namespace RequestLimits {

// Skipping costs a read of every skipped match (and, through a router, a
// round of requests to every shard per page): `after` pages at the same
// cost however deep.
constexpr qint64 kMaxSkip = 10000;

QString skipTooLarge(qint64 skip);
QString tooManyBulkDocuments(qint64 count, qint64 maximum);

} // namespace RequestLimits
