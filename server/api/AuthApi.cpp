#include "AuthApi.h"

#include "AuthStore.h"
#include "Authenticator.h"
#include "JsonText.h"

#include <QDateTime>
#include <QJsonArray>
#include <QRandomGenerator>

namespace {

using Method = QHttpServerRequest::Method;

constexpr int kMaxAttempts = 5;

QByteArray randomHex(int digits)
{
    QByteArray bytes(digits / 2, Qt::Uninitialized);
    QRandomGenerator::system()->generate(bytes.begin(), bytes.end());
    return bytes.toHex();
}

// The request body as an object with only `allowed` fields.
Result<QJsonObject> parseBody(const HttpRequest &request, const QStringList &allowed)
{
    Result<QJsonObject> body = JsonText::parseObject(request.body);
    if (!body.isOk())
        return body;
    for (auto it = body->begin(); it != body->end(); ++it) {
        if (!allowed.contains(it.key()))
            return Status::badRequest(QStringLiteral("unknown field '%1': expected %2").arg(it.key().left(80), allowed.join(QStringLiteral(", "))));
    }
    return body;
}

QJsonObject list(const QJsonArray &items)
{
    return QJsonObject{{QStringLiteral("total"), items.size()}, {QStringLiteral("items"), items}};
}

} // namespace

AuthApi::AuthApi(AuthStore *store, Authenticator *authenticator)
    : m_store(store)
    , m_authenticator(authenticator)
{
}

void AuthApi::registerRoutes(HttpServer &server)
{
    const auto route = [this, &server](Method method, const char *pattern,
                                       void (AuthApi::*handler)(const HttpRequest &, const HttpReplyPtr &)) {
        server.addApiRoute(method, pattern, [this, handler](const HttpRequest &request, const HttpReplyPtr &reply) {
            (this->*handler)(request, reply);
        });
    };
    route(Method::Get, "/v1/_session", &AuthApi::session);
    if (!m_store)
        return;
    route(Method::Get, "/v1/_users", &AuthApi::listUsers);
    route(Method::Put, "/v1/_users/{name}", &AuthApi::putUser);
    route(Method::Delete, "/v1/_users/{name}", &AuthApi::deleteUser);
    route(Method::Get, "/v1/_keys", &AuthApi::listKeys);
    route(Method::Post, "/v1/_keys", &AuthApi::createKey);
    route(Method::Delete, "/v1/_keys/{id}", &AuthApi::deleteKey);
}

void AuthApi::session(const HttpRequest &request, const HttpReplyPtr &reply)
{
    using Kind = AccessRules::Principal::Kind;
    const AccessRules::Principal &who = request.principal;
    const QString kind = who.kind == Kind::Cluster ? QStringLiteral("cluster")
        : who.kind == Kind::Open                   ? QStringLiteral("anonymous")
        : who.kind == Kind::User                   ? QStringLiteral("user")
                                                   : QStringLiteral("key");
    QStringList roles = who.roles;
    if (who.kind == Kind::Cluster || who.kind == Kind::Open)
        roles = QStringList{QStringLiteral("admin")};
    reply->send(HttpResponse::json(200, QJsonObject{{QStringLiteral("name"), who.name},
                                                    {QStringLiteral("kind"), kind},
                                                    {QStringLiteral("roles"), QJsonArray::fromStringList(roles)}}));
}

void AuthApi::current(const HttpReplyPtr &reply, std::function<HttpResponse(const AuthTable &table)> answer)
{
    m_store->load([reply, answer = std::move(answer)](const Result<AuthStore::Snapshot> &snapshot) {
        if (!snapshot.isOk())
            return reply->send(HttpResponse::error(snapshot.status()));
        reply->send(answer(snapshot->table));
    });
}

void AuthApi::apply(Change change, Changed done, int attempt)
{
    m_store->load([this, change = std::move(change), done = std::move(done), attempt](const Result<AuthStore::Snapshot> &snapshot) {
        if (!snapshot.isOk())
            return done(snapshot.status(), AuthTable());
        AuthTable table = snapshot->table;
        const Result<int> changed = change(table);
        if (!changed.isOk())
            return done(changed, table);
        m_store->store(table, snapshot->rev, [this, change, done, attempt, table, changed](const Result<QString> &rev) {
            if (!rev.isOk() && rev.status().code() == Status::Code::Conflict && attempt < kMaxAttempts)
                return apply(change, done, attempt + 1);
            if (!rev.isOk())
                return done(rev.status(), table);
            m_authenticator->setTable(table, rev.value());
            done(changed, table);
        });
    });
}

template <typename Entry>
void AuthApi::remove(QMap<QString, Entry> AuthTable::*entries, const QString &key, const QString &what, const HttpReplyPtr &reply)
{
    apply(
        [entries, key, what](AuthTable &table) -> Result<int> {
            if ((table.*entries).remove(key) == 0)
                return Status::notFound(QStringLiteral("no %1 '%2'").arg(what, key.left(80)));
            return 200;
        },
        [reply, key](const Result<int> &status, const AuthTable &) {
            if (!status.isOk())
                return reply->send(HttpResponse::error(status.status()));
            reply->send(HttpResponse::json(200, QJsonObject{{QStringLiteral("ok"), true}, {QStringLiteral("deleted"), key}}));
        });
}

void AuthApi::listUsers(const HttpRequest &, const HttpReplyPtr &reply)
{
    current(reply, [](const AuthTable &table) {
        QJsonArray items{QJsonObject{{QStringLiteral("name"), QString::fromLatin1(Authenticator::kAdminUser)},
                                     {QStringLiteral("roles"), QJsonArray{QStringLiteral("admin")}},
                                     {QStringLiteral("builtIn"), true}}};
        for (const AuthTable::User &user : table.users)
            items.append(AuthTable::describe(user));
        return HttpResponse::json(200, list(items));
    });
}

void AuthApi::putUser(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QString name = request.param(QStringLiteral("name"));
    Status valid = Credentials::checkUserName(name);
    if (valid.isOk() && name == QLatin1String(Authenticator::kAdminUser)) {
        valid = Status::badRequest(QStringLiteral("'admin' is the built-in administrator: its password is the admin "
                                                  "password file's (Server.AdminPasswordFile)"));
    }
    const Result<QJsonObject> body = parseBody(request, {QStringLiteral("password"), QStringLiteral("roles")});
    if (valid.isOk() && !body.isOk())
        valid = body.status();
    Result<QStringList> roles = QStringList();
    if (valid.isOk()) {
        roles = AccessRules::parseRoles(body->value(QStringLiteral("roles")));
        valid = roles.status();
    }
    const QJsonValue password = valid.isOk() ? body->value(QStringLiteral("password")) : QJsonValue();
    if (valid.isOk() && !password.isUndefined())
        valid = password.isString() ? Credentials::checkPassword(password.toString())
                                    : Status::badRequest(QStringLiteral("password must be a string"));
    if (!valid.isOk())
        return reply->send(HttpResponse::error(valid));

    const auto save = [this, reply, name, roles = roles.value()](const QString &hash) {
        apply(
            [name, roles, hash](AuthTable &table) -> Result<int> {
                const bool exists = table.users.contains(name);
                if (!exists && hash.isEmpty())
                    return Status::badRequest(QStringLiteral("a new user needs a password"));
                if (!exists && table.users.size() >= AuthTable::kMaxUsers)
                    return Status::forbidden(QStringLiteral("there are %1 users already").arg(AuthTable::kMaxUsers));
                AuthTable::User &user = table.users[name];
                user.name = name;
                user.roles = roles;
                if (!hash.isEmpty())
                    user.password = hash;
                return exists ? 200 : 201;
            },
            [reply, name](const Result<int> &status, const AuthTable &table) {
                if (!status.isOk())
                    return reply->send(HttpResponse::error(status.status()));
                QJsonObject body{{QStringLiteral("ok"), true}, {QStringLiteral("created"), status.value() == 201}};
                body.insert(QStringLiteral("user"), AuthTable::describe(table.users.value(name)));
                reply->send(HttpResponse::json(status.value(), body));
            });
    };
    if (password.isUndefined())
        return save(QString());
    m_authenticator->hashPassword(password.toString(), [reply, save](const Result<QString> &hash) {
        if (!hash.isOk())
            return reply->send(HttpResponse::error(hash.status()));
        save(hash.value());
    });
}

void AuthApi::deleteUser(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const QString name = request.param(QStringLiteral("name"));
    if (name == QLatin1String(Authenticator::kAdminUser)) {
        return reply->send(HttpResponse::error(Status::badRequest(
            QStringLiteral("'admin' is the built-in administrator: change the admin password file to replace its password"))));
    }
    remove(&AuthTable::users, name, QStringLiteral("user"), reply);
}

void AuthApi::listKeys(const HttpRequest &, const HttpReplyPtr &reply)
{
    current(reply, [](const AuthTable &table) {
        QJsonArray items;
        for (const AuthTable::Key &key : table.keys)
            items.append(AuthTable::describe(key));
        return HttpResponse::json(200, list(items));
    });
}

void AuthApi::createKey(const HttpRequest &request, const HttpReplyPtr &reply)
{
    const Result<QJsonObject> body = parseBody(request, {QStringLiteral("name"), QStringLiteral("roles")});
    if (!body.isOk())
        return reply->send(HttpResponse::error(body.status()));
    const QJsonValue name = body->value(QStringLiteral("name"));
    const Status validName = Credentials::checkKeyName(name.isString() ? name.toString() : QString());
    if (!validName.isOk())
        return reply->send(HttpResponse::error(validName));
    const Result<QStringList> roles = AccessRules::parseRoles(body->value(QStringLiteral("roles")));
    if (!roles.isOk())
        return reply->send(HttpResponse::error(roles.status()));

    AuthTable::Key key;
    key.id = QString::fromLatin1(randomHex(Credentials::kKeyIdHexDigits));
    key.name = name.toString();
    key.roles = roles.value();
    key.created = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    const QByteArray secret = randomHex(Credentials::kKeySecretHexDigits);
    key.secret = AuthTable::secretDigest(secret);
    apply(
        [key](AuthTable &table) -> Result<int> {
            if (table.keys.size() >= AuthTable::kMaxKeys)
                return Status::forbidden(QStringLiteral("there are %1 keys already").arg(AuthTable::kMaxKeys));
            table.keys.insert(key.id, key);
            return 201;
        },
        [reply, key, secret](const Result<int> &status, const AuthTable &) {
            if (!status.isOk())
                return reply->send(HttpResponse::error(status.status()));
            QJsonObject body = AuthTable::describe(key);
            body.insert(QStringLiteral("ok"), true);
            body.insert(QStringLiteral("key"), QString::fromLatin1(Credentials::formatKey(key.id, secret)));
            reply->send(HttpResponse::json(201, body));
        });
}

void AuthApi::deleteKey(const HttpRequest &request, const HttpReplyPtr &reply)
{
    remove(&AuthTable::keys, request.param(QStringLiteral("id")), QStringLiteral("key"), reply);
}
