#include "LogHandler.h"

#include <QDateTime>
#include <QMessageLogContext>

#include <atomic>
#include <cstdio>

namespace {

std::atomic<int> g_format{int(LogLine::Format::Text)};
std::atomic<int> g_shard{-1};
std::atomic<qint64> g_term{-1};

void handleMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    LogLine::Context defaults;
    if (const int shard = g_shard.load(); shard >= 0)
        defaults.shard = shard;
    if (const qint64 term = g_term.load(); term >= 0)
        defaults.term = term;
    const QString component = context.category ? QString::fromLatin1(context.category) : QStringLiteral("default");
    QByteArray line = LogLine::format(LogLine::Format(g_format.load()), QDateTime::currentMSecsSinceEpoch(), type,
                                      component, message, defaults);
    line += '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

} // namespace

void LogHandler::install(LogLine::Format format)
{
    setFormat(format);
    qInstallMessageHandler(handleMessage);
}

void LogHandler::setFormat(LogLine::Format format)
{
    g_format.store(int(format));
}

void LogHandler::setShard(int shard)
{
    g_shard.store(shard);
}

void LogHandler::setTerm(qint64 term)
{
    g_term.store(term);
}
