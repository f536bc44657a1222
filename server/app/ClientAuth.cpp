#include "ClientAuth.h"

#include "AuthApi.h"
#include "AuthStore.h"
#include "AuthSync.h"
#include "Authenticator.h"
#include "DataDirectory.h"
#include "HttpServer.h"
#include "ServerApp.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcAuth)

Result<std::unique_ptr<ClientAuth>> ClientAuth::create(const ServerConfig &config, const DataDirectory &dataDirectory,
                                                       std::unique_ptr<AuthStore> store, bool manage, qint64 syncIntervalMs)
{
    std::unique_ptr<ClientAuth> auth(new ClientAuth);
    auth->m_required = config.authentication != QLatin1String("off");
    QByteArray adminPassword;
    if (auth->m_required) {
        bool created = false;
        const Status loaded = ServerApp::loadSecret(config.adminPasswordFile, dataDirectory, QStringLiteral("admin-password"),
                                                    QStringLiteral("admin password"), &adminPassword, &created);
        if (!loaded.isOk())
            return loaded;
        if (created) {
            // Printed this once, like a new installation's first credential;
            // afterwards only the file (mode 0600) holds it.
            qCWarning(lcAuth, "authentication is required: sign in as user admin with password %s (saved in %s)",
                      adminPassword.constData(), qPrintable(dataDirectory.filePath(QStringLiteral("admin-password"))));
        }
    } else {
        qCWarning(lcAuth, "Server.Authentication is off: every client that reaches this process can read, write and "
                          "drop databases and manage users");
    }
    auth->m_authenticator = std::make_unique<Authenticator>(adminPassword);
    auth->m_store = std::move(store);
    auth->m_sync = std::make_unique<AuthSync>(auth->m_store.get(), auth->m_authenticator.get(), syncIntervalMs);
    auth->m_api = std::make_unique<AuthApi>(manage ? auth->m_store.get() : nullptr, auth->m_authenticator.get());
    return auth;
}

ClientAuth::~ClientAuth() = default;

void ClientAuth::install(HttpServer &http)
{
    m_api->registerRoutes(http);
    if (m_required)
        http.setAuthenticator(m_authenticator.get());
}

void ClientAuth::start()
{
    m_sync->start();
}
