// RoleListEditor: a user's or API key's roles edited as a list — the roles
// one per row, a line to type a new one (with completions for the common
// forms) and Add / Remove buttons. A role is added only when the server
// would accept it (AccountForms::checkNewRole: "admin", "reader:<pattern>",
// "writer:<pattern>", no duplicates); otherwise the rule it breaks is shown
// under the line and the text stays for fixing. Enter in the line adds
// (it submits the dialog only when the line is empty).
//
// GUI thread; owned by its QWidget parent.
#pragma once

#include <QStringList>
#include <QWidget>

#include "Status.h"

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

class RoleListEditor : public QWidget
{
    Q_OBJECT

public:
    explicit RoleListEditor(QWidget *parent = nullptr);

    QStringList roles() const;
    void setRoles(const QStringList &roles);
    QLineEdit *input() const { return m_input; }
    QString errorText() const;

    // Adds the typed role; ok (and the line cleared) or the rule broken
    // (shown, the text kept). An empty line is ok and adds nothing, so a
    // form can call this before it is submitted.
    Status addTyped();
    void removeSelected();

signals:
    void changed();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void updateButtons();

    QListWidget *m_list;
    QLineEdit *m_input;
    QPushButton *m_add;
    QPushButton *m_remove;
    QLabel *m_error;
};
