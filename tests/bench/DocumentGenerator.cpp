#include "DocumentGenerator.h"

#include <algorithm>
#include <cctype>

namespace {

const char *const kWords[] = {
    "apple", "river", "mountain", "quiet", "morning", "garden", "window", "silver",
    "library", "engine", "forest", "market", "harbor", "yellow", "winter", "summer",
    "coffee", "bridge", "station", "letter", "ancient", "modern", "village", "ocean",
    "journey", "pattern", "signal", "shadow", "candle", "meadow", "thunder", "whisper",
    "orange", "pencil", "castle", "desert", "island", "valley", "rocket", "planet",
    "teacher", "student", "doctor", "farmer", "painter", "runner", "singer", "writer",
    "quickly", "slowly", "bright", "gentle", "heavy", "little", "strong", "simple",
    "database", "network", "server", "document", "index", "query", "cluster", "replica",
    "walks", "builds", "finds", "carries", "watches", "opens", "writes", "reads",
    "the", "a", "of", "and", "in", "near", "with", "under",
};
const char *const kCities[] = {
    "Lyon", "Oslo", "Kyoto", "Lima", "Austin", "Porto", "Dakar", "Hanoi",
    "Quebec", "Perth", "Tallinn", "Bergen", "Cusco", "Malmo", "Seville", "Tartu",
};
const char *const kTags[] = {
    "alpha", "beta", "gamma", "delta", "red", "green", "blue", "urgent",
    "archive", "draft", "public", "internal", "review", "billing", "support", "sales",
};
const char kPayloadCharacters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

// Memory for the template pool: at most this many bytes, 16 to 256 templates.
constexpr int kPoolBytes = 16 * 1024 * 1024;
// Width assumed for data.n when sizing documents.
constexpr int kNumberWidth = 7;

template<size_t N>
const char *pick(QRandomGenerator *random, const char *const (&array)[N])
{
    return array[random->bounded(int(N))];
}

} // namespace

DocumentGenerator::DocumentGenerator(int documentSize, QRandomGenerator *random)
    : m_random(random)
{
    const int poolSize = std::clamp(kPoolBytes / std::max(documentSize, 1), 16, 256);
    m_tails.reserve(poolSize);
    for (int i = 0; i < poolSize; ++i)
        m_tails.append(buildTail(documentSize));
}

QByteArray DocumentGenerator::document(qint64 number)
{
    const QByteArray &tail = randomTail();
    QByteArray out;
    out.reserve(tail.size() + 32);
    out += "{\"data\":{\"n\":";
    out += QByteArray::number(number);
    out += ',';
    out += tail;
    return out;
}

void DocumentGenerator::appendBulkItem(QByteArray *out, const QByteArray &id, qint64 number)
{
    *out += "{\"id\":\"";
    *out += id;
    *out += "\",\"data\":{\"n\":";
    *out += QByteArray::number(number);
    *out += ',';
    *out += randomTail();
}

QByteArray DocumentGenerator::buildTail(int documentSize)
{
    QByteArray head = "\"city\":\"";
    head += pick(m_random, kCities);
    head += "\",\"payload\":\"";

    QByteArray rest = "\"},\"tags\":[\"";
    rest += pick(m_random, kTags);
    rest += "\",\"";
    rest += pick(m_random, kTags);
    rest += "\"],\"content\":\"";
    rest += sentence(8, 20);
    rest += "\"}";

    const int fixedSize = int(qstrlen("{\"data\":{\"n\":,")) + kNumberWidth + int(head.size() + rest.size());
    const int payloadSize = std::max(documentSize - fixedSize, 0);
    QByteArray payload(payloadSize, Qt::Uninitialized);
    for (char &character : payload)
        character = kPayloadCharacters[m_random->bounded(int(sizeof(kPayloadCharacters) - 1))];
    return head + payload + rest;
}

QByteArray DocumentGenerator::sentence(int minimumWords, int maximumWords)
{
    const int wordCount = m_random->bounded(minimumWords, maximumWords + 1);
    QByteArray text;
    for (int i = 0; i < wordCount; ++i) {
        if (i > 0)
            text += ' ';
        text += pick(m_random, kWords);
    }
    text[0] = char(std::toupper(uchar(text.at(0))));
    text += '.';
    return text;
}

const QByteArray &DocumentGenerator::randomTail()
{
    return m_tails.at(m_random->bounded(int(m_tails.size())));
}
