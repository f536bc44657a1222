#include "LogEntry.h"

#include "JsonText.h"

#include <charconv>

QString LogEntry::opName(Op op)
{
    switch (op) {
    case Op::CreateDatabase: return QStringLiteral("createDb");
    case Op::DeleteDatabase: return QStringLiteral("deleteDb");
    case Op::PutDocument: return QStringLiteral("put");
    case Op::Noop: return QStringLiteral("noop");
    case Op::Configure: return QStringLiteral("configure");
    }
    return QString();
}

std::optional<LogEntry::Op> LogEntry::opFromName(QStringView name)
{
    for (Op op : {Op::CreateDatabase, Op::DeleteDatabase, Op::PutDocument, Op::Noop, Op::Configure}) {
        if (name == opName(op))
            return op;
    }
    return std::nullopt;
}

QByteArray LogEntry::toJson() const
{
    QByteArray out;
    out.reserve(approximateJsonBytes());
    appendJson(out);
    return out;
}

namespace {

void appendNumber(QByteArray &out, qint64 value)
{
    char digits[24];
    const std::to_chars_result end = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end.ptr - digits);
}

} // namespace

void LogEntry::appendJson(QByteArray &out) const
{
    out.append("{\"seq\":");
    appendNumber(out, seq);
    out.append(",\"term\":");
    appendNumber(out, term);
    out.append(",\"op\":");
    out.append(JsonText::quote(opName(op)));
    out.append(",\"db\":");
    out.append(JsonText::quote(db));
    out.append(",\"ts\":");
    appendNumber(out, timestampMs);
    if (op == Op::PutDocument) {
        out.append(",\"id\":");
        out.append(JsonText::quote(id));
        out.append(",\"rev\":");
        out.append(JsonText::quote(rev));
        out.append(deleted ? ",\"deleted\":true" : ",\"deleted\":false");
        out.append(",\"body\":");
        out.append(body);
    } else if (op == Op::Configure) {
        out.append(",\"body\":");
        out.append(body);
    }
    out.append('}');
}

Result<LogEntry> LogEntry::fromJson(QByteArrayView minified)
{
    if (minified.isEmpty() || minified.front() != '{')
        return Status::badRequest(QStringLiteral("log entry: must be a JSON object"));
    LogEntry entry;
    bool haveSeq = false;
    bool haveTerm = false;
    bool haveOp = false;
    for (const JsonText::Member &member : JsonText::members(minified)) {
        // Keys compared as they are written (quotes included): no key of the
        // format needs an escape.
        const QByteArrayView key = member.key;
        const QByteArrayView value = member.value;
        const char type = value.front();
        bool ok = true;
        if (key == "\"seq\"") {
            entry.seq = value.toLongLong(&ok);
            haveSeq = ok;
        } else if (key == "\"term\"") {
            entry.term = value.toLongLong(&ok);
            haveTerm = ok;
        } else if (key == "\"ts\"") {
            entry.timestampMs = value.toLongLong(&ok);
        } else if (key == "\"op\"" && type == '"') {
            const std::optional<Op> op = opFromName(JsonText::unquote(value));
            haveOp = op.has_value();
            if (op)
                entry.op = *op;
        } else if (key == "\"db\"" && type == '"') {
            entry.db = JsonText::unquote(value);
        } else if (key == "\"id\"" && type == '"') {
            entry.id = JsonText::unquote(value);
        } else if (key == "\"rev\"" && type == '"') {
            entry.rev = JsonText::unquote(value);
        } else if (key == "\"deleted\"") {
            entry.deleted = value == "true";
        } else if (key == "\"body\"" && type == '{') {
            entry.body = value.toByteArray();
        }
        if (!ok)
            return Status::badRequest(QStringLiteral("log entry: %1 must be an integer").arg(JsonText::unquote(key)));
    }
    if (!haveSeq || !haveTerm || !haveOp || entry.seq < 1 || entry.term < 1)
        return Status::badRequest(QStringLiteral("log entry: seq and term (>= 1) and op are required"));
    if (entry.op == Op::Configure && entry.body.isEmpty())
        return Status::badRequest(QStringLiteral("log entry %1: a configure entry needs a body").arg(entry.seq));
    if (entry.op != Op::Noop && entry.op != Op::Configure && entry.db.isEmpty())
        return Status::badRequest(QStringLiteral("log entry %1: db is required").arg(entry.seq));
    if (entry.op == Op::PutDocument && (entry.id.isEmpty() || entry.rev.isEmpty() || entry.body.isEmpty()))
        return Status::badRequest(QStringLiteral("log entry %1: a put needs id, rev and body").arg(entry.seq));
    return entry;
}
