#include "AccessRules.h"

#include "NameRules.h"

#include <QJsonArray>

namespace AccessRules {

namespace {

const QString kAdmin = QStringLiteral("admin");
const QString kReaderPrefix = QStringLiteral("reader:");
const QString kWriterPrefix = QStringLiteral("writer:");

Status checkPattern(const QString &role, QStringView pattern)
{
    const auto invalid = [&role](const QString &why) {
        return Status::badRequest(QStringLiteral("invalid role '%1': %2").arg(role.left(120), why));
    };
    if (pattern == u"*")
        return Status::ok();
    if (pattern.isEmpty())
        return invalid(QStringLiteral("a database name or pattern must follow the ':'"));
    const bool wildcard = pattern.endsWith(QLatin1Char('*'));
    const QStringView name = wildcard ? pattern.chopped(1) : pattern;
    if (name.contains(QLatin1Char('*')))
        return invalid(QStringLiteral("'*' may only end the pattern"));
    const Status valid = NameRules::checkDatabaseName(name);
    if (!valid.isOk())
        return invalid(valid.message());
    return Status::ok();
}

} // namespace

QString Principal::describe() const
{
    switch (kind) {
    case Kind::Cluster: return QStringLiteral("the cluster token");
    case Kind::Open: return QStringLiteral("anonymous");
    case Kind::User: return QStringLiteral("user %1").arg(name);
    case Kind::Key: return QStringLiteral("key %1").arg(name);
    }
    return name;
}

Status checkRole(const QString &role)
{
    if (role == kAdmin)
        return Status::ok();
    if (role.startsWith(kReaderPrefix))
        return checkPattern(role, QStringView(role).mid(kReaderPrefix.size()));
    if (role.startsWith(kWriterPrefix))
        return checkPattern(role, QStringView(role).mid(kWriterPrefix.size()));
    return Status::badRequest(QStringLiteral("invalid role '%1': use \"admin\", \"reader:<database or pattern>\" or "
                                             "\"writer:<database or pattern>\"")
                                  .arg(role.left(120)));
}

Result<QStringList> parseRoles(const QJsonValue &value)
{
    if (!value.isArray())
        return Status::badRequest(QStringLiteral("roles must be an array of strings"));
    const QJsonArray array = value.toArray();
    if (array.size() > kMaxRoles)
        return Status::badRequest(QStringLiteral("at most %1 roles").arg(kMaxRoles));
    QStringList roles;
    for (const QJsonValue &item : array) {
        if (!item.isString())
            return Status::badRequest(QStringLiteral("roles must be an array of strings"));
        const Status valid = checkRole(item.toString());
        if (!valid.isOk())
            return valid;
        roles.append(item.toString());
    }
    roles.sort();
    roles.removeDuplicates();
    return roles;
}

bool patternMatches(QStringView pattern, QStringView database)
{
    if (database.isEmpty() || database.startsWith(QLatin1Char('_')))
        return false;
    if (pattern.endsWith(QLatin1Char('*')))
        return database.startsWith(pattern.chopped(1));
    return pattern == database;
}

bool allows(const Principal &principal, Need need, QStringView database)
{
    if (need == Need::None || principal.kind == Principal::Kind::Cluster)
        return true;
    if (need == Need::Cluster)
        return false;
    if (principal.kind == Principal::Kind::Open)
        return need != Need::Operator;
    if (need == Need::Authenticated || principal.roles.contains(kAdmin))
        return true;
    if (need == Need::Admin || need == Need::Operator)
        return false;
    for (const QString &role : principal.roles) {
        const bool writer = role.startsWith(kWriterPrefix);
        if (!writer && !role.startsWith(kReaderPrefix))
            continue;
        if (need == Need::Write && !writer)
            continue;
        const QStringView pattern = QStringView(role).mid(writer ? kWriterPrefix.size() : kReaderPrefix.size());
        if (need == Need::ReadAll ? pattern == u"*" : patternMatches(pattern, database))
            return true;
    }
    return false;
}

Status forbidden(const Principal &principal, Need need, QStringView database)
{
    QString missing;
    switch (need) {
    case Need::None:
    case Need::Authenticated: return Status::ok();
    case Need::Cluster: missing = QStringLiteral("the cluster token"); break;
    case Need::ReadAll: missing = QStringLiteral("the role reader:* (or writer:*, admin)"); break;
    case Need::Read:
        missing = QStringLiteral("a role reader:%1 or writer:%1 (or a pattern matching it)").arg(database.toString());
        break;
    case Need::Write: missing = QStringLiteral("a role writer:%1 (or a pattern matching it)").arg(database.toString()); break;
    case Need::Admin:
    case Need::Operator: missing = QStringLiteral("the role admin"); break;
    }
    return Status::forbidden(QStringLiteral("%1 may not do this: it needs %2").arg(principal.describe(), missing));
}

} // namespace AccessRules
