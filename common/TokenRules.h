// TokenRules: what makes a usable shared secret (the cluster token that
// members, routers, the launcher and operators present as
// "Authorization: Bearer <token>"). Pure; any thread.
#pragma once

#include <QByteArray>

#include "Status.h"

namespace TokenRules {

constexpr qsizetype kMinLength = 16;
constexpr int kMinDistinct = 8;
constexpr double kMinBits = 64;

// Refuses a token that is short, repetitive (few distinct characters: its
// estimated entropy, length x log2(distinct characters), is under kMinBits)
// or holds characters an HTTP header cannot carry (spaces, controls).
// `where` names its source in the message.
Status check(const QByteArray &token, const QString &where);

} // namespace TokenRules
