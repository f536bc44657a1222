#include "NameRules.h"

namespace NameRules {

namespace {

bool isAsciiLetterOrDigit(QChar c)
{
    return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
        || (c >= QLatin1Char('0') && c <= QLatin1Char('9'));
}

} // namespace

bool isReservedDatabase(QStringView name)
{
    return name == u"_auth";
}

Status checkDatabaseName(QStringView name, Reserved reserved)
{
    if (reserved == Reserved::Allowed && isReservedDatabase(name))
        return Status::ok();
    const auto invalid = [&name](const QString &why) {
        return Status::badRequest(QStringLiteral("invalid database name '%1': %2").arg(name.left(80), why));
    };
    if (name.isEmpty())
        return Status::badRequest(QStringLiteral("invalid database name: it is empty"));
    if (name.size() > kMaxDatabaseNameLength)
        return invalid(QStringLiteral("longer than %1 characters").arg(kMaxDatabaseNameLength));
    if (!isAsciiLetterOrDigit(name.front()))
        return invalid(QStringLiteral("it must start with a letter or a digit"));
    for (const QChar c : name) {
        if (!isAsciiLetterOrDigit(c) && c != QLatin1Char('_') && c != QLatin1Char('-') && c != QLatin1Char('.'))
            return invalid(QStringLiteral("only A-Z, a-z, 0-9, '_', '-' and '.' are allowed"));
    }
    return Status::ok();
}

Status checkDocumentId(QStringView id)
{
    if (id.isEmpty())
        return Status::badRequest(QStringLiteral("invalid document id: it is empty"));
    bool onlySpaces = true;
    for (qsizetype i = 0; i < id.size(); ++i) {
        const QChar c = id.at(i);
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return Status::badRequest(QStringLiteral("invalid document id: it contains a control character"));
        if (c.isHighSurrogate()) {
            if (i + 1 >= id.size() || !id.at(i + 1).isLowSurrogate())
                return Status::badRequest(QStringLiteral("invalid document id: it is not valid Unicode"));
            ++i;
        } else if (c.isLowSurrogate()) {
            return Status::badRequest(QStringLiteral("invalid document id: it is not valid Unicode"));
        }
        if (!c.isSpace())
            onlySpaces = false;
    }
    if (onlySpaces)
        return Status::badRequest(QStringLiteral("invalid document id: it is only spaces"));
    if (id.toUtf8().size() > kMaxDocumentIdBytes) {
        return Status::badRequest(
            QStringLiteral("invalid document id: longer than %1 bytes of UTF-8").arg(kMaxDocumentIdBytes));
    }
    return Status::ok();
}

} // namespace NameRules
