#include "AccountForms.h"

#include <QJsonArray>
#include <QUrl>

#include "AccessRules.h"
#include "AuthTable.h"
#include "ConsoleClient.h"

namespace AccountForms {

namespace {

QString segment(const QString &text)
{
    return QString::fromUtf8(QUrl::toPercentEncoding(text));
}

} // namespace

Status checkNewRole(const QString &text, const QStringList &roles)
{
    const QString role = text.trimmed();
    if (role.isEmpty())
        return Status::badRequest(QStringLiteral("type a role first"));
    const Status valid = AccessRules::checkRole(role);
    if (!valid.isOk())
        return valid;
    if (roles.contains(role))
        return Status::badRequest(QStringLiteral("'%1' is in the list already").arg(role));
    if (roles.size() >= AccessRules::kMaxRoles)
        return Status::badRequest(QStringLiteral("at most %1 roles").arg(AccessRules::kMaxRoles));
    return Status::ok();
}

Status checkUser(const UserForm &form, bool creating, const QStringList &builtIn, const QStringList &existing)
{
    const Status name = Credentials::checkUserName(form.name);
    if (!name.isOk())
        return name;
    if (builtIn.contains(form.name)) {
        return Status::badRequest(QStringLiteral("'%1' is built in: its password is the admin password file's, and it "
                                                 "cannot be changed here")
                                      .arg(form.name));
    }
    if (creating && existing.contains(form.name))
        return Status::conflict(QStringLiteral("user '%1' exists already: use Change user").arg(form.name));
    const Result<QStringList> roles = AccessRules::parseRoles(QJsonArray::fromStringList(form.roles));
    if (!roles.isOk())
        return roles.status();
    if (form.password.isEmpty() && form.confirmation.isEmpty()) {
        return creating ? Status::badRequest(QStringLiteral("a new user needs a password"))
                        : Status::ok();
    }
    if (form.password != form.confirmation)
        return Status::badRequest(QStringLiteral("the two passwords differ"));
    return Credentials::checkPassword(form.password);
}

Status checkKey(const QString &name, const QStringList &roles)
{
    const Status valid = Credentials::checkKeyName(name);
    if (!valid.isOk())
        return valid;
    return AccessRules::parseRoles(QJsonArray::fromStringList(roles)).status();
}

QString usersPath()
{
    return QStringLiteral("/v1/_users");
}

QString userPath(const QString &name)
{
    return usersPath() + QLatin1Char('/') + segment(name);
}

QString keysPath()
{
    return QStringLiteral("/v1/_keys");
}

QString keyPath(const QString &id)
{
    return keysPath() + QLatin1Char('/') + segment(id);
}

QJsonObject userBody(const UserForm &form)
{
    QJsonObject body{{QStringLiteral("roles"), QJsonArray::fromStringList(form.roles)}};
    if (!form.password.isEmpty())
        body.insert(QStringLiteral("password"), form.password);
    return body;
}

QJsonObject keyBody(const QString &name, const QStringList &roles)
{
    return QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("roles"), QJsonArray::fromStringList(roles)}};
}

Result<CreatedKey> parseCreatedKey(const QJsonObject &answer)
{
    CreatedKey key;
    key.id = answer.value(QStringLiteral("id")).toString();
    key.key = answer.value(QStringLiteral("key")).toString();
    key.name = answer.value(QStringLiteral("name")).toString();
    key.created = answer.value(QStringLiteral("created")).toString();
    for (const QJsonValue &role : answer.value(QStringLiteral("roles")).toArray())
        key.roles.append(role.toString());
    QString id;
    QByteArray secret;
    if (!Credentials::splitKey(key.key.toLatin1(), &id, &secret) || id != key.id)
        return Status::internal(QStringLiteral("the router's answer holds no key for id '%1'").arg(key.id.left(40)));
    return key;
}

QString failureText(const ClientReply &reply)
{
    const QString error = reply.errorText();
    switch (reply.status) {
    case 0:
        return QStringLiteral("No answer from the router (%1). Is it running and reachable?").arg(error);
    case 401:
        return QStringLiteral("%1. The router refused the console's credentials: check the token (Connect…).").arg(error);
    case 403:
        return QStringLiteral("%1. The console's credentials lack the admin role.").arg(error);
    case 503:
        return QStringLiteral("%1. The router cannot read the users and keys now (shard 0 may have no primary); "
                              "try again shortly.")
            .arg(error);
    default:
        return error;
    }
}

} // namespace AccountForms
