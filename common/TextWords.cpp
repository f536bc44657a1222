#include "TextWords.h"

namespace TextWords {

QStringList split(QStringView text, int minLength, int maxLength)
{
    QStringList words;
    const QString lower = text.toString().toLower();
    forEachWord(lower, minLength, maxLength, [&words](QStringView word) { words.append(word.toString()); });
    return words;
}

} // namespace TextWords
