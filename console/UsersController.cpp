#include "UsersController.h"

#include <QDateTime>

#include "ApiKeyListModel.h"
#include "ConsoleClient.h"
#include "UserListModel.h"

namespace {

// Hashing a password and a quorum write on shard 0 may take a while.
constexpr int kRequestTimeoutMs = 15000;

} // namespace

UsersController::UsersController(ConsoleClient *client, UserListModel *users, ApiKeyListModel *keys, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_users(users)
    , m_keys(keys)
{
}

void UsersController::refresh()
{
    if (isRefreshing()) {
        m_refreshAgain = true;
        return;
    }
    m_refreshAgain = false;
    m_listsInFlight = 2;
    loadList(AccountForms::usersPath(), true);
    loadList(AccountForms::keysPath(), false);
}

void UsersController::reset()
{
    ++m_generation;
    m_listsInFlight = 0;
    m_refreshAgain = false;
    m_usersError.clear();
    m_keysError.clear();
    m_lastLoadedMs = 0;
    m_users->clear();
    m_keys->clear();
    emit refreshed();
}

void UsersController::loadList(const QString &path, bool users)
{
    m_client->request("GET", path, {}, [this, users, generation = m_generation](const ClientReply &reply) {
        if (generation != m_generation)
            return;
        QString &error = users ? m_usersError : m_keysError;
        if (reply.isOk()) {
            KeyedListModel *model = users ? static_cast<KeyedListModel *>(m_users) : m_keys;
            const Status applied = model->setAnswer(reply.json());
            error = applied.isOk() ? QString() : QStringLiteral("the router's answer is malformed: %1").arg(applied.message());
        } else {
            error = AccountForms::failureText(reply);
        }
        listAnswered();
    }, kRequestTimeoutMs);
}

void UsersController::listAnswered()
{
    if (--m_listsInFlight > 0)
        return;
    if (m_usersError.isEmpty() && m_keysError.isEmpty())
        m_lastLoadedMs = QDateTime::currentMSecsSinceEpoch();
    emit refreshed();
    if (m_refreshAgain)
        refresh();
}

void UsersController::change(const QString &action, const QByteArray &method, const QString &path, const QJsonObject &body,
                             Done done, Answer success)
{
    ++m_changesInFlight;
    emit started(action);
    m_client->request(method, path, body, [this, action, done = std::move(done), success = std::move(success)](const ClientReply &reply) {
        --m_changesInFlight;
        const Result<QString> answer = reply.isOk() ? success(reply) : Result<QString>(Status::unavailable(AccountForms::failureText(reply)));
        const bool ok = answer.isOk();
        const QString message = ok ? answer.value() : answer.status().message();
        if (done)
            done(ok, message);
        emit finished(action, ok, message);
        refresh();
    }, kRequestTimeoutMs);
}

void UsersController::saveUser(const AccountForms::UserForm &form, bool creating, Done done)
{
    const QString action = creating ? QStringLiteral("Add user %1").arg(form.name) : QStringLiteral("Change user %1").arg(form.name);
    const bool newPassword = !form.password.isEmpty();
    change(action, "PUT", AccountForms::userPath(form.name), AccountForms::userBody(form), std::move(done),
           [name = form.name, newPassword](const ClientReply &reply) -> Result<QString> {
               if (reply.status == 201)
                   return QStringLiteral("user %1 added").arg(name);
               return newPassword ? QStringLiteral("user %1 changed, with a new password").arg(name)
                                  : QStringLiteral("user %1 changed").arg(name);
           });
}

void UsersController::deleteUser(const QString &name, Done done)
{
    change(QStringLiteral("Delete user %1").arg(name), "DELETE", AccountForms::userPath(name), {}, std::move(done),
           [name](const ClientReply &) -> Result<QString> { return QStringLiteral("user %1 deleted").arg(name); });
}

void UsersController::createKey(const QString &name, const QStringList &roles, Done done)
{
    change(QStringLiteral("Create API key '%1'").arg(name), "POST", AccountForms::keysPath(), AccountForms::keyBody(name, roles),
           std::move(done), [this](const ClientReply &reply) -> Result<QString> {
               const Result<AccountForms::CreatedKey> key = AccountForms::parseCreatedKey(reply.json());
               if (!key.isOk())
                   return key.status();
               emit keyCreated(key.value());
               return QStringLiteral("key %1 created").arg(key->id);
           });
}

void UsersController::revokeKey(const QString &id, Done done)
{
    change(QStringLiteral("Revoke API key %1").arg(id), "DELETE", AccountForms::keyPath(id), {}, std::move(done),
           [id](const ClientReply &) -> Result<QString> { return QStringLiteral("key %1 revoked").arg(id); });
}
