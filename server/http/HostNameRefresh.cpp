#include "HostNameRefresh.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QHostAddress>
#include <QHostInfo>
#include <QMutex>
#include <QRunnable>
#include <QThreadPool>

namespace HostNameRefresh {

namespace {

struct Lookups
{
    QMutex mutex;
    QHash<QString, QDeadlineTimer> nextAllowed; // guarded by mutex
    QThreadPool pool;                           // blocking lookups run here

    Lookups() { pool.setMaxThreadCount(1); }
};

Lookups &lookups()
{
    static Lookups instance;
    return instance;
}

} // namespace

void afterFailedConnect(const QString &host)
{
    if (host.isEmpty() || QHostAddress(host).protocol() != QAbstractSocket::UnknownNetworkLayerProtocol)
        return;
    Lookups &state = lookups();
    {
        QMutexLocker locker(&state.mutex);
        auto it = state.nextAllowed.find(host);
        if (it != state.nextAllowed.end() && !it->hasExpired())
            return;
        state.nextAllowed.insert(host, QDeadlineTimer(kIntervalMs));
    }
    state.pool.start([host] { QHostInfo::fromName(host); });
}

} // namespace HostNameRefresh
