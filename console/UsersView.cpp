#include "UsersView.h"

#include <QAction>
#include <QDateTime>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QShowEvent>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "ActionResultLabel.h"
#include "ApiKeyDialog.h"
#include "ApiKeyListModel.h"
#include "NewApiKeyDialog.h"
#include "UserDialog.h"
#include "UserListModel.h"
#include "UsersController.h"

namespace {

QString selectedKeyOf(const QTableView *table)
{
    const QModelIndex current = table->selectionModel()->currentIndex();
    if (!current.isValid() || !table->selectionModel()->isRowSelected(current.row(), {}))
        return {};
    return current.data(KeyedListModel::KeyRole).toString();
}

void selectKeyIn(QTableView *table, const KeyedListModel *model, const QString &key)
{
    const int row = model->rowOf(key);
    if (row < 0) {
        table->selectionModel()->clear();
        return;
    }
    table->selectionModel()->setCurrentIndex(model->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

QToolButton *buttonFor(QAction *action, QWidget *parent)
{
    auto *button = new QToolButton(parent);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return button;
}

} // namespace

UsersView::UsersView(ConsoleClient *client, QWidget *parent)
    : QWidget(parent)
    , m_users(new UserListModel(this))
    , m_keys(new ApiKeyListModel(this))
    , m_controller(new UsersController(client, m_users, m_keys, this))
{
    buildActions();
    buildLayout();
    connect(m_controller, &UsersController::refreshed, this, [this]() {
        updateBanner();
        updateActions();
    });
    connect(m_controller, &UsersController::started, this, &UsersView::actionStarted);
    connect(m_controller, &UsersController::finished, this, &UsersView::actionFinished);
    connect(m_controller, &UsersController::keyCreated, this, &UsersView::showCreatedKey);
    updateBanner();
    updateActions();
}

void UsersView::buildActions()
{
    m_addUser = new QAction(QStringLiteral("Add user…"), this);
    m_addUser->setToolTip(QStringLiteral("Add a user with a password and roles"));
    m_changeUser = new QAction(QStringLiteral("Change user…"), this);
    m_changeUser->setToolTip(QStringLiteral("Change the selected user's roles and/or password"));
    m_deleteUser = new QAction(QStringLiteral("Delete user…"), this);
    m_deleteUser->setToolTip(QStringLiteral("Delete the selected user"));
    m_createKey = new QAction(QStringLiteral("Create API key…"), this);
    m_createKey->setToolTip(QStringLiteral("Create an API key with roles; its secret is shown once"));
    m_revokeKey = new QAction(QStringLiteral("Revoke key…"), this);
    m_revokeKey->setToolTip(QStringLiteral("Revoke the selected API key: clients using it are refused (401)"));
    m_refresh = new QAction(QStringLiteral("Refresh"), this);
    m_refresh->setToolTip(QStringLiteral("Load the users and API keys again"));
    m_refresh->setShortcut(QKeySequence::Refresh);
    m_refresh->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(m_refresh);

    connect(m_addUser, &QAction::triggered, this, &UsersView::addUser);
    connect(m_changeUser, &QAction::triggered, this, &UsersView::changeSelectedUser);
    connect(m_deleteUser, &QAction::triggered, this, &UsersView::deleteSelectedUser);
    connect(m_createKey, &QAction::triggered, this, &UsersView::createKey);
    connect(m_revokeKey, &QAction::triggered, this, &UsersView::revokeSelectedKey);
    connect(m_refresh, &QAction::triggered, this, &UsersView::refresh);
}

QTableView *UsersView::makeTable(QAbstractItemModel *model)
{
    auto *table = new QTableView(this);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->setContextMenuPolicy(Qt::ActionsContextMenu);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
    connect(table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &UsersView::updateActions);
    return table;
}

void UsersView::buildLayout()
{
    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("usersBanner"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fde2e2; color: #7a1010; border: 1px solid #e0a0a0; "
                                           "padding: 6px; font-weight: bold; }"));
    m_banner->hide();

    m_userTable = makeTable(m_users);
    m_userTable->setColumnWidth(UserListModel::NameColumn, 240);
    m_userTable->horizontalHeader()->setSectionResizeMode(UserListModel::RolesColumn, QHeaderView::Stretch);
    m_userTable->setColumnWidth(UserListModel::KindColumn, 120);
    m_userTable->addActions({m_addUser, m_changeUser, m_deleteUser});
    connect(m_userTable, &QTableView::doubleClicked, this, [this]() {
        if (m_changeUser->isEnabled())
            changeSelectedUser();
    });
    auto *userButtons = new QHBoxLayout;
    for (QAction *action : {m_addUser, m_changeUser, m_deleteUser})
        userButtons->addWidget(buttonFor(action, this));
    userButtons->addStretch();
    auto *userBox = new QGroupBox(QStringLiteral("Users (sign in with HTTP Basic)"), this);
    auto *userLayout = new QVBoxLayout(userBox);
    userLayout->addLayout(userButtons);
    userLayout->addWidget(m_userTable);

    m_keyTable = makeTable(m_keys);
    m_keyTable->setColumnWidth(ApiKeyListModel::IdColumn, m_keyTable->fontMetrics().horizontalAdvance(QStringLiteral("0123456789abcdef")) + 24);
    m_keyTable->setColumnWidth(ApiKeyListModel::NameColumn, 240);
    m_keyTable->horizontalHeader()->setSectionResizeMode(ApiKeyListModel::RolesColumn, QHeaderView::Stretch);
    m_keyTable->setColumnWidth(ApiKeyListModel::CreatedColumn, 160);
    m_keyTable->addActions({m_createKey, m_revokeKey});
    auto *keyButtons = new QHBoxLayout;
    for (QAction *action : {m_createKey, m_revokeKey})
        keyButtons->addWidget(buttonFor(action, this));
    keyButtons->addStretch();
    auto *keyBox = new QGroupBox(QStringLiteral("API keys (sign in as \"Authorization: Bearer <key>\")"), this);
    auto *keyLayout = new QVBoxLayout(keyBox);
    keyLayout->addLayout(keyButtons);
    keyLayout->addWidget(m_keyTable);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(userBox);
    splitter->addWidget(keyBox);

    m_actionLabel = new ActionResultLabel(this);
    m_actionLabel->setObjectName(QStringLiteral("usersLastAction"));
    m_loadedLabel = new QLabel(this);
    auto *refreshButton = new QPushButton(QStringLiteral("Refresh"), this);
    refreshButton->setToolTip(m_refresh->toolTip());
    connect(refreshButton, &QPushButton::clicked, m_refresh, &QAction::trigger);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_actionLabel, 1);
    bottom->addWidget(m_loadedLabel);
    bottom->addWidget(refreshButton);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_banner);
    layout->addWidget(splitter, 1);
    layout->addLayout(bottom);
}

void UsersView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!event->spontaneous())
        refresh();
}

void UsersView::refresh()
{
    m_loadedLabel->setText(QStringLiteral("Loading…"));
    m_controller->refresh();
}

void UsersView::resetConnection()
{
    m_controller->reset();
    if (isVisible())
        refresh();
}

QString UsersView::bannerText() const
{
    QStringList lines;
    if (!m_controller->usersError().isEmpty())
        lines.append(QStringLiteral("Users could not be loaded: %1").arg(m_controller->usersError()));
    if (!m_controller->keysError().isEmpty())
        lines.append(QStringLiteral("API keys could not be loaded: %1").arg(m_controller->keysError()));
    return lines.join(QLatin1Char('\n'));
}

QString UsersView::lastActionText() const
{
    return m_actionLabel->text();
}

void UsersView::updateBanner()
{
    const QString text = bannerText();
    m_banner->setText(text);
    m_banner->setVisible(!text.isEmpty());
    const qint64 loaded = m_controller->lastLoadedMs();
    if (m_controller->isRefreshing())
        m_loadedLabel->setText(QStringLiteral("Loading…"));
    else if (loaded == 0)
        m_loadedLabel->setText(QStringLiteral("Not loaded"));
    else
        m_loadedLabel->setText(QStringLiteral("Loaded %1").arg(QDateTime::fromMSecsSinceEpoch(loaded).toString(QStringLiteral("HH:mm:ss"))));
}

void UsersView::updateActions()
{
    const bool idle = !m_controller->isBusy();
    const int userRow = m_users->rowOf(selectedUser());
    const bool builtIn = userRow >= 0 && m_users->isBuiltIn(userRow);
    m_addUser->setEnabled(idle);
    m_changeUser->setEnabled(idle && userRow >= 0 && !builtIn);
    m_deleteUser->setEnabled(idle && userRow >= 0 && !builtIn);
    m_createKey->setEnabled(idle);
    m_revokeKey->setEnabled(idle && !selectedKey().isEmpty());
    const QString builtInNote = QStringLiteral(" (not the built-in admin: its password is the admin password file's)");
    m_changeUser->setToolTip(QStringLiteral("Change the selected user's roles and/or password") + (builtIn ? builtInNote : QString()));
    m_deleteUser->setToolTip(QStringLiteral("Delete the selected user") + (builtIn ? builtInNote : QString()));
}

QString UsersView::selectedUser() const
{
    return selectedKeyOf(m_userTable);
}

QString UsersView::selectedKey() const
{
    return selectedKeyOf(m_keyTable);
}

void UsersView::selectUser(const QString &name)
{
    selectKeyIn(m_userTable, m_users, name);
}

void UsersView::selectKey(const QString &id)
{
    selectKeyIn(m_keyTable, m_keys, id);
}

void UsersView::openForm(RequestDialog *dialog, const std::function<void(UsersController::Done done)> &send)
{
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RequestDialog::submitted, this, [dialog, send]() {
        send([form = QPointer<RequestDialog>(dialog)](bool ok, const QString &message) {
            if (form)
                form->answered(ok, message);
        });
    });
    dialog->open();
}

void UsersView::addUser()
{
    auto *dialog = UserDialog::forNewUser(m_users->builtInNames(), m_users->keys(), this);
    openForm(dialog, [this, dialog](UsersController::Done done) { m_controller->saveUser(dialog->userForm(), true, std::move(done)); });
}

void UsersView::changeSelectedUser()
{
    const int row = m_users->rowOf(selectedUser());
    if (row < 0 || m_users->isBuiltIn(row))
        return;
    auto *dialog = UserDialog::forUser(m_users->keyAt(row), m_users->rolesAt(row), this);
    openForm(dialog, [this, dialog](UsersController::Done done) { m_controller->saveUser(dialog->userForm(), false, std::move(done)); });
}

void UsersView::deleteSelectedUser()
{
    const QString name = selectedUser();
    const int row = m_users->rowOf(name);
    if (row < 0 || m_users->isBuiltIn(row))
        return;
    confirm(QStringLiteral("Delete user %1").arg(name),
            QStringLiteral("Delete user %1?\n\nIts sign-ins are refused at once through this router, and through the other "
                           "routers within about one health-check interval. API keys are separate: revoke them too if "
                           "this user's clients used any.")
                .arg(name),
            [this, name]() { m_controller->deleteUser(name); });
}

void UsersView::createKey()
{
    auto *dialog = new ApiKeyDialog(this);
    openForm(dialog, [this, dialog](UsersController::Done done) { m_controller->createKey(dialog->name(), dialog->roles(), std::move(done)); });
}

void UsersView::revokeSelectedKey()
{
    const QString id = selectedKey();
    const int row = m_keys->rowOf(id);
    if (row < 0)
        return;
    const QString name = m_keys->itemAt(row).value(QStringLiteral("name")).toString();
    confirm(QStringLiteral("Revoke API key %1").arg(id),
            QStringLiteral("Revoke API key %1 (\"%2\")?\n\nClients using it are refused (401) at once through this router, "
                           "and through the other routers within about one health-check interval. This cannot be undone.")
                .arg(id, name),
            [this, id]() { m_controller->revokeKey(id); });
}

void UsersView::confirm(const QString &title, const QString &question, std::function<void()> yes)
{
    auto *box = new QMessageBox(QMessageBox::Question, title, question, QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setWindowModality(Qt::WindowModal);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [box, yes = std::move(yes)]() {
        if (box->clickedButton() == box->button(QMessageBox::Yes))
            yes();
    });
    box->open();
}

void UsersView::showCreatedKey(const AccountForms::CreatedKey &key)
{
    auto *dialog = new NewApiKeyDialog(key, this);
    dialog->open();
}

void UsersView::actionStarted(const QString &action)
{
    m_actionLabel->showStarted(action);
    updateActions();
}

void UsersView::actionFinished(const QString &action, bool ok, const QString &message)
{
    m_actionLabel->showFinished(action, ok, message);
    updateActions();
}
