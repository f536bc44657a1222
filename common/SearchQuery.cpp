#include "SearchQuery.h"

#include "TextWords.h"

#include <limits>

SearchQuery SearchQuery::fromText(QStringView text)
{
    SearchQuery query;
    for (const QString &word : TextWords::split(text, TextWords::kMinLength, std::numeric_limits<int>::max())) {
        if (!query.terms.contains(word))
            query.terms.append(word);
    }
    return query;
}

QString SearchQuery::toFts5Match() const
{
    QStringList quoted;
    quoted.reserve(terms.size());
    for (const QString &term : terms)
        quoted.append(QLatin1Char('"') + QString(term).replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"'));
    return quoted.join(QLatin1Char(' '));
}
