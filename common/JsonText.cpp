#include "JsonText.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <cstring>

namespace JsonText {

namespace {

// One validating, minifying pass over JSON text.
class Minifier
{
public:
    explicit Minifier(QByteArrayView text) : m_text(text) { m_out.reserve(text.size()); }

    Result<QByteArray> run()
    {
        skipSpace();
        if (m_pos >= m_text.size())
            return error(QStringLiteral("empty input; a JSON value is required"));
        if (!value(0))
            return m_error;
        skipSpace();
        if (m_pos < m_text.size())
            return error(QStringLiteral("unexpected text after the JSON value"));
        return std::move(m_out);
    }

private:
    Status error(const QString &what)
    {
        m_error = Status::badRequest(QStringLiteral("malformed JSON at offset %1: %2").arg(m_pos).arg(what));
        return m_error;
    }
    bool fail(const QString &what)
    {
        error(what);
        return false;
    }
    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
    void skipSpace()
    {
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                return;
            ++m_pos;
        }
    }

    bool value(int depth)
    {
        if (depth >= kMaxDepth)
            return fail(QStringLiteral("nested deeper than %1 levels").arg(kMaxDepth));
        switch (peek()) {
        case '{': return object(depth);
        case '[': return array(depth);
        case '"': return string();
        case 't': return literal("true");
        case 'f': return literal("false");
        case 'n': return literal("null");
        default:
            if (peek() == '-' || (peek() >= '0' && peek() <= '9'))
                return number();
            return fail(m_pos < m_text.size() ? QStringLiteral("unexpected character") : QStringLiteral("unexpected end of input"));
        }
    }

    bool object(int depth)
    {
        m_out.append('{');
        ++m_pos;
        skipSpace();
        if (peek() == '}') {
            m_out.append('}');
            ++m_pos;
            return true;
        }
        for (;;) {
            skipSpace();
            if (peek() != '"')
                return fail(QStringLiteral("expected a string key"));
            if (!string())
                return false;
            skipSpace();
            if (peek() != ':')
                return fail(QStringLiteral("expected ':'"));
            m_out.append(':');
            ++m_pos;
            skipSpace();
            if (!value(depth + 1))
                return false;
            skipSpace();
            if (peek() == ',') {
                m_out.append(',');
                ++m_pos;
                continue;
            }
            if (peek() == '}') {
                m_out.append('}');
                ++m_pos;
                return true;
            }
            return fail(QStringLiteral("expected ',' or '}'"));
        }
    }

    bool array(int depth)
    {
        m_out.append('[');
        ++m_pos;
        skipSpace();
        if (peek() == ']') {
            m_out.append(']');
            ++m_pos;
            return true;
        }
        for (;;) {
            skipSpace();
            if (!value(depth + 1))
                return false;
            skipSpace();
            if (peek() == ',') {
                m_out.append(',');
                ++m_pos;
                continue;
            }
            if (peek() == ']') {
                m_out.append(']');
                ++m_pos;
                return true;
            }
            return fail(QStringLiteral("expected ',' or ']'"));
        }
    }

    bool literal(const char *word)
    {
        const QByteArrayView expected(word);
        if (m_pos + expected.size() > m_text.size() || m_text.sliced(m_pos, expected.size()) != expected)
            return fail(QStringLiteral("invalid literal"));
        m_out.append(expected.data(), expected.size());
        m_pos += expected.size();
        return true;
    }

    bool digits()
    {
        const qsizetype start = m_pos;
        while (peek() >= '0' && peek() <= '9')
            ++m_pos;
        return m_pos > start;
    }

    bool number()
    {
        const qsizetype start = m_pos;
        if (peek() == '-')
            ++m_pos;
        if (peek() == '0') {
            ++m_pos;
        } else if (!digits()) {
            return fail(QStringLiteral("invalid number"));
        }
        if (peek() == '.') {
            ++m_pos;
            if (!digits())
                return fail(QStringLiteral("invalid number"));
        }
        if (peek() == 'e' || peek() == 'E') {
            ++m_pos;
            if (peek() == '+' || peek() == '-')
                ++m_pos;
            if (!digits())
                return fail(QStringLiteral("invalid number"));
        }
        m_out.append(m_text.data() + start, m_pos - start);
        return true;
    }

    static bool isHex(char c)
    {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    bool string()
    {
        const qsizetype start = m_pos;
        ++m_pos;
        for (;;) {
            m_pos = skipPlainWords(m_pos);
            if (m_pos >= m_text.size())
                return fail(QStringLiteral("unterminated string"));
            const auto c = static_cast<unsigned char>(m_text[m_pos]);
            if (c == '"') {
                ++m_pos;
                break;
            }
            if (c < 0x20)
                return fail(QStringLiteral("control character in a string"));
            if (c == '\\') {
                const char next = m_pos + 1 < m_text.size() ? m_text[m_pos + 1] : '\0';
                switch (next) {
                case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                    m_pos += 2;
                    break;
                case 'u':
                    for (int i = 2; i < 6; ++i) {
                        if (m_pos + i >= m_text.size() || !isHex(m_text[m_pos + i]))
                            return fail(QStringLiteral("invalid \\u escape"));
                    }
                    m_pos += 6;
                    break;
                default:
                    return fail(QStringLiteral("invalid escape"));
                }
                continue;
            }
            if (c < 0x80) {
                ++m_pos;
                continue;
            }
            if (!utf8Sequence(c))
                return fail(QStringLiteral("invalid UTF-8"));
        }
        m_out.append(m_text.data() + start, m_pos - start);
        return true;
    }

    // From `pos`, skips whole 8-byte words of plain characters (ASCII from
    // 0x20, neither '"' nor '\\'): a document's strings are mostly those,
    // and checking them a byte at a time was the replica's costliest step in
    // reading an append. Returns where the first word with any other byte
    // (or the text's last few bytes) begins; string() goes on byte by byte.
    qsizetype skipPlainWords(qsizetype pos) const
    {
        constexpr quint64 kOnes = 0x0101010101010101ULL;
        constexpr quint64 kHighs = 0x8080808080808080ULL;
        const auto hasZeroByte = [](quint64 word) { return (word - kOnes) & ~word & kHighs; };
        const char *data = m_text.data();
        while (pos + 8 <= m_text.size()) {
            quint64 word;
            std::memcpy(&word, data + pos, 8);
            // Bytes below 0x20 (exact for any byte below 0x80), a quote, a
            // backslash, or any byte from 0x80 (UTF-8 sequences).
            const quint64 special = ((word - kOnes * 0x20) & ~word) | hasZeroByte(word ^ (kOnes * '"'))
                                    | hasZeroByte(word ^ (kOnes * '\\')) | word;
            if (special & kHighs)
                break;
            pos += 8;
        }
        return pos;
    }

    // Validates one multi-byte UTF-8 sequence starting with `lead` at m_pos:
    // shortest form, no surrogates, at most U+10FFFF.
    bool utf8Sequence(unsigned char lead)
    {
        int length;
        unsigned char low = 0x80;
        unsigned char high = 0xbf;
        if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            if (lead == 0xe0)
                low = 0xa0;
            else if (lead == 0xed)
                high = 0x9f;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            if (lead == 0xf0)
                low = 0x90;
            else if (lead == 0xf4)
                high = 0x8f;
        } else {
            return false;
        }
        if (m_pos + length > m_text.size())
            return false;
        for (int i = 1; i < length; ++i) {
            const auto c = static_cast<unsigned char>(m_text[m_pos + i]);
            if (c < (i == 1 ? low : 0x80) || c > (i == 1 ? high : 0xbf))
                return false;
        }
        m_pos += length;
        return true;
    }

    QByteArrayView m_text;
    qsizetype m_pos = 0;
    QByteArray m_out;
    Status m_error;
};

// End (one past the closing quote) of the string literal that starts at `pos`.
qsizetype skipString(QByteArrayView text, qsizetype pos)
{
    const char *data = text.data();
    const char *end = data + text.size();
    const char *cursor = data + pos + 1;
    for (;;) {
        const char *quote = static_cast<const char *>(std::memchr(cursor, '"', size_t(end - cursor)));
        if (!quote)
            return text.size();
        // Escaped when preceded by an odd number of backslashes.
        qsizetype backslashes = 0;
        while (quote - backslashes - 1 >= cursor && quote[-backslashes - 1] == '\\')
            ++backslashes;
        if (backslashes % 2 == 0)
            return quote - data + 1;
        cursor = quote + 1;
    }
}

// End of the minified value that starts at `pos`.
qsizetype skipValue(QByteArrayView text, qsizetype pos)
{
    const char first = text[pos];
    if (first == '"')
        return skipString(text, pos);
    if (first == '{' || first == '[') {
        int depth = 0;
        while (pos < text.size()) {
            const char c = text[pos];
            if (c == '"') {
                pos = skipString(text, pos);
                continue;
            }
            if (c == '{' || c == '[')
                ++depth;
            else if ((c == '}' || c == ']') && --depth == 0)
                return pos + 1;
            ++pos;
        }
        return pos;
    }
    while (pos < text.size() && text[pos] != ',' && text[pos] != '}' && text[pos] != ']')
        ++pos;
    return pos;
}

void appendUtf16(QString &out, char32_t code)
{
    if (code > 0xffff) {
        out.append(QChar::highSurrogate(code));
        out.append(QChar::lowSurrogate(code));
    } else {
        out.append(QChar(char16_t(code)));
    }
}

} // namespace

QByteArray quote(QStringView text)
{
    const QByteArray utf8 = text.toUtf8();
    QByteArray out;
    out.reserve(utf8.size() + 2);
    out.append('"');
    // Copy runs of bytes that need no escape in one go.
    const char *begin = utf8.constData();
    const char *end = begin + utf8.size();
    const char *run = begin;
    for (const char *p = begin; p < end; ++p) {
        const auto u = static_cast<unsigned char>(*p);
        if (u >= 0x20 && u != '"' && u != '\\')
            continue;
        out.append(run, p - run);
        run = p + 1;
        switch (u) {
        case '"': out.append("\\\"", 2); break;
        case '\\': out.append("\\\\", 2); break;
        case '\n': out.append("\\n", 2); break;
        case '\r': out.append("\\r", 2); break;
        case '\t': out.append("\\t", 2); break;
        case '\b': out.append("\\b", 2); break;
        case '\f': out.append("\\f", 2); break;
        default: {
            static const char hex[] = "0123456789abcdef";
            const char escape[6] = {'\\', 'u', '0', '0', hex[u >> 4], hex[u & 0xf]};
            out.append(escape, 6);
        }
        }
    }
    out.append(run, end - run);
    out.append('"');
    return out;
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray compact(const QJsonArray &array)
{
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

Result<QJsonObject> parseObject(const QByteArray &text)
{
    if (text.trimmed().isEmpty())
        return Status::badRequest(QStringLiteral("request body is empty; a JSON object is required"));
    const Result<QByteArray> minified = minify(text);
    if (!minified.isOk())
        return minified.status();
    if (minified->front() != '{')
        return Status::badRequest(QStringLiteral("request body must be a JSON object, not %1").arg(typeName(minified.value())));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError) {
        return Status::badRequest(QStringLiteral("malformed JSON at offset %1: %2")
                                      .arg(error.offset)
                                      .arg(error.errorString()));
    }
    if (!document.isObject())
        return Status::badRequest(QStringLiteral("request body must be a JSON object"));
    return document.object();
}

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("boolean");
    case QJsonValue::Double: return QStringLiteral("number");
    case QJsonValue::String: return QStringLiteral("string");
    case QJsonValue::Array: return QStringLiteral("array");
    case QJsonValue::Object: return QStringLiteral("object");
    case QJsonValue::Undefined: return QStringLiteral("undefined");
    }
    return QStringLiteral("unknown");
}

Result<QByteArray> minify(QByteArrayView text)
{
    return Minifier(text).run();
}

QString typeName(QByteArrayView minifiedValue)
{
    switch (minifiedValue.isEmpty() ? '\0' : minifiedValue.front()) {
    case '{': return QStringLiteral("object");
    case '[': return QStringLiteral("array");
    case '"': return QStringLiteral("string");
    case 't':
    case 'f': return QStringLiteral("boolean");
    case 'n': return QStringLiteral("null");
    default: return QStringLiteral("number");
    }
}

QVector<Member> members(QByteArrayView object)
{
    QVector<Member> out;
    qsizetype pos = 1;
    while (pos < object.size() && object[pos] != '}') {
        const qsizetype keyEnd = skipValue(object, pos);
        const qsizetype valueStart = keyEnd + 1; // skip ':'
        const qsizetype valueEnd = skipValue(object, valueStart);
        out.append(Member{object.sliced(pos, keyEnd - pos), object.sliced(valueStart, valueEnd - valueStart)});
        pos = valueEnd;
        if (pos < object.size() && object[pos] == ',')
            ++pos;
    }
    return out;
}

QVector<QByteArrayView> elements(QByteArrayView array)
{
    QVector<QByteArrayView> out;
    qsizetype pos = 1;
    while (pos < array.size() && array[pos] != ']') {
        const qsizetype end = skipValue(array, pos);
        out.append(array.sliced(pos, end - pos));
        pos = end;
        if (pos < array.size() && array[pos] == ',')
            ++pos;
    }
    return out;
}

QString unquote(QByteArrayView literal)
{
    const QByteArrayView inner = literal.sliced(1, literal.size() - 2);
    if (!inner.contains('\\'))
        return QString::fromUtf8(inner);
    QString out;
    out.reserve(inner.size());
    qsizetype runStart = 0;
    qsizetype pos = 0;
    while (pos < inner.size()) {
        if (inner[pos] != '\\') {
            ++pos;
            continue;
        }
        out.append(QString::fromUtf8(inner.sliced(runStart, pos - runStart)));
        const char escape = inner[pos + 1];
        pos += 2;
        switch (escape) {
        case 'b': out.append(QLatin1Char('\b')); break;
        case 'f': out.append(QLatin1Char('\f')); break;
        case 'n': out.append(QLatin1Char('\n')); break;
        case 'r': out.append(QLatin1Char('\r')); break;
        case 't': out.append(QLatin1Char('\t')); break;
        case 'u': {
            char32_t code = char32_t(inner.sliced(pos, 4).toUInt(nullptr, 16));
            pos += 4;
            if (QChar::isHighSurrogate(code) && pos + 6 <= inner.size() && inner[pos] == '\\' && inner[pos + 1] == 'u') {
                const char32_t low = char32_t(inner.sliced(pos + 2, 4).toUInt(nullptr, 16));
                if (QChar::isLowSurrogate(low)) {
                    code = QChar::surrogateToUcs4(char16_t(code), char16_t(low));
                    pos += 6;
                }
            }
            appendUtf16(out, code);
            break;
        }
        default: out.append(QLatin1Char(escape)); break; // " \ /
        }
        runStart = pos;
    }
    out.append(QString::fromUtf8(inner.sliced(runStart)));
    return out;
}

void forEachString(QByteArrayView minifiedValue, const std::function<void(const QString &)> &visit)
{
    forEachStringLiteral(minifiedValue, [&visit](QByteArrayView literal) { visit(unquote(literal)); });
}

void forEachStringLiteral(QByteArrayView minifiedValue, const std::function<void(QByteArrayView)> &visit)
{
    // In minified JSON a string literal is a key exactly when ':' follows it.
    const char *data = minifiedValue.data();
    qsizetype pos = 0;
    while (pos < minifiedValue.size()) {
        const void *quote = std::memchr(data + pos, '"', size_t(minifiedValue.size() - pos));
        if (!quote)
            return;
        pos = static_cast<const char *>(quote) - data;
        const qsizetype end = skipString(minifiedValue, pos);
        if (end >= minifiedValue.size() || minifiedValue[end] != ':')
            visit(minifiedValue.sliced(pos, end - pos));
        pos = end;
    }
}

} // namespace JsonText
