// BackupController: the console's side of the router's backups
// (docs/backup.md). start() asks for one (POST /v1/_cluster/backup) into a
// directory inside the router's backup root; while one runs — started here
// or elsewhere, e.g. by `peacedb-cluster backup` — it follows it with
// GET /v1/_cluster/backup every kPollIntervalMs and says how far it got.
// The window calls refresh() when it connects and when a backup event
// arrives in the timeline, so a backup started elsewhere shows at once.
//
// describe() is the one line the window shows: pure, tested without a
// router.
//
// GUI thread; uses a client owned elsewhere that outlives it.
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QTimer>

class ConsoleClient;

class BackupController : public QObject
{
    Q_OBJECT

public:
    static constexpr int kPollIntervalMs = 1000;

    explicit BackupController(ConsoleClient *client, QObject *parent = nullptr);

    // `target`: relative to the router's backup root, or absolute inside it.
    void start(const QString &target);
    void refresh();
    // The last status the router gave ({"state":"none"} before any).
    QJsonObject status() const { return m_status; }
    bool isRunning() const;

    // "Backup <id> into <to>: 1 of 3 shards copied, 12.5 of 40.0 MB (3.2 s)",
    // "... finished: 3 shards, 40.0 MB in 12.0 s", "... failed: <reason>";
    // empty when the router has made no backup.
    static QString describe(const QJsonObject &status);

signals:
    // After every answer to refresh() or start().
    void statusChanged(const QJsonObject &status, const QString &summary);
    // start() was refused (HTTP 400/403/409 with the router's reason) or
    // the router did not answer.
    void startFailed(const QString &message);

private:
    void setStatus(const QJsonObject &status);

    ConsoleClient *m_client;
    QTimer m_poll;
    QJsonObject m_status{{QStringLiteral("state"), QStringLiteral("none")}};
    bool m_refreshing = false;
};
