// TextWords: how full-text search cuts text into words, shared by the index
// (Document::searchText) and the queries (SearchQuery) so that both always
// agree: a word is a run of letters and digits in any script, compared in
// lower case. Pure; any thread.
#pragma once

#include <QString>
#include <QStringList>

namespace TextWords {

// Words shorter than two characters carry no meaning for search; words
// longer than 64 are identifiers or encoded data, not words, and are not
// indexed (a search for one finds nothing).
constexpr int kMinLength = 2;
constexpr int kMaxIndexedLength = 64;

// Whether an ASCII character (c < 0x80) is part of words: letters and digits.
constexpr bool isAsciiWordCharacter(char32_t c)
{
    return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
}

// Calls visit(QStringView word) for every word of `text` whose length in
// code points is within [minLength, maxLength], in order, as it is in `text`
// (no case change).
template <typename Visit>
void forEachWord(QStringView text, int minLength, int maxLength, Visit &&visit)
{
    qsizetype start = -1;
    int length = 0;
    for (qsizetype i = 0; i <= text.size(); ++i) {
        bool letter = false;
        bool pair = false;
        if (i < text.size()) {
            pair = text.at(i).isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate();
            const char32_t code = pair ? QChar::surrogateToUcs4(text.at(i), text.at(i + 1)) : text.at(i).unicode();
            letter = code < 0x80 ? isAsciiWordCharacter(code) : QChar::isLetterOrNumber(code);
        }
        if (letter) {
            if (start < 0)
                start = i;
            ++length;
        } else if (start >= 0) {
            if (length >= minLength && length <= maxLength)
                visit(text.mid(start, i - start));
            start = -1;
            length = 0;
        }
        if (pair)
            ++i;
    }
}

// `word` in lower case, character by character (simple case mapping).
QString toLower(QStringView word);

// The lower-case words of `text` within [minLength, maxLength], in order,
// duplicates kept.
QStringList split(QStringView text, int minLength, int maxLength);

} // namespace TextWords
