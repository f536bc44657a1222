#include "RouteClass.h"

QString RouteClasses::name(RouteClass routeClass)
{
    switch (routeClass) {
    case RouteClass::Read: return QStringLiteral("read");
    case RouteClass::List: return QStringLiteral("list");
    case RouteClass::Write: return QStringLiteral("write");
    case RouteClass::Internal: return QStringLiteral("internal");
    case RouteClass::Admin: return QStringLiteral("admin");
    case RouteClass::Other: return QStringLiteral("other");
    }
    return QStringLiteral("other");
}

RouteClass RouteClasses::classify(const QString &method, const QStringList &segments)
{
    const bool reading = method == QLatin1String("GET") || method == QLatin1String("HEAD");
    if (segments.size() == 1 && (segments.first() == QLatin1String("healthz") || segments.first() == QLatin1String("metrics")))
        return RouteClass::Admin;
    if (segments.size() < 2 || segments.first() != QLatin1String("v1"))
        return RouteClass::Other;
    const QString &area = segments.at(1);
    if (area == QLatin1String("_replication"))
        return RouteClass::Internal;
    if (area == QLatin1String("_stats") || area == QLatin1String("_admin") || area == QLatin1String("_cluster")
        || area == QLatin1String("_supervisor"))
        return RouteClass::Admin;
    if (area != QLatin1String("db"))
        return RouteClass::Other;
    // /v1/db, /v1/db/{db}, /v1/db/{db}/docs[/{id}], /v1/db/{db}/_x[/y]
    if (segments.size() == 2)
        return reading ? RouteClass::List : RouteClass::Other;
    if (segments.size() == 3)
        return reading ? RouteClass::Read : RouteClass::Write;
    const QString &what = segments.at(3);
    if (what == QLatin1String("docs"))
        return reading ? RouteClass::Read : RouteClass::Write;
    if (what == QLatin1String("_bulk_docs"))
        return RouteClass::Write;
    if (what == QLatin1String("_all_docs") || what == QLatin1String("_changes") || what == QLatin1String("_find")
        || what == QLatin1String("_search"))
        return RouteClass::List;
    if (what == QLatin1String("_stats") || what == QLatin1String("_seq"))
        return RouteClass::Read;
    return RouteClass::Other;
}
