// UserListModel: the users a router lists (GET /v1/_users) for the console's
// Users view: name, roles, and whether the user is built in (the admin,
// whose password is the admin password file's: it can be neither changed
// nor deleted through the API). Built-in rows are grey and italic.
//
// Fed with setAnswer() (see KeyedListModel); no network inside. GUI thread;
// owned by its QObject parent.
#pragma once

#include "KeyedListModel.h"

class UserListModel : public KeyedListModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, RolesColumn, KindColumn, ColumnCount };

    explicit UserListModel(QObject *parent = nullptr);

    bool isBuiltIn(int row) const;
    // The names of the built-in users listed, which no form may take.
    QStringList builtInNames() const;

    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QVariant itemData(const QJsonObject &item, int column, int role) const override;
};
