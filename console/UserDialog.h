// UserDialog: the form to add a user (name, password twice, roles) or to
// change one (its roles and, when typed, a new password; the name is
// fixed). Checked with the server's rules (AccountForms::checkUser) before
// anything is sent; see RequestDialog for how it is sent and answered.
//
// GUI thread; owned by its QWidget parent (the factories' caller when it
// has none).
#pragma once

#include "AccountForms.h"
#include "RequestDialog.h"

class QLineEdit;
class RoleListEditor;

class UserDialog : public RequestDialog
{
    Q_OBJECT

public:
    // A form to add a user, named none of `builtIn` and `existing`.
    static UserDialog *forNewUser(const QStringList &builtIn, const QStringList &existing, QWidget *parent);
    // A form to change user `name`, whose roles are `roles` now.
    static UserDialog *forUser(const QString &name, const QStringList &roles, QWidget *parent);

    bool isNew() const { return m_new; }
    AccountForms::UserForm userForm() const;

    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *passwordEdit() const { return m_password; }
    QLineEdit *confirmationEdit() const { return m_confirmation; }
    RoleListEditor *roleEditor() const { return m_roles; }

protected:
    Status check() override;

private:
    UserDialog(bool isNew, const QString &title, QWidget *parent);

    bool m_new;
    QStringList m_builtIn;
    QStringList m_existing;
    QLineEdit *m_name;
    QLineEdit *m_password;
    QLineEdit *m_confirmation;
    RoleListEditor *m_roles;
};
