#include "ConnectionSettings.h"

#include <QSettings>

ConnectionSettings ConnectionSettings::load()
{
    QSettings settings;
    ConnectionSettings loaded;
    loaded.router = QUrl(settings.value(QStringLiteral("connection/router")).toString());
    loaded.token = settings.value(QStringLiteral("connection/token")).toByteArray();
    loaded.supervisor = QUrl(settings.value(QStringLiteral("connection/supervisor")).toString());
    loaded.p99ThresholdMs = settings.value(QStringLiteral("traffic/p99ThresholdMs"), loaded.p99ThresholdMs).toDouble();
    return loaded;
}

void ConnectionSettings::save() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("connection/router"), router.toString());
    settings.setValue(QStringLiteral("connection/token"), token);
    settings.setValue(QStringLiteral("connection/supervisor"), supervisor.toString());
    settings.setValue(QStringLiteral("traffic/p99ThresholdMs"), p99ThresholdMs);
}
