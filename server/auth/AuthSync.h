// AuthSync: keeps an Authenticator's users and keys current by loading them
// from the AuthStore now and then every interval (a router: every health
// check; a replica set member: every second), so that a user or key removed
// through any router stops working everywhere within one interval. When
// the store cannot be read the last table stays in use (logged once). A
// load that was out while this process changed the table itself (AuthApi)
// is dropped: it may have read the table from before that change.
//
// Main thread; owned by the ServerApp or RouterApp.
#pragma once

#include <QObject>
#include <QTimer>

class AuthStore;
class Authenticator;

class AuthSync : public QObject
{
    Q_OBJECT

public:
    AuthSync(AuthStore *store, Authenticator *authenticator, qint64 intervalMs, QObject *parent = nullptr);

    // Loads now, then every interval (0: only now).
    void start();

private:
    void load();

    AuthStore *m_store;
    Authenticator *m_authenticator;
    QTimer m_timer;
    bool m_loading = false;
    bool m_failing = false;
};
