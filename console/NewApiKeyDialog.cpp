#include "NewApiKeyDialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

NewApiKeyDialog::NewApiKeyDialog(const AccountForms::CreatedKey &key, QWidget *parent)
    : QDialog(parent)
    , m_key(new QLineEdit(key.key, this))
    , m_copy(new QPushButton(QStringLiteral("Copy"), this))
    , m_copied(new QLabel(this))
{
    setWindowTitle(QStringLiteral("API key created"));
    setWindowModality(Qt::WindowModal);
    setAttribute(Qt::WA_DeleteOnClose);

    auto *warning = new QLabel(QStringLiteral("Copy this key now: it will not be shown again. The cluster keeps only a "
                                              "digest of it; if it is lost, create a new key and revoke this one."),
                               this);
    warning->setObjectName(QStringLiteral("keyWarning"));
    warning->setWordWrap(true);
    warning->setStyleSheet(QStringLiteral("QLabel { background: #fff4d6; color: #6a4a00; border: 1px solid #e0c070; "
                                          "padding: 6px; font-weight: bold; }"));
    m_key->setObjectName(QStringLiteral("keyText"));
    m_key->setReadOnly(true);
    m_key->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_key->setMinimumWidth(m_key->fontMetrics().horizontalAdvance(key.key) + 24);
    m_key->selectAll();
    m_copy->setObjectName(QStringLiteral("copyKey"));
    m_copy->setToolTip(QStringLiteral("Copy the key to the clipboard"));
    connect(m_copy, &QPushButton::clicked, this, &NewApiKeyDialog::copyKey);

    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(m_key, 1);
    keyRow->addWidget(m_copy);
    auto *details = new QFormLayout;
    details->addRow(QStringLiteral("Key"), keyRow);
    details->addRow(QString(), m_copied);
    details->addRow(QStringLiteral("Name"), new QLabel(key.name, this));
    details->addRow(QStringLiteral("Id"), new QLabel(key.id, this));
    details->addRow(QStringLiteral("Roles"), new QLabel(key.roles.join(QStringLiteral(", ")), this));
    details->addRow(QStringLiteral("Use"), new QLabel(QStringLiteral("Authorization: Bearer <key>"), this));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(warning);
    layout->addLayout(details);
    layout->addWidget(buttons);
}

QString NewApiKeyDialog::keyText() const
{
    return m_key->text();
}

void NewApiKeyDialog::copyKey()
{
    QApplication::clipboard()->setText(m_key->text());
    m_copied->setText(QStringLiteral("Copied to the clipboard."));
}
