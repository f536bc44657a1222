// ConnectDialog: asks for the router URL, the token and (optionally) the
// supervisor URL. GUI thread; owned by its QWidget parent or the caller's
// stack.
#pragma once

#include <QDialog>

#include "ConnectionSettings.h"

class QLineEdit;
class QPushButton;

class ConnectDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ConnectDialog(const ConnectionSettings &initial, QWidget *parent = nullptr);

    ConnectionSettings settings() const;

private:
    void updateOkButton();

    QLineEdit *m_router;
    QLineEdit *m_token;
    QLineEdit *m_supervisor;
    QPushButton *m_ok = nullptr;
};
