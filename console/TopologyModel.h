// TopologyModel: the cluster as the router last reported it — one top-level
// row per shard (replica set), one child row per member — for the console's
// topology view.
//
// applyStatus() takes a GET /v1/_cluster/status answer. Once the shape
// (shards, members per shard) is known, an answer only emits dataChanged
// for the rows whose values changed, so views keep their selection and
// scroll position; shards or members appearing or vanishing are row
// inserts and removals, never a reset. setStale(true) greys every row (the
// router stopped answering; what is shown is the last known state).
//
// The state column carries the state as text (InSync / Lagging / Recovering / Offline)
// and as a background colour; the primary's role is upper case and bold.
// The traffic column of a shard row shows its latest traffic point
// (setTraffic, from a TrafficHistory): writes/s, reads/s, errors/s, p99. A
// shard with errors (errors/s > 0) or a p99 above the threshold
// (setP99ThresholdMs, default 100 ms) is flagged: a warning icon and
// background on its traffic cell, and a tooltip on its name and traffic
// cells saying why (trafficProblems()).
//
// Membership changes (the status's `learner`, `membershipPending` and
// `replacement`): a learner's role is LEARNER, in italics, with a tooltip
// saying it does not vote yet; the member a running replacement removes
// says "being replaced". A shard row whose members are changing
// (membershipChange()) shows it after its reachable count with an icon,
// and its name's tooltip also says how the last replacement ended. When a
// replacement seen running has ended (done or failed), replacementEnded()
// says so once.
// No network inside: the client's signals feed it. GUI thread; owned by its
// QObject parent.
#pragma once

#include <QAbstractItemModel>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QStringList>

#include "TrafficHistory.h"

class TopologyModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        RoleColumn,
        StateColumn,
        TrafficColumn,
        TermColumn,
        SeqColumn,
        CommitSeqColumn,
        LagEntriesColumn,
        LagMsColumn,
        AnswerAgeColumn,
        RolledBackColumn,
        UrlColumn,
        ColumnCount
    };

    explicit TopologyModel(QObject *parent = nullptr);

    void applyStatus(const QJsonObject &status);
    void setStale(bool stale);
    bool isStale() const { return m_stale; }
    // Each shard's newest point of `history` (none: no traffic shown).
    void setTraffic(const TrafficHistory &history);
    void setP99ThresholdMs(double milliseconds);
    double p99ThresholdMs() const { return m_p99ThresholdMs; }
    // Why the shard is flagged, one line per reason; empty when it is not.
    QStringList trafficProblems(int shard) const;
    // The shard's membership change in progress, e.g. "replacing
    // shard0-node1 by shard0-node5: catching-up; a change is not committed
    // yet"; empty when none.
    QString membershipChange(int shard) const;
    // A replacement is adding or removing (no other change is accepted).
    bool isReplacing(int shard) const;
    // A replacement of the status (`from`, `to`, `state`, `error`) in words.
    static QString replacementText(int shard, const QJsonObject &replacement);

    int shardCount() const { return int(m_shards.size()); }
    int memberCount(int shard) const;
    // The shard's row in /v1/_cluster/status (without members), {} if none.
    QJsonObject shardInfo(int shard) const;
    // The member's row in /v1/_cluster/status, {} if none.
    QJsonObject memberInfo(int shard, int member) const;
    // The row of the member the router names as the shard's primary (rows
    // are members in id order; ids have gaps once members were removed), -1
    // if unknown.
    int primaryMember(int shard) const;
    // -1 when the index is not a shard row / member row.
    int shardOf(const QModelIndex &index) const;
    int memberOf(const QModelIndex &index) const;
    QModelIndex shardIndex(int shard, int column = 0) const;
    QModelIndex memberIndex(int shard, int member, int column = 0) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    // The shard's replacement, last seen catching up or removing, ended:
    // `replacement` has state "done" or "failed" (with its error).
    void replacementEnded(int shard, const QJsonObject &replacement);

private:
    struct Shard
    {
        QJsonObject info;
        QList<QJsonObject> members;
    };

    QVariant shardData(int shard, int column, int role) const;
    QVariant memberData(int shard, int member, int column, int role) const;
    void applyMembers(int shard, const QList<QJsonObject> &members);

    QVariant trafficData(int shard, int role) const;
    QString shardToolTip(int shard) const;
    void emitShardRowsChanged();

    QList<Shard> m_shards;
    QMap<int, TrafficHistory::Point> m_traffic; // by shard
    double m_p99ThresholdMs = 100;
    bool m_stale = false;
};
