#include "LogLine.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace {

QString levelName(QtMsgType level)
{
    switch (level) {
    case QtDebugMsg: return QStringLiteral("debug");
    case QtInfoMsg: return QStringLiteral("info");
    case QtWarningMsg: return QStringLiteral("warning");
    case QtCriticalMsg: return QStringLiteral("error");
    case QtFatalMsg: return QStringLiteral("fatal");
    }
    return QStringLiteral("info");
}

} // namespace

std::optional<LogLine::Format> LogLine::formatFromName(const QString &name)
{
    if (name == QLatin1String("text"))
        return Format::Text;
    if (name == QLatin1String("json"))
        return Format::Json;
    return std::nullopt;
}

QByteArray LogLine::format(Format format, qint64 timeMsSinceEpoch, QtMsgType level, const QString &component,
                           const QString &message, const Context &defaults)
{
    static const QRegularExpression prefix(QStringLiteral("^shard (\\d+)(?: term (\\d+))?: "));
    Context context = defaults;
    QString text = message;
    const QRegularExpressionMatch match = prefix.match(message);
    if (match.hasMatch()) {
        context.shard = match.captured(1).toInt();
        context.term = match.capturedLength(2) > 0 ? std::optional<qint64>(match.captured(2).toLongLong())
                                                   : (defaults.shard == context.shard ? defaults.term : std::nullopt);
        text = message.mid(match.capturedLength(0));
    }
    const QString time = QDateTime::fromMSecsSinceEpoch(timeMsSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
    if (format == Format::Json) {
        QJsonObject object{{QStringLiteral("time"), time},
                           {QStringLiteral("level"), levelName(level)},
                           {QStringLiteral("component"), component}};
        if (context.shard)
            object.insert(QStringLiteral("shard"), *context.shard);
        if (context.term)
            object.insert(QStringLiteral("term"), *context.term);
        object.insert(QStringLiteral("message"), text);
        return QJsonDocument(object).toJson(QJsonDocument::Compact);
    }
    QString line = time + QLatin1Char(' ') + levelName(level).toUpper() + QLatin1Char(' ') + component;
    if (context.shard)
        line += QStringLiteral(" shard=%1").arg(*context.shard);
    if (context.term)
        line += QStringLiteral(" term=%1").arg(*context.term);
    // One event, one line: a message's own line breaks are escaped.
    text.replace(QLatin1Char('\n'), QLatin1String("\\n"));
    line += QLatin1Char(' ') + text;
    return line.toUtf8();
}
