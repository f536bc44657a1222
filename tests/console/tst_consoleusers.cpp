// The Users view's pure parts, without a server: the user and API key list
// models under QAbstractItemModelTester (keyed updates: a change is a
// dataChanged, a removal or insertion touches that row only, never a
// reset; a malformed answer changes nothing), the forms' checks (the same
// verdicts and messages as the server's rules), request paths and bodies,
// the created key's answer, the failure texts, and the role editor and
// user form as an operator drives them (offscreen).
#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QFont>
#include <QJsonArray>
#include <QJsonObject>
#include <QLineEdit>
#include <QListWidget>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

#include <memory>

#include "AccessRules.h"
#include "AccountForms.h"
#include "ApiKeyListModel.h"
#include "ConsoleClient.h"
#include "RoleListEditor.h"
#include "UserDialog.h"
#include "UserListModel.h"

namespace {

QJsonObject user(const QString &name, const QStringList &roles, bool builtIn = false)
{
    QJsonObject item{{QStringLiteral("name"), name}, {QStringLiteral("roles"), QJsonArray::fromStringList(roles)}};
    if (builtIn)
        item.insert(QStringLiteral("builtIn"), true);
    return item;
}

QJsonObject key(const QString &id, const QString &name, const QStringList &roles, const QString &created = QStringLiteral("2026-12-01T10:20:30Z"))
{
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("name"), name},
                       {QStringLiteral("roles"), QJsonArray::fromStringList(roles)},
                       {QStringLiteral("created"), created}};
}

QJsonObject list(const QList<QJsonObject> &items)
{
    QJsonArray array;
    for (const QJsonObject &item : items)
        array.append(item);
    return QJsonObject{{QStringLiteral("total"), array.size()}, {QStringLiteral("items"), array}};
}

QJsonObject adminUser()
{
    return user(QStringLiteral("admin"), {QStringLiteral("admin")}, true);
}

ClientReply reply(int status, const QString &error, const QString &networkError = {})
{
    ClientReply answer;
    answer.status = status;
    answer.networkError = networkError;
    if (!error.isEmpty())
        answer.body = QStringLiteral("{\"ok\":false,\"error\":\"%1\"}").arg(error).toUtf8();
    return answer;
}

const QString kKey = QStringLiteral("pdbk_0123456789abcdef_") + QString(48, QLatin1Char('a'));

} // namespace

class TestConsoleUsers : public QObject
{
    Q_OBJECT

private slots:
    void userListShape();
    void userListKeyedUpdates();
    void keyListShapeAndOrder();
    void malformedAnswerChangesNothing_data();
    void malformedAnswerChangesNothing();
    void newRoleMatchesServer_data();
    void newRoleMatchesServer();
    void userForm_data();
    void userForm();
    void keyForm_data();
    void keyForm();
    void pathsAndBodies();
    void createdKeyAnswer();
    void failureTexts();
    void roleEditorAddsOnlyValidRoles();
    void userDialogChecksBeforeSending();
    void userDialogChangesRolesKeepingPassword();
};

void TestConsoleUsers::userListShape()
{
    UserListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.setAnswer(list({adminUser(), user(QStringLiteral("alice"), {QStringLiteral("reader:*"), QStringLiteral("writer:logs-*")}),
                                  user(QStringLiteral("bob"), {})}))
                .isOk());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), int(UserListModel::ColumnCount));
    QCOMPARE(model.keyAt(1), QStringLiteral("alice"));
    QCOMPARE(model.index(1, UserListModel::RolesColumn).data().toString(), QStringLiteral("reader:*, writer:logs-*"));
    QCOMPARE(model.index(2, UserListModel::RolesColumn).data().toString(), QStringLiteral("(none: may only sign in)"));
    QCOMPARE(model.rolesAt(1), (QStringList{QStringLiteral("reader:*"), QStringLiteral("writer:logs-*")}));
    QVERIFY(model.isBuiltIn(0));
    QVERIFY(!model.isBuiltIn(1));
    QCOMPARE(model.builtInNames(), QStringList{QStringLiteral("admin")});
    QCOMPARE(model.index(0, UserListModel::KindColumn).data().toString(), QStringLiteral("built-in"));
    QCOMPARE(model.index(1, UserListModel::KindColumn).data().toString(), QStringLiteral("user"));
    QVERIFY(model.index(0, UserListModel::NameColumn).data(Qt::FontRole).value<QFont>().italic());
    QVERIFY(!model.index(1, UserListModel::NameColumn).data(Qt::FontRole).isValid());
    QVERIFY(model.index(0, UserListModel::NameColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("admin password file")));
    QCOMPARE(model.index(2, 0).data(KeyedListModel::KeyRole).toString(), QStringLiteral("bob"));
    QCOMPARE(model.rowOf(QStringLiteral("carol")), -1);
    QCOMPARE(model.keys(), (QStringList{QStringLiteral("admin"), QStringLiteral("alice"), QStringLiteral("bob")}));
}

void TestConsoleUsers::userListKeyedUpdates()
{
    UserListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QJsonObject alice = user(QStringLiteral("alice"), {QStringLiteral("reader:*")});
    const QJsonObject bob = user(QStringLiteral("bob"), {QStringLiteral("writer:orders")});
    const QJsonObject dave = user(QStringLiteral("dave"), {});
    QVERIFY(model.setAnswer(list({adminUser(), alice, bob, dave})).isOk());
    const QPersistentModelIndex aliceIndex = model.index(1, 0);
    const QPersistentModelIndex daveIndex = model.index(3, 0);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    QVERIFY(model.setAnswer(list({adminUser(), alice, bob, dave})).isOk());
    QCOMPARE(changed.count() + inserted.count() + removed.count(), 0);  // the same answer: nothing

    // bob deleted, carol added, alice's roles changed.
    const QJsonObject aliceWriter = user(QStringLiteral("alice"), {QStringLiteral("writer:*")});
    const QJsonObject carol = user(QStringLiteral("carol"), {QStringLiteral("admin")});
    QVERIFY(model.setAnswer(list({adminUser(), aliceWriter, carol, dave})).isOk());
    QCOMPARE(reset.count(), 0);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.first().at(1).toInt(), 2);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 2);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).value<QModelIndex>().row(), 1);
    QCOMPARE(changed.first().at(1).value<QModelIndex>().column(), UserListModel::ColumnCount - 1);
    // Views keep pointing at the same users.
    QCOMPARE(aliceIndex.row(), 1);
    QCOMPARE(daveIndex.row(), 3);
    QCOMPARE(daveIndex.data().toString(), QStringLiteral("dave"));
    QCOMPARE(model.index(1, UserListModel::RolesColumn).data().toString(), QStringLiteral("writer:*"));

    // Another order: every row ends where the answer puts it, moved.
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
    QVERIFY(model.setAnswer(list({dave, carol, adminUser()})).isOk());
    QVERIFY(moved.count() > 0);
    QCOMPARE(model.keyAt(0), QStringLiteral("dave"));
    QCOMPARE(model.keyAt(1), QStringLiteral("carol"));
    QCOMPARE(model.keyAt(2), QStringLiteral("admin"));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(daveIndex.row(), 0);
    QCOMPARE(reset.count(), 0);

    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestConsoleUsers::keyListShapeAndOrder()
{
    ApiKeyListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.setAnswer(list({})).isOk());
    QCOMPARE(model.rowCount(), 0);
    const QJsonObject first = key(QStringLiteral("0123456789abcdef"), QStringLiteral("billing"), {QStringLiteral("writer:billing")});
    const QJsonObject second = key(QStringLiteral("fedcba9876543210"), QStringLiteral("dashboards"),
                                   {QStringLiteral("reader:*"), QStringLiteral("reader:logs-*")}, QStringLiteral("not a date"));
    QVERIFY(model.setAnswer(list({first, second})).isOk());
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, ApiKeyListModel::IdColumn).data().toString(), QStringLiteral("0123456789abcdef"));
    QCOMPARE(model.index(0, ApiKeyListModel::NameColumn).data().toString(), QStringLiteral("billing"));
    QCOMPARE(model.index(1, ApiKeyListModel::RolesColumn).data().toString(), QStringLiteral("reader:*, reader:logs-*"));
    const QString created = QDateTime(QDate(2026, 12, 1), QTime(10, 20, 30), Qt::UTC).toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    QCOMPARE(model.index(0, ApiKeyListModel::CreatedColumn).data().toString(), created);
    QCOMPARE(model.index(0, ApiKeyListModel::CreatedColumn).data(Qt::ToolTipRole).toString(), QStringLiteral("2026-12-01T10:20:30Z"));
    QCOMPARE(model.index(1, ApiKeyListModel::CreatedColumn).data().toString(), QStringLiteral("not a date"));
    QCOMPARE(model.headerData(ApiKeyListModel::CreatedColumn, Qt::Horizontal).toString(), QStringLiteral("Created"));

    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QVERIFY(model.setAnswer(list({second})).isOk());  // the first revoked
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.first().at(1).toInt(), 0);
    QCOMPARE(model.keyAt(0), QStringLiteral("fedcba9876543210"));
}

void TestConsoleUsers::malformedAnswerChangesNothing_data()
{
    QTest::addColumn<QJsonObject>("answer");
    QTest::newRow("no items") << QJsonObject{{QStringLiteral("total"), 0}};
    QTest::newRow("items not a list") << QJsonObject{{QStringLiteral("items"), QStringLiteral("alice")}};
    QTest::newRow("item not an object") << QJsonObject{{QStringLiteral("items"), QJsonArray{QStringLiteral("alice")}}};
    QTest::newRow("no name") << list({QJsonObject{{QStringLiteral("roles"), QJsonArray()}}});
    QTest::newRow("empty name") << list({user(QString(), {})});
    QTest::newRow("listed twice") << list({user(QStringLiteral("bob"), {}), user(QStringLiteral("bob"), {})});
    QTest::newRow("no roles") << list({QJsonObject{{QStringLiteral("name"), QStringLiteral("bob")}}});
    QTest::newRow("role not a string") << list({QJsonObject{{QStringLiteral("name"), QStringLiteral("bob")},
                                                            {QStringLiteral("roles"), QJsonArray{1}}}});
}

void TestConsoleUsers::malformedAnswerChangesNothing()
{
    QFETCH(QJsonObject, answer);
    UserListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.setAnswer(list({adminUser(), user(QStringLiteral("alice"), {})})).isOk());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    const Status applied = model.setAnswer(answer);
    QVERIFY(!applied.isOk());
    QVERIFY(!applied.message().isEmpty());
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(changed.count() + removed.count(), 0);
}

void TestConsoleUsers::newRoleMatchesServer_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::newRow("admin") << QStringLiteral("admin") << true;
    QTest::newRow("reader everything") << QStringLiteral("reader:*") << true;
    QTest::newRow("writer prefix") << QStringLiteral("writer:logs-*") << true;
    QTest::newRow("reader name") << QStringLiteral("reader:orders") << true;
    QTest::newRow("no kind") << QStringLiteral("root") << false;
    QTest::newRow("Admin") << QStringLiteral("Admin") << false;
    QTest::newRow("no pattern") << QStringLiteral("reader:") << false;
    QTest::newRow("inner star") << QStringLiteral("reader:a*b") << false;
    QTest::newRow("reserved database") << QStringLiteral("writer:_auth") << false;
    QTest::newRow("bad character") << QStringLiteral("writer:my db") << false;
}

void TestConsoleUsers::newRoleMatchesServer()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    const Status checked = AccountForms::checkNewRole(text, {});
    QCOMPARE(checked.isOk(), valid);
    // The server's own verdict and words (AccessRules::checkRole).
    QCOMPARE(checked, AccessRules::checkRole(text));
    // Spaces around the text are the editor's to drop.
    QCOMPARE(AccountForms::checkNewRole(QStringLiteral("  %1 ").arg(text), {}).isOk(), valid);
}

void TestConsoleUsers::userForm_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("confirmation");
    QTest::addColumn<QStringList>("roles");
    QTest::addColumn<bool>("creating");
    QTest::addColumn<QString>("error");  // empty: ok
    const QString good = QStringLiteral("correct horse battery");
    const QStringList reader{QStringLiteral("reader:*")};
    QTest::newRow("new user") << "alice" << good << good << reader << true << "";
    QTest::newRow("new user without roles") << "alice" << good << good << QStringList() << true << "";
    QTest::newRow("new user needs a password") << "alice" << "" << "" << reader << true << "a new user needs a password";
    QTest::newRow("passwords differ") << "alice" << good << QStringLiteral("correct horse battery!") << reader << true
                                      << "the two passwords differ";
    QTest::newRow("confirmation only") << "alice" << "" << good << reader << false << "the two passwords differ";
    QTest::newRow("short password") << "alice" << "short" << "short" << reader << true << "too short";
    QTest::newRow("control character") << "alice" << QStringLiteral("correct horse\tbattery") << QStringLiteral("correct horse\tbattery")
                                       << reader << true << "control character";
    QTest::newRow("bad name") << "al ice" << good << good << reader << true << "invalid user name 'al ice'";
    QTest::newRow("empty name") << "" << good << good << reader << true << "invalid user name";
    QTest::newRow("built-in") << "admin" << good << good << reader << true << "'admin' is built in";
    QTest::newRow("exists already") << "bob" << good << good << reader << true << "user 'bob' exists already";
    QTest::newRow("bad role") << "alice" << good << good << QStringList{QStringLiteral("reader:")} << true << "invalid role 'reader:'";
    QTest::newRow("change roles, keep password") << "alice" << "" << "" << reader << false << "";
    QTest::newRow("change password") << "alice" << good << good << reader << false << "";
}

void TestConsoleUsers::userForm()
{
    QFETCH(QString, name);
    QFETCH(QString, password);
    QFETCH(QString, confirmation);
    QFETCH(QStringList, roles);
    QFETCH(bool, creating);
    QFETCH(QString, error);
    const Status checked =
        AccountForms::checkUser({name, password, confirmation, roles}, creating, {QStringLiteral("admin")}, {QStringLiteral("admin"), QStringLiteral("bob")});
    QCOMPARE(checked.isOk(), error.isEmpty());
    QVERIFY2(checked.message().contains(error), qPrintable(checked.message()));
}

void TestConsoleUsers::keyForm_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("roles");
    QTest::addColumn<bool>("valid");
    QTest::newRow("ok") << "billing service" << QStringList{QStringLiteral("writer:billing")} << true;
    QTest::newRow("no roles") << "probe" << QStringList() << true;
    QTest::newRow("empty name") << "" << QStringList() << false;
    QTest::newRow("spaces") << "   " << QStringList() << false;
    QTest::newRow("200 characters") << QString(200, QLatin1Char('k')) << QStringList() << true;
    QTest::newRow("201 characters") << QString(201, QLatin1Char('k')) << QStringList() << false;
    QTest::newRow("bad role") << "billing" << QStringList{QStringLiteral("owner:billing")} << false;
}

void TestConsoleUsers::keyForm()
{
    QFETCH(QString, name);
    QFETCH(QStringList, roles);
    QFETCH(bool, valid);
    const Status checked = AccountForms::checkKey(name, roles);
    QCOMPARE(checked.isOk(), valid);
    if (!valid)
        QVERIFY(!checked.message().isEmpty());
}

void TestConsoleUsers::pathsAndBodies()
{
    QCOMPARE(AccountForms::usersPath(), QStringLiteral("/v1/_users"));
    QCOMPARE(AccountForms::userPath(QStringLiteral("alice@example.org")), QStringLiteral("/v1/_users/alice%40example.org"));
    QCOMPARE(AccountForms::keyPath(QStringLiteral("0123456789abcdef")), QStringLiteral("/v1/_keys/0123456789abcdef"));
    const QStringList roles{QStringLiteral("reader:*")};
    const QJsonObject withPassword = AccountForms::userBody({QStringLiteral("alice"), QStringLiteral("pw pw pw pw pw"), {}, roles});
    QCOMPARE(withPassword, (QJsonObject{{QStringLiteral("roles"), QJsonArray{QStringLiteral("reader:*")}},
                                        {QStringLiteral("password"), QStringLiteral("pw pw pw pw pw")}}));
    // A change that keeps the password sends none; no roles is an empty list.
    QCOMPARE(AccountForms::userBody({QStringLiteral("alice"), {}, {}, {}}), (QJsonObject{{QStringLiteral("roles"), QJsonArray()}}));
    QCOMPARE(AccountForms::keyBody(QStringLiteral("billing"), roles),
             (QJsonObject{{QStringLiteral("name"), QStringLiteral("billing")}, {QStringLiteral("roles"), QJsonArray{QStringLiteral("reader:*")}}}));
}

void TestConsoleUsers::createdKeyAnswer()
{
    QJsonObject answer = key(QStringLiteral("0123456789abcdef"), QStringLiteral("billing"), {QStringLiteral("writer:billing")});
    answer.insert(QStringLiteral("ok"), true);
    answer.insert(QStringLiteral("key"), kKey);
    const Result<AccountForms::CreatedKey> created = AccountForms::parseCreatedKey(answer);
    QVERIFY2(created.isOk(), qPrintable(created.status().message()));
    QCOMPARE(created->key, kKey);
    QCOMPARE(created->id, QStringLiteral("0123456789abcdef"));
    QCOMPARE(created->name, QStringLiteral("billing"));
    QCOMPARE(created->roles, QStringList{QStringLiteral("writer:billing")});
    QCOMPARE(created->created, QStringLiteral("2026-12-01T10:20:30Z"));

    QJsonObject otherId = answer;
    otherId.insert(QStringLiteral("id"), QStringLiteral("fedcba9876543210"));
    QVERIFY(!AccountForms::parseCreatedKey(otherId).isOk());
    QJsonObject noKey = answer;
    noKey.remove(QStringLiteral("key"));
    QVERIFY(!AccountForms::parseCreatedKey(noKey).isOk());
}

void TestConsoleUsers::failureTexts()
{
    const QString refused = AccountForms::failureText(reply(400, QStringLiteral("invalid role 'x': use ...")));
    QCOMPARE(refused, QStringLiteral("HTTP 400: invalid role 'x': use ..."));  // the server's message as it is
    const QString unauthorized = AccountForms::failureText(reply(401, QStringLiteral("sign in")));
    QVERIFY(unauthorized.startsWith(QStringLiteral("HTTP 401: sign in")));
    QVERIFY(unauthorized.contains(QStringLiteral("check the token")));
    QVERIFY(AccountForms::failureText(reply(403, QStringLiteral("no"))).contains(QStringLiteral("lack the admin role")));
    const QString unavailable = AccountForms::failureText(reply(503, QStringLiteral("users not loaded")));
    QVERIFY(unavailable.startsWith(QStringLiteral("HTTP 503: users not loaded")));
    QVERIFY(unavailable.contains(QStringLiteral("try again")));
    const QString silent = AccountForms::failureText(reply(0, {}, QStringLiteral("Connection refused")));
    QVERIFY(silent.contains(QStringLiteral("No answer from the router (Connection refused)")));
    QCOMPARE(AccountForms::failureText(reply(404, QStringLiteral("no user 'bob'"))), QStringLiteral("HTTP 404: no user 'bob'"));
}

void TestConsoleUsers::roleEditorAddsOnlyValidRoles()
{
    RoleListEditor editor;
    QSignalSpy changed(&editor, &RoleListEditor::changed);
    editor.input()->setText(QStringLiteral("reader:"));
    QVERIFY(!editor.addTyped().isOk());
    QCOMPARE(editor.errorText(), AccessRules::checkRole(QStringLiteral("reader:")).message());
    QCOMPARE(editor.input()->text(), QStringLiteral("reader:"));  // kept for fixing
    QVERIFY(editor.roles().isEmpty());
    editor.input()->setText(QStringLiteral("reader:orders"));
    QVERIFY(editor.errorText().isEmpty());  // typing clears the complaint
    QVERIFY(editor.addTyped().isOk());
    QCOMPARE(editor.roles(), QStringList{QStringLiteral("reader:orders")});
    QVERIFY(editor.input()->text().isEmpty());
    editor.input()->setText(QStringLiteral("reader:orders"));
    QVERIFY(!editor.addTyped().isOk());
    QVERIFY(editor.errorText().contains(QStringLiteral("already")));
    editor.input()->clear();
    QVERIFY(editor.addTyped().isOk());  // nothing typed: nothing to add
    QCOMPARE(changed.count(), 1);

    auto *list = editor.findChild<QListWidget *>(QStringLiteral("roleList"));
    QVERIFY(list);
    editor.setRoles({QStringLiteral("admin"), QStringLiteral("reader:*")});
    list->item(0)->setSelected(true);
    editor.removeSelected();
    QCOMPARE(editor.roles(), QStringList{QStringLiteral("reader:*")});
}

void TestConsoleUsers::userDialogChecksBeforeSending()
{
    std::unique_ptr<UserDialog> owner(UserDialog::forNewUser({QStringLiteral("admin")}, {QStringLiteral("admin"), QStringLiteral("bob")}, nullptr));
    UserDialog &dialog = *owner;
    QVERIFY(dialog.isNew());
    QSignalSpy submitted(&dialog, &RequestDialog::submitted);
    dialog.nameEdit()->setText(QStringLiteral("alice"));
    dialog.passwordEdit()->setText(QStringLiteral("correct horse battery"));
    dialog.confirmationEdit()->setText(QStringLiteral("correct horse battery?"));
    dialog.submit();
    QCOMPARE(submitted.count(), 0);
    QCOMPARE(dialog.errorText(), QStringLiteral("the two passwords differ"));

    dialog.confirmationEdit()->setText(QStringLiteral("correct horse battery"));
    // Enter in the role line adds the role and does not submit the form.
    dialog.show();
    dialog.roleEditor()->input()->setText(QStringLiteral("writer:logs-*"));
    QTest::keyClick(dialog.roleEditor()->input(), Qt::Key_Return);
    QCOMPARE(submitted.count(), 0);
    QCOMPARE(dialog.roleEditor()->roles(), QStringList{QStringLiteral("writer:logs-*")});
    // A role still typed when the form is sent is added first, if valid.
    dialog.roleEditor()->input()->setText(QStringLiteral("reader:"));
    dialog.submit();
    QCOMPARE(submitted.count(), 0);
    QVERIFY(dialog.errorText().contains(QStringLiteral("invalid role 'reader:'")));
    dialog.roleEditor()->input()->setText(QStringLiteral("reader:*"));
    dialog.submit();
    QCOMPARE(submitted.count(), 1);
    QVERIFY(dialog.isSending());
    dialog.submit();  // locked while sending
    QCOMPARE(submitted.count(), 1);
    const AccountForms::UserForm form = dialog.userForm();
    QCOMPARE(form.name, QStringLiteral("alice"));
    QCOMPARE(form.roles, (QStringList{QStringLiteral("writer:logs-*"), QStringLiteral("reader:*")}));

    // The router's refusal is shown as it is, and the form can be sent again.
    dialog.answered(false, QStringLiteral("HTTP 400: a refusal"));
    QVERIFY(!dialog.isSending());
    QCOMPARE(dialog.errorText(), QStringLiteral("HTTP 400: a refusal"));
    QVERIFY(dialog.isVisible());
    dialog.submit();
    QCOMPARE(submitted.count(), 2);
    dialog.answered(true, QStringLiteral("user alice added"));
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(!dialog.isVisible());
}

void TestConsoleUsers::userDialogChangesRolesKeepingPassword()
{
    std::unique_ptr<UserDialog> owner(UserDialog::forUser(QStringLiteral("alice"), {QStringLiteral("reader:*")}, nullptr));
    UserDialog &dialog = *owner;
    QVERIFY(!dialog.isNew());
    QVERIFY(dialog.nameEdit()->isReadOnly());
    QCOMPARE(dialog.roleEditor()->roles(), QStringList{QStringLiteral("reader:*")});
    QSignalSpy submitted(&dialog, &RequestDialog::submitted);
    dialog.roleEditor()->input()->setText(QStringLiteral("writer:orders"));
    dialog.submit();
    QCOMPARE(submitted.count(), 1);
    QCOMPARE(AccountForms::userBody(dialog.userForm()),
             (QJsonObject{{QStringLiteral("roles"), QJsonArray{QStringLiteral("reader:*"), QStringLiteral("writer:orders")}}}));
}

QTEST_MAIN(TestConsoleUsers)
#include "tst_consoleusers.moc"
