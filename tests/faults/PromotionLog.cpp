#include "PromotionLog.h"

#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>

void PromotionLog::addEvents(const QString &member, const QJsonArray &events)
{
    for (const QJsonValue &value : events) {
        const QJsonObject event = value.toObject();
        if (event.value(QStringLiteral("kind")).toString() != QLatin1String("promoted"))
            continue;
        m_primaries[{event.value(QStringLiteral("shard")).toInt(), event.value(QStringLiteral("term")).toInteger()}].insert(member);
    }
}

void PromotionLog::addLog(const QString &member, const QString &text)
{
    static const QRegularExpression promoted(QStringLiteral("shard (\\d+) term (\\d+): promoted\\b"));
    for (auto match = promoted.globalMatch(text); match.hasNext();) {
        const QRegularExpressionMatch line = match.next();
        m_primaries[{line.captured(1).toInt(), line.captured(2).toLongLong()}].insert(member);
    }
}

QStringList PromotionLog::violations() const
{
    QStringList found;
    for (auto it = m_primaries.cbegin(); it != m_primaries.cend(); ++it) {
        if (it.value().size() > 1) {
            QStringList members = it.value().values();
            std::sort(members.begin(), members.end());
            found << QStringLiteral("shard %1 term %2: %3").arg(it.key().first).arg(it.key().second).arg(members.join(QStringLiteral(", ")));
        }
    }
    return found;
}

QString PromotionLog::describe() const
{
    QString text;
    int shard = -1;
    for (auto it = m_primaries.cbegin(); it != m_primaries.cend(); ++it) {
        if (it.key().first != shard) {
            shard = it.key().first;
            text += QStringLiteral("%1shard %2:").arg(text.isEmpty() ? QString() : QStringLiteral("\n")).arg(shard);
        }
        QStringList members = it.value().values();
        std::sort(members.begin(), members.end());
        text += QStringLiteral(" term %1 %2;").arg(it.key().second).arg(members.join(QLatin1Char('+')));
    }
    return text;
}
