// ApiKeyDialog: the form to create an API key — its name (what it is for)
// and roles — checked with the server's rules (AccountForms::checkKey)
// before anything is sent; see RequestDialog for how it is sent and
// answered. The key itself is shown by NewApiKeyDialog.
//
// GUI thread; owned by its QWidget parent.
#pragma once

#include "RequestDialog.h"

class QLineEdit;
class RoleListEditor;

class ApiKeyDialog : public RequestDialog
{
    Q_OBJECT

public:
    explicit ApiKeyDialog(QWidget *parent);

    QString name() const;
    QStringList roles() const;

    QLineEdit *nameEdit() const { return m_name; }
    RoleListEditor *roleEditor() const { return m_roles; }

protected:
    Status check() override;

private:
    QLineEdit *m_name;
    RoleListEditor *m_roles;
};
