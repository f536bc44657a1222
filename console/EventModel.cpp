#include "EventModel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QJsonObject>

namespace {

QColor kindColor(const QString &kind)
{
    if (kind == QLatin1String("detected") || kind == QLatin1String("member-down") || kind == QLatin1String("killed")
        || kind == QLatin1String("promotion-failed") || kind == QLatin1String("member-replace-failed"))
        return QColor(0xb0, 0x20, 0x20);
    if (kind == QLatin1String("promoted") || kind == QLatin1String("first-write") || kind == QLatin1String("member-up")
        || kind == QLatin1String("learner-caught-up") || kind == QLatin1String("member-replace-finished"))
        return QColor(0x1a, 0x7a, 0x1a);
    if (kind == QLatin1String("rolled-back") || kind == QLatin1String("fenced"))
        return QColor(0xa0, 0x60, 0x00);
    // Membership changes under way.
    if (kind == QLatin1String("member-added") || kind == QLatin1String("member-removed")
        || kind == QLatin1String("member-replace-started"))
        return QColor(0x1a, 0x4a, 0xa0);
    return {};
}

} // namespace

EventModel::EventModel(int capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_capacity(capacity)
{
}

void EventModel::appendEvents(const QJsonArray &events)
{
    if (events.isEmpty())
        return;
    QList<Event> added;
    for (const QJsonValue &value : events) {
        const QJsonObject object = value.toObject();
        Event event;
        event.id = object.value(QStringLiteral("id")).toInteger();
        event.timeMs = object.value(QStringLiteral("timeMs")).toInteger();
        event.shard = object.value(QStringLiteral("shard")).toInt(-1);
        event.member = object.value(QStringLiteral("member")).toInt(-1);
        event.kind = object.value(QStringLiteral("kind")).toString();
        event.node = object.value(QStringLiteral("node")).toString();
        event.term = object.value(QStringLiteral("term")).toInteger(-1);
        event.count = object.value(QStringLiteral("count")).toInteger();
        event.message = object.value(QStringLiteral("message")).toString();
        added.append(event);
    }
    if (added.size() > m_capacity)
        added = added.mid(added.size() - m_capacity);
    const int overflow = int(m_events.size() + added.size()) - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_events.remove(0, overflow);
        endRemoveRows();
    }
    beginInsertRows({}, int(m_events.size()), int(m_events.size() + added.size()) - 1);
    m_events.append(added);
    endInsertRows();
}

void EventModel::clear()
{
    if (m_events.isEmpty())
        return;
    beginRemoveRows({}, 0, int(m_events.size()) - 1);
    m_events.clear();
    endRemoveRows();
}

QString EventModel::rowText(int row) const
{
    if (row < 0 || row >= m_events.size())
        return {};
    QStringList cells;
    for (int column = 0; column < ColumnCount; ++column)
        cells.append(cellText(m_events[row], column, true));
    return cells.join(QLatin1Char('\t'));
}

QString EventModel::cellText(const Event &event, int column, bool full) const
{
    switch (column) {
    case TimeColumn:
        return QDateTime::fromMSecsSinceEpoch(event.timeMs)
            .toString(full ? QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz") : QStringLiteral("HH:mm:ss.zzz"));
    case ShardColumn:
        return event.shard < 0 ? QString() : QString::number(event.shard);
    case KindColumn:
        return event.kind;
    case NodeColumn: {
        if (event.shard < 0 || event.member < 0)
            return event.node;
        const QString name = QStringLiteral("shard%1-node%2").arg(event.shard).arg(event.member);
        return full && !event.node.isEmpty() ? QStringLiteral("%1 %2").arg(name, event.node) : name;
    }
    case TermColumn:
        return event.term < 0 ? QString() : QString::number(event.term);
    case CountColumn:
        return event.count == 0 ? QString() : QString::number(event.count);
    case MessageColumn:
        return event.message;
    default:
        return {};
    }
}

int EventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_events.size())
        return {};
    const Event &event = m_events[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return cellText(event, index.column(), false);
    case Qt::ToolTipRole:
        if (index.column() == MessageColumn)
            return event.message;
        if (index.column() == TimeColumn || index.column() == NodeColumn)
            return cellText(event, index.column(), true);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == KindColumn && kindColor(event.kind).isValid())
            return QBrush(kindColor(event.kind));
        return {};
    case ShardRole:
        return event.shard;
    default:
        return {};
    }
}

QVariant EventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn: return QStringLiteral("Time");
    case ShardColumn: return QStringLiteral("Shard");
    case KindColumn: return QStringLiteral("Event");
    case NodeColumn: return QStringLiteral("Node");
    case TermColumn: return QStringLiteral("Term");
    case CountColumn: return QStringLiteral("Count");
    case MessageColumn: return QStringLiteral("Message");
    default: return {};
    }
}
