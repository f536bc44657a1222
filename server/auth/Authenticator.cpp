#include "Authenticator.h"

#include <QCryptographicHash>
#include <QLoggingCategory>
#include <QMessageAuthenticationCode>
#include <QPasswordDigestor>
#include <QRandomGenerator>

Q_DECLARE_LOGGING_CATEGORY(lcAudit)

namespace {

constexpr int kMaxAddresses = 10000;

QByteArray randomBytes(int size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator::system()->generate(bytes.begin(), bytes.end());
    return bytes;
}

} // namespace

Authenticator::Authenticator(const QByteArray &adminPassword, QObject *parent)
    : RequestAuthenticator(parent)
    , m_adminDigest(adminPassword.isEmpty() ? QByteArray() : QCryptographicHash::hash(adminPassword, QCryptographicHash::Sha256))
    , m_processKey(randomBytes(32))
{
    m_clock.start();
    m_hashing.setMaxThreadCount(1);
}

Authenticator::~Authenticator()
{
    m_hashing.waitForDone();
}

void Authenticator::setTable(const AuthTable &table, const QString &revision)
{
    m_loaded = true;
    if (revision == m_revision && !revision.isEmpty())
        return;
    m_table = table;
    m_revision = revision;
    ++m_tableChanges;
    // Forget what was verified against a password that is no longer stored.
    for (auto it = m_verified.begin(); it != m_verified.end();) {
        const auto user = m_table.users.constFind(it.key());
        if (user == m_table.users.constEnd() || user->password != it->first)
            it = m_verified.erase(it);
        else
            ++it;
    }
}

QByteArray Authenticator::derive(const QByteArray &password, const QByteArray &salt, int iterations)
{
    return QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256, password, salt, iterations, 32);
}

QByteArray Authenticator::remembered(const QString &user, const QByteArray &password) const
{
    return QMessageAuthenticationCode::hash(user.toUtf8() + '\0' + password, m_processKey, QCryptographicHash::Sha256);
}

Status Authenticator::checkBackOff(const QString &peer)
{
    const auto it = m_addresses.constFind(peer);
    if (it == m_addresses.constEnd())
        return Status::ok();
    const qint64 waitMs = it->waitUntilMs - m_clock.elapsed();
    if (waitMs <= 0)
        return Status::ok();
    ++m_backOffsTotal;
    Status status = Status::tooManyRequests(
        QStringLiteral("too many failed sign-ins from %1: try again in %2 s").arg(peer).arg((waitMs + 999) / 1000));
    status.withDetail(QStringLiteral("retryAfterSeconds"), (waitMs + 999) / 1000);
    return status;
}

void Authenticator::recordFailure(const QString &peer, const QString &who)
{
    ++m_failuresTotal;
    if (m_addresses.size() >= kMaxAddresses) {
        const qint64 now = m_clock.elapsed();
        for (auto it = m_addresses.begin(); it != m_addresses.end();)
            it = it->waitUntilMs < now ? m_addresses.erase(it) : std::next(it);
    }
    Address &address = m_addresses[peer];
    ++address.failures;
    if (address.failures >= kFreeFailures) {
        const int doublings = qMin(address.failures - kFreeFailures, 6);
        address.waitUntilMs = m_clock.elapsed() + qMin(kMaxBackOffMs, kFirstBackOffMs << doublings);
    }
    qCInfo(lcAudit, "audit: failed sign-in as %s from %s (%d in a row)", qPrintable(who.left(80)), qPrintable(peer),
           address.failures);
}

void Authenticator::recordSuccess(const QString &peer)
{
    m_addresses.remove(peer);
}

void Authenticator::authenticate(const Credentials::Presented &credential, const QString &peer, Done done)
{
    using Scheme = Credentials::Presented::Scheme;
    using AccessRules::Principal;
    const Status waiting = checkBackOff(peer);
    if (!waiting.isOk())
        return done(waiting);
    const auto refuse = [this, &peer, &done](const QString &who, const QString &why) {
        recordFailure(peer, who);
        done(Status::unauthorized(why));
    };

    if (credential.scheme == Scheme::Bearer) {
        QString id;
        QByteArray secret;
        if (!Credentials::splitKey(credential.secret, &id, &secret))
            return refuse(QStringLiteral("a bearer token"), QStringLiteral("wrong token"));
        if (!m_loaded)
            return done(Status::unavailable(QStringLiteral("API keys are not loaded yet: try again")));
        const auto key = m_table.keys.constFind(id);
        if (key == m_table.keys.constEnd()
            || !Credentials::constantTimeEquals(AuthTable::secretDigest(secret).toLatin1(), key->secret.toLatin1())) {
            return refuse(QStringLiteral("key %1").arg(id), QStringLiteral("unknown or revoked API key"));
        }
        recordSuccess(peer);
        return done(Principal{Principal::Kind::Key, id, key->roles});
    }
    if (credential.scheme != Scheme::Basic)
        return refuse(QStringLiteral("a malformed credential"), QStringLiteral("malformed Authorization header: use Basic or Bearer"));

    if (credential.user == QLatin1String(kAdminUser)) {
        if (m_adminDigest.isEmpty()
            || !Credentials::constantTimeEquals(QCryptographicHash::hash(credential.secret, QCryptographicHash::Sha256), m_adminDigest)) {
            return refuse(credential.user, QStringLiteral("wrong user name or password"));
        }
        recordSuccess(peer);
        return done(Principal{Principal::Kind::User, credential.user, {QStringLiteral("admin")}});
    }
    if (!m_loaded)
        return done(Status::unavailable(QStringLiteral("users are not loaded yet: try again")));
    const auto user = m_table.users.constFind(credential.user);
    if (user == m_table.users.constEnd()) {
        // The same answer (and no faster path worth timing) as a wrong password.
        return refuse(credential.user, QStringLiteral("wrong user name or password"));
    }
    const auto known = m_verified.constFind(user->name);
    if (known != m_verified.constEnd() && known->first == user->password
        && Credentials::constantTimeEquals(known->second, remembered(user->name, credential.secret))) {
        recordSuccess(peer);
        return done(Principal{Principal::Kind::User, user->name, user->roles});
    }
    verifyPassword(user.value(), credential.secret, peer, std::move(done));
}

void Authenticator::verifyPassword(const AuthTable::User &user, const QByteArray &password, const QString &peer, Done done)
{
    const Result<PasswordHash> stored = PasswordHash::parse(user.password);
    if (!stored.isOk())
        return done(Status::internal(QStringLiteral("the stored password of user %1 is damaged").arg(user.name)));
    if (m_queuedHashes >= kMaxQueuedHashes)
        return done(Status::unavailable(QStringLiteral("too many sign-ins being checked: try again")));
    const PasswordHash hash = stored.value();
    offload([password, hash] { return derive(password, hash.salt, hash.iterations); },
            [this, user, password, peer, expected = hash.hash, done = std::move(done)](const QByteArray &derived) {
                using AccessRules::Principal;
                if (!Credentials::constantTimeEquals(derived, expected)) {
                    recordFailure(peer, user.name);
                    return done(Status::unauthorized(QStringLiteral("wrong user name or password")));
                }
                // The table may have changed meanwhile: only a user still
                // holding this password is signed in.
                const auto current = m_table.users.constFind(user.name);
                if (current == m_table.users.constEnd() || current->password != user.password)
                    return done(Status::unauthorized(QStringLiteral("wrong user name or password")));
                m_verified.insert(user.name, {user.password, remembered(user.name, password)});
                recordSuccess(peer);
                done(Principal{Principal::Kind::User, user.name, current->roles});
            });
}

void Authenticator::hashPassword(const QString &password, std::function<void(const Result<QString> &hash)> done)
{
    if (m_queuedHashes >= kMaxQueuedHashes)
        return done(Status::unavailable(QStringLiteral("too many passwords being hashed: try again")));
    PasswordHash hash;
    hash.salt = randomBytes(16);
    offload([password = password.toUtf8(), hash] { return derive(password, hash.salt, hash.iterations); },
            [hash, done = std::move(done)](const QByteArray &derived) mutable {
                hash.hash = derived;
                done(hash.toString());
            });
}

void Authenticator::offload(std::function<QByteArray()> work, std::function<void(const QByteArray &)> then)
{
    ++m_queuedHashes;
    // The destructor waits for the hashing thread, so `self` outlives the
    // work; the queued call is dropped if the object is gone by then.
    Authenticator *self = this;
    m_hashing.start([self, work = std::move(work), then = std::move(then)]() mutable {
        const QByteArray result = work();
        QMetaObject::invokeMethod(
            self,
            [self, result, then = std::move(then)] {
                --self->m_queuedHashes;
                then(result);
            },
            Qt::QueuedConnection);
    });
}
