#include "RequestFramer.h"

#include <QList>

namespace {

constexpr qint64 kMaxChunkLineBytes = 4096;

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

QByteArray headerValue(const QByteArray &block, const QByteArray &lowerName, int *count)
{
    QByteArray value;
    *count = 0;
    const QList<QByteArray> lines = block.split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        if (line.left(colon).trimmed().toLower() == lowerName) {
            ++*count;
            value = line.mid(colon + 1).trimmed();
        }
    }
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
    int count = 0;
    const QByteArray transferEncoding = headerValue(m_header, "transfer-encoding", &count).toLower();
    const bool chunked = transferEncoding.contains("chunked");
    const QByteArray contentLengthText = headerValue(m_header, "content-length", &count);
    const int contentLengthCount = count;
    const QByteArray expect = headerValue(m_header, "expect", &count).toLower();
    m_bodyLimit = m_limits.maxBodyBytes;
    if (!m_limits.internalPathPrefix.isEmpty() && m_limits.maxInternalBodyBytes > 0) {
        const qsizetype target = m_header.indexOf(' ') + 1;
        if (target > 0 && QByteArrayView(m_header).sliced(target).startsWith(m_limits.internalPathPrefix))
            m_bodyLimit = m_limits.maxInternalBodyBytes;
    }
    m_header.clear();

    if (chunked) {
        if (contentLengthCount > 0) {
            refuse(outcome, 400, QStringLiteral("a request must not have both Transfer-Encoding and Content-Length"));
            return false;
        }
        if (expect == "100-continue")
            ++outcome.continuesToSend;
        m_state = State::ChunkSize;
        m_bodyBytes = 0;
        return true;
    }
    if (!transferEncoding.isEmpty()) {
        refuse(outcome, 400, QStringLiteral("unsupported Transfer-Encoding"));
        return false;
    }
    qint64 length = 0;
    if (contentLengthCount > 0) {
        bool ok = false;
        length = contentLengthText.toLongLong(&ok);
        if (contentLengthCount > 1 || !ok || length < 0) {
            refuse(outcome, 400, QStringLiteral("invalid Content-Length"));
            return false;
        }
    }
    if (length > m_bodyLimit) {
        refuse(outcome, 413,
               QStringLiteral("request body of %1 bytes is larger than the limit of %2 bytes")
                   .arg(length)
                   .arg(m_bodyLimit));
        return false;
    }
    if (expect == "100-continue" && length > 0)
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
            qsizetype end = m_header.indexOf("\r\n\r\n", searchFrom);
            qsizetype terminator = 4;
            const qsizetype bareEnd = m_header.indexOf("\n\n", searchFrom);
            if (bareEnd >= 0 && (end < 0 || bareEnd < end)) {
                end = bareEnd;
                terminator = 2;
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
            pos += end + terminator - before;
            m_header.truncate(end + terminator / 2);
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
                const qint64 chunk = sizeText.size() <= 15 ? sizeText.toLongLong(&ok, 16) : -1;
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
