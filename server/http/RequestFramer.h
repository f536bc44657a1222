// RequestFramer: finds where each HTTP/1.1 request on a connection begins
// and ends, and refuses one that is too large before its body is buffered.
//
// It is fed every byte a connection receives, in order, and tracks request
// framing only: header block (up to maxHeaderBytes), then a Content-Length
// body or a chunked body (chunk sizes are summed as they arrive). A request
// whose declared or accumulated body exceeds maxBodyBytes (or, for a target
// under internalPathPrefix, maxInternalBodyBytes) is refused with 413 as soon
// as that is known; a header block that is too long, or with more fields
// or a longer field than Qt's own parser takes, with 431; broken or
// ambiguous framing (anything Qt's parser could read differently: bare LF
// or CR, folded lines, malformed field lines, a Content-Length that is not
// plain digits, a Transfer-Encoding other than one "chunked"), or a first
// line that is not "METHOD target HTTP/1.x", with 400.
// "Expect: 100-continue" is reported so the caller can
// answer it once the body is known to be acceptable.
//
// Pure (no sockets); used by ConnectionGuard. Not thread-safe.
#pragma once

#include <QByteArray>
#include <QString>

class RequestFramer
{
public:
    struct Limits
    {
        qint64 maxHeaderBytes = 64 * 1024;
        qint64 maxBodyBytes = 16 * 1024 * 1024;
        // Members' own traffic (replication appends hold many documents).
        QByteArray internalPathPrefix;
        qint64 maxInternalBodyBytes = 0; // 0: maxBodyBytes
    };

    struct Outcome
    {
        int refuseStatus = 0;  // 0: go on; else 400, 413 or 431
        QString reason;        // why, for the error body
        int continuesToSend = 0; // "100 Continue" answers owed (one per such request)
        int requestsCompleted = 0;
    };

    explicit RequestFramer(const Limits &limits) : m_limits(limits) {}

    // Feeds the next bytes of the connection. After a refusal, the framer
    // stays refused and ignores further input.
    Outcome feed(const char *data, qint64 size);
    Outcome feed(const QByteArray &data) { return feed(data.constData(), data.size()); }

    // True between requests (nothing of a next request received yet).
    bool isIdle() const { return m_state == State::Headers && m_header.isEmpty(); }
    // Part of a request's header block has arrived, not all of it.
    bool inHeaders() const { return m_state == State::Headers && !m_header.isEmpty(); }
    // The headers are complete, the body is not.
    bool inBody() const { return m_state != State::Headers && m_state != State::Refused; }
    bool isRefused() const { return m_state == State::Refused; }

private:
    enum class State { Headers, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, Refused };

    bool finishHeaders(Outcome &outcome);
    void refuse(Outcome &outcome, int status, const QString &reason);
    void completeRequest(Outcome &outcome);

    Limits m_limits;
    State m_state = State::Headers;
    QByteArray m_header;      // header block (or chunk-size line / trailer line) so far
    bool m_requestLineChecked = false;
    qint64 m_remaining = 0;   // body or chunk bytes still to come
    qint64 m_bodyBytes = 0;   // body bytes of the current request so far (chunked)
    qint64 m_bodyLimit = 0;   // of the current request
};
