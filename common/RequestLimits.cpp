#include "RequestLimits.h"

namespace RequestLimits {

Status checkPendingWrites(qint64 entries, qint64 bytes, qint64 maxEntries, qint64 maxBytes)
{
    if (entries < maxEntries && bytes < maxBytes)
        return Status::ok();
    return Status::unavailable(QStringLiteral("too many writes are waiting to commit (%1 entries, %2 MiB): the disk or the "
                                              "replicas are behind; retry shortly")
                                   .arg(entries)
                                   .arg(bytes / (1024 * 1024)));
}

QString skipTooLarge(qint64 skip)
{
    return QStringLiteral("skip %1 is larger than %2; to page deeper pass after=<the last id of the previous page> "
                          "(with skip 0), which costs the same for every page")
        .arg(skip)
        .arg(kMaxSkip);
}

QString tooManyBulkDocuments(qint64 count, qint64 maximum)
{
    return QStringLiteral("docs holds %1 documents; a _bulk_docs request takes at most %2 (Server.MaxBulkDocs): send the "
                          "rest in further requests")
        .arg(count)
        .arg(maximum);
}

} // namespace RequestLimits
