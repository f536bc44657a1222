#include "AuthSync.h"

#include "AuthStore.h"
#include "Authenticator.h"

#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcAuth, "peacedb.auth")

AuthSync::AuthSync(AuthStore *store, Authenticator *authenticator, qint64 intervalMs, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_authenticator(authenticator)
{
    m_timer.setInterval(int(intervalMs));
    connect(&m_timer, &QTimer::timeout, this, &AuthSync::load);
}

void AuthSync::start()
{
    load();
    if (m_timer.interval() > 0)
        m_timer.start();
}

void AuthSync::load()
{
    if (m_loading)
        return;
    m_loading = true;
    QPointer<AuthSync> self(this);
    const quint64 changesBefore = m_authenticator->tableChanges();
    m_store->load([self, changesBefore](const Result<AuthStore::Snapshot> &snapshot) {
        if (!self)
            return;
        self->m_loading = false;
        // This process changed the table while the load was out: what it
        // read may be older (the next load reads past that change).
        if (snapshot.isOk() && self->m_authenticator->tableChanges() != changesBefore)
            return;
        if (!snapshot.isOk()) {
            if (!self->m_failing) {
                qCWarning(lcAuth, "cannot load the users and keys (%s): %s", qPrintable(snapshot.status().message()),
                          self->m_authenticator->hasTable() ? "the last ones loaded stay in use"
                                                            : "only the cluster token and the built-in admin can sign in");
            }
            self->m_failing = true;
            return;
        }
        const bool first = !self->m_authenticator->hasTable() || self->m_failing;
        self->m_failing = false;
        self->m_authenticator->setTable(snapshot->table, snapshot->rev);
        if (first) {
            qCInfo(lcAuth, "users and keys loaded: %d users, %d keys", int(snapshot->table.users.size()),
                   int(snapshot->table.keys.size()));
        }
    });
}
