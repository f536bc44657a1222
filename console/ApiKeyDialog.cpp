#include "ApiKeyDialog.h"

#include <QFormLayout>
#include <QLineEdit>

#include "AccountForms.h"
#include "RoleListEditor.h"

ApiKeyDialog::ApiKeyDialog(QWidget *parent)
    : RequestDialog(QStringLiteral("Create API key"), QStringLiteral("Create key"), parent)
    , m_name(new QLineEdit(this))
    , m_roles(new RoleListEditor(this))
{
    m_name->setObjectName(QStringLiteral("keyName"));
    m_name->setPlaceholderText(QStringLiteral("what the key is for, e.g. \"billing service\""));
    form()->addRow(QStringLiteral("Name"), m_name);
    form()->addRow(QStringLiteral("Roles"), m_roles);
    resize(560, sizeHint().height());
}

QString ApiKeyDialog::name() const
{
    return m_name->text().trimmed();
}

QStringList ApiKeyDialog::roles() const
{
    return m_roles->roles();
}

Status ApiKeyDialog::check()
{
    const Status typed = m_roles->addTyped();
    if (!typed.isOk())
        return typed;
    return AccountForms::checkKey(name(), roles());
}
