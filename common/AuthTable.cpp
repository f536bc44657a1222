#include "AuthTable.h"

#include "AccessRules.h"

#include <QCryptographicHash>
#include <QJsonArray>

namespace {

const QString kPbkdf2 = QStringLiteral("pbkdf2-sha256");
const QString kSha256 = QStringLiteral("sha256$");

bool isHex(QByteArrayView text)
{
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

Status badTable(const QString &why)
{
    return Status::internal(QStringLiteral("the stored users and keys are damaged: %1").arg(why));
}

} // namespace

Result<PasswordHash> PasswordHash::parse(const QString &text)
{
    const QStringList parts = text.split(QLatin1Char('$'));
    if (parts.size() != 4 || parts.at(0) != kPbkdf2)
        return Status::badRequest(QStringLiteral("not a pbkdf2-sha256 password hash"));
    bool ok = false;
    PasswordHash hash;
    hash.iterations = parts.at(1).toInt(&ok);
    if (!ok || hash.iterations < kMinIterations || hash.iterations > kMaxIterations)
        return Status::badRequest(QStringLiteral("password hash: iterations out of range"));
    const auto salt = QByteArray::fromBase64Encoding(parts.at(2).toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    const auto digest = QByteArray::fromBase64Encoding(parts.at(3).toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!salt || !digest || salt.decoded.size() < 8 || digest.decoded.size() != 32)
        return Status::badRequest(QStringLiteral("password hash: bad salt or digest"));
    hash.salt = salt.decoded;
    hash.hash = digest.decoded;
    return hash;
}

QString PasswordHash::toString() const
{
    return QStringLiteral("%1$%2$%3$%4")
        .arg(kPbkdf2)
        .arg(iterations)
        .arg(QString::fromLatin1(salt.toBase64()), QString::fromLatin1(hash.toBase64()));
}

Result<AuthTable> AuthTable::fromJson(const QJsonObject &data)
{
    AuthTable table;
    const QJsonObject users = data.value(QStringLiteral("users")).toObject();
    const QJsonObject keys = data.value(QStringLiteral("keys")).toObject();
    if (users.size() > kMaxUsers || keys.size() > kMaxKeys)
        return badTable(QStringLiteral("too many entries"));
    for (auto it = users.begin(); it != users.end(); ++it) {
        const QJsonObject item = it.value().toObject();
        User user;
        user.name = it.key();
        user.password = item.value(QStringLiteral("password")).toString();
        const Result<QStringList> roles = AccessRules::parseRoles(item.value(QStringLiteral("roles")));
        if (!Credentials::checkUserName(user.name).isOk() || !roles.isOk() || !PasswordHash::parse(user.password).isOk())
            return badTable(QStringLiteral("user '%1'").arg(user.name.left(80)));
        user.roles = roles.value();
        table.users.insert(user.name, user);
    }
    for (auto it = keys.begin(); it != keys.end(); ++it) {
        const QJsonObject item = it.value().toObject();
        Key key;
        key.id = it.key();
        key.name = item.value(QStringLiteral("name")).toString();
        key.secret = item.value(QStringLiteral("secret")).toString();
        key.created = item.value(QStringLiteral("created")).toString();
        const Result<QStringList> roles = AccessRules::parseRoles(item.value(QStringLiteral("roles")));
        if (key.id.size() != Credentials::kKeyIdHexDigits || !isHex(key.id.toLatin1()) || !roles.isOk()
            || !key.secret.startsWith(kSha256) || key.secret.size() != kSha256.size() + 64) {
            return badTable(QStringLiteral("key '%1'").arg(key.id.left(80)));
        }
        key.roles = roles.value();
        table.keys.insert(key.id, key);
    }
    return table;
}

QJsonObject AuthTable::toJson() const
{
    QJsonObject users;
    for (const User &user : this->users) {
        users.insert(user.name, QJsonObject{{QStringLiteral("roles"), QJsonArray::fromStringList(user.roles)},
                                            {QStringLiteral("password"), user.password}});
    }
    QJsonObject keys;
    for (const Key &key : this->keys) {
        keys.insert(key.id, QJsonObject{{QStringLiteral("name"), key.name},
                                        {QStringLiteral("roles"), QJsonArray::fromStringList(key.roles)},
                                        {QStringLiteral("secret"), key.secret},
                                        {QStringLiteral("created"), key.created}});
    }
    return QJsonObject{{QStringLiteral("users"), users}, {QStringLiteral("keys"), keys}};
}

QJsonObject AuthTable::describe(const User &user)
{
    return QJsonObject{{QStringLiteral("name"), user.name}, {QStringLiteral("roles"), QJsonArray::fromStringList(user.roles)}};
}

QJsonObject AuthTable::describe(const Key &key)
{
    return QJsonObject{{QStringLiteral("id"), key.id},
                       {QStringLiteral("name"), key.name},
                       {QStringLiteral("roles"), QJsonArray::fromStringList(key.roles)},
                       {QStringLiteral("created"), key.created}};
}

QString AuthTable::secretDigest(const QByteArray &secret)
{
    return kSha256 + QString::fromLatin1(QCryptographicHash::hash(secret, QCryptographicHash::Sha256).toHex());
}

namespace Credentials {

Presented parse(const QByteArray &authorization)
{
    Presented presented;
    const QByteArray header = authorization.trimmed();
    if (header.isEmpty())
        return presented;
    presented.scheme = Presented::Scheme::Malformed;
    const qsizetype space = header.indexOf(' ');
    if (space <= 0)
        return presented;
    const QByteArrayView scheme = QByteArrayView(header).first(space);
    const QByteArray value = header.mid(space + 1).trimmed();
    if (value.isEmpty())
        return presented;
    if (scheme.compare("bearer", Qt::CaseInsensitive) == 0) {
        presented.scheme = Presented::Scheme::Bearer;
        presented.secret = value;
    } else if (scheme.compare("basic", Qt::CaseInsensitive) == 0) {
        const auto decoded = QByteArray::fromBase64Encoding(value, QByteArray::AbortOnBase64DecodingErrors);
        const qsizetype colon = decoded ? decoded.decoded.indexOf(':') : -1;
        if (colon <= 0)
            return presented;
        const QString user = QString::fromUtf8(decoded.decoded.first(colon));
        if (user.toUtf8() != decoded.decoded.first(colon))
            return presented; // not valid UTF-8
        presented.scheme = Presented::Scheme::Basic;
        presented.user = user;
        presented.secret = decoded.decoded.mid(colon + 1);
    }
    return presented;
}

bool splitKey(const QByteArray &token, QString *id, QByteArray *secret)
{
    static const QByteArray prefix = QByteArrayLiteral("pdbk_");
    if (token.size() != prefix.size() + kKeyIdHexDigits + 1 + kKeySecretHexDigits || !token.startsWith(prefix)
        || token.at(prefix.size() + kKeyIdHexDigits) != '_') {
        return false;
    }
    const QByteArray idPart = token.mid(prefix.size(), kKeyIdHexDigits);
    const QByteArray secretPart = token.right(kKeySecretHexDigits);
    if (!isHex(idPart) || !isHex(secretPart))
        return false;
    *id = QString::fromLatin1(idPart);
    *secret = secretPart;
    return true;
}

QByteArray formatKey(const QString &id, const QByteArray &secret)
{
    return "pdbk_" + id.toLatin1() + '_' + secret;
}

Status checkUserName(const QString &name)
{
    const auto invalid = [&name](const QString &why) {
        return Status::badRequest(QStringLiteral("invalid user name '%1': %2").arg(name.left(80), why));
    };
    if (name.isEmpty() || name.size() > 64)
        return invalid(QStringLiteral("it must have 1 to 64 characters"));
    for (const QChar c : name) {
        const bool allowed = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
            || c == u'_' || c == u'-' || c == u'.' || c == u'@';
        if (!allowed)
            return invalid(QStringLiteral("only A-Z, a-z, 0-9, '_', '-', '.' and '@' are allowed"));
    }
    return Status::ok();
}

Status checkPassword(const QString &password)
{
    if (password.size() < 12)
        return Status::badRequest(QStringLiteral("the password is too short: use at least 12 characters"));
    if (password.toUtf8().size() > 1024)
        return Status::badRequest(QStringLiteral("the password is too long: at most 1024 bytes"));
    for (const QChar c : password) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return Status::badRequest(QStringLiteral("the password holds a control character"));
    }
    return Status::ok();
}

Status checkKeyName(const QString &name)
{
    if (name.trimmed().isEmpty() || name.size() > kMaxKeyNameLength) {
        return Status::badRequest(
            QStringLiteral("name (what the key is for) must be a string of 1 to %1 characters").arg(kMaxKeyNameLength));
    }
    return Status::ok();
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a.at(i) ^ b.at(i));
    return difference == 0;
}

} // namespace Credentials
