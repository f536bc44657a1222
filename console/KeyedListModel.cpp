#include "KeyedListModel.h"

#include <QJsonArray>
#include <QSet>

#include <algorithm>

KeyedListModel::KeyedListModel(const QString &keyField, int columns, QObject *parent)
    : QAbstractTableModel(parent)
    , m_keyField(keyField)
    , m_columns(columns)
{
}

Status KeyedListModel::setAnswer(const QJsonObject &answer)
{
    const QJsonValue items = answer.value(QStringLiteral("items"));
    if (!items.isArray())
        return Status::badRequest(QStringLiteral("the answer has no list of items"));
    QList<QJsonObject> parsed;
    QSet<QString> keys;
    for (const QJsonValue &value : items.toArray()) {
        const QJsonObject item = value.toObject();
        const QString key = keyOf(item);
        if (!value.isObject() || key.isEmpty())
            return Status::badRequest(QStringLiteral("an item has no %1").arg(m_keyField));
        if (keys.contains(key))
            return Status::badRequest(QStringLiteral("%1 '%2' is listed twice").arg(m_keyField, key));
        const QJsonValue roles = item.value(QStringLiteral("roles"));
        const QJsonArray roleList = roles.toArray();
        if (!roles.isArray() || std::any_of(roleList.begin(), roleList.end(), [](const QJsonValue &role) { return !role.isString(); }))
            return Status::badRequest(QStringLiteral("the roles of '%1' are not a list of strings").arg(key));
        keys.insert(key);
        parsed.append(item);
    }
    applyItems(parsed);
    return Status::ok();
}

void KeyedListModel::applyItems(const QList<QJsonObject> &items)
{
    QSet<QString> wanted;
    for (const QJsonObject &item : items)
        wanted.insert(keyOf(item));
    for (int row = int(m_items.size()) - 1; row >= 0; --row) {
        if (wanted.contains(keyOf(m_items[row])))
            continue;
        beginRemoveRows({}, row, row);
        m_items.removeAt(row);
        endRemoveRows();
    }
    // What is left is in the answer; put every item at its place. Rows
    // before `row` are in place already, so an item still known is at or
    // after it: moved up (persistent indexes and selections follow it).
    for (int row = 0; row < items.size(); ++row) {
        const int current = rowOf(keyOf(items[row]));
        if (current < 0) {
            beginInsertRows({}, row, row);
            m_items.insert(row, items[row]);
            endInsertRows();
            continue;
        }
        if (current > row) {
            beginMoveRows({}, current, current, {}, row);
            m_items.move(current, row);
            endMoveRows();
        }
        if (m_items[row] != items[row]) {
            m_items[row] = items[row];
            emit dataChanged(index(row, 0), index(row, m_columns - 1));
        }
    }
}

void KeyedListModel::clear()
{
    if (m_items.isEmpty())
        return;
    beginRemoveRows({}, 0, int(m_items.size()) - 1);
    m_items.clear();
    endRemoveRows();
}

int KeyedListModel::rowOf(const QString &key) const
{
    for (int row = 0; row < m_items.size(); ++row) {
        if (keyOf(m_items[row]) == key)
            return row;
    }
    return -1;
}

QString KeyedListModel::keyAt(int row) const
{
    return keyOf(itemAt(row));
}

QStringList KeyedListModel::keys() const
{
    QStringList keys;
    for (const QJsonObject &item : m_items)
        keys.append(keyOf(item));
    return keys;
}

QJsonObject KeyedListModel::itemAt(int row) const
{
    return row >= 0 && row < m_items.size() ? m_items[row] : QJsonObject();
}

QStringList KeyedListModel::rolesAt(int row) const
{
    return rolesOf(itemAt(row));
}

QString KeyedListModel::keyOf(const QJsonObject &item) const
{
    return item.value(m_keyField).toString();
}

QStringList KeyedListModel::rolesOf(const QJsonObject &item)
{
    QStringList roles;
    for (const QJsonValue &role : item.value(QStringLiteral("roles")).toArray())
        roles.append(role.toString());
    return roles;
}

int KeyedListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_items.size());
}

int KeyedListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_columns;
}

QVariant KeyedListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_items.size())
        return {};
    if (role == KeyRole)
        return keyOf(m_items[index.row()]);
    return itemData(m_items[index.row()], index.column(), role);
}
