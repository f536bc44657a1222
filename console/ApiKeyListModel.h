// ApiKeyListModel: the API keys a router lists (GET /v1/_keys) for the
// console's Users view: id, name (what the key is for), roles and when it
// was created (shown in local time; the tooltip has the UTC text). The
// secret is never listed: the router shows it once, when the key is made.
//
// Fed with setAnswer() (see KeyedListModel); no network inside. GUI thread;
// owned by its QObject parent.
#pragma once

#include "KeyedListModel.h"

class ApiKeyListModel : public KeyedListModel
{
    Q_OBJECT

public:
    enum Column { IdColumn, NameColumn, RolesColumn, CreatedColumn, ColumnCount };

    explicit ApiKeyListModel(QObject *parent = nullptr);

    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QVariant itemData(const QJsonObject &item, int column, int role) const override;
};
