#include "EventFilterModel.h"

#include "EventModel.h"

EventFilterModel::EventFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
}

void EventFilterModel::setShard(int shard)
{
    if (shard == m_shard)
        return;
    m_shard = shard;
    invalidateRowsFilter();
}

void EventFilterModel::setText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateRowsFilter();
}

bool EventFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *source = sourceModel();
    if (m_shard >= 0 && source->index(sourceRow, 0, sourceParent).data(EventModel::ShardRole).toInt() != m_shard)
        return false;
    if (m_text.isEmpty())
        return true;
    for (int column = 0; column < source->columnCount(sourceParent); ++column) {
        if (source->index(sourceRow, column, sourceParent).data().toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}
