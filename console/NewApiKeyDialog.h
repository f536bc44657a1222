// NewApiKeyDialog: shows an API key the router just made — the only time
// its secret can be seen — with a Copy button and a warning that it will
// not be shown again (only a digest is stored). Closing it forgets the key
// (the dialog deletes itself).
//
// GUI thread; owned by its QWidget parent until closed.
#pragma once

#include <QDialog>

#include "AccountForms.h"

class QLabel;
class QLineEdit;
class QPushButton;

class NewApiKeyDialog : public QDialog
{
    Q_OBJECT

public:
    NewApiKeyDialog(const AccountForms::CreatedKey &key, QWidget *parent);

    QString keyText() const;
    QPushButton *copyButton() const { return m_copy; }
    // Copies the key to the clipboard (as the Copy button does).
    void copyKey();

private:
    QLineEdit *m_key;
    QPushButton *m_copy;
    QLabel *m_copied;
};
