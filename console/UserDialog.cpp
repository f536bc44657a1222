#include "UserDialog.h"

#include <QFormLayout>
#include <QLineEdit>

#include "RoleListEditor.h"

UserDialog::UserDialog(bool isNew, const QString &title, QWidget *parent)
    : RequestDialog(title, isNew ? QStringLiteral("Add user") : QStringLiteral("Save"), parent)
    , m_new(isNew)
    , m_name(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_confirmation(new QLineEdit(this))
    , m_roles(new RoleListEditor(this))
{
    m_name->setObjectName(QStringLiteral("userName"));
    m_name->setPlaceholderText(QStringLiteral("1-64 of A-Z a-z 0-9 _ - . @"));
    m_password->setObjectName(QStringLiteral("password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(isNew ? QStringLiteral("at least 12 characters")
                                         : QStringLiteral("leave empty to keep the current password"));
    m_confirmation->setObjectName(QStringLiteral("passwordConfirmation"));
    m_confirmation->setEchoMode(QLineEdit::Password);
    m_confirmation->setPlaceholderText(QStringLiteral("the same password again"));
    form()->addRow(QStringLiteral("Name"), m_name);
    form()->addRow(isNew ? QStringLiteral("Password") : QStringLiteral("New password"), m_password);
    form()->addRow(QStringLiteral("Confirm password"), m_confirmation);
    form()->addRow(QStringLiteral("Roles"), m_roles);
    resize(560, sizeHint().height());
}

UserDialog *UserDialog::forNewUser(const QStringList &builtIn, const QStringList &existing, QWidget *parent)
{
    auto *dialog = new UserDialog(true, QStringLiteral("Add user"), parent);
    dialog->m_builtIn = builtIn;
    dialog->m_existing = existing;
    return dialog;
}

UserDialog *UserDialog::forUser(const QString &name, const QStringList &roles, QWidget *parent)
{
    auto *dialog = new UserDialog(false, QStringLiteral("Change user %1").arg(name), parent);
    dialog->m_name->setText(name);
    dialog->m_name->setReadOnly(true);
    dialog->m_roles->setRoles(roles);
    return dialog;
}

AccountForms::UserForm UserDialog::userForm() const
{
    AccountForms::UserForm form;
    form.name = m_name->text().trimmed();
    form.password = m_password->text();
    form.confirmation = m_confirmation->text();
    form.roles = m_roles->roles();
    return form;
}

Status UserDialog::check()
{
    const Status typed = m_roles->addTyped();
    if (!typed.isOk())
        return typed;
    return AccountForms::checkUser(userForm(), m_new, m_builtIn, m_existing);
}
