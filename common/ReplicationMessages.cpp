#include "ReplicationMessages.h"

#include "JsonText.h"
#include "Membership.h"

#include <QJsonObject>

namespace {

// Reads the integer members of a flat JSON object; the errors name the field.
class FieldReader
{
public:
    FieldReader(const QByteArray &text, const char *what) : m_what(what)
    {
        const Result<QByteArray> minified = JsonText::minify(text);
        if (!minified.isOk()) {
            m_status = minified.status();
            return;
        }
        if (minified->front() != '{') {
            m_status = Status::badRequest(QStringLiteral("%1 must be a JSON object").arg(QLatin1String(what)));
            return;
        }
        m_text = minified.value();
        for (const JsonText::Member &member : JsonText::members(m_text))
            m_members.insert(JsonText::unquote(member.key), member.value);
    }

    bool ok() const { return m_status.isOk(); }
    const Status &status() const { return m_status; }

    qint64 integer(const char *name, qint64 minimum = 0, qint64 maximum = kMaxSeq)
    {
        const QByteArrayView value = m_members.value(QLatin1String(name));
        bool parsed = false;
        const qint64 number = value.isEmpty() ? 0 : value.toLongLong(&parsed);
        if (m_status.isOk() && (!parsed || number < minimum || number > maximum)) {
            m_status = Status::badRequest(QStringLiteral("%1: %2 must be an integer from %3 to %4")
                                              .arg(QLatin1String(m_what), QLatin1String(name))
                                              .arg(minimum)
                                              .arg(maximum));
        }
        return number;
    }

    qint64 term(const char *name, qint64 minimum = 0) { return integer(name, minimum, kMaxTerm); }
    int member(const char *name) { return int(integer(name, 0, kMaxMemberIndex)); }

    bool boolean(const char *name, bool fallback = false)
    {
        const QByteArrayView value = m_members.value(QLatin1String(name));
        if (value.isEmpty())
            return fallback;
        if (value == "true")
            return true;
        if (value != "false" && m_status.isOk()) {
            m_status = Status::badRequest(
                QStringLiteral("%1: %2 must be a boolean").arg(QLatin1String(m_what), QLatin1String(name)));
        }
        return false;
    }

    QByteArrayView raw(const char *name) const { return m_members.value(QLatin1String(name)); }

    void fail(const QString &why)
    {
        if (m_status.isOk())
            m_status = Status::badRequest(QStringLiteral("%1: %2").arg(QLatin1String(m_what), why));
    }

private:
    const char *m_what;
    QByteArray m_text;
    QHash<QString, QByteArrayView> m_members;
    Status m_status;
};

QByteArray number(qint64 value)
{
    return QByteArray::number(value);
}

} // namespace

QByteArray AppendRequest::toJson() const
{
    QByteArray out;
    // Reserved in full (ids and names counted as 3 bytes a character): a
    // request that outgrew its buffer was copied again at every growth.
    qsizetype size = 160 + leaderUrl.size() * 3;
    for (const LogEntry &entry : entries)
        size += entry.approximateJsonBytes() + (entry.db.size() + entry.id.size() + entry.rev.size()) * 2;
    out.reserve(size);
    out += "{\"term\":" + number(term) + ",\"leader\":" + number(leader) + ",\"prevSeq\":" + number(prevSeq)
        + ",\"prevTerm\":" + number(prevTerm) + ",\"commitSeq\":" + number(commitSeq)
        + (snapshotNeeded ? ",\"snapshotNeeded\":true" : "")
        + (leaderUrl.isEmpty() ? QByteArray() : ",\"leaderUrl\":" + JsonText::quote(leaderUrl)) + ",\"entries\":[";
    for (qsizetype i = 0; i < entries.size(); ++i) {
        if (i)
            out.append(',');
        entries.at(i).appendJson(out);
    }
    out.append("]}");
    return out;
}

Result<AppendRequest> AppendRequest::fromJson(const QByteArray &text)
{
    FieldReader reader(text, "append");
    if (!reader.ok())
        return reader.status();
    AppendRequest request;
    request.term = reader.term("term", 1);
    request.leader = reader.member("leader");
    request.prevSeq = reader.integer("prevSeq");
    request.prevTerm = reader.term("prevTerm");
    request.commitSeq = reader.integer("commitSeq");
    request.snapshotNeeded = reader.boolean("snapshotNeeded");
    if (const QByteArrayView url = reader.raw("leaderUrl"); !url.isEmpty()) {
        if (url.front() != '"')
            reader.fail(QStringLiteral("leaderUrl must be a string"));
        else
            request.leaderUrl = JsonText::unquote(url);
    }
    const QByteArrayView entries = reader.raw("entries");
    if (!entries.isEmpty() && entries.front() != '[')
        reader.fail(QStringLiteral("entries must be an array"));
    if (!reader.ok())
        return reader.status();
    qint64 expected = request.prevSeq + 1;
    qint64 previousTerm = request.prevTerm;
    for (const QByteArrayView item : JsonText::elements(entries)) {
        if (item.front() != '{')
            return Status::badRequest(QStringLiteral("append: entries must be objects"));
        Result<LogEntry> entry = LogEntry::fromJson(item);
        if (!entry.isOk())
            return entry.status();
        if (entry->seq != expected || entry->term < previousTerm || entry->term > request.term)
            return Status::badRequest(QStringLiteral("append: entry %1 breaks the log's order").arg(entry->seq));
        if (entry->op == LogEntry::Op::Configure) {
            if (const Result<Membership> membership = Membership::fromJson(entry->body); !membership.isOk())
                return Status::badRequest(QStringLiteral("append: entry %1: %2").arg(entry->seq).arg(membership.status().message()));
        }
        previousTerm = entry->term;
        ++expected;
        request.entries.append(std::move(entry).value());
    }
    request.entryCount = request.entries.size();
    return request;
}

QByteArray AppendResponse::toJson() const
{
    return "{\"term\":" + number(term) + ",\"from\":" + number(from) + (success ? ",\"success\":true" : ",\"success\":false")
        + ",\"matchSeq\":" + number(matchSeq) + ",\"hintSeq\":" + number(hintSeq) + ",\"lastSeq\":" + number(lastSeq)
        + (voter ? "}" : ",\"voter\":false}");
}

Result<AppendResponse> AppendResponse::fromJson(const QByteArray &text)
{
    FieldReader reader(text, "append response");
    AppendResponse response;
    if (!reader.ok())
        return reader.status();
    response.term = reader.term("term");
    response.from = reader.member("from");
    response.success = reader.boolean("success");
    response.matchSeq = reader.integer("matchSeq");
    response.hintSeq = reader.integer("hintSeq");
    response.lastSeq = reader.integer("lastSeq");
    response.voter = reader.boolean("voter", true);
    if (!reader.ok())
        return reader.status();
    return response;
}

QByteArray VoteRequest::toJson() const
{
    return "{\"term\":" + number(term) + ",\"candidate\":" + number(candidate) + ",\"lastSeq\":" + number(lastSeq)
        + ",\"lastTerm\":" + number(lastTerm) + (transfer ? ",\"transfer\":true" : "") + (candidateVoter ? "}" : ",\"voter\":false}");
}

Result<VoteRequest> VoteRequest::fromJson(const QByteArray &text)
{
    FieldReader reader(text, "vote");
    VoteRequest request;
    if (!reader.ok())
        return reader.status();
    request.term = reader.term("term", 1);
    request.candidate = reader.member("candidate");
    request.lastSeq = reader.integer("lastSeq");
    request.lastTerm = reader.term("lastTerm");
    request.transfer = reader.boolean("transfer");
    request.candidateVoter = reader.boolean("voter", true);
    if (!reader.ok())
        return reader.status();
    return request;
}

QByteArray VoteResponse::toJson() const
{
    return "{\"term\":" + number(term) + ",\"from\":" + number(from) + (granted ? ",\"granted\":true" : ",\"granted\":false")
        + (retryAfterMs > 0 ? ",\"retryAfterMs\":" + number(retryAfterMs) + '}' : QByteArray("}"));
}

Result<VoteResponse> VoteResponse::fromJson(const QByteArray &text)
{
    FieldReader reader(text, "vote response");
    VoteResponse response;
    if (!reader.ok())
        return reader.status();
    response.term = reader.term("term");
    response.from = reader.member("from");
    response.granted = reader.boolean("granted");
    response.retryAfterMs = reader.raw("retryAfterMs").isEmpty() ? 0 : reader.integer("retryAfterMs");
    if (!reader.ok())
        return reader.status();
    return response;
}
