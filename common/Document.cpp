#include "Document.h"

#include "JsonText.h"
#include "TextWords.h"

#include <QSet>
#include <QUuid>

#include <cstring>
#include <type_traits>
#include <unordered_set>

namespace {

Status wrongType(const QString &field, const QString &expected, QByteArrayView value)
{
    return Status::badRequest(QStringLiteral("field '%1' must be %2, not %3")
                                  .arg(field, expected, JsonText::typeName(value)));
}

QByteArray tagsJson(const QStringList &tags)
{
    QByteArray out = "[";
    for (qsizetype i = 0; i < tags.size(); ++i) {
        if (i)
            out.append(',');
        out.append(JsonText::quote(tags.at(i)));
    }
    out.append(']');
    return out;
}

// The distinct words of Document::searchText(), collected as UTF-8 in order
// of first appearance. Text that is plain ASCII (most of it) is cut and
// lower-cased byte by byte with TextWords' own rule for ASCII; anything
// else goes through TextWords on the decoded string.
class SearchWords
{
public:
    SearchWords()
        : m_seen(16, WordHash{&m_text}, WordEqual{&m_text})
    {
    }

    void addText(const QString &text)
    {
        if (QtPrivate::isAscii(QStringView(text)))
            addAscii(text.utf16(), text.size());
        else
            addDecoded(text);
    }

    // `literal`: a JSON string literal, quotes included.
    void addLiteral(QByteArrayView literal)
    {
        const QByteArrayView inner = literal.sliced(1, literal.size() - 2);
        if (isPlainAscii(inner))
            addAscii(inner.data(), inner.size());
        else
            addDecoded(JsonText::unquote(literal));
    }

    QByteArray take() { return std::move(m_text); }

private:
    // A word: m_text's bytes [offset, offset + length). Compared by those
    // bytes, read when compared (m_text only grows, so they stay put).
    struct Word
    {
        qsizetype offset;
        qsizetype length;
    };
    struct WordHash
    {
        const QByteArray *text;
        size_t operator()(const Word &word) const { return qHash(QByteArrayView(text->constData() + word.offset, word.length)); }
    };
    struct WordEqual
    {
        const QByteArray *text;
        bool operator()(const Word &a, const Word &b) const
        {
            return a.length == b.length && std::memcmp(text->constData() + a.offset, text->constData() + b.offset, size_t(a.length)) == 0;
        }
    };

    // No escape and no byte from 0x80: the literal's bytes are its text.
    // Eight bytes at a time: a document's long strings are mostly plain.
    static bool isPlainAscii(QByteArrayView text)
    {
        constexpr quint64 kOnes = 0x0101010101010101ULL;
        constexpr quint64 kHighs = 0x8080808080808080ULL;
        const char *data = text.data();
        qsizetype pos = 0;
        for (; pos + 8 <= text.size(); pos += 8) {
            quint64 word;
            std::memcpy(&word, data + pos, 8);
            const quint64 backslash = word ^ (kOnes * '\\');
            if (((backslash - kOnes) & ~backslash & kHighs) | (word & kHighs))
                return false;
        }
        for (; pos < text.size(); ++pos) {
            if (data[pos] == '\\' || (static_cast<unsigned char>(data[pos]) & 0x80))
                return false;
        }
        return true;
    }

    static bool isWordCharacter(char16_t c) { return c < 0x80 && TextWords::isAsciiWordCharacter(c); }

    // REQUIRES: every character of `text` is ASCII.
    template <typename Char>
    void addAscii(const Char *text, qsizetype size)
    {
        const Char *cursor = text;
        const Char *const end = text + size;
        while (cursor < end) {
            while (cursor < end && !isWordCharacter(char16_t(static_cast<std::make_unsigned_t<Char>>(*cursor))))
                ++cursor;
            const Char *const start = cursor;
            while (cursor < end && isWordCharacter(char16_t(static_cast<std::make_unsigned_t<Char>>(*cursor))))
                ++cursor;
            const qsizetype length = cursor - start;
            if (length < TextWords::kMinLength || length > TextWords::kMaxIndexedLength)
                continue;
            const qsizetype mark = beginWord();
            for (const Char *c = start; c < cursor; ++c)
                m_text.append(*c >= 'A' && *c <= 'Z' ? char(*c + 32) : char(*c));
            endWord(mark);
        }
    }

    void addDecoded(const QString &text)
    {
        TextWords::forEachWord(text, TextWords::kMinLength, TextWords::kMaxIndexedLength, [this](QStringView word) {
            const qsizetype mark = beginWord();
            m_text.append(TextWords::toLower(word).toUtf8());
            endWord(mark);
        });
    }

    // A word is appended after beginWord(); endWord() keeps it if it is new
    // and takes it back (with its separator) if not.
    qsizetype beginWord()
    {
        const qsizetype mark = m_text.size();
        if (mark > 0)
            m_text.append(' ');
        return mark;
    }
    void endWord(qsizetype mark)
    {
        const qsizetype offset = mark > 0 ? mark + 1 : 0;
        if (!m_seen.insert(Word{offset, m_text.size() - offset}).second)
            m_text.truncate(mark);
    }

    QByteArray m_text;
    std::unordered_set<Word, WordHash, WordEqual> m_seen;
};

} // namespace

Result<Document> Document::fromJsonText(QByteArrayView text)
{
    const Result<QByteArray> minified = JsonText::minify(text);
    if (!minified.isOk()) {
        if (text.trimmed().isEmpty())
            return Status::badRequest(QStringLiteral("request body is empty; a JSON object is required"));
        return minified.status();
    }
    return fromMinified(minified.value());
}

QString Document::newId()
{
    return QUuid::createUuid().toString(QUuid::Id128);
}

Result<Document> Document::fromMinified(QByteArrayView minified)
{
    if (minified.isEmpty() || minified.front() != '{')
        return Status::badRequest(QStringLiteral("a document must be a JSON object, not %1").arg(JsonText::typeName(minified)));

    Document doc;
    QSet<QString> seen;
    for (const JsonText::Member &member : JsonText::members(minified)) {
        const QString key = JsonText::unquote(member.key);
        const QByteArrayView value = member.value;
        if (seen.contains(key))
            return Status::badRequest(QStringLiteral("field '%1' appears twice").arg(key.left(80)));
        seen.insert(key);
        if (value == "null")
            continue;
        const char type = value.front();
        if (key == QLatin1String("id")) {
            if (type != '"')
                return wrongType(key, QStringLiteral("a string"), value);
            doc.id = JsonText::unquote(value);
        } else if (key == QLatin1String("rev")) {
            if (type != '"')
                return wrongType(key, QStringLiteral("a string"), value);
            doc.rev = JsonText::unquote(value);
        } else if (key == QLatin1String("deleted")) {
            if (type != 't' && type != 'f')
                return wrongType(key, QStringLiteral("a boolean"), value);
            doc.deleted = type == 't';
        } else if (key == QLatin1String("data")) {
            if (type != '{')
                return wrongType(key, QStringLiteral("an object"), value);
            doc.data = value.toByteArray();
        } else if (key == QLatin1String("tags")) {
            if (type != '[')
                return wrongType(key, QStringLiteral("an array of strings"), value);
            QStringList tags;
            const QVector<QByteArrayView> items = JsonText::elements(value);
            for (qsizetype i = 0; i < items.size(); ++i) {
                if (items.at(i).front() != '"')
                    return wrongType(QStringLiteral("tags[%1]").arg(i), QStringLiteral("a string"), items.at(i));
                tags.append(JsonText::unquote(items.at(i)));
            }
            doc.tags = tags;
        } else if (key == QLatin1String("content")) {
            if (type != '"')
                return wrongType(key, QStringLiteral("a string"), value);
            doc.content = JsonText::unquote(value);
        } else {
            return Status::badRequest(
                QStringLiteral("unknown document field '%1'; a document has id, rev, deleted, data, tags "
                               "and content (put your own fields inside \"data\")")
                    .arg(key.left(80)));
        }
    }
    return doc;
}

QByteArray Document::bodyFields() const
{
    QByteArray out;
    out.reserve(32 + (data ? data->size() : 0) + (content ? content->size() * 2 : 0));
    out.append(deleted ? "\"deleted\":true" : "\"deleted\":false");
    if (data) {
        out.append(",\"data\":");
        out.append(*data);
    }
    if (tags) {
        out.append(",\"tags\":");
        out.append(tagsJson(*tags));
    }
    if (content) {
        out.append(",\"content\":");
        out.append(JsonText::quote(*content));
    }
    out.append('}');
    return out;
}

QByteArray Document::toJson() const
{
    return toJson(bodyFields());
}

QByteArray Document::toJson(const QByteArray &bodyFields) const
{
    QByteArray out = "{\"id\":" + JsonText::quote(id) + ',';
    if (!rev.isEmpty())
        out += "\"rev\":" + JsonText::quote(rev) + ',';
    return out + bodyFields;
}

QByteArray Document::canonicalBody() const
{
    return canonicalBody(bodyFields());
}

QByteArray Document::canonicalBody(const QByteArray &bodyFields)
{
    return '{' + bodyFields;
}

QByteArray Document::searchText() const
{
    SearchWords words;
    if (content)
        words.addText(*content);
    if (data)
        JsonText::forEachStringLiteral(*data, [&words](QByteArrayView literal) { words.addLiteral(literal); });
    for (const QString &tag : indexedTags())
        words.addText(tag);
    return words.take();
}

QStringList Document::indexedTags() const
{
    QStringList out;
    if (!tags)
        return out;
    QSet<QString> seen;
    for (const QString &tag : *tags) {
        const QString trimmed = tag.trimmed();
        if (trimmed.isEmpty() || seen.contains(trimmed))
            continue;
        seen.insert(trimmed);
        out.append(trimmed);
    }
    return out;
}

QStringList Document::tagKeys() const
{
    QStringList out;
    if (!tags)
        return out;
    QSet<QString> seen;
    for (const QString &tag : *tags) {
        QString key = tagKey(tag);
        if (key.isEmpty() || seen.contains(key))
            continue;
        seen.insert(key);
        out.append(std::move(key));
    }
    return out;
}

QString Document::tagKey(QStringView tag)
{
    return tag.trimmed().toString().toCaseFolded();
}
