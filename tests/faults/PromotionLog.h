// PromotionLog: which member became primary in which term, gathered from
// the members' own records, to check that no two members of a shard were
// ever primary in the same term.
//
// Sources: the `events` of GET /v1/_replication/state (kind "promoted",
// with shard and term; kept in memory, so lost when a member restarts) and
// the members' log files (a line "shard S term T: promoted" per election
// won; they survive restarts). Poll the states now and then and read the
// logs at the end; the same promotion seen twice counts once.
//
// Test thread only; owned by the test.
#pragma once

#include <QJsonArray>
#include <QMap>
#include <QPair>
#include <QSet>
#include <QString>
#include <QStringList>

class PromotionLog
{
public:
    // `events` of one member's replication state.
    void addEvents(const QString &member, const QJsonArray &events);
    // One member's log file.
    void addLog(const QString &member, const QString &text);

    int termCount() const { return int(m_primaries.size()); }
    // "shard S term T: a, b" for every (shard, term) with two primaries or more.
    QStringList violations() const;
    // "shard S: term T member, ..." in term order.
    QString describe() const;

private:
    QMap<QPair<int, qint64>, QSet<QString>> m_primaries;
};
