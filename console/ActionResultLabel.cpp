#include "ActionResultLabel.h"

ActionResultLabel::ActionResultLabel(QWidget *parent)
    : QLabel(parent)
{
    setTextInteractionFlags(Qt::TextSelectableByMouse);
}

void ActionResultLabel::showStarted(const QString &action)
{
    setStyleSheet(QString());
    setText(QStringLiteral("… %1").arg(action));
    setToolTip(text());
}

void ActionResultLabel::showFinished(const QString &action, bool ok, const QString &message)
{
    setText(QStringLiteral("%1 %2: %3").arg(ok ? QStringLiteral("✔") : QStringLiteral("✖"), action, message));
    setToolTip(text());
    setStyleSheet(ok ? QStringLiteral("QLabel { color: #1a6a1a; }") : QStringLiteral("QLabel { color: #a01010; }"));
}
