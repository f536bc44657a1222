// AuthStore: where a cluster's users and keys (AuthTable) are kept — one
// document, "_auth/table", written with its revision so that two routers
// changing users at once cannot overwrite each other (409, and the AuthApi
// reads and tries again).
//
//  - LocalAuthStore: this process's own database (a standalone node);
//  - RemoteAuthStore: shard 0's replica set (a router sends to its primary;
//    a member asks shard 0's members in turn), over HTTP with the cluster
//    token — the only credential that may name "_auth".
//
// Callbacks run on the main thread, possibly before the call returns.
// Main thread; owned by the ServerApp or RouterApp.
#pragma once

#include <QByteArray>
#include <QString>

#include <functional>

#include "AuthTable.h"
#include "HttpClientPool.h"
#include "Result.h"

class DocumentReader;
class DocumentService;

class AuthStore
{
public:
    struct Snapshot
    {
        AuthTable table;
        QString rev; // empty: never written
    };
    using Loaded = std::function<void(const Result<Snapshot> &snapshot)>;
    using Stored = std::function<void(const Result<QString> &rev)>;

    virtual ~AuthStore() = default;
    virtual void load(Loaded done) = 0;
    // Writes `table` over revision `rev` (empty: the first write); 409 when
    // it was written by someone else since.
    virtual void store(const AuthTable &table, const QString &rev, Stored done) = 0;

    // The stored document (Document JSON) as a snapshot.
    static Result<Snapshot> parse(const QByteArray &documentJson);
    // The document to write.
    static QByteArray documentJson(const AuthTable &table, const QString &rev);
};

class LocalAuthStore : public AuthStore
{
public:
    LocalAuthStore(DocumentService *service, DocumentReader *reader);
    void load(Loaded done) override;
    void store(const AuthTable &table, const QString &rev, Stored done) override;

private:
    DocumentService *m_service;
    DocumentReader *m_reader;
};

class RemoteAuthStore : public AuthStore
{
public:
    // Sends one request to shard 0 (its primary, or a member that answers).
    using Send = std::function<void(const QByteArray &method, const QByteArray &target, const QByteArray &body,
                                    HttpClientPool::Callback done)>;
    explicit RemoteAuthStore(Send send);
    void load(Loaded done) override;
    void store(const AuthTable &table, const QString &rev, Stored done) override;

private:
    void put(const QByteArray &body, Stored done);
    Send m_send;
};
