// Revision: a document revision "{generation}-{40 hex digits}".
//
// As in the original PeaceDatabase, the digest is SHA-1 over the document's
// canonical body (everything but id and rev) and the generation grows by one
// per write. A revision is a value; any thread.
#pragma once

#include <QByteArray>
#include <QString>

#include "Result.h"

class Revision
{
public:
    Revision() = default;

    // Accepts "{n}-{hex}" with n >= 1 and a non-empty lowercase hex digest.
    static Result<Revision> parse(QStringView text);

    // The revision that follows `previous` (or the first one when previous is
    // null) for a document whose canonical body is `canonicalBody`.
    static Revision next(const Revision *previous, const QByteArray &canonicalBody);

    bool isNull() const { return m_generation == 0; }
    int generation() const { return m_generation; }
    const QByteArray &digest() const { return m_digest; }
    QString toString() const;

    bool operator==(const Revision &other) const
    {
        return m_generation == other.m_generation && m_digest == other.m_digest;
    }
    bool operator!=(const Revision &other) const { return !(*this == other); }

private:
    Revision(int generation, QByteArray digest) : m_generation(generation), m_digest(std::move(digest)) {}

    int m_generation = 0;
    QByteArray m_digest;
};
