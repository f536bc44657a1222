#include "RegisterWorkload.h"

#include <QJsonObject>
#include <QRandomGenerator>
#include <QThread>

#include <memory>
#include <optional>

#include "TestHttpClient.h"

namespace {

constexpr int kRequestTimeoutMs = 6000;

using Kind = LinearizabilityChecker::Operation::Kind;
using Outcome = LinearizabilityChecker::Operation::Outcome;

QByteArray documentPath(const QByteArray &database, const QString &id)
{
    return "/v1/db/" + database + "/docs/" + TestHttpClient::encode(id);
}

} // namespace

RegisterWorkload::RegisterWorkload(const QList<quint16> &routerPorts, const QByteArray &database, int clients, int keysPerGeneration,
                                   const QElapsedTimer &clock, int pauseMs)
    : m_ports(routerPorts)
    , m_database(database)
    , m_clients(clients)
    , m_keys(keysPerGeneration)
    , m_clock(clock)
    , m_pauseMs(pauseMs)
    , m_logs(size_t(clients))
{
}

RegisterWorkload::~RegisterWorkload()
{
    stop();
}

QString RegisterWorkload::key(int generation, int index) const
{
    return QStringLiteral("register-%1-%2").arg(generation).arg(index);
}

bool RegisterWorkload::nextGeneration(QString *error)
{
    const int generation = m_generation + 1;
    // Each generation is created through the next router.
    TestHttpClient http(m_ports.at(generation % m_ports.size()));
    for (int index = 0; index < m_keys; ++index) {
        const QString id = key(generation, index);
        Operation creation{Kind::Write, Outcome::Ok, 0, LinearizabilityChecker::kAbsent, m_clock.nsecsElapsed() / 1000, 0, -1};
        const TestHttpResponse response =
            http.request("PUT", documentPath(m_database, id), "{\"data\":{\"v\":0}}", {}, kRequestTimeoutMs);
        creation.completedAt = m_clock.nsecsElapsed() / 1000;
        if (response.status != 200 && response.status != 201) {
            *error = QStringLiteral("creating %1: %2 %3 %4").arg(id).arg(response.status).arg(response.error, QString::fromUtf8(response.body));
            return false;
        }
        m_creations[id].append(creation);
    }
    m_generation = generation;
    return true;
}

void RegisterWorkload::start()
{
    m_stop = false;
    for (int client = 0; client < m_clients; ++client)
        m_threads.emplace_back([this, client] { runClient(client); });
}

void RegisterWorkload::stop()
{
    m_stop = true;
    for (std::thread &thread : m_threads)
        thread.join();
    m_threads.clear();
}

void RegisterWorkload::runClient(int client)
{
    struct Known
    {
        QByteArray rev;
        qint64 value = 0;
    };
    auto http = std::make_unique<TestHttpClient>(routerPort(client));
    ClientLog &log = m_logs[size_t(client)];
    QHash<QString, Known> known;
    QRandomGenerator random(quint32(client * 7919 + 17));
    while (!m_stop) {
        const int generation = m_generation;
        if (generation == 0) {
            QThread::msleep(10);
            continue;
        }
        const QString id = key(generation, int(random.bounded(m_keys)));
        const bool write = known.contains(id) && random.bounded(100) < 60;
        Operation operation;
        operation.client = client;
        TestHttpResponse response;
        if (write) {
            const Known before = known.take(id);
            operation.kind = Kind::CompareAndSet;
            operation.expected = before.value;
            operation.value = m_nextValue++;
            const QByteArray body = "{\"rev\":\"" + before.rev + "\",\"data\":{\"v\":" + QByteArray::number(operation.value) + "}}";
            operation.invokedAt = m_clock.nsecsElapsed() / 1000;
            response = http->request("PUT", documentPath(m_database, id), body, {}, kRequestTimeoutMs);
            operation.completedAt = m_clock.nsecsElapsed() / 1000;
            if (response.status == 200) {
                operation.outcome = Outcome::Ok;
                known.insert(id, Known{response.json().value(QStringLiteral("rev")).toString().toUtf8(), operation.value});
            } else if (response.status == 409) {
                operation.outcome = Outcome::Failed;
            } else {
                operation.outcome = Outcome::Unknown;
            }
        } else {
            operation.kind = Kind::Read;
            operation.invokedAt = m_clock.nsecsElapsed() / 1000;
            response = http->request("GET", documentPath(m_database, id), {}, {}, kRequestTimeoutMs);
            operation.completedAt = m_clock.nsecsElapsed() / 1000;
            if (response.status == 200) {
                const QJsonObject document = response.json();
                operation.outcome = Outcome::Ok;
                operation.value = document.value(QStringLiteral("data")).toObject().value(QStringLiteral("v")).toInteger(
                    LinearizabilityChecker::kAbsent);
                known.insert(id, Known{document.value(QStringLiteral("rev")).toString().toUtf8(), operation.value});
            } else if (response.status == 404) {
                operation.outcome = Outcome::Ok;
                operation.value = LinearizabilityChecker::kAbsent;
            } else {
                operation.outcome = Outcome::Unknown;
            }
        }
        if (response.status >= 400 && response.status < 500 && response.status != 409 && response.status != 404
            && log.unexpected.size() < 20)
            log.unexpected << QStringLiteral("%1 %2: %3 %4").arg(write ? QStringLiteral("PUT") : QStringLiteral("GET"), id)
                                  .arg(response.status).arg(QString::fromUtf8(response.body.left(200)));
        if (response.status == 0)
            http = std::make_unique<TestHttpClient>(routerPort(client));
        log.operations[id].append(operation);
        QThread::msleep(ulong(m_pauseMs));
    }
}

QMap<QString, QList<RegisterWorkload::Operation>> RegisterWorkload::histories() const
{
    QMap<QString, QList<Operation>> all = m_creations;
    for (const ClientLog &log : m_logs) {
        for (auto it = log.operations.cbegin(); it != log.operations.cend(); ++it)
            all[it.key()] += it.value();
    }
    return all;
}

int RegisterWorkload::operationCount() const
{
    int count = 0;
    for (const QList<Operation> &history : histories())
        count += int(history.size());
    return count;
}

QStringList RegisterWorkload::unexpectedAnswers() const
{
    QStringList all;
    for (const ClientLog &log : m_logs)
        all += log.unexpected;
    return all;
}
