#include "TextWords.h"

namespace TextWords {

QString toLower(QStringView word)
{
    QString out;
    out.reserve(word.size());
    for (qsizetype i = 0; i < word.size(); ++i) {
        const char16_t c = word.at(i).unicode();
        if (c < 0x80) {
            out.append(QChar(c >= 'A' && c <= 'Z' ? char16_t(c + 32) : c));
        } else if (QChar::isHighSurrogate(c) && i + 1 < word.size() && word.at(i + 1).isLowSurrogate()) {
            const char32_t lower = QChar::toLower(QChar::surrogateToUcs4(c, word.at(i + 1).unicode()));
            out.append(QChar::highSurrogate(lower));
            out.append(QChar::lowSurrogate(lower));
            ++i;
        } else {
            out.append(QChar(char16_t(QChar::toLower(char32_t(c)))));
        }
    }
    return out;
}

QStringList split(QStringView text, int minLength, int maxLength)
{
    QStringList words;
    forEachWord(text, minLength, maxLength, [&words](QStringView word) { words.append(toLower(word)); });
    return words;
}

} // namespace TextWords
