// ClientAuth: client authentication for one process, set up from its
// configuration — the Authenticator, where the users and keys are kept
// (AuthStore), keeping them current (AuthSync) and their API (AuthApi).
//
// Server.Authentication "required" (the default) makes every route but
// /healthz and /metrics need a credential; "off" logs a warning at every
// start and lets every client do what needs no cluster token. The built-in
// admin's password is read from Server.AdminPasswordFile, or from
// <data dir>/admin-password, created (0600) with a random password that is
// printed once, on first start.
//
// Main thread; owned by the ServerApp or RouterApp.
#pragma once

#include <memory>

#include "Result.h"
#include "ServerConfig.h"

class AuthApi;
class AuthStore;
class AuthSync;
class Authenticator;
class DataDirectory;
class HttpServer;

class ClientAuth
{
public:
    // `manage`: serve /v1/_users and /v1/_keys (routers, standalone nodes).
    static Result<std::unique_ptr<ClientAuth>> create(const ServerConfig &config, const DataDirectory &dataDirectory,
                                                      std::unique_ptr<AuthStore> store, bool manage, qint64 syncIntervalMs);
    ~ClientAuth();

    // Registers the routes; sets the authenticator when authentication is on.
    void install(HttpServer &http);
    // Loads the users and keys now and keeps them current.
    void start();
    Authenticator *authenticator() const { return m_authenticator.get(); }
    bool required() const { return m_required; }

private:
    ClientAuth() = default;

    bool m_required = true;
    std::unique_ptr<Authenticator> m_authenticator;
    std::unique_ptr<AuthStore> m_store;
    std::unique_ptr<AuthSync> m_sync;
    std::unique_ptr<AuthApi> m_api;
};
