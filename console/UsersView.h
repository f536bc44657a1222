// UsersView: the console's "Users" tab — the cluster's users (name, roles,
// built-in) and API keys (id, name, roles, created), as the router lists
// them, and the actions on them: add a user, change a user's roles and/or
// password, delete a user, create an API key (its secret then shown once
// by NewApiKeyDialog), revoke a key.
//
// The lists load when the tab is shown, after every change and on Refresh;
// nothing is polled. A list that cannot be loaded (no answer, 401, 403,
// 503…) keeps its last rows and a red banner says why. Forms (UserDialog,
// ApiKeyDialog) and confirmations (a QMessageBox) are window modal and
// opened with open(), so the window never waits in a nested event loop;
// the result of every change shows at the bottom (✔/✖), a refusal also in
// the form that sent it. The built-in admin can be neither changed nor
// deleted (the router refuses it), so those actions are off for it, and
// every change is off while one is under way.
//
// GUI thread; owns its models, controller and widgets; uses a client owned
// by the caller (which must outlive it).
#pragma once

#include <QWidget>

#include <functional>

#include "UsersController.h"

class ActionResultLabel;
class ApiKeyListModel;
class QAbstractItemModel;
class ConsoleClient;
class QAction;
class QLabel;
class QTableView;
class RequestDialog;
class UserListModel;

class UsersView : public QWidget
{
    Q_OBJECT

public:
    explicit UsersView(ConsoleClient *client, QWidget *parent = nullptr);

    UsersController *controller() const { return m_controller; }
    UserListModel *userModel() const { return m_users; }
    ApiKeyListModel *keyModel() const { return m_keys; }
    QTableView *userTable() const { return m_userTable; }
    QTableView *keyTable() const { return m_keyTable; }

    QAction *addUserAction() const { return m_addUser; }
    QAction *changeUserAction() const { return m_changeUser; }
    QAction *deleteUserAction() const { return m_deleteUser; }
    QAction *createKeyAction() const { return m_createKey; }
    QAction *revokeKeyAction() const { return m_revokeKey; }

    // Empty when both lists loaded.
    QString bannerText() const;
    QString lastActionText() const;

    void selectUser(const QString &name);
    void selectKey(const QString &id);
    // Empty if none is selected.
    QString selectedUser() const;
    QString selectedKey() const;

public slots:
    void refresh();
    // The router changed: forget the lists and load them again if shown.
    void resetConnection();
    void addUser();
    void changeSelectedUser();
    void deleteSelectedUser();
    void createKey();
    void revokeSelectedKey();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void buildActions();
    void buildLayout();
    QTableView *makeTable(QAbstractItemModel *model);
    void updateActions();
    void updateBanner();
    void showCreatedKey(const AccountForms::CreatedKey &key);
    void actionStarted(const QString &action);
    void actionFinished(const QString &action, bool ok, const QString &message);
    // Opens `dialog`; its submissions go through `send`, whose answer
    // closes it or shows the refusal.
    void openForm(RequestDialog *dialog, const std::function<void(UsersController::Done done)> &send);
    // Asks `question` in a window-modal box; `yes` runs if the answer is Yes.
    void confirm(const QString &title, const QString &question, std::function<void()> yes);

    UserListModel *m_users;
    ApiKeyListModel *m_keys;
    UsersController *m_controller;

    QTableView *m_userTable = nullptr;
    QTableView *m_keyTable = nullptr;
    QLabel *m_banner = nullptr;
    ActionResultLabel *m_actionLabel = nullptr;
    QLabel *m_loadedLabel = nullptr;

    QAction *m_addUser = nullptr;
    QAction *m_changeUser = nullptr;
    QAction *m_deleteUser = nullptr;
    QAction *m_createKey = nullptr;
    QAction *m_revokeKey = nullptr;
    QAction *m_refresh = nullptr;

};
