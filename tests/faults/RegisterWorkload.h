// RegisterWorkload: reads and compare-and-sets on a few documents through
// one or more routers from several client threads, recorded as per-document
// register histories for LinearizabilityChecker.
//
// Client c goes through router routerPorts[c % routerPorts.size()] and picks
// each operation's document from the whole current generation, so every
// document is read and written by clients of every router (given at least
// as many clients as routers): a read through one router right after a
// write acknowledged through another is in the history, and that is where a
// router with a stale view of the primary would show.
//
// Each document holds {"data":{"v": V}} with V unique per write, so its rev
// stands for V. A client reads a document (GET: a Read of V, remembering the
// rev) or writes a new value with the rev it last saw (PUT with rev: a
// compare-and-set from the value it read; 200 Ok, 409 Failed, anything else
// Unknown). PeaceDB has no blind overwrite of an existing document, so every
// write is a compare-and-set. After a Failed or Unknown write the client
// reads again before its next write.
//
// The documents change by generation: nextGeneration() creates a fresh set
// (each a Write of 0 in its history) and moves the clients to it, so each
// history stays short however long the run. Test thread: start(), stop(),
// nextGeneration(); histories() after stop(). Owned by the test.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QMap>
#include <QMutex>
#include <QString>
#include <QStringList>

#include <atomic>
#include <thread>
#include <vector>

#include "LinearizabilityChecker.h"

class RegisterWorkload
{
public:
    using Operation = LinearizabilityChecker::Operation;

    // REQUIRES: routerPorts is not empty; clients >= routerPorts.size().
    RegisterWorkload(const QList<quint16> &routerPorts, const QByteArray &database, int clients, int keysPerGeneration,
                     const QElapsedTimer &clock, int pauseMs = 10);
    ~RegisterWorkload();
    RegisterWorkload(const RegisterWorkload &) = delete;
    RegisterWorkload &operator=(const RegisterWorkload &) = delete;

    // Creates the next generation's documents; false (and the clients stay
    // where they are) if one of them was not acknowledged.
    bool nextGeneration(QString *error);
    void start();
    void stop();

    // Document id -> its history, every client's operations together.
    QMap<QString, QList<Operation>> histories() const;
    int operationCount() const;
    // Answers no register operation should get (4xx other than 409).
    QStringList unexpectedAnswers() const;
    // The router `client` goes through.
    quint16 routerPort(int client) const { return m_ports.at(client % m_ports.size()); }

private:
    struct ClientLog
    {
        QMap<QString, QList<Operation>> operations;
        QStringList unexpected;
    };

    QString key(int generation, int index) const;
    void runClient(int client);

    QList<quint16> m_ports;
    QByteArray m_database;
    int m_clients;
    int m_keys;
    const QElapsedTimer &m_clock;
    int m_pauseMs;
    std::atomic<int> m_generation{0};
    std::atomic<qint64> m_nextValue{1};
    std::atomic<bool> m_stop{false};
    std::vector<std::thread> m_threads;
    std::vector<ClientLog> m_logs;          // one per client, written by its thread only
    QMap<QString, QList<Operation>> m_creations; // test thread only
};
