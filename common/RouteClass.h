// RouteClass: which kind of work an HTTP request is, for the request
// counters and latency histograms of GET /metrics:
//
//   read      one document, or a database's stats/seq/existence
//   list      _all_docs, _changes, _find/*, _search, the database list
//   write     document and database writes, _bulk_docs
//   internal  /v1/_replication/* (members talking to each other)
//   admin     health, stats, metrics, /v1/_admin, /v1/_cluster, /v1/_supervisor
//   other     anything else (unknown routes)
//
// Pure: decided from the method and the decoded path segments alone.
#pragma once

#include <QString>
#include <QStringList>

enum class RouteClass { Read, List, Write, Internal, Admin, Other };

namespace RouteClasses {

// Every class, in a fixed order (for zero-valued series).
constexpr RouteClass all[] = {RouteClass::Read, RouteClass::List, RouteClass::Write,
                              RouteClass::Internal, RouteClass::Admin, RouteClass::Other};

QString name(RouteClass routeClass);
// `method` as on the wire ("GET"); `segments` the decoded path segments
// ("/v1/db/shop/docs/a" -> v1, db, shop, docs, a).
RouteClass classify(const QString &method, const QStringList &segments);

} // namespace RouteClasses
