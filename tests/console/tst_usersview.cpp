// The console's Users view (offscreen) on a real cluster that requires
// sign-in (1 shard x 3 members and a router, authentication on), driven as
// an operator would: the tab loads the lists when shown; a user added
// through the Add user form signs in through the router (GET /v1/_session
// with HTTP Basic) with its roles; its roles and password changed through
// the Change user form take effect (the old password is refused); an API key
// created through the form is shown once, copied, and works as a bearer
// token; revoked after a confirmation it is refused (401); the user deleted
// after a confirmation (a first Cancel changes nothing) is refused. The
// built-in admin can be neither changed nor deleted; the router's refusals
// (400, 404) and failures (403 for a credential without the admin role,
// 401 for a wrong token, no answer) are shown as they are. Bounded (< 60 s);
// the cluster is stopped whatever happens.
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <memory>

#include "ApiKeyDialog.h"
#include "ApiKeyListModel.h"
#include "ClusterProcesses.h"
#include "ConsoleClient.h"
#include "MainWindow.h"
#include "NewApiKeyDialog.h"
#include "RoleListEditor.h"
#include "TestHttpClient.h"
#include "UserDialog.h"
#include "UserListModel.h"
#include "UsersController.h"
#include "UsersView.h"

namespace {

constexpr int kAnswerMs = 15000;
const QString kPassword = QStringLiteral("alice-first-password");
const QString kNewPassword = QStringLiteral("alice-second-password");

QByteArray basic(const QString &user, const QString &password)
{
    return "Basic " + QString(user + QLatin1Char(':') + password).toUtf8().toBase64();
}

// Types `role` in the editor and presses Enter, as an operator adds one.
void addRole(RoleListEditor *editor, const QString &role)
{
    editor->input()->setText(role);
    QTest::keyClick(editor->input(), Qt::Key_Return);
}

void clickOk(QDialog *dialog)
{
    dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
}

} // namespace

class TestUsersView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void listsLoadWhenShown();
    void builtInAdminCannotBeChanged();
    void addUserSignsIn();
    void addingAnExistingUserIsRefused();
    void changeRolesAndPassword();
    void createKeyShowsItOnce();
    void revokeKeyRefusesIt();
    void deleteUserAfterConfirmation();
    void routerRefusalsShowAsTheyAre();
    void credentialWithoutAdminRoleShows403();
    void wrongTokenAndNoAnswerShowInBanner();

private:
    // Processes the GUI's events (and drains the launcher's output) until
    // `predicate` holds; false on timeout.
    bool waitFor(const std::function<bool()> &predicate, int timeoutMs = kAnswerMs);
    // The visible dialog of type T the view opened, waiting for it.
    template <typename T>
    T *waitForDialog();
    // Waits for the view's confirmation box and presses `button`.
    bool answerConfirmation(QMessageBox::StandardButton button);
    // GET /v1/_session through the router with this Authorization header.
    TestHttpResponse session(const QByteArray &authorization);
    UsersView *view() const { return m_window->usersView(); }

    std::unique_ptr<ClusterProcesses> m_cluster;
    std::unique_ptr<ConsoleClient> m_client;
    std::unique_ptr<MainWindow> m_window;
    QElapsedTimer m_clock;
    QString m_keyId;
    QByteArray m_key;
};

bool TestUsersView::waitFor(const std::function<bool()> &predicate, int timeoutMs)
{
    return m_cluster->waitProcessingEvents(predicate, timeoutMs);
}

template <typename T>
T *TestUsersView::waitForDialog()
{
    T *found = nullptr;
    waitFor([this, &found] {
        for (T *dialog : view()->findChildren<T *>()) {
            if (dialog->isVisible())
                found = dialog;
        }
        return found != nullptr;
    }, 5000);
    return found;
}

bool TestUsersView::answerConfirmation(QMessageBox::StandardButton button)
{
    QMessageBox *box = waitForDialog<QMessageBox>();
    if (!box)
        return false;
    box->button(button)->click();
    return true;
}

TestHttpResponse TestUsersView::session(const QByteArray &authorization)
{
    return TestHttpClient(m_cluster->routerPort()).request("GET", "/v1/_session", {}, {{"Authorization", authorization}});
}

void TestUsersView::initTestCase()
{
    m_clock.start();
    ClusterProcesses::Options options;
    options.shards = 1;
    options.replicas = 2;
    options.authentication = true;
    m_cluster = std::make_unique<ClusterProcesses>(options);
    QVERIFY2(m_cluster->start(), qPrintable(m_cluster->error()));
    QVERIFY2(m_cluster->waitForHealthy(20000), qPrintable(m_cluster->describe()));
    m_client = std::make_unique<ConsoleClient>();
    m_client->setRouter(QUrl(m_cluster->routerUrl()), m_cluster->token());
    m_window = std::make_unique<MainWindow>(m_client.get());
    m_window->setPopups(false);
    m_window->show();
    m_client->start();
    qInfo("cluster up and window shown after %lld ms", m_clock.elapsed());
}

void TestUsersView::cleanupTestCase()
{
    m_window.reset();
    m_client.reset();
    m_cluster.reset();
    qInfo("whole test: %lld ms", m_clock.elapsed());
}

void TestUsersView::listsLoadWhenShown()
{
    QCOMPARE(view()->userModel()->rowCount(), 0);  // not loaded while hidden
    QSignalSpy refreshed(view()->controller(), &UsersController::refreshed);
    m_window->showView(MainWindow::View::Users);
    QVERIFY(view()->isVisible());
    QVERIFY(waitFor([&refreshed] { return refreshed.count() > 0; }));
    QVERIFY2(view()->bannerText().isEmpty(), qPrintable(view()->bannerText()));
    const int admin = view()->userModel()->rowOf(QStringLiteral("admin"));
    QVERIFY(admin >= 0);
    QVERIFY(view()->userModel()->isBuiltIn(admin));
    QCOMPARE(view()->keyModel()->rowCount(), 0);
    QVERIFY(view()->controller()->lastLoadedMs() > 0);
    // Nothing is polled: no further refresh without a reason.
    QTest::qWait(700);
    QCOMPARE(refreshed.count(), 1);
}

void TestUsersView::builtInAdminCannotBeChanged()
{
    view()->selectUser(QStringLiteral("admin"));
    QCOMPARE(view()->selectedUser(), QStringLiteral("admin"));
    QVERIFY(!view()->changeUserAction()->isEnabled());
    QVERIFY(!view()->deleteUserAction()->isEnabled());
    QVERIFY(view()->addUserAction()->isEnabled());
    view()->changeSelectedUser();
    view()->deleteSelectedUser();
    QTest::qWait(50);
    QVERIFY(view()->findChildren<UserDialog *>().isEmpty());
    QVERIFY(view()->findChildren<QMessageBox *>().isEmpty());
}

void TestUsersView::addUserSignsIn()
{
    view()->addUserAction()->trigger();
    UserDialog *dialog = waitForDialog<UserDialog>();
    QVERIFY(dialog);
    QVERIFY(dialog->isNew());
    dialog->nameEdit()->setText(QStringLiteral("alice"));
    dialog->passwordEdit()->setText(kPassword);
    dialog->confirmationEdit()->setText(kPassword);
    addRole(dialog->roleEditor(), QStringLiteral("writer:orders"));
    addRole(dialog->roleEditor(), QStringLiteral("reader:*"));
    QCOMPARE(dialog->roleEditor()->roles().size(), 2);
    const QPointer<UserDialog> open(dialog);
    clickOk(dialog);
    QVERIFY2(waitFor([&open] { return !open || !open->isVisible(); }), qPrintable(open ? open->errorText() : QString()));
    QVERIFY2(view()->lastActionText().contains(QStringLiteral("user alice added")), qPrintable(view()->lastActionText()));
    QVERIFY(waitFor([this] { return view()->userModel()->rowOf(QStringLiteral("alice")) >= 0; }));
    const int row = view()->userModel()->rowOf(QStringLiteral("alice"));
    QCOMPARE(view()->userModel()->rolesAt(row), (QStringList{QStringLiteral("reader:*"), QStringLiteral("writer:orders")}));
    QVERIFY(!view()->userModel()->isBuiltIn(row));

    const TestHttpResponse signedIn = session(basic(QStringLiteral("alice"), kPassword));
    QCOMPARE(signedIn.status, 200);
    QCOMPARE(signedIn.json().value(QStringLiteral("name")).toString(), QStringLiteral("alice"));
    QCOMPARE(signedIn.json().value(QStringLiteral("kind")).toString(), QStringLiteral("user"));
    QCOMPARE(signedIn.json().value(QStringLiteral("roles")).toArray(),
             (QJsonArray{QStringLiteral("reader:*"), QStringLiteral("writer:orders")}));
}

void TestUsersView::addingAnExistingUserIsRefused()
{
    view()->addUserAction()->trigger();
    UserDialog *dialog = waitForDialog<UserDialog>();
    QVERIFY(dialog);
    QSignalSpy submitted(dialog, &RequestDialog::submitted);
    dialog->nameEdit()->setText(QStringLiteral("alice"));
    dialog->passwordEdit()->setText(QStringLiteral("someone-elses-password"));
    dialog->confirmationEdit()->setText(QStringLiteral("someone-elses-password"));
    clickOk(dialog);
    QCOMPARE(submitted.count(), 0);  // the router's PUT would have changed alice
    QVERIFY(dialog->errorText().contains(QStringLiteral("exists already")));
    dialog->reject();
    QCOMPARE(session(basic(QStringLiteral("alice"), kPassword)).status, 200);
}

void TestUsersView::changeRolesAndPassword()
{
    view()->selectUser(QStringLiteral("alice"));
    QVERIFY(view()->changeUserAction()->isEnabled());
    view()->changeUserAction()->trigger();
    UserDialog *dialog = waitForDialog<UserDialog>();
    QVERIFY(dialog);
    QVERIFY(!dialog->isNew());
    QCOMPARE(dialog->nameEdit()->text(), QStringLiteral("alice"));
    QCOMPARE(dialog->roleEditor()->roles(), (QStringList{QStringLiteral("reader:*"), QStringLiteral("writer:orders")}));
    auto *roles = dialog->roleEditor()->findChild<QListWidget *>(QStringLiteral("roleList"));
    roles->item(0)->setSelected(true);
    dialog->roleEditor()->removeSelected();
    dialog->passwordEdit()->setText(kNewPassword);
    dialog->confirmationEdit()->setText(kNewPassword);
    const QPointer<UserDialog> open(dialog);
    clickOk(dialog);
    QVERIFY2(waitFor([&open] { return !open || !open->isVisible(); }), qPrintable(open ? open->errorText() : QString()));
    QVERIFY(waitFor([this] {
        return view()->userModel()->rolesAt(view()->userModel()->rowOf(QStringLiteral("alice"))) == QStringList{QStringLiteral("writer:orders")};
    }));
    QCOMPARE(view()->selectedUser(), QStringLiteral("alice"));  // the selection stays on the row
    const TestHttpResponse signedIn = session(basic(QStringLiteral("alice"), kNewPassword));
    QCOMPARE(signedIn.status, 200);
    QCOMPARE(signedIn.json().value(QStringLiteral("roles")).toArray(), QJsonArray{QStringLiteral("writer:orders")});
    QCOMPARE(session(basic(QStringLiteral("alice"), kPassword)).status, 401);
}

void TestUsersView::createKeyShowsItOnce()
{
    view()->createKeyAction()->trigger();
    ApiKeyDialog *dialog = waitForDialog<ApiKeyDialog>();
    QVERIFY(dialog);
    dialog->nameEdit()->setText(QStringLiteral("billing service"));
    addRole(dialog->roleEditor(), QStringLiteral("writer:billing"));
    const QPointer<ApiKeyDialog> form(dialog);  // deletes itself once closed
    clickOk(dialog);
    NewApiKeyDialog *shown = waitForDialog<NewApiKeyDialog>();
    QVERIFY2(shown, qPrintable(view()->lastActionText()));
    QVERIFY(waitFor([&form] { return !form || !form->isVisible(); }));
    m_key = shown->keyText().toLatin1();
    QVERIFY2(m_key.startsWith("pdbk_"), m_key.constData());
    m_keyId = QString::fromLatin1(m_key.mid(5, 16));
    const auto *warning = shown->findChild<QLabel *>(QStringLiteral("keyWarning"));
    QVERIFY(warning && warning->isVisible());
    QVERIFY(warning->text().contains(QStringLiteral("will not be shown again")));
    QApplication::clipboard()->clear();
    shown->copyButton()->click();
    QCOMPARE(QApplication::clipboard()->text().toLatin1(), m_key);

    QVERIFY(waitFor([this] { return view()->keyModel()->rowOf(m_keyId) >= 0; }));
    const int row = view()->keyModel()->rowOf(m_keyId);
    QCOMPARE(view()->keyModel()->index(row, ApiKeyListModel::NameColumn).data().toString(), QStringLiteral("billing service"));
    QCOMPARE(view()->keyModel()->rolesAt(row), QStringList{QStringLiteral("writer:billing")});
    QVERIFY(!view()->keyModel()->index(row, ApiKeyListModel::CreatedColumn).data().toString().isEmpty());
    // The list never holds the secret.
    for (const QJsonValue &value : view()->keyModel()->itemAt(row))
        QVERIFY(!value.toString().contains(QString::fromLatin1(m_key.mid(22))));

    const TestHttpResponse signedIn = session("Bearer " + m_key);
    QCOMPARE(signedIn.status, 200);
    QCOMPARE(signedIn.json().value(QStringLiteral("kind")).toString(), QStringLiteral("key"));
    QCOMPARE(signedIn.json().value(QStringLiteral("roles")).toArray(), QJsonArray{QStringLiteral("writer:billing")});

    const QPointer<NewApiKeyDialog> open(shown);
    shown->reject();
    QVERIFY(waitFor([&open] { return !open; }, 2000));  // closed, the key is gone from the console
}

void TestUsersView::revokeKeyRefusesIt()
{
    QVERIFY(!m_keyId.isEmpty());
    view()->selectKey(m_keyId);
    QVERIFY(view()->revokeKeyAction()->isEnabled());
    view()->revokeKeyAction()->trigger();
    QVERIFY(answerConfirmation(QMessageBox::Yes));
    QVERIFY(waitFor([this] { return view()->keyModel()->rowOf(m_keyId) < 0; }));
    QVERIFY(view()->lastActionText().contains(QStringLiteral("revoked")));
    QVERIFY(!view()->revokeKeyAction()->isEnabled());  // nothing selected any more
    QCOMPARE(session("Bearer " + m_key).status, 401);
}

void TestUsersView::deleteUserAfterConfirmation()
{
    view()->selectUser(QStringLiteral("alice"));
    view()->deleteUserAction()->trigger();
    QVERIFY(answerConfirmation(QMessageBox::Cancel));
    QTest::qWait(200);
    QVERIFY(view()->userModel()->rowOf(QStringLiteral("alice")) >= 0);
    QCOMPARE(session(basic(QStringLiteral("alice"), kNewPassword)).status, 200);

    view()->deleteUserAction()->trigger();
    QVERIFY(answerConfirmation(QMessageBox::Yes));
    QVERIFY(waitFor([this] { return view()->userModel()->rowOf(QStringLiteral("alice")) < 0; }));
    QVERIFY(view()->lastActionText().contains(QStringLiteral("user alice deleted")));
    QCOMPARE(session(basic(QStringLiteral("alice"), kNewPassword)).status, 401);
}

void TestUsersView::routerRefusalsShowAsTheyAre()
{
    // A role the form would not let through: the router's own 400.
    QSignalSpy finished(view()->controller(), &UsersController::finished);
    view()->controller()->saveUser({QStringLiteral("bob"), kPassword, kPassword, {QStringLiteral("reader:")}}, true);
    QVERIFY(waitFor([&finished] { return finished.count() > 0; }));
    QCOMPARE(finished.first().at(1).toBool(), false);
    QVERIFY2(finished.first().at(2).toString().startsWith(QStringLiteral("HTTP 400: invalid role 'reader:'")),
             qPrintable(finished.first().at(2).toString()));
    QVERIFY(view()->lastActionText().contains(QStringLiteral("HTTP 400")));
    QVERIFY(view()->userModel()->rowOf(QStringLiteral("bob")) < 0);

    // A user deleted behind the view's back: deleting it again is a 404.
    QCOMPARE(m_cluster->router("PUT", "/v1/_users/carol", R"({"password":"carol-password-1","roles":[]})").status, 201);
    view()->refresh();
    QVERIFY(waitFor([this] { return view()->userModel()->rowOf(QStringLiteral("carol")) >= 0; }));
    QCOMPARE(m_cluster->router("DELETE", "/v1/_users/carol").status, 200);
    view()->selectUser(QStringLiteral("carol"));
    finished.clear();
    view()->deleteUserAction()->trigger();
    QVERIFY(answerConfirmation(QMessageBox::Yes));
    QVERIFY(waitFor([&finished] { return finished.count() > 0; }));
    QVERIFY2(view()->lastActionText().contains(QStringLiteral("HTTP 404: no user 'carol'")), qPrintable(view()->lastActionText()));
    QVERIFY(waitFor([this] { return view()->userModel()->rowOf(QStringLiteral("carol")) < 0; }));  // refreshed
}

void TestUsersView::credentialWithoutAdminRoleShows403()
{
    const TestHttpResponse created = m_cluster->router("POST", "/v1/_keys", R"({"name":"a reader","roles":["reader:*"]})");
    QCOMPARE(created.status, 201);
    ConsoleClient client;
    client.setRouter(QUrl(m_cluster->routerUrl()), created.json().value(QStringLiteral("key")).toString().toLatin1());
    UsersView other(&client);
    QSignalSpy refreshed(other.controller(), &UsersController::refreshed);
    other.show();  // shown: loads
    QVERIFY(waitFor([&refreshed] { return refreshed.count() > 0; }));
    QVERIFY2(other.bannerText().contains(QStringLiteral("HTTP 403")), qPrintable(other.bannerText()));
    QVERIFY(other.bannerText().contains(QStringLiteral("lack the admin role")));
    QCOMPARE(other.userModel()->rowCount(), 0);
}

void TestUsersView::wrongTokenAndNoAnswerShowInBanner()
{
    ConsoleClient client;
    client.setRouter(QUrl(m_cluster->routerUrl()), QByteArrayLiteral("not-the-token-at-all"));
    UsersView other(&client);
    QSignalSpy refreshed(other.controller(), &UsersController::refreshed);
    other.show();
    QVERIFY(waitFor([&refreshed] { return refreshed.count() > 0; }));
    QVERIFY2(other.bannerText().contains(QStringLiteral("HTTP 401")), qPrintable(other.bannerText()));
    QVERIFY(other.bannerText().contains(QStringLiteral("check the token")));

    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();
    refreshed.clear();
    client.setRouter(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), m_cluster->token());
    other.resetConnection();
    QVERIFY(waitFor([&refreshed] { return refreshed.count() > 1; }));  // the reset, then the load
    QVERIFY2(other.bannerText().contains(QStringLiteral("No answer from the router")), qPrintable(other.bannerText()));
    QVERIFY(other.isEnabled());  // nothing waits: the window stays usable
}

QTEST_MAIN(TestUsersView)
#include "tst_usersview.moc"
