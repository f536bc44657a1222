// AuthApi: who am I, and the users and API keys (admin role):
//
//   GET    /v1/_session        {name, kind, roles} of the caller
//   GET    /v1/_users          {total, items: [{name, roles, builtIn?}]}
//   PUT    /v1/_users/{name}   {password?, roles}: 201 created, 200 changed
//                              (a password is required to create a user)
//   DELETE /v1/_users/{name}   200, or 404
//   GET    /v1/_keys           {total, items: [{id, name, roles, created}]}
//   POST   /v1/_keys           {name, roles}: 201 {id, key, name, roles,
//                              created}; the key is shown this once only
//   DELETE /v1/_keys/{id}      200, or 404
//
// A change reads the table, applies itself and writes it back with the
// revision it read (a concurrent change through another router makes that
// a 409; the change is then tried again on the new table, up to 5 times).
// Nothing changes on a refusal; every change is audited by the HttpServer.
// Served by routers and standalone nodes (a replica set member has only
// /v1/_session). Main thread; registered on an HttpServer.
#pragma once

#include <functional>

#include "AuthTable.h"
#include "HttpServer.h"

class AuthStore;
class Authenticator;

class AuthApi
{
public:
    // `store` may be null (a member): only /v1/_session is served.
    AuthApi(AuthStore *store, Authenticator *authenticator);

    void registerRoutes(HttpServer &server);

private:
    using Change = std::function<Result<int>(AuthTable &table)>; // the HTTP status of success
    using Changed = std::function<void(const Result<int> &status, const AuthTable &table)>;

    void session(const HttpRequest &request, const HttpReplyPtr &reply);
    void listUsers(const HttpRequest &request, const HttpReplyPtr &reply);
    void putUser(const HttpRequest &request, const HttpReplyPtr &reply);
    void deleteUser(const HttpRequest &request, const HttpReplyPtr &reply);
    void listKeys(const HttpRequest &request, const HttpReplyPtr &reply);
    void createKey(const HttpRequest &request, const HttpReplyPtr &reply);
    void deleteKey(const HttpRequest &request, const HttpReplyPtr &reply);

    // Loads the table, applies `change`, stores it with the revision read.
    void apply(Change change, Changed done, int attempt = 1);
    // Removes `key` from the table's `entries` (users or keys): 200
    // {ok, deleted}, or 404 naming `what`.
    template <typename Entry>
    void remove(QMap<QString, Entry> AuthTable::*entries, const QString &key, const QString &what, const HttpReplyPtr &reply);
    // The table as stored now, for lists.
    void current(const HttpReplyPtr &reply, std::function<HttpResponse(const AuthTable &table)> answer);

    AuthStore *m_store;
    Authenticator *m_authenticator;
};
