#include "Revision.h"

#include <QCryptographicHash>

namespace {

bool isLowerHex(QChar c)
{
    return (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || (c >= QLatin1Char('a') && c <= QLatin1Char('f'));
}

} // namespace

Result<Revision> Revision::parse(QStringView text)
{
    const qsizetype dash = text.indexOf(QLatin1Char('-'));
    const auto invalid = [&text] {
        return Status::badRequest(QStringLiteral("invalid rev '%1': expected \"{generation}-{hex digest}\"")
                                      .arg(text.left(80)));
    };
    if (dash <= 0 || dash == text.size() - 1 || dash > 9)
        return invalid();
    bool ok = false;
    const int generation = text.left(dash).toInt(&ok);
    if (!ok || generation < 1 || !text.at(0).isDigit())
        return invalid();
    const QStringView digest = text.mid(dash + 1);
    if (digest.size() > 64)
        return invalid();
    for (const QChar c : digest) {
        if (!isLowerHex(c))
            return invalid();
    }
    return Revision(generation, digest.toLatin1());
}

Revision Revision::next(const Revision *previous, const QByteArray &canonicalBody)
{
    const int generation = (previous && !previous->isNull()) ? previous->m_generation + 1 : 1;
    return Revision(generation, QCryptographicHash::hash(canonicalBody, QCryptographicHash::Sha1).toHex());
}

QString Revision::toString() const
{
    if (isNull())
        return QString();
    return QString::number(m_generation) + QLatin1Char('-') + QString::fromLatin1(m_digest);
}
