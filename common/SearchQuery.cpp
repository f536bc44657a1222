#include "SearchQuery.h"

SearchQuery SearchQuery::fromText(QStringView text)
{
    SearchQuery query;
    QString word;
    const auto flush = [&] {
        if (word.size() > 1 && !query.terms.contains(word))
            query.terms.append(word);
        word.clear();
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char32_t code = text.at(i).isHighSurrogate() && i + 1 < text.size()
                ? QChar::surrogateToUcs4(text.at(i), text.at(i + 1))
                : text.at(i).unicode();
        const qsizetype width = code > 0xffff ? 2 : 1;
        if (QChar::isLetterOrNumber(code))
            word += text.mid(i, width).toString().toLower();
        else
            flush();
        i += width - 1;
    }
    flush();
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
