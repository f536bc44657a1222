#include "ClusterStatus.h"

#include <QStringList>
#include <QVector>

QString ClusterStatus::format(const ClusterFile &file, const PidAlive &alive)
{
    QString out;
    if (file.launcherPid > 0) {
        out += QStringLiteral("launcher pid %1 %2, supervisor %3\n")
                   .arg(file.launcherPid)
                   .arg(alive(file.launcherPid) ? QStringLiteral("alive") : QStringLiteral("gone (it did not stop cleanly)"))
                   .arg(file.supervisorUrl);
    } else {
        out += QStringLiteral("launcher stopped\n");
    }

    QVector<QStringList> rows{{QStringLiteral("NAME"), QStringLiteral("ROLE"), QStringLiteral("SHARD"), QStringLiteral("URL"),
                               QStringLiteral("PID"), QStringLiteral("ALIVE"), QStringLiteral("LOG")}};
    for (const ClusterFile::Process &process : file.processes) {
        QString state;
        if (process.pid <= 0)
            state = process.lastExit.isEmpty() ? QStringLiteral("no") : QStringLiteral("no (%1)").arg(process.lastExit);
        else
            state = alive(process.pid) ? QStringLiteral("yes") : QStringLiteral("no (pid gone)");
        rows.append({process.name, process.role, process.shard >= 0 ? QString::number(process.shard) : QStringLiteral("-"),
                     process.url, process.pid > 0 ? QString::number(process.pid) : QStringLiteral("-"), state, process.log});
    }
    QVector<qsizetype> widths(rows.first().size(), 0);
    for (const QStringList &row : rows) {
        for (qsizetype column = 0; column < row.size(); ++column)
            widths[column] = qMax(widths.at(column), row.at(column).size());
    }
    for (const QStringList &row : rows) {
        QString line;
        for (qsizetype column = 0; column < row.size(); ++column) {
            const bool last = column + 1 == row.size();
            line += last ? row.at(column) : row.at(column).leftJustified(widths.at(column) + 2);
        }
        out += line + QLatin1Char('\n');
    }
    return out;
}

int ClusterStatus::aliveCount(const ClusterFile &file, const PidAlive &alive)
{
    int count = 0;
    for (const ClusterFile::Process &process : file.processes) {
        if (process.pid > 0 && alive(process.pid))
            ++count;
    }
    return count;
}
