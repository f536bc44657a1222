// UsersController: the Users view's requests to the router — load the
// users and API keys, add or change a user, delete one, create a key,
// revoke one — through the console's ConsoleClient (asynchronous, the
// cluster token), with their answers applied to the two list models.
//
// refresh() asks GET /v1/_users and GET /v1/_keys at once; a refresh asked
// while one is running runs again after it, so the lists end up at least as
// new as the last change. Every change ends in exactly one finished() (the
// router's error, explained by AccountForms::failureText, when it refused)
// and a refresh; a change's `done` callback, when given, is called just
// before finished(), so a dialog can close or show the refusal; a created
// key's keyCreated() comes before both. A list that
// cannot be loaded keeps its last rows and says why (usersError(),
// keysError()). reset() forgets both lists and drops the answers still in
// flight (the router changed). Nothing is polled.
//
// GUI thread; owned by its QObject parent. Uses a client and two models
// owned elsewhere that outlive it.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

#include "AccountForms.h"

class ApiKeyListModel;
class ConsoleClient;
class UserListModel;
struct ClientReply;

class UsersController : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(bool ok, const QString &message)>;

    UsersController(ConsoleClient *client, UserListModel *users, ApiKeyListModel *keys, QObject *parent = nullptr);

    void refresh();
    void reset();

    void saveUser(const AccountForms::UserForm &form, bool creating, Done done = {});
    void deleteUser(const QString &name, Done done = {});
    void createKey(const QString &name, const QStringList &roles, Done done = {});
    void revokeKey(const QString &id, Done done = {});

    bool isRefreshing() const { return m_listsInFlight > 0; }
    // A change has been sent and not answered yet.
    bool isBusy() const { return m_changesInFlight > 0; }
    // Empty when the last load succeeded.
    QString usersError() const { return m_usersError; }
    QString keysError() const { return m_keysError; }
    // When both lists last loaded, 0 if never.
    qint64 lastLoadedMs() const { return m_lastLoadedMs; }

signals:
    // A refresh ended (loaded or not); see usersError() and keysError().
    void refreshed();
    void started(const QString &action);
    void finished(const QString &action, bool ok, const QString &message);
    // The router made a key; its secret is in `key` this once only.
    void keyCreated(const AccountForms::CreatedKey &key);

private:
    using Answer = std::function<Result<QString>(const ClientReply &reply)>;

    // Sends a change; `success` turns an ok answer into the message (or
    // the error when the answer is not what the router should say).
    void change(const QString &action, const QByteArray &method, const QString &path, const QJsonObject &body,
                Done done, Answer success);
    void loadList(const QString &path, bool users);
    void listAnswered();

    ConsoleClient *m_client;
    UserListModel *m_users;
    ApiKeyListModel *m_keys;
    // Bumped by reset(): list answers from before are dropped.
    quint64 m_generation = 0;
    int m_listsInFlight = 0;
    int m_changesInFlight = 0;
    bool m_refreshAgain = false;
    QString m_usersError;
    QString m_keysError;
    qint64 m_lastLoadedMs = 0;
};
