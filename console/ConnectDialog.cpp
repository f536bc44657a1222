#include "ConnectDialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

ConnectDialog::ConnectDialog(const ConnectionSettings &initial, QWidget *parent)
    : QDialog(parent)
    , m_router(new QLineEdit(initial.router.toString(), this))
    , m_token(new QLineEdit(QString::fromUtf8(initial.token), this))
    , m_supervisor(new QLineEdit(initial.supervisor.toString(), this))
    , m_p99Threshold(new QSpinBox(this))
{
    setWindowTitle(QStringLiteral("Connect to a PeaceDB router"));
    m_router->setPlaceholderText(QStringLiteral("http://127.0.0.1:8080"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(QStringLiteral("the cluster's token (e.g. the launcher's DIR/token)"));
    m_supervisor->setPlaceholderText(QStringLiteral("default: the router's port - 1"));
    m_p99Threshold->setRange(1, 60000);
    m_p99Threshold->setSuffix(QStringLiteral(" ms"));
    m_p99Threshold->setValue(int(initial.p99ThresholdMs));
    m_p99Threshold->setToolTip(QStringLiteral("A shard whose p99 latency is above this is flagged in the topology"));
    auto *form = new QFormLayout;
    form->addRow(QStringLiteral("Router URL"), m_router);
    form->addRow(QStringLiteral("Token"), m_token);
    form->addRow(QStringLiteral("Supervisor URL"), m_supervisor);
    form->addRow(QStringLiteral("p99 threshold"), m_p99Threshold);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(QStringLiteral("Connect"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_router, &QLineEdit::textChanged, this, &ConnectDialog::updateOkButton);
    connect(m_token, &QLineEdit::textChanged, this, &ConnectDialog::updateOkButton);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(QStringLiteral("The settings are remembered for the next start."), this));
    layout->addWidget(buttons);
    resize(520, sizeHint().height());
    updateOkButton();
}

ConnectionSettings ConnectDialog::settings() const
{
    ConnectionSettings result;
    result.router = QUrl::fromUserInput(m_router->text().trimmed());
    result.token = m_token->text().trimmed().toUtf8();
    const QString supervisor = m_supervisor->text().trimmed();
    if (!supervisor.isEmpty())
        result.supervisor = QUrl::fromUserInput(supervisor);
    result.p99ThresholdMs = m_p99Threshold->value();
    return result;
}

void ConnectDialog::updateOkButton()
{
    m_ok->setEnabled(settings().isComplete());
}
