// EventFilterModel: the event timeline narrowed to one shard (or all) and
// to rows containing a text, for the console's timeline view. Order is the
// source's (oldest first). GUI thread; owned by its QObject parent.
#pragma once

#include <QSortFilterProxyModel>

class EventFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit EventFilterModel(QObject *parent = nullptr);

    // -1: every shard.
    void setShard(int shard);
    int shard() const { return m_shard; }
    // Case-insensitive; empty: no text filter.
    void setText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    int m_shard = -1;
    QString m_text;
};
