// ActionResultLabel: the line that says how the last operator action went —
// "… Kill shard0-node1" while it runs, then "✔ <action>: <message>" in green
// or "✖ <action>: <error>" in red, the whole text also as the tooltip.
// Used by the main window's status bar and the Users view.
//
// GUI thread; owned by its QWidget parent.
#pragma once

#include <QLabel>

class ActionResultLabel : public QLabel
{
    Q_OBJECT

public:
    explicit ActionResultLabel(QWidget *parent = nullptr);

    void showStarted(const QString &action);
    void showFinished(const QString &action, bool ok, const QString &message);
};
