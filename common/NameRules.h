// NameRules: what a database name and a document id may be.
//
//   database name  1–64 characters from A–Z a–z 0–9 _ - . ; the first one a
//                  letter or digit (names starting with "_" are reserved for
//                  the API's own routes and for "_auth", the cluster's users
//                  and keys, which only the cluster token may name).
//   document id    1–512 bytes of UTF-8; any Unicode text (Cyrillic, CJK,
//                  emoji, spaces, "/") except control characters (U+0000–
//                  U+001F, U+007F) and unpaired surrogates; not only spaces.
//
// Pure; any thread.
#pragma once

#include "Status.h"

namespace NameRules {

constexpr int kMaxDatabaseNameLength = 64;
constexpr int kMaxDocumentIdBytes = 512;

enum class Reserved { Refused, Allowed };

// With Reserved::Allowed the reserved databases ("_auth") pass too.
Status checkDatabaseName(QStringView name, Reserved reserved = Reserved::Refused);
bool isReservedDatabase(QStringView name);
Status checkDocumentId(QStringView id);

} // namespace NameRules
