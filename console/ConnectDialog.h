// ConnectDialog: asks for the router URL, the token, (optionally) the
// supervisor URL, and the traffic view's p99 threshold. GUI thread; owned by its QWidget parent or the caller's
// stack.
#pragma once

#include <QDialog>

#include "ConnectionSettings.h"

class QLineEdit;
class QPushButton;
class QSpinBox;

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
    QSpinBox *m_p99Threshold;
    QPushButton *m_ok = nullptr;
};
