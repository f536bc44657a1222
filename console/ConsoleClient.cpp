#include "ConsoleClient.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

namespace {

constexpr int kSupervisorPollMs = 2000;
constexpr int kMetricsPollMs = 2000;
constexpr int kEventBatch = 500;
// The router asks a changing primary again for up to 15 s, and removing the
// primary hands it off first.
constexpr int kMembershipTimeoutMs = 35000;

} // namespace

QJsonObject ClientReply::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QString ClientReply::errorText() const
{
    if (status == 0)
        return networkError.isEmpty() ? QStringLiteral("no answer") : networkError;
    const QString error = json().value(QStringLiteral("error")).toString();
    if (error.isEmpty())
        return QStringLiteral("HTTP %1").arg(status);
    return QStringLiteral("HTTP %1: %2").arg(status).arg(error);
}

ConsoleClient::ConsoleClient(QObject *parent)
    : QObject(parent)
{
    m_pollTimer.setInterval(500);
    connect(&m_pollTimer, &QTimer::timeout, this, &ConsoleClient::refreshNow);
    m_metricsTimer.setInterval(kMetricsPollMs);
    connect(&m_metricsTimer, &QTimer::timeout, this, &ConsoleClient::pollMetrics);
    m_supervisorTimer.setInterval(kSupervisorPollMs);
    connect(&m_supervisorTimer, &QTimer::timeout, this, &ConsoleClient::pollSupervisor);
}

void ConsoleClient::setRouter(const QUrl &routerUrl, const QByteArray &token)
{
    ++m_generation;
    m_router = routerUrl;
    m_token = token;
    m_statusInFlight = m_eventsInFlight = m_metricsInFlight = m_supervisorInFlight = false;
    m_lastEventId = 0;
    m_routerKnown = false;
    m_routerReachable = false;
    m_supervisorReachable = false;
}

void ConsoleClient::setSupervisor(const QUrl &supervisorUrl)
{
    m_supervisor = supervisorUrl;
}

QUrl ConsoleClient::supervisorUrl() const
{
    if (!m_supervisor.isEmpty() || m_router.isEmpty())
        return m_supervisor;
    QUrl derived = m_router;
    derived.setPort(m_router.port(80) - 1);
    derived.setPath(QString());
    return derived;
}

void ConsoleClient::setPollInterval(int milliseconds)
{
    m_pollTimer.setInterval(milliseconds);
}

void ConsoleClient::setMetricsInterval(int milliseconds)
{
    m_metricsTimer.setInterval(milliseconds);
}

void ConsoleClient::setRequestTimeout(int milliseconds)
{
    m_requestTimeoutMs = milliseconds;
}

void ConsoleClient::start()
{
    m_pollTimer.start();
    m_metricsTimer.start();
    m_supervisorTimer.start();
    refreshNow();
    pollMetrics();
    pollSupervisor();
}

void ConsoleClient::stop()
{
    m_pollTimer.stop();
    m_metricsTimer.stop();
    m_supervisorTimer.stop();
    ++m_generation;
    m_statusInFlight = m_eventsInFlight = m_metricsInFlight = m_supervisorInFlight = false;
}

void ConsoleClient::refreshNow()
{
    pollStatus();
    pollEvents();
}

void ConsoleClient::request(const QByteArray &method, const QString &path, const QJsonObject &body, Callback done,
                            int timeoutMs)
{
    send(m_router, method, path, body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact),
         timeoutMs, std::move(done));
}

void ConsoleClient::supervisorRequest(const QByteArray &method, const QString &path, Callback done)
{
    send(supervisorUrl(), method, path, {}, -1, std::move(done));
}

void ConsoleClient::killNode(const QString &name, Callback done)
{
    request("POST", QStringLiteral("/v1/_cluster/nodes/%1/kill").arg(QString::fromUtf8(QUrl::toPercentEncoding(name))), {},
            std::move(done), 10000);
}

void ConsoleClient::promote(int shard, int member, bool force, Callback done)
{
    request("POST", QStringLiteral("/v1/_cluster/shards/%1/promote").arg(shard),
            QJsonObject{{QStringLiteral("node"), member}, {QStringLiteral("force"), force}}, std::move(done), 15000);
}

void ConsoleClient::stepDown(int shard, Callback done)
{
    request("POST", QStringLiteral("/v1/_cluster/shards/%1/stepdown").arg(shard), {}, std::move(done), 15000);
}

void ConsoleClient::startNode(const QString &name, Callback done)
{
    send(supervisorUrl(), "POST",
         QStringLiteral("/v1/_supervisor/nodes/%1/start").arg(QString::fromUtf8(QUrl::toPercentEncoding(name))), {}, 60000,
         [this, done = std::move(done)](const ClientReply &reply) {
             pollSupervisor();
             done(reply);
         });
}

void ConsoleClient::addMember(int shard, const QString &url, Callback done)
{
    request("POST", QStringLiteral("/v1/_cluster/shards/%1/members").arg(shard), QJsonObject{{QStringLiteral("url"), url}},
            std::move(done), kMembershipTimeoutMs);
}

void ConsoleClient::removeMember(int shard, int member, Callback done)
{
    request("DELETE", QStringLiteral("/v1/_cluster/shards/%1/members/%2").arg(shard).arg(member), {}, std::move(done),
            kMembershipTimeoutMs);
}

void ConsoleClient::replaceMember(int shard, int member, const QString &url, Callback done)
{
    request("POST", QStringLiteral("/v1/_cluster/shards/%1/members/%2/replace").arg(shard).arg(member),
            QJsonObject{{QStringLiteral("url"), url}}, std::move(done), kMembershipTimeoutMs);
}

void ConsoleClient::pollStatus()
{
    if (m_statusInFlight || m_router.isEmpty())
        return;
    m_statusInFlight = true;
    send(m_router, "GET", QStringLiteral("/v1/_cluster/status"), {}, -1, [this, generation = m_generation](const ClientReply &reply) {
        if (generation != m_generation)
            return;
        m_statusInFlight = false;
        if (!reply.isOk()) {
            setRouterReachable(false, reply.errorText());
            return;
        }
        const QJsonObject status = reply.json();
        if (!status.value(QStringLiteral("shards")).isArray()) {
            setRouterReachable(false, QStringLiteral("the router's status has no shards"));
            return;
        }
        // A restarted router numbers its events from 1 again.
        if (status.value(QStringLiteral("lastEventId")).toInteger() < m_lastEventId)
            m_lastEventId = 0;
        setRouterReachable(true, QString());
        emit statusReceived(status, QDateTime::currentMSecsSinceEpoch());
    });
}

void ConsoleClient::pollEvents()
{
    if (m_eventsInFlight || m_router.isEmpty())
        return;
    m_eventsInFlight = true;
    const QString path = QStringLiteral("/v1/_cluster/events?since=%1&limit=%2").arg(m_lastEventId).arg(kEventBatch);
    send(m_router, "GET", path, {}, -1, [this, generation = m_generation](const ClientReply &reply) {
        if (generation != m_generation)
            return;
        m_eventsInFlight = false;
        if (!reply.isOk())
            return;
        const QJsonObject body = reply.json();
        const QJsonArray events = body.value(QStringLiteral("events")).toArray();
        m_lastEventId = qMax(m_lastEventId, body.value(QStringLiteral("lastId")).toInteger());
        if (!events.isEmpty())
            emit eventsReceived(events);
        if (events.size() == kEventBatch)
            pollEvents();
    });
}

void ConsoleClient::pollMetrics()
{
    if (m_metricsInFlight || m_router.isEmpty())
        return;
    m_metricsInFlight = true;
    send(m_router, "GET", QStringLiteral("/metrics"), {}, -1, [this, generation = m_generation](const ClientReply &reply) {
        if (generation != m_generation)
            return;
        m_metricsInFlight = false;
        if (reply.status == 200)
            emit metricsReceived(reply.body, QDateTime::currentMSecsSinceEpoch());
    });
}

void ConsoleClient::pollSupervisor()
{
    const QUrl supervisor = supervisorUrl();
    if (m_supervisorInFlight || supervisor.isEmpty())
        return;
    m_supervisorInFlight = true;
    send(supervisor, "GET", QStringLiteral("/v1/_supervisor/nodes"), {}, -1, [this, generation = m_generation](const ClientReply &reply) {
        if (generation != m_generation)
            return;
        m_supervisorInFlight = false;
        m_supervisorReachable = reply.isOk();
        emit supervisorChanged(m_supervisorReachable,
                               m_supervisorReachable ? reply.json().value(QStringLiteral("items")).toArray() : QJsonArray());
    });
}

void ConsoleClient::send(const QUrl &base, const QByteArray &method, const QString &path, const QByteArray &body,
                         int timeoutMs, Callback done)
{
    QUrl url = base;
    const qsizetype query = path.indexOf(QLatin1Char('?'));
    url.setPath(path.left(query), QUrl::TolerantMode);
    if (query >= 0)
        url.setQuery(path.mid(query + 1));
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::HttpPipeliningAllowedAttribute, false);
    request.setTransferTimeout(timeoutMs > 0 ? timeoutMs : m_requestTimeoutMs);
    request.setRawHeader("Authorization", "Bearer " + m_token);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = m_network.sendCustomRequest(request, method, body);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)]() {
        reply->deleteLater();
        ClientReply answer;
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        answer.body = reply->readAll();
        if (answer.status == 0)
            answer.networkError = reply->errorString();
        done(answer);
    });
}

void ConsoleClient::setRouterReachable(bool reachable, const QString &error)
{
    // Every failure is reported (its error may differ); an answer only once.
    if (m_routerKnown && reachable && m_routerReachable)
        return;
    m_routerKnown = true;
    m_routerReachable = reachable;
    emit routerReachableChanged(reachable, error);
}
