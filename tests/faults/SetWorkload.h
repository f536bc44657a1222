// SetWorkload: unique inserts through one or more routers from several
// client threads, and the check that every acknowledged insert survived.
//
// Client c inserts documents `<prefix>c-N` (N = 0, 1, ...) through router
// routerPorts[c % routerPorts.size()] with a blocking TestHttpClient of its
// own, one request at a time, and records each
// insert's invocation and completion (microseconds on the shared clock) and
// outcome: Acknowledged (200/201), Refused (any other definite answer, e.g.
// 409 — none is expected) or Unknown (503, timeout, no connection: it may
// or may not have been applied). A request without an answer drops the
// connection, so a late answer is never read as the next one's. A client
// with a short timeout and pause makes a probe that measures when writes
// are accepted again after a fault.
//
// start()/stop() on the test thread; history() and the checks only after
// stop(). Owned by the test.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

class SetWorkload
{
public:
    struct Insert
    {
        enum class Outcome { Acknowledged, Refused, Unknown };
        QString id;
        qint64 invokedUs = 0;
        qint64 completedUs = 0;
        Outcome outcome = Outcome::Unknown;
        int status = 0;
        quint16 port = 0; // the router it went through
    };

    struct Verdict
    {
        int acknowledged = 0;
        int refused = 0;
        int unknown = 0;
        int unknownPresent = 0; // unknown outcomes that did take effect
        QStringList lost;       // acknowledged and missing
        QStringList unexpected; // present but never attempted
        QString summary() const;
    };

    // REQUIRES: routerPorts is not empty.
    SetWorkload(const QList<quint16> &routerPorts, const QByteArray &database, const QString &prefix, int clients,
                const QElapsedTimer &clock, int pauseMs = 5, int timeoutMs = 6000);
    ~SetWorkload();
    SetWorkload(const SetWorkload &) = delete;
    SetWorkload &operator=(const SetWorkload &) = delete;

    void start();
    void stop();

    QList<Insert> history() const;
    // `present`: the ids starting with the prefix found at the end.
    Verdict check(const QSet<QString> &present) const;
    // When the first insert invoked at or after `us` was acknowledged
    // (-1 if none was); with `port`, only inserts through that router count.
    qint64 firstAcknowledgedAfter(qint64 us, quint16 port = 0) const;

private:
    void runClient(int client);

    QList<quint16> m_ports;
    QByteArray m_database;
    QString m_prefix;
    int m_clients;
    const QElapsedTimer &m_clock;
    int m_pauseMs;
    int m_timeoutMs;
    std::atomic<bool> m_stop{false};
    std::vector<std::thread> m_threads;
    std::vector<QList<Insert>> m_histories; // one per client, written by its thread only
};
