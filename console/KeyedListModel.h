// KeyedListModel: a table of the JSON objects a list endpoint answers
// ({total, items: [...]}), each identified by one string field (a user's
// name, an API key's id). The base of UserListModel and ApiKeyListModel,
// which add the columns.
//
// setAnswer() checks the answer's shape (items are objects with a distinct,
// non-empty key and "roles" an array of strings) and then applies it: rows
// whose key vanished are removed, new ones inserted where the answer puts
// them, rows the answer puts elsewhere moved, changed ones emit
// dataChanged, so views keep their selection on the same item; never a
// reset. A malformed answer changes nothing. No network
// inside. GUI thread; owned by its QObject parent.
#pragma once

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>
#include <QStringList>

#include "Status.h"

class KeyedListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    // data(index, KeyRole) is the row's key.
    static constexpr int KeyRole = Qt::UserRole + 1;

    KeyedListModel(const QString &keyField, int columns, QObject *parent = nullptr);

    // Ok and applied, or 400-like and nothing changed.
    Status setAnswer(const QJsonObject &answer);
    void clear();

    // -1 if no row has that key.
    int rowOf(const QString &key) const;
    QString keyAt(int row) const;
    // Every row's key, in order.
    QStringList keys() const;
    // {} for a row out of range.
    QJsonObject itemAt(int row) const;
    QStringList rolesAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

protected:
    // The cell for `item` (DisplayRole, ToolTipRole, ForegroundRole…).
    virtual QVariant itemData(const QJsonObject &item, int column, int role) const = 0;
    static QStringList rolesOf(const QJsonObject &item);

private:
    void applyItems(const QList<QJsonObject> &items);
    QString keyOf(const QJsonObject &item) const;

    QString m_keyField;
    int m_columns;
    QList<QJsonObject> m_items;
};
