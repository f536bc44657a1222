#include "RequestFramer.h"

#include <QList>

#include <algorithm>
#include <cctype>

namespace {

constexpr qint64 kMaxChunkLineBytes = 4096;
// Qt's header parser gives up on (and drops every header of) a block with
// more fields, or a longer field, than this: such blocks are refused.
constexpr int kMaxHeaderFields = 100;
constexpr qsizetype kMaxHeaderFieldBytes = 8 * 1024;

// "METHOD SP request-target SP HTTP/1.x" (RFC 9112, section 3).
bool isRequestLine(QByteArrayView line)
{
    if (line.endsWith('\r'))
        line.chop(1);
    const qsizetype firstSpace = line.indexOf(' ');
    const qsizetype lastSpace = line.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace <= firstSpace + 1)
        return false;
    for (qsizetype i = 0; i < firstSpace; ++i) {
        if (line[i] < 'A' || line[i] > 'Z')
            return false;
    }
    for (qsizetype i = firstSpace + 1; i < lastSpace; ++i) {
        if (static_cast<unsigned char>(line[i]) <= ' ')
            return false;
    }
    const QByteArrayView version = line.sliced(lastSpace + 1);
    return version == "HTTP/1.1" || version == "HTTP/1.0";
}

// RFC 9110, section 5.6.2.
bool isToken(QByteArrayView name)
{
    if (name.isEmpty())
        return false;
    for (const char c : name) {
        const bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
        if (!tchar)
            return false;
    }
    return true;
}

QByteArrayView trimmedSpace(QByteArrayView value)
{
    while (!value.isEmpty() && (value.front() == ' ' || value.front() == '\t'))
        value = value.sliced(1);
    while (!value.isEmpty() && (value.back() == ' ' || value.back() == '\t'))
        value.chop(1);
    return value;
}

} // namespace

void RequestFramer::refuse(Outcome &outcome, int status, const QString &reason)
{
    m_state = State::Refused;
    m_header.clear();
    outcome.refuseStatus = status;
    outcome.reason = reason;
}

void RequestFramer::completeRequest(Outcome &outcome)
{
    m_state = State::Headers;
    m_header.clear();
    m_requestLineChecked = false;
    m_remaining = 0;
    m_bodyBytes = 0;
    ++outcome.requestsCompleted;
}

bool RequestFramer::finishHeaders(Outcome &outcome)
{
    // The block is "request-line CRLF *(field-line CRLF)", bare LFs and CRs
    // already refused. Anything Qt's own parser would read differently (it
    // drops every header of a block it cannot parse, and joins folded lines)
    // is refused here, so both always agree where a request ends.
    const QByteArrayView block(m_header);
    const qsizetype firstLineEnd = block.indexOf("\r\n");
    const bool http10 = block.first(firstLineEnd).endsWith("HTTP/1.0");
    int fields = 0;
    int contentLengthCount = 0;
    int transferEncodingCount = 0;
    // Copies: the header block is cleared below.
    QByteArray contentLength;
    QByteArray transferEncoding;
    QByteArray expect;
    for (qsizetype start = firstLineEnd + 2; start < block.size();) {
        const qsizetype lineEnd = block.indexOf("\r\n", start);
        const QByteArrayView line = block.sliced(start, lineEnd - start);
        start = lineEnd + 2;
        if (line.startsWith(' ') || line.startsWith('\t')) {
            refuse(outcome, 400, QStringLiteral("a header line continued onto the next (obsolete line folding)"));
            return false;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon < 0 || !isToken(line.first(colon))) {
            refuse(outcome, 400, QStringLiteral("malformed header line (a field name is a token followed by ':')"));
            return false;
        }
        if (++fields > kMaxHeaderFields) {
            refuse(outcome, 431, QStringLiteral("more than %1 header fields").arg(kMaxHeaderFields));
            return false;
        }
        if (line.size() > kMaxHeaderFieldBytes) {
            refuse(outcome, 431, QStringLiteral("a header field is longer than %1 bytes").arg(kMaxHeaderFieldBytes));
            return false;
        }
        const QByteArrayView name = line.first(colon);
        const QByteArrayView value = trimmedSpace(line.sliced(colon + 1));
        if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
            ++contentLengthCount;
            contentLength = value.toByteArray();
        } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            ++transferEncodingCount;
            transferEncoding = value.toByteArray();
        } else if (name.compare("expect", Qt::CaseInsensitive) == 0) {
            expect = value.toByteArray();
        }
    }
    const bool chunked = transferEncodingCount > 0;
    const bool expectsContinue = expect.compare("100-continue", Qt::CaseInsensitive) == 0;
    m_bodyLimit = m_limits.maxBodyBytes;
    if (!m_limits.internalPathPrefix.isEmpty() && m_limits.maxInternalBodyBytes > 0) {
        const qsizetype target = m_header.indexOf(' ') + 1;
        if (target > 0 && QByteArrayView(m_header).sliced(target).startsWith(m_limits.internalPathPrefix))
            m_bodyLimit = m_limits.maxInternalBodyBytes;
    }
    m_header.clear();

    if (chunked && (transferEncodingCount > 1 || transferEncoding.compare("chunked", Qt::CaseInsensitive) != 0)) {
        refuse(outcome, 400, QStringLiteral("unsupported Transfer-Encoding (only a single 'chunked' is accepted)"));
        return false;
    }
    if (chunked && http10) {
        refuse(outcome, 400, QStringLiteral("Transfer-Encoding in an HTTP/1.0 request"));
        return false;
    }
    if (chunked) {
        if (contentLengthCount > 0) {
            refuse(outcome, 400, QStringLiteral("a request must not have both Transfer-Encoding and Content-Length"));
            return false;
        }
        if (expectsContinue)
            ++outcome.continuesToSend;
        m_state = State::ChunkSize;
        m_bodyBytes = 0;
        return true;
    }
    qint64 length = 0;
    if (contentLengthCount > 0) {
        // 1*DIGIT and nothing else: no sign, no list, no spaces inside.
        const bool digits = !contentLength.isEmpty() && contentLength.size() <= 18
            && std::all_of(contentLength.begin(), contentLength.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (contentLengthCount > 1 || !digits) {
            refuse(outcome, 400, QStringLiteral("invalid Content-Length"));
            return false;
        }
        length = contentLength.toLongLong();
    }
    if (length > m_bodyLimit) {
        refuse(outcome, 413,
               QStringLiteral("request body of %1 bytes is larger than the limit of %2 bytes")
                   .arg(length)
                   .arg(m_bodyLimit));
        return false;
    }
    if (expectsContinue && length > 0)
        ++outcome.continuesToSend;
    if (length == 0) {
        completeRequest(outcome);
    } else {
        m_state = State::Body;
        m_remaining = length;
    }
    return true;
}

RequestFramer::Outcome RequestFramer::feed(const char *data, qint64 size)
{
    Outcome outcome;
    qint64 pos = 0;
    while (pos < size && m_state != State::Refused) {
        switch (m_state) {
        case State::Headers: {
            // Skip blank lines between requests (allowed by RFC 9112).
            if (m_header.isEmpty() && (data[pos] == '\r' || data[pos] == '\n')) {
                ++pos;
                break;
            }
            const qint64 take = qMin(size - pos, m_limits.maxHeaderBytes + 4 - m_header.size());
            const qsizetype before = m_header.size();
            m_header.append(data + pos, take);
            if (!m_requestLineChecked) {
                const qsizetype lineEnd = m_header.indexOf('\n');
                if (lineEnd >= 0) {
                    if (!isRequestLine(QByteArrayView(m_header).first(lineEnd))) {
                        refuse(outcome, 400, QStringLiteral("malformed request line"));
                        return outcome;
                    }
                    m_requestLineChecked = true;
                }
            }
            const qsizetype searchFrom = qMax<qsizetype>(0, before - 3);
            const qsizetype end = m_header.indexOf("\r\n\r\n", searchFrom);
            // Lines end with CRLF only: a bare LF or CR, which parsers read
            // differently, is refused (RFC 9112 allows either).
            const qsizetype scanEnd = end < 0 ? m_header.size() : end + 4;
            for (qsizetype i = qMax<qsizetype>(before, 1); i < scanEnd; ++i) {
                const char c = m_header.at(i);
                const char previous = m_header.at(i - 1);
                if ((c == '\n' && previous != '\r') || (previous == '\r' && c != '\n') || c == '\0') {
                    refuse(outcome, 400, QStringLiteral("header lines must end with CRLF and hold no NUL"));
                    return outcome;
                }
            }
            if (before == 0 && (m_header.front() == '\0')) {
                refuse(outcome, 400, QStringLiteral("header lines must end with CRLF and hold no NUL"));
                return outcome;
            }
            if (end < 0) {
                if (m_header.size() > m_limits.maxHeaderBytes) {
                    refuse(outcome, 431,
                           QStringLiteral("request headers are larger than the limit of %1 bytes").arg(m_limits.maxHeaderBytes));
                    return outcome;
                }
                pos += take;
                break;
            }
            pos += end + 4 - before;
            m_header.truncate(end + 2);
            if (!finishHeaders(outcome))
                return outcome;
            break;
        }
        case State::Body: {
            const qint64 take = qMin(size - pos, m_remaining);
            m_remaining -= take;
            pos += take;
            if (m_remaining == 0)
                completeRequest(outcome);
            break;
        }
        case State::ChunkSize:
        case State::ChunkDataEnd:
        case State::Trailers: {
            const char c = data[pos++];
            if (m_state == State::ChunkDataEnd && c != '\r' && c != '\n') {
                refuse(outcome, 400, QStringLiteral("malformed chunked body"));
                return outcome;
            }
            if (c != '\n') {
                m_header.append(c);
                if (m_header.size() > kMaxChunkLineBytes) {
                    refuse(outcome, 400, QStringLiteral("malformed chunked body"));
                    return outcome;
                }
                break;
            }
            QByteArray line = m_header;
            m_header.clear();
            if (line.endsWith('\r'))
                line.chop(1);
            if (m_state == State::ChunkDataEnd) {
                if (!line.isEmpty()) {
                    refuse(outcome, 400, QStringLiteral("malformed chunked body"));
                    return outcome;
                }
                m_state = State::ChunkSize;
            } else if (m_state == State::Trailers) {
                if (line.isEmpty())
                    completeRequest(outcome);
            } else {
                const qsizetype semicolon = line.indexOf(';');
                bool ok = false;
                const QByteArray sizeText = (semicolon >= 0 ? line.left(semicolon) : line).trimmed();
                const bool hex = !sizeText.isEmpty() && sizeText.size() <= 15
                    && std::all_of(sizeText.begin(), sizeText.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
                const qint64 chunk = hex ? sizeText.toLongLong(&ok, 16) : -1;
                if (!ok || chunk < 0) {
                    refuse(outcome, 400, QStringLiteral("malformed chunk size"));
                    return outcome;
                }
                if (chunk == 0) {
                    m_state = State::Trailers;
                } else if (m_bodyBytes + chunk > m_bodyLimit) {
                    refuse(outcome, 413,
                           QStringLiteral("request body is larger than the limit of %1 bytes").arg(m_bodyLimit));
                    return outcome;
                } else {
                    m_bodyBytes += chunk;
                    m_remaining = chunk;
                    m_state = State::ChunkData;
                }
            }
            break;
        }
        case State::ChunkData: {
            const qint64 take = qMin(size - pos, m_remaining);
            m_remaining -= take;
            pos += take;
            if (m_remaining == 0)
                m_state = State::ChunkDataEnd;
            break;
        }
        case State::Refused:
            break;
        }
    }
    return outcome;
}
