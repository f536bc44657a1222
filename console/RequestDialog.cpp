#include "RequestDialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

RequestDialog::RequestDialog(const QString &title, const QString &okText, QWidget *parent)
    : QDialog(parent)
    , m_form(new QFormLayout)
    , m_error(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
    , m_ok(m_buttons->button(QDialogButtonBox::Ok))
    , m_okText(okText)
{
    setWindowTitle(title);
    setWindowModality(Qt::WindowModal);
    m_ok->setText(okText);
    m_error->setObjectName(QStringLiteral("formError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #a01010; font-weight: bold; }"));
    m_error->hide();
    connect(m_buttons, &QDialogButtonBox::accepted, this, &RequestDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
}

QString RequestDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void RequestDialog::submit()
{
    if (m_sending)
        return;
    const Status valid = check();
    if (!valid.isOk()) {
        showError(valid.message());
        return;
    }
    m_error->hide();
    setSending(true);
    emit submitted();
}

void RequestDialog::answered(bool ok, const QString &message)
{
    setSending(false);
    if (ok) {
        accept();
        return;
    }
    showError(message);
}

void RequestDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->show();
}

void RequestDialog::setSending(bool sending)
{
    m_sending = sending;
    m_ok->setEnabled(!sending);
    m_ok->setText(sending ? QStringLiteral("Sending…") : m_okText);
    for (int row = 0; row < m_form->rowCount(); ++row) {
        if (QLayoutItem *field = m_form->itemAt(row, QFormLayout::FieldRole); field && field->widget())
            field->widget()->setEnabled(!sending);
    }
}
