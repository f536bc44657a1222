#include "LogEntry.h"

#include "JsonText.h"

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
    QByteArray out = "{\"seq\":" + QByteArray::number(seq) + ",\"term\":" + QByteArray::number(term) + ",\"op\":"
            + JsonText::quote(opName(op)) + ",\"db\":" + JsonText::quote(db) + ",\"ts\":" + QByteArray::number(timestampMs);
    if (op == Op::PutDocument) {
        out += ",\"id\":" + JsonText::quote(id) + ",\"rev\":" + JsonText::quote(rev)
            + (deleted ? ",\"deleted\":true" : ",\"deleted\":false") + ",\"body\":" + body;
    } else if (op == Op::Configure) {
        out += ",\"body\":" + body;
    }
    out.append('}');
    return out;
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
        const QString key = JsonText::unquote(member.key);
        const QByteArrayView value = member.value;
        const char type = value.front();
        bool ok = true;
        if (key == QLatin1String("seq")) {
            entry.seq = value.toLongLong(&ok);
            haveSeq = ok;
        } else if (key == QLatin1String("term")) {
            entry.term = value.toLongLong(&ok);
            haveTerm = ok;
        } else if (key == QLatin1String("ts")) {
            entry.timestampMs = value.toLongLong(&ok);
        } else if (key == QLatin1String("op") && type == '"') {
            const std::optional<Op> op = opFromName(JsonText::unquote(value));
            haveOp = op.has_value();
            if (op)
                entry.op = *op;
        } else if (key == QLatin1String("db") && type == '"') {
            entry.db = JsonText::unquote(value);
        } else if (key == QLatin1String("id") && type == '"') {
            entry.id = JsonText::unquote(value);
        } else if (key == QLatin1String("rev") && type == '"') {
            entry.rev = JsonText::unquote(value);
        } else if (key == QLatin1String("deleted")) {
            entry.deleted = value == "true";
        } else if (key == QLatin1String("body") && type == '{') {
            entry.body = value.toByteArray();
        }
        if (!ok)
            return Status::badRequest(QStringLiteral("log entry: %1 must be an integer").arg(key));
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
