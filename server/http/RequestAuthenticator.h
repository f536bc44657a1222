// RequestAuthenticator: what the HttpServer needs to know who sent a request
// with a credential other than the cluster token. Defined here, by its user;
// the auth layer's Authenticator implements it, so that the HTTP layer
// depends on nothing above it.
//
// Main thread; owned by whoever sets up authentication (ClientAuth); the
// HttpServer only holds a guarded pointer to it.
#pragma once

#include <QObject>

#include <functional>

#include "AccessRules.h"
#include "AuthTable.h"
#include "Result.h"

class RequestAuthenticator : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(const Result<AccessRules::Principal> &principal)>;

    using QObject::QObject;

    // Calls `done` with the principal `credential` names, or the refusal
    // (401, 429, 503) — at once or later, always on the main thread.
    // `peer` is the client's address.
    virtual void authenticate(const Credentials::Presented &credential, const QString &peer, Done done) = 0;
};
