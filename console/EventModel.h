// EventModel: the router's event timeline (GET /v1/_cluster/events) as a
// table, oldest first — detections, candidates, promotions, fencing,
// rollbacks with their counts, members going down and up, operator kills
// and step-downs, membership changes (member-added, learner-caught-up,
// member-removed, member-replace-started/-finished/-failed). The kind is
// coloured: red for failures, green for recoveries and completed changes,
// amber for rollbacks and fencing, blue for membership changes under way.
//
// appendEvents() adds rows at the end; beyond `capacity` the oldest rows are
// removed. rowText() gives a row as tab-separated text for copying. No
// network inside. GUI thread; owned by its QObject parent.
#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QList>

class EventModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, ShardColumn, KindColumn, NodeColumn, TermColumn, CountColumn, MessageColumn, ColumnCount };
    // data(index, ShardRole) is the event's shard (-1 for none).
    static constexpr int ShardRole = Qt::UserRole + 1;

    explicit EventModel(int capacity = 5000, QObject *parent = nullptr);

    void appendEvents(const QJsonArray &events);
    void clear();
    // The row's cells separated by tabs, as shown but with the full date
    // and the node's URL.
    QString rowText(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Event
    {
        qint64 id = 0;
        qint64 timeMs = 0;
        int shard = -1;
        int member = -1;
        QString kind;
        QString node;
        qint64 term = -1;
        qint64 count = 0;
        QString message;
    };

    // `full`: the date with the time, the node's URL with its name.
    QString cellText(const Event &event, int column, bool full) const;

    int m_capacity;
    QList<Event> m_events;
};
