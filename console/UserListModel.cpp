#include "UserListModel.h"

#include <QBrush>
#include <QColor>
#include <QFont>

namespace {

bool builtIn(const QJsonObject &item)
{
    return item.value(QStringLiteral("builtIn")).toBool();
}

} // namespace

UserListModel::UserListModel(QObject *parent)
    : KeyedListModel(QStringLiteral("name"), ColumnCount, parent)
{
}

bool UserListModel::isBuiltIn(int row) const
{
    return builtIn(itemAt(row));
}

QStringList UserListModel::builtInNames() const
{
    QStringList names;
    for (int row = 0; row < rowCount(); ++row) {
        if (isBuiltIn(row))
            names.append(keyAt(row));
    }
    return names;
}

QVariant UserListModel::itemData(const QJsonObject &item, int column, int role) const
{
    switch (role) {
    case Qt::DisplayRole:
        if (column == NameColumn)
            return item.value(QStringLiteral("name")).toString();
        if (column == RolesColumn) {
            const QStringList roles = rolesOf(item);
            return roles.isEmpty() ? QStringLiteral("(none: may only sign in)") : roles.join(QStringLiteral(", "));
        }
        if (column == KindColumn)
            return builtIn(item) ? QStringLiteral("built-in") : QStringLiteral("user");
        return {};
    case Qt::ToolTipRole:
        if (builtIn(item)) {
            return QStringLiteral("The built-in administrator. Its password is the admin password file's "
                                  "(Server.AdminPasswordFile); it cannot be changed or deleted here.");
        }
        return column == RolesColumn ? rolesOf(item).join(QLatin1Char('\n')) : QVariant();
    case Qt::ForegroundRole:
        return builtIn(item) ? QVariant(QBrush(QColor(0x60, 0x60, 0x60))) : QVariant();
    case Qt::FontRole:
        if (builtIn(item)) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    default:
        return {};
    }
}

QVariant UserListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return QStringLiteral("Name");
    case RolesColumn: return QStringLiteral("Roles");
    case KindColumn: return QStringLiteral("Kind");
    default: return {};
    }
}
