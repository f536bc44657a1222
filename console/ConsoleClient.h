// ConsoleClient: the console's only door to the network. Talks REST to one
// router (and, when there is one, to the local launcher's supervisor) and
// turns the answers into signals; models and views never see a socket.
//
// While running it polls GET /v1/_cluster/status every `pollIntervalMs`
// (one request in flight at a time), the events after the last one seen,
// the router's GET /metrics every `metricsIntervalMs` (2 s by default; the
// traffic view's rates come from successive scrapes), and the supervisor's
// process list every few seconds. A poll that fails
// marks the router unreachable (routerReachableChanged) and polling simply
// goes on, so the console reconnects by itself when the router answers
// again. Operator actions (kill, promote, step down, start, membership
// changes) and the probe writer's document requests go through request(),
// answered by callback.
//
// Everything is asynchronous on the GUI thread's event loop; no call
// blocks. HTTP pipelining stays off (QNetworkAccessManager then uses up to
// 6 connections per host). Lives on the GUI thread; owned by its QObject
// parent.
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>
#include <QUrl>

#include <functional>

// One HTTP answer, or why there was none (status 0).
struct ClientReply
{
    int status = 0;
    QByteArray body;
    QString networkError;

    bool isOk() const { return status >= 200 && status < 300; }
    QJsonObject json() const;
    // "HTTP 409: <error field>" or the network error, for people.
    QString errorText() const;
};

class ConsoleClient : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(const ClientReply &)>;

    explicit ConsoleClient(QObject *parent = nullptr);

    // Changing the router forgets everything known about the old one.
    void setRouter(const QUrl &routerUrl, const QByteArray &token);
    // Empty: derived from the router URL (same host, port - 1).
    void setSupervisor(const QUrl &supervisorUrl);
    void setPollInterval(int milliseconds);
    void setMetricsInterval(int milliseconds);
    // Per request; a request without an answer by then fails.
    void setRequestTimeout(int milliseconds);

    QUrl routerUrl() const { return m_router; }
    QUrl supervisorUrl() const;
    QByteArray token() const { return m_token; }
    int pollIntervalMs() const { return m_pollTimer.interval(); }
    int metricsIntervalMs() const { return m_metricsTimer.interval(); }
    bool isRouterReachable() const { return m_routerReachable; }
    bool isSupervisorReachable() const { return m_supervisorReachable; }

    void start();
    void stop();
    // Polls status (and events) now instead of at the next tick.
    void refreshNow();

    // A request to the router with the token; `path` starts with "/".
    void request(const QByteArray &method, const QString &path, const QJsonObject &body, Callback done,
                 int timeoutMs = -1);
    void supervisorRequest(const QByteArray &method, const QString &path, Callback done);

    void killNode(const QString &name, Callback done);
    // `member`: the member's id, as the router names it.
    void promote(int shard, int member, bool force, Callback done);
    void stepDown(int shard, Callback done);
    void startNode(const QString &name, Callback done);
    // Membership changes; `member` is the member's id, `url` its address.
    void addMember(int shard, const QString &url, Callback done);
    void removeMember(int shard, int member, Callback done);
    void replaceMember(int shard, int member, const QString &url, Callback done);

signals:
    void statusReceived(const QJsonObject &status, qint64 receivedMs);
    void eventsReceived(const QJsonArray &events);
    // A 200 answer of the router's GET /metrics (Prometheus text); a failed
    // scrape emits nothing (the status poll reports the router's state).
    void metricsReceived(const QByteArray &text, qint64 receivedMs);
    // After the first answer or failure, on every change, and on every
    // failed poll while unreachable; `error` says why when not reachable.
    void routerReachableChanged(bool reachable, const QString &error);
    void supervisorChanged(bool reachable, const QJsonArray &processes);

private:
    void pollStatus();
    void pollEvents();
    void pollMetrics();
    void pollSupervisor();
    void send(const QUrl &base, const QByteArray &method, const QString &path, const QByteArray &body,
              int timeoutMs, Callback done);
    void setRouterReachable(bool reachable, const QString &error);

    QNetworkAccessManager m_network;
    QTimer m_pollTimer;
    QTimer m_metricsTimer;
    QTimer m_supervisorTimer;
    QUrl m_router;
    QUrl m_supervisor;
    QByteArray m_token;
    int m_requestTimeoutMs = 2000;
    // Bumped by setRouter() and stop(): poll answers from before are dropped.
    quint64 m_generation = 0;
    bool m_statusInFlight = false;
    bool m_eventsInFlight = false;
    bool m_metricsInFlight = false;
    bool m_supervisorInFlight = false;
    bool m_routerReachable = false;
    bool m_routerKnown = false;
    bool m_supervisorReachable = false;
    qint64 m_lastEventId = 0;
};
