// AccountForms: what the console's Users view checks and sends — the forms
// to add or change a user and to create an API key, checked with the
// server's own rules (AccessRules::checkRole, Credentials in common/), the
// request paths and JSON bodies of /v1/_users and /v1/_keys, the answer
// that carries a new key, and the text that explains a failed request.
//
// Pure: no widgets, no network. Any thread.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "Result.h"
#include "Status.h"

struct ClientReply;

namespace AccountForms {

struct UserForm
{
    QString name;
    // Empty when changing a user: the password stays as it is.
    QString password;
    QString confirmation;
    QStringList roles;
};

// POST /v1/_keys's answer: the only time `key` (the bearer token) is shown.
struct CreatedKey
{
    QString id;
    QString key;
    QString name;
    QStringList roles;
    QString created;
};

// Whether the role `text` (trimmed) may be added to `roles`: well formed
// by the server's rules, not there yet, and within AccessRules::kMaxRoles.
Status checkNewRole(const QString &text, const QStringList &roles);
// A user to create (`creating`: a password is required) or to change (the
// password is optional). `builtIn`: names (the built-in admin) that no form
// may create or change; `existing`: the users listed, which a new user may
// not be (the router's PUT would silently change that user instead).
Status checkUser(const UserForm &form, bool creating, const QStringList &builtIn, const QStringList &existing = {});
Status checkKey(const QString &name, const QStringList &roles);

QString usersPath();
QString userPath(const QString &name);
QString keysPath();
QString keyPath(const QString &id);
// PUT /v1/_users/{name}: {roles, password} (no password when it is kept).
QJsonObject userBody(const UserForm &form);
// POST /v1/_keys: {name, roles}.
QJsonObject keyBody(const QString &name, const QStringList &roles);
Result<CreatedKey> parseCreatedKey(const QJsonObject &answer);

// The router's error ("HTTP 400: invalid role …") and, for no answer, 401,
// 403 and 503, what it means for the console and what to do.
QString failureText(const ClientReply &reply);

} // namespace AccountForms
