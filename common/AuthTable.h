// AuthTable: a cluster's users and API keys, as stored in its reserved
// database "_auth" (one document, "table", so that every change is one
// revision-checked write), and the formats of the credentials clients send.
//
//   users: name -> {roles, password: "pbkdf2-sha256$<iterations>$<salt>$<hash>"}
//   keys:  id   -> {name, roles, secret: "sha256$<hex digest of the secret>", created}
//
// A client signs in with HTTP Basic (user and password) or with an API key
// as a bearer token: "pdbk_<id: 16 hex digits>_<secret: 48 hex digits>".
// Only hashes are stored; an API key's secret is random (192 bits), so one
// SHA-256 suffices, while passwords are stretched with PBKDF2 (done by the
// server; see PasswordHash). Pure; any thread.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include "Result.h"
#include "Status.h"

struct PasswordHash
{
    static constexpr int kDefaultIterations = 100000;
    static constexpr int kMinIterations = 1000;
    static constexpr int kMaxIterations = 10000000;

    int iterations = kDefaultIterations;
    QByteArray salt; // 16 random bytes
    QByteArray hash; // 32 bytes of PBKDF2-HMAC-SHA256

    static Result<PasswordHash> parse(const QString &text);
    QString toString() const;
};

struct AuthTable
{
    struct User
    {
        QString name;
        QStringList roles;
        QString password; // PasswordHash text
    };
    struct Key
    {
        QString id;
        QString name; // what it is for, chosen by the admin
        QStringList roles;
        QString secret; // "sha256$<hex>"
        QString created; // ISO 8601 UTC
    };

    QMap<QString, User> users;
    QMap<QString, Key> keys;

    static constexpr const char *kDatabase = "_auth";
    static constexpr const char *kDocument = "table";
    static constexpr int kMaxUsers = 10000;
    static constexpr int kMaxKeys = 10000;

    // The stored document's "data"; every field checked.
    static Result<AuthTable> fromJson(const QJsonObject &data);
    QJsonObject toJson() const;

    // What /v1/_users and /v1/_keys show: never a hash.
    static QJsonObject describe(const User &user);
    static QJsonObject describe(const Key &key);

    // The stored form of an API key's secret.
    static QString secretDigest(const QByteArray &secret);
};

namespace Credentials {

struct Presented
{
    enum class Scheme { None, Basic, Bearer, Malformed };
    Scheme scheme = Scheme::None;
    QString user;      // Basic
    QByteArray secret; // Basic: the password; Bearer: the token
};

// Reads an Authorization header (schemes are case-insensitive, RFC 9110).
Presented parse(const QByteArray &authorization);

constexpr int kKeyIdHexDigits = 16;
constexpr int kKeySecretHexDigits = 48;
// "pdbk_<id>_<secret>" -> id and secret; false for any other token.
bool splitKey(const QByteArray &token, QString *id, QByteArray *secret);
QByteArray formatKey(const QString &id, const QByteArray &secret);

Status checkUserName(const QString &name);
Status checkPassword(const QString &password);
// An API key's name (what it is for): 1 to kMaxKeyNameLength characters,
// not only spaces.
constexpr int kMaxKeyNameLength = 200;
Status checkKeyName(const QString &name);

// Equal contents, in a time that depends on the lengths only.
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

} // namespace Credentials
