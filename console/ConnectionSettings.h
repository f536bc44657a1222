// ConnectionSettings: where the console connects — router URL, token and
// optional supervisor URL — and the p99 latency above which the traffic
// view flags a shard, loaded from and saved to QSettings
// ("PeaceDB"/"peacedb-console"). GUI thread; a value type.
#pragma once

#include <QByteArray>
#include <QUrl>

struct ConnectionSettings
{
    QUrl router;
    QByteArray token;
    // Empty: the router's host, port - 1 (the local launcher's supervisor).
    QUrl supervisor;
    // A shard whose p99 latency is above this is flagged in the topology.
    double p99ThresholdMs = 100;

    bool isComplete() const { return router.isValid() && !router.isEmpty() && !token.isEmpty(); }

    static ConnectionSettings load();
    void save() const;
};
