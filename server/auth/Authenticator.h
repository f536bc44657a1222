// Authenticator: who sent a request, from the credential it presents.
//
//  - "Basic admin:<password>": the built-in admin, whose password is the
//    admin password file's (Server.AdminPasswordFile, the same file on every
//    process, like the cluster token);
//  - "Basic <user>:<password>": a user of the AuthTable, checked with
//    PBKDF2 (PasswordHash) on a thread of its own, never the main thread.
//    A password once verified is remembered as an HMAC under a key of this
//    process, so a client that signs in with every request pays for PBKDF2
//    once (until the user's password changes);
//  - "Bearer pdbk_<id>_<secret>": an API key of the AuthTable.
// (The cluster token is the HttpServer's business.)
//
// Failed sign-ins are counted per client address: from the kFreeFailures-th
// failure in a row an address must wait (429 with Retry-After) before its
// next attempt, 1 s doubling up to 60 s; a success clears it. Until the
// table is loaded only the built-in admin can sign in (503 for others).
//
// Main thread; owned by the ServerApp or RouterApp.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QThreadPool>

#include <functional>

#include "AccessRules.h"
#include "AuthTable.h"
#include "RequestAuthenticator.h"
#include "Result.h"

class Authenticator : public RequestAuthenticator
{
    Q_OBJECT

public:
    static constexpr int kFreeFailures = 5;
    static constexpr qint64 kFirstBackOffMs = 1000;
    static constexpr qint64 kMaxBackOffMs = 60000;
    static constexpr int kMaxQueuedHashes = 32;
    static constexpr const char *kAdminUser = "admin";

    explicit Authenticator(const QByteArray &adminPassword, QObject *parent = nullptr);
    ~Authenticator() override;

    // The current users and keys (from the AuthStore); `revision` names the
    // stored version, so an unchanged table is not parsed again.
    void setTable(const AuthTable &table, const QString &revision);
    bool hasTable() const { return m_loaded; }
    const AuthTable &table() const { return m_table; }
    const QString &revision() const { return m_revision; }
    // Counts the tables set: a load started before a change made here (a
    // key created through this process) reads an older table.
    quint64 tableChanges() const { return m_tableChanges; }

    // Calls `done` with the principal, or 401 (bad credential), 429 (this
    // address must wait), 503 (table not loaded, too many checks queued) —
    // at once or later, always on the main thread.
    void authenticate(const Credentials::Presented &credential, const QString &peer, Done done) override;

    // PBKDF2 of a new password with a fresh salt, off the main thread.
    void hashPassword(const QString &password, std::function<void(const Result<QString> &hash)> done);

    qint64 failuresTotal() const { return m_failuresTotal; }
    qint64 backOffsTotal() const { return m_backOffsTotal; }

    // Derives a PasswordHash's digest (any thread).
    static QByteArray derive(const QByteArray &password, const QByteArray &salt, int iterations);

private:
    struct Address
    {
        int failures = 0;
        qint64 waitUntilMs = 0;
    };

    Status checkBackOff(const QString &peer);
    void recordFailure(const QString &peer, const QString &who);
    void recordSuccess(const QString &peer);
    QByteArray remembered(const QString &user, const QByteArray &password) const;
    void verifyPassword(const AuthTable::User &user, const QByteArray &password, const QString &peer, Done done);
    // Runs `work` on the hashing thread and `then` with its result on the
    // main thread (unless this object is gone by then).
    void offload(std::function<QByteArray()> work, std::function<void(const QByteArray &)> then);

    QByteArray m_adminDigest; // SHA-256 of the admin password
    QByteArray m_processKey;  // random, for remembered passwords
    AuthTable m_table;
    QString m_revision;
    quint64 m_tableChanges = 0;
    bool m_loaded = false;
    // user -> (stored password hash, HMAC of the verified password)
    QHash<QString, std::pair<QString, QByteArray>> m_verified;
    QHash<QString, Address> m_addresses;
    QElapsedTimer m_clock;
    QThreadPool m_hashing;
    int m_queuedHashes = 0;
    qint64 m_failuresTotal = 0;
    qint64 m_backOffsTotal = 0;
};
