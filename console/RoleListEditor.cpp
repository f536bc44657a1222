#include "RoleListEditor.h"

#include <QCompleter>
#include <QGridLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>

#include "AccountForms.h"

RoleListEditor::RoleListEditor(QWidget *parent)
    : QWidget(parent)
    , m_list(new QListWidget(this))
    , m_input(new QLineEdit(this))
    , m_add(new QPushButton(QStringLiteral("Add"), this))
    , m_remove(new QPushButton(QStringLiteral("Remove"), this))
    , m_error(new QLabel(this))
{
    m_list->setObjectName(QStringLiteral("roleList"));
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setMinimumHeight(m_list->fontMetrics().height() * 5);
    m_input->setObjectName(QStringLiteral("roleInput"));
    m_input->setPlaceholderText(QStringLiteral("admin, reader:<db | prefix* | *>, writer:<db | prefix* | *>"));
    m_input->setCompleter(new QCompleter(QStringList{QStringLiteral("admin"), QStringLiteral("reader:*"), QStringLiteral("writer:*"),
                                                     QStringLiteral("reader:"), QStringLiteral("writer:")},
                                         m_input));
    m_add->setToolTip(QStringLiteral("Add the typed role (Enter)"));
    m_remove->setToolTip(QStringLiteral("Remove the selected roles"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #a01010; }"));
    m_error->hide();
    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_list, 0, 0, 1, 2);
    layout->addWidget(m_remove, 0, 2, Qt::AlignTop);
    layout->addWidget(m_input, 1, 0, 1, 2);
    layout->addWidget(m_add, 1, 2);
    layout->addWidget(m_error, 2, 0, 1, 3);

    connect(m_add, &QPushButton::clicked, this, &RoleListEditor::addTyped);
    m_input->installEventFilter(this);
    connect(m_remove, &QPushButton::clicked, this, &RoleListEditor::removeSelected);
    connect(m_input, &QLineEdit::textChanged, this, [this]() {
        m_error->hide();
        updateButtons();
    });
    connect(m_list, &QListWidget::itemSelectionChanged, this, &RoleListEditor::updateButtons);
    updateButtons();
}

QStringList RoleListEditor::roles() const
{
    QStringList roles;
    for (int row = 0; row < m_list->count(); ++row)
        roles.append(m_list->item(row)->text());
    return roles;
}

void RoleListEditor::setRoles(const QStringList &roles)
{
    m_list->clear();
    m_list->addItems(roles);
    updateButtons();
    emit changed();
}

QString RoleListEditor::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

Status RoleListEditor::addTyped()
{
    if (m_input->text().trimmed().isEmpty())
        return Status::ok();
    const Status valid = AccountForms::checkNewRole(m_input->text(), roles());
    if (!valid.isOk()) {
        m_error->setText(valid.message());
        m_error->show();
        m_input->setFocus();
        return valid;
    }
    m_list->addItem(m_input->text().trimmed());
    m_input->clear();
    updateButtons();
    emit changed();
    return Status::ok();
}

void RoleListEditor::removeSelected()
{
    const QList<QListWidgetItem *> selected = m_list->selectedItems();
    if (selected.isEmpty())
        return;
    qDeleteAll(selected);
    updateButtons();
    emit changed();
}

bool RoleListEditor::eventFilter(QObject *watched, QEvent *event)
{
    // Enter adds the typed role; it must not reach the dialog's default
    // button and submit the form half typed.
    if (watched == m_input && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Return || key == Qt::Key_Enter) {
            if (!m_input->text().trimmed().isEmpty()) {
                addTyped();
                return true;
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

void RoleListEditor::updateButtons()
{
    m_add->setEnabled(!m_input->text().trimmed().isEmpty());
    m_remove->setEnabled(!m_list->selectedItems().isEmpty());
}
