#include "DocumentReader.h"

#include "JsonText.h"
#include "StorageSchema.h"

#include <QFileInfo>

namespace {

QString sql(const char *text)
{
    return QString::fromLatin1(text);
}

// BEGIN ... COMMIT around several statements that must see one snapshot.
class ReadTransaction
{
public:
    explicit ReadTransaction(SqliteConnection &connection) : m_connection(connection)
    {
        m_active = m_connection.database().transaction();
    }
    ~ReadTransaction()
    {
        if (m_active)
            m_connection.database().commit();
    }

private:
    SqliteConnection &m_connection;
    bool m_active = false;
};

} // namespace

Status DocumentReader::open(const QString &path, const StorageOptions &options)
{
    m_databaseSelect.finalize();
    m_headSelect.finalize();
    m_path = path;
    return m_connection.open(path, SqliteConnection::Mode::Reader, options);
}

void DocumentReader::close()
{
    m_databaseSelect.finalize();
    m_headSelect.finalize();
    m_connection.close();
}

Result<NativeStatement *> DocumentReader::native(NativeStatement &statement, const char *sql)
{
    if (!statement.isPrepared()) {
        sqlite3 *handle = NativeStatement::handleOf(m_connection.database());
        if (!handle)
            return Status::storageFailure(QStringLiteral("the database %1 is not open").arg(m_path));
        const Status status = statement.prepare(handle, QByteArray(sql));
        if (!status.isOk())
            return status;
    }
    return &statement;
}

Status DocumentReader::runSelect(SqliteStatement &statement, const QVariantList &arguments, const QString &what)
{
    for (int i = 0; i < arguments.size(); ++i)
        statement->bindValue(i, arguments.at(i));
    if (!statement->exec())
        return SqliteConnection::error(statement->lastError(), what);
    return Status::ok();
}

Result<std::optional<DatabaseInfo>> DocumentReader::database(const QString &db)
{
    const Result<NativeStatement *> select =
        native(m_databaseSelect, "SELECT seq, docs_total, docs_deleted, created_seq, created_ts FROM dbs WHERE name = ?");
    if (!select.isOk())
        return select.status();
    NativeStatement &statement = *select.value();
    statement.bindText(1, db);
    Status status;
    std::optional<DatabaseInfo> found;
    if (statement.step(&status)) {
        DatabaseInfo info;
        info.name = db;
        info.seq = statement.columnInt64(0);
        info.docsTotal = statement.columnInt64(1);
        info.docsDeleted = statement.columnInt64(2);
        info.createdSeq = statement.columnInt64(3);
        info.createdMs = statement.columnInt64(4);
        found = info;
    }
    statement.reset(); // ends the statement's read of the file
    if (!status.isOk())
        return status;
    return found;
}

Result<QStringList> DocumentReader::databaseNames()
{
    Status status;
    SqliteStatement select = m_connection.statement(sql("SELECT name FROM dbs ORDER BY name"), &status);
    if (!select)
        return status;
    status = runSelect(select, {}, QStringLiteral("cannot list databases"));
    if (!status.isOk())
        return status;
    QStringList names;
    while (select->next())
        names.append(select->value(0).toString());
    return names;
}

Result<std::optional<DocumentHead>> DocumentReader::head(const QString &db, const QString &id)
{
    const Result<NativeStatement *> select = native(m_headSelect, "SELECT rev, deleted FROM docs WHERE db = ? AND id = ?");
    if (!select.isOk())
        return select.status();
    NativeStatement &statement = *select.value();
    statement.bindText(1, db);
    statement.bindText(2, id);
    Status status;
    std::optional<DocumentHead> found;
    if (statement.step(&status))
        found = DocumentHead{QString::fromUtf8(statement.columnBytes(0)), statement.columnInt64(1) != 0};
    statement.reset(); // ends the statement's read of the file
    if (!status.isOk())
        return status;
    return found;
}

Result<QHash<QString, DocumentHead>> DocumentReader::heads(const QString &db, const QStringList &ids)
{
    QHash<QString, DocumentHead> found;
    if (ids.isEmpty())
        return found;
    QByteArray array = "[";
    for (qsizetype i = 0; i < ids.size(); ++i) {
        if (i)
            array.append(',');
        array.append(JsonText::quote(ids.at(i)));
    }
    array.append(']');
    Status status;
    SqliteStatement select = m_connection.statement(
        sql("SELECT id, rev, deleted FROM docs WHERE db = ? AND id IN (SELECT value FROM json_each(?))"), &status);
    if (!select)
        return status;
    status = runSelect(select, {db, QString::fromUtf8(array)}, QStringLiteral("cannot read documents"));
    if (!status.isOk())
        return status;
    while (select->next())
        found.insert(select->value(0).toString(), DocumentHead{select->value(1).toString(), select->value(2).toInt() != 0});
    return found;
}

Result<std::optional<StoredDocument>> DocumentReader::document(const QString &db, const QString &id, const QString &rev)
{
    Status status;
    const QString what = QStringLiteral("cannot read document %1").arg(id);
    SqliteStatement current = m_connection.statement(
        sql("SELECT CAST(body AS BLOB), rev, deleted FROM docs WHERE db = ? AND id = ?"), &status);
    if (!current)
        return status;
    status = runSelect(current, {db, id}, what);
    if (!status.isOk())
        return status;
    if (current->next() && (rev.isEmpty() || current->value(1).toString() == rev)) {
        return std::optional<StoredDocument>(
            StoredDocument{current->value(0).toByteArray(), current->value(1).toString(), current->value(2).toInt() != 0});
    }
    if (rev.isEmpty())
        return std::optional<StoredDocument>();
    SqliteStatement earlier = m_connection.statement(
        sql("SELECT CAST(body AS BLOB), deleted FROM revs WHERE db = ? AND id = ? AND rev = ?"), &status);
    if (!earlier)
        return status;
    status = runSelect(earlier, {db, id, rev}, what);
    if (!status.isOk())
        return status;
    if (!earlier->next())
        return std::optional<StoredDocument>();
    return std::optional<StoredDocument>(StoredDocument{earlier->value(0).toByteArray(), rev, earlier->value(1).toInt() != 0});
}

Result<DocumentPage> DocumentReader::page(const QString &from, const QString &where, const QVariantList &arguments,
                                          const PageRequest &pageRequest)
{
    Status status;
    DocumentPage result;
    SqliteStatement count = m_connection.statement(QStringLiteral("SELECT count(*) FROM ") + from + QStringLiteral(" WHERE ") + where, &status);
    if (!count)
        return status;
    status = runSelect(count, arguments, QStringLiteral("cannot count matches"));
    if (!status.isOk())
        return status;
    if (count->next())
        result.total = count->value(0).toLongLong();
    count->finish();
    if (pageRequest.limit == 0 || pageRequest.skip >= result.total)
        return result;

    // `after` narrows the page, not the total. Where the plan walks the
    // (db, id) index in order (_find/fields), d.id > ? is a range on it, so
    // rows before `after` are not read; elsewhere it filters the matches.
    const bool hasAfter = !pageRequest.after.isEmpty();
    SqliteStatement select = m_connection.statement(QStringLiteral("SELECT CAST(d.body AS BLOB) FROM ") + from
                                                        + QStringLiteral(" WHERE ") + where
                                                        + (hasAfter ? QStringLiteral(" AND d.id > ?") : QString())
                                                        + QStringLiteral(" ORDER BY d.id LIMIT ? OFFSET ?"),
                                                    &status);
    if (!select)
        return status;
    QVariantList pageArguments = arguments;
    if (hasAfter)
        pageArguments << pageRequest.after;
    pageArguments << pageRequest.limit << pageRequest.skip;
    status = runSelect(select, pageArguments, QStringLiteral("cannot read matches"));
    if (!status.isOk())
        return status;
    result.bodies.reserve(int(qMin<qint64>(pageRequest.limit, result.total)));
    while (select->next())
        result.bodies.append(select->value(0).toByteArray());
    return result;
}

Result<DocumentPage> DocumentReader::allDocuments(const QString &db, const PageRequest &pageRequest, bool includeDeleted)
{
    ReadTransaction transaction(m_connection);
    // The total comes from the database's counters: counting a million rows
    // for every page would cost more than the page.
    const Result<std::optional<DatabaseInfo>> info = database(db);
    if (!info.isOk())
        return info.status();
    if (!info->has_value())
        return Status::notFound(QStringLiteral("Database not found"));
    DocumentPage result;
    result.total = includeDeleted ? (*info)->docsTotal : (*info)->docsTotal - (*info)->docsDeleted;
    if (pageRequest.limit == 0 || pageRequest.skip >= result.total)
        return result;
    // `after` is a range on the (db, id) index: SQLite seeks to it, so a
    // keyset page costs the same wherever it starts.
    const bool hasAfter = !pageRequest.after.isEmpty();
    Status status;
    SqliteStatement select = m_connection.statement(
        QStringLiteral("SELECT CAST(body AS BLOB) FROM docs WHERE db = ?")
            + (hasAfter ? QStringLiteral(" AND id > ?") : QString())
            + (includeDeleted ? QString() : QStringLiteral(" AND deleted = 0"))
            + QStringLiteral(" ORDER BY id LIMIT ? OFFSET ?"),
        &status);
    if (!select)
        return status;
    QVariantList arguments{db};
    if (hasAfter)
        arguments << pageRequest.after;
    arguments << pageRequest.limit << pageRequest.skip;
    status = runSelect(select, arguments, QStringLiteral("cannot list documents"));
    if (!status.isOk())
        return status;
    result.bodies.reserve(int(qMin<qint64>(pageRequest.limit, result.total)));
    while (select->next())
        result.bodies.append(select->value(0).toByteArray());
    return result;
}

Result<QVector<ChangeRow>> DocumentReader::changes(const QString &db, qint64 since, qint64 limit, qint64 *databaseSeq)
{
    ReadTransaction transaction(m_connection);
    if (databaseSeq) {
        const Result<std::optional<DatabaseInfo>> info = database(db);
        if (!info.isOk())
            return info.status();
        *databaseSeq = info->has_value() ? (*info)->seq : -1;
    }
    Status status;
    SqliteStatement select = m_connection.statement(
        sql("SELECT seq, id, rev, deleted FROM docs WHERE db = ? AND seq > ? ORDER BY seq LIMIT ?"), &status);
    if (!select)
        return status;
    status = runSelect(select, {db, since, limit}, QStringLiteral("cannot read changes"));
    if (!status.isOk())
        return status;
    QVector<ChangeRow> rows;
    while (select->next()) {
        rows.append(ChangeRow{select->value(0).toLongLong(), select->value(1).toString(), select->value(2).toString(),
                              select->value(3).toInt() != 0});
    }
    return rows;
}

Result<DocumentPage> DocumentReader::findFields(const QString &db, const FieldQuery &query)
{
    QString where = QStringLiteral("d.db = ? AND d.deleted = 0");
    QVariantList arguments{db};
    for (const FieldCondition &condition : query.equals) {
        // A string matches a text field with the same text, a boolean field
        // when it reads "true"/"false" and a number field when it reads as
        // that number; a number matches numbers, a boolean booleans.
        const QString &path = condition.jsonPath;
        QStringList alternatives;
        const auto matchNumber = [&](double number) {
            alternatives << QStringLiteral("(json_type(d.body, ?) IN ('integer', 'real') AND json_extract(d.body, ?) = ?)");
            arguments << path << path << number;
        };
        const auto matchBoolean = [&](const QString &text) {
            alternatives << QStringLiteral("json_type(d.body, ?) = ?");
            arguments << path << text;
        };
        if (condition.value.isString()) {
            const QString text = condition.value.toString();
            alternatives << QStringLiteral("(json_type(d.body, ?) = 'text' AND json_extract(d.body, ?) = ?)");
            arguments << path << path << text;
            if (text == QLatin1String("true") || text == QLatin1String("false"))
                matchBoolean(text);
            bool isNumber = false;
            const double number = text.toDouble(&isNumber);
            if (isNumber)
                matchNumber(number);
        } else if (condition.value.isBool()) {
            matchBoolean(condition.value.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
        } else {
            matchNumber(condition.value.toDouble());
        }
        where += QStringLiteral(" AND (") + alternatives.join(QStringLiteral(" OR ")) + QLatin1Char(')');
    }
    if (!query.numericField.isEmpty()) {
        where += QStringLiteral(" AND json_type(d.body, ?) IN ('integer', 'real')");
        arguments << query.numericJsonPath;
        if (query.min) {
            where += QStringLiteral(" AND json_extract(d.body, ?) >= ?");
            arguments << query.numericJsonPath << *query.min;
        }
        if (query.max) {
            where += QStringLiteral(" AND json_extract(d.body, ?) <= ?");
            arguments << query.numericJsonPath << *query.max;
        }
    }
    ReadTransaction transaction(m_connection);
    return page(QStringLiteral("docs d"), where, arguments, query.page);
}

Result<DocumentPage> DocumentReader::findTags(const QString &db, const TagQuery &query)
{
    QString where = QStringLiteral("d.db = ? AND d.deleted = 0");
    QVariantList arguments{db};
    for (const QString &tag : query.allOf) {
        where += QStringLiteral(" AND d.id IN (SELECT id FROM tags WHERE db = ? AND tag = ?)");
        arguments << db << tag;
    }
    const auto placeholders = [](qsizetype count) {
        QStringList marks;
        for (qsizetype i = 0; i < count; ++i)
            marks.append(QStringLiteral("?"));
        return marks.join(QStringLiteral(", "));
    };
    if (query.hasAnyOf) {
        if (query.anyOf.isEmpty()) {
            where += QStringLiteral(" AND 0");
        } else {
            where += QStringLiteral(" AND d.id IN (SELECT id FROM tags WHERE db = ? AND tag IN (") + placeholders(query.anyOf.size())
                + QStringLiteral("))");
            arguments << db;
            for (const QString &tag : query.anyOf)
                arguments << tag;
        }
    }
    if (!query.noneOf.isEmpty()) {
        where += QStringLiteral(" AND d.id NOT IN (SELECT id FROM tags WHERE db = ? AND tag IN (") + placeholders(query.noneOf.size())
            + QStringLiteral("))");
        arguments << db;
        for (const QString &tag : query.noneOf)
            arguments << tag;
    }
    ReadTransaction transaction(m_connection);
    return page(QStringLiteral("docs d"), where, arguments, query.page);
}

Result<DocumentPage> DocumentReader::search(const QString &db, const SearchQuery &query, const PageRequest &pageRequest)
{
    if (query.isEmpty())
        return DocumentPage();
    ReadTransaction transaction(m_connection);
    const Result<std::optional<DatabaseInfo>> info = database(db);
    if (!info.isOk())
        return info.status();
    if (!info->has_value())
        return Status::notFound(QStringLiteral("Database not found"));
    const QString fullText = StorageSchema::fullTextTable((*info)->createdSeq);
    return page(fullText + QStringLiteral(" f JOIN docs d ON d.rowid = f.rowid"),
                fullText + QStringLiteral(" MATCH ? AND d.deleted = 0"), {query.toFts5Match()}, pageRequest);
}

Result<qint64> DocumentReader::tagCount(const QString &db)
{
    Status status;
    SqliteStatement select = m_connection.statement(sql("SELECT count(DISTINCT tag) FROM tags WHERE db = ?"), &status);
    if (!select)
        return status;
    status = runSelect(select, {db}, QStringLiteral("cannot count tags"));
    if (!status.isOk())
        return status;
    return select->next() ? select->value(0).toLongLong() : qint64(0);
}

Result<StorageState> DocumentReader::state()
{
    ReadTransaction transaction(m_connection);
    Status status;
    StorageState state;
    SqliteStatement select = m_connection.statement(
        sql("SELECT (SELECT value FROM meta WHERE key = 'appliedSeq'), (SELECT max(seq) FROM wal),"
            " (SELECT count(*) FROM dbs), (SELECT value FROM meta WHERE key = 'nodeId')"),
        &status);
    if (!select)
        return status;
    status = runSelect(select, {}, QStringLiteral("cannot read the storage state"));
    if (!status.isOk())
        return status;
    if (select->next()) {
        state.appliedSeq = select->value(0).toLongLong();
        state.lastSeq = select->value(1).toLongLong();
        state.databases = select->value(2).toLongLong();
        state.nodeId = select->value(3).toString();
    }
    state.fileBytes = QFileInfo(m_path).size() + QFileInfo(m_path + QStringLiteral("-wal")).size();
    return state;
}

Result<QVector<LogEntry>> DocumentReader::logEntries(qint64 from, qint64 to, qint64 maxCount, qint64 maxBytes)
{
    Status status;
    SqliteStatement select = m_connection.statement(
        sql("SELECT seq, term, op, db, id, rev, deleted, body, ts FROM wal WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?"),
        &status);
    if (!select)
        return status;
    status = runSelect(select, {from, to, maxCount}, QStringLiteral("cannot read the log"));
    if (!status.isOk())
        return status;
    QVector<LogEntry> entries;
    qint64 bytes = 0;
    while (select->next()) {
        LogEntry entry;
        entry.seq = select->value(0).toLongLong();
        entry.term = select->value(1).toLongLong();
        entry.op = LogEntry::Op(select->value(2).toInt());
        entry.db = select->value(3).toString();
        entry.id = select->value(4).toString();
        entry.rev = select->value(5).toString();
        entry.deleted = select->value(6).toInt() != 0;
        entry.body = select->value(7).toByteArray();
        entry.timestampMs = select->value(8).toLongLong();
        bytes += entry.approximateJsonBytes();
        if (maxBytes > 0 && bytes > maxBytes && !entries.isEmpty())
            break;
        entries.append(std::move(entry));
    }
    return entries;
}

Result<qint64> DocumentReader::rolledBackCount()
{
    Status status;
    SqliteStatement select = m_connection.statement(sql("SELECT count(*) FROM rollback"), &status);
    if (!select)
        return status;
    status = runSelect(select, {}, QStringLiteral("cannot read the rollback table"));
    if (!status.isOk())
        return status;
    return select->next() ? select->value(0).toLongLong() : qint64(0);
}
