#include "TokenRules.h"

#include <QSet>

#include <cmath>

namespace TokenRules {

Status check(const QByteArray &token, const QString &where)
{
    if (token.size() < kMinLength)
        return Status::badRequest(QStringLiteral("the token in %1 is shorter than %2 characters").arg(where).arg(kMinLength));
    QSet<char> distinct;
    for (const char c : token) {
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
            return Status::badRequest(QStringLiteral("the token in %1 holds a space or control character").arg(where));
        distinct.insert(c);
    }
    const double bits = double(token.size()) * std::log2(double(distinct.size()));
    if (distinct.size() < kMinDistinct || bits < kMinBits) {
        return Status::badRequest(QStringLiteral("the token in %1 is too easy to guess (%2 distinct characters, about %3 bits); "
                                                 "use at least %4 random characters, e.g. `openssl rand -hex 24`")
                                      .arg(where)
                                      .arg(distinct.size())
                                      .arg(int(bits))
                                      .arg(kMinLength * 2));
    }
    return Status::ok();
}

} // namespace TokenRules
