// SecretFile: the cluster token and the built-in admin's password live in
// files of one line. load() reads one — creating it first, when asked and
// when it does not exist, with 24 random bytes in hex and mode 0600 from the
// start (never chmod-ed afterwards, so no other user can ever open it) —
// and checks it with TokenRules. Used by the server (its data directory's
// token and admin-password) and by the launcher (the cluster's). Any
// thread; touches only the file named.
#pragma once

#include <QByteArray>
#include <QString>

#include "Result.h"

namespace SecretFile {

struct Loaded
{
    QByteArray secret;
    bool created = false;
    // Group or others may read or write it (the caller warns, or tightens it).
    bool othersMayAccess = false;
};

// `what` names the secret in errors ("token", "admin password").
Result<Loaded> load(const QString &path, bool create, const QString &what);

} // namespace SecretFile
