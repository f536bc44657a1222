// RequestDialog: the frame of the Users view's forms (UserDialog,
// ApiKeyDialog) — the form's rows, a red line saying what is wrong, and
// OK / Cancel — that stays open while its request is under way.
//
// OK runs the form's check() (the server's own rules); a failure is shown
// and nothing is sent. Otherwise the form is locked ("Sending…") and
// submitted() emitted; whoever sends the request calls answered(): ok
// closes the dialog (accepted), a refusal shows the router's message and
// unlocks the form so the operator can fix it. Cancel closes it at any
// time (an answer that comes later is then only reported by the view).
//
// GUI thread; owned by its QWidget parent (window modal, opened with
// open(), so no nested event loop).
#pragma once

#include <QDialog>

#include "Status.h"

class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QPushButton;

class RequestDialog : public QDialog
{
    Q_OBJECT

public:
    QString errorText() const;
    bool isSending() const { return m_sending; }
    // Presses OK, as the operator would.
    void submit();
    void answered(bool ok, const QString &message);

signals:
    void submitted();

protected:
    RequestDialog(const QString &title, const QString &okText, QWidget *parent);

    QFormLayout *form() const { return m_form; }
    // Ok when the form may be sent; may fix the form up first.
    virtual Status check() = 0;

private:
    void showError(const QString &message);
    void setSending(bool sending);

    QFormLayout *m_form;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
    QPushButton *m_ok;
    QString m_okText;
    bool m_sending = false;
};
