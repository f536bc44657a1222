#include "LogEntry.h"

#include <QJsonValue>

QString LogEntry::opName(Op op)
{
    switch (op) {
    case Op::CreateDatabase: return QStringLiteral("createDb");
    case Op::DeleteDatabase: return QStringLiteral("deleteDb");
    case Op::PutDocument: return QStringLiteral("put");
    }
    return QString();
}

std::optional<LogEntry::Op> LogEntry::opFromName(QStringView name)
{
    for (Op op : {Op::CreateDatabase, Op::DeleteDatabase, Op::PutDocument}) {
        if (name == opName(op))
            return op;
    }
    return std::nullopt;
}

QJsonObject LogEntry::toJson() const
{
    QJsonObject out{
        {QStringLiteral("seq"), seq},
        {QStringLiteral("term"), term},
        {QStringLiteral("op"), opName(op)},
        {QStringLiteral("db"), db},
        {QStringLiteral("ts"), timestampMs},
    };
    if (op == Op::PutDocument) {
        out.insert(QStringLiteral("id"), id);
        out.insert(QStringLiteral("rev"), rev);
        out.insert(QStringLiteral("deleted"), deleted);
        out.insert(QStringLiteral("body"), QString::fromUtf8(body));
    }
    return out;
}

Result<LogEntry> LogEntry::fromJson(const QJsonObject &object)
{
    const auto bad = [](const QString &why) {
        return Status::badRequest(QStringLiteral("invalid log entry: %1").arg(why));
    };
    LogEntry entry;
    const QJsonValue seq = object.value(QStringLiteral("seq"));
    const QJsonValue term = object.value(QStringLiteral("term"));
    if (!seq.isDouble() || seq.toInteger(-1) < 1)
        return bad(QStringLiteral("seq must be an integer >= 1"));
    if (!term.isDouble() || term.toInteger(-1) < 0)
        return bad(QStringLiteral("term must be an integer >= 0"));
    entry.seq = seq.toInteger();
    entry.term = term.toInteger();
    const std::optional<Op> op = opFromName(object.value(QStringLiteral("op")).toString());
    if (!op)
        return bad(QStringLiteral("op must be createDb, deleteDb or put"));
    entry.op = *op;
    entry.db = object.value(QStringLiteral("db")).toString();
    if (entry.db.isEmpty())
        return bad(QStringLiteral("db is missing"));
    entry.timestampMs = object.value(QStringLiteral("ts")).toInteger();
    if (entry.op == Op::PutDocument) {
        entry.id = object.value(QStringLiteral("id")).toString();
        entry.rev = object.value(QStringLiteral("rev")).toString();
        entry.deleted = object.value(QStringLiteral("deleted")).toBool();
        entry.body = object.value(QStringLiteral("body")).toString().toUtf8();
        if (entry.id.isEmpty() || entry.rev.isEmpty() || entry.body.isEmpty())
            return bad(QStringLiteral("a put needs id, rev and body"));
    }
    return entry;
}
