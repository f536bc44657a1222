#include "SetWorkload.h"

#include <QThread>

#include <algorithm>

#include "TestHttpClient.h"

QString SetWorkload::Verdict::summary() const
{
    return QStringLiteral("%1 acknowledged, %2 lost, %3 unknown (%4 of them applied), %5 refused")
        .arg(acknowledged)
        .arg(lost.size())
        .arg(unknown)
        .arg(unknownPresent)
        .arg(refused);
}

SetWorkload::SetWorkload(const QList<quint16> &routerPorts, const QByteArray &database, const QString &prefix, int clients,
                         const QElapsedTimer &clock, int pauseMs, int timeoutMs)
    : m_ports(routerPorts)
    , m_database(database)
    , m_prefix(prefix)
    , m_clients(clients)
    , m_clock(clock)
    , m_pauseMs(pauseMs)
    , m_timeoutMs(timeoutMs)
    , m_histories(size_t(clients))
{
}

SetWorkload::~SetWorkload()
{
    stop();
}

void SetWorkload::start()
{
    m_stop = false;
    for (int client = 0; client < m_clients; ++client)
        m_threads.emplace_back([this, client] { runClient(client); });
}

void SetWorkload::stop()
{
    m_stop = true;
    for (std::thread &thread : m_threads)
        thread.join();
    m_threads.clear();
}

void SetWorkload::runClient(int client)
{
    const quint16 port = m_ports.at(client % m_ports.size());
    auto http = std::make_unique<TestHttpClient>(port);
    QList<Insert> &history = m_histories[size_t(client)];
    for (int number = 0; !m_stop; ++number) {
        Insert insert;
        insert.port = port;
        insert.id = QStringLiteral("%1%2-%3").arg(m_prefix).arg(client).arg(number);
        const QByteArray body = "{\"data\":{\"client\":" + QByteArray::number(client) + ",\"n\":" + QByteArray::number(number) + "}}";
        insert.invokedUs = m_clock.nsecsElapsed() / 1000;
        const TestHttpResponse response = http->request(
            "PUT", "/v1/db/" + m_database + "/docs/" + TestHttpClient::encode(insert.id), body, {}, m_timeoutMs);
        insert.completedUs = m_clock.nsecsElapsed() / 1000;
        insert.status = response.status;
        if (response.status == 200 || response.status == 201)
            insert.outcome = Insert::Outcome::Acknowledged;
        else if (response.status == 0 || response.status >= 500)
            insert.outcome = Insert::Outcome::Unknown;
        else
            insert.outcome = Insert::Outcome::Refused;
        if (response.status == 0)
            http = std::make_unique<TestHttpClient>(port);
        history.append(insert);
        QThread::msleep(ulong(m_pauseMs));
    }
}

QList<SetWorkload::Insert> SetWorkload::history() const
{
    QList<Insert> all;
    for (const QList<Insert> &client : m_histories)
        all += client;
    return all;
}

SetWorkload::Verdict SetWorkload::check(const QSet<QString> &present) const
{
    Verdict verdict;
    QSet<QString> attempted;
    for (const Insert &insert : history()) {
        attempted.insert(insert.id);
        switch (insert.outcome) {
        case Insert::Outcome::Acknowledged:
            ++verdict.acknowledged;
            if (!present.contains(insert.id))
                verdict.lost << insert.id;
            break;
        case Insert::Outcome::Refused:
            ++verdict.refused;
            break;
        case Insert::Outcome::Unknown:
            ++verdict.unknown;
            verdict.unknownPresent += present.contains(insert.id) ? 1 : 0;
            break;
        }
    }
    for (const QString &id : present) {
        if (!attempted.contains(id))
            verdict.unexpected << id;
    }
    return verdict;
}

qint64 SetWorkload::firstAcknowledgedAfter(qint64 us, quint16 port) const
{
    qint64 first = -1;
    for (const Insert &insert : history()) {
        if (insert.outcome == Insert::Outcome::Acknowledged && insert.invokedUs >= us && (port == 0 || insert.port == port)
            && (first < 0 || insert.completedUs < first))
            first = insert.completedUs;
    }
    return first;
}
