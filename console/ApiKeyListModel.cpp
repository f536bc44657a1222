#include "ApiKeyListModel.h"

#include <QDateTime>

namespace {

// "2026-12-01 14:03" in local time; the text as given if it is no ISO date.
QString createdText(const QString &iso)
{
    const QDateTime created = QDateTime::fromString(iso, Qt::ISODate);
    return created.isValid() ? created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")) : iso;
}

} // namespace

ApiKeyListModel::ApiKeyListModel(QObject *parent)
    : KeyedListModel(QStringLiteral("id"), ColumnCount, parent)
{
}

QVariant ApiKeyListModel::itemData(const QJsonObject &item, int column, int role) const
{
    const QString created = item.value(QStringLiteral("created")).toString();
    if (role == Qt::ToolTipRole) {
        if (column == CreatedColumn)
            return created;
        return column == RolesColumn ? rolesOf(item).join(QLatin1Char('\n')) : QVariant();
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case IdColumn: return item.value(QStringLiteral("id")).toString();
    case NameColumn: return item.value(QStringLiteral("name")).toString();
    case RolesColumn: return rolesOf(item).join(QStringLiteral(", "));
    case CreatedColumn: return createdText(created);
    default: return {};
    }
}

QVariant ApiKeyListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn: return QStringLiteral("Id");
    case NameColumn: return QStringLiteral("Name");
    case RolesColumn: return QStringLiteral("Roles");
    case CreatedColumn: return QStringLiteral("Created");
    default: return {};
    }
}
