#pragma once

#include <QString>

// Qt keeps the addresses a name resolved to for 60 s and connects to them
// without asking again. In containers a restarted member comes back at the
// same name with a new address; until the cached one expires every
// connection to it fails, and the member is unreachable for up to a minute
// (seen: 34-50 s with podman). After a failed connection, this looks the name
// up again off the calling thread (QHostInfo::fromName stores its answer in
// Qt's cache), so the next attempt uses the new address. At most one lookup
// per name per interval; literal addresses are never looked up.
namespace HostNameRefresh {

void afterFailedConnect(const QString &host);

// The shortest time between two lookups of one name.
constexpr qint64 kIntervalMs = 1000;

} // namespace HostNameRefresh
