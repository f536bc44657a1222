#include "StorageSchema.h"

#include "Document.h"

#include <QDateTime>
#include <QSqlQuery>
#include <QUuid>

namespace StorageSchema {

namespace {

const char *const kCreateStatements[] = {
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID",
    "CREATE TABLE wal(seq INTEGER PRIMARY KEY, term INTEGER NOT NULL, op INTEGER NOT NULL, db TEXT NOT NULL,"
    " id TEXT, rev TEXT, deleted INTEGER NOT NULL DEFAULT 0, body BLOB, ts INTEGER NOT NULL)",
    "CREATE TABLE dbs(name TEXT PRIMARY KEY, seq INTEGER NOT NULL DEFAULT 0,"
    " docs_total INTEGER NOT NULL DEFAULT 0, docs_deleted INTEGER NOT NULL DEFAULT 0,"
    " created_seq INTEGER NOT NULL, created_ts INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE docs(db TEXT NOT NULL, id TEXT NOT NULL, rev TEXT NOT NULL, seq INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL, body TEXT NOT NULL, UNIQUE(db, id))",
    "CREATE INDEX docs_by_seq ON docs(db, seq)",
    "CREATE TABLE revs(db TEXT NOT NULL, id TEXT NOT NULL, rev TEXT NOT NULL, seq INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY(db, id, rev)) WITHOUT ROWID",
    "CREATE TABLE tags(db TEXT NOT NULL, tag TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY(db, tag, id)) WITHOUT ROWID",
    "CREATE INDEX tags_by_doc ON tags(db, id)",
    "CREATE TABLE rollback(seq INTEGER NOT NULL, term INTEGER NOT NULL, op INTEGER NOT NULL, db TEXT NOT NULL,"
    " id TEXT, rev TEXT, deleted INTEGER NOT NULL, body BLOB, ts INTEGER NOT NULL, rolled_back_ms INTEGER NOT NULL)",
};

Status readMeta(SqliteConnection &connection, QHash<QString, QString> *meta)
{
    QSqlQuery query(connection.database());
    if (!query.exec(QStringLiteral("SELECT key, value FROM meta")))
        return SqliteConnection::error(query.lastError(), QStringLiteral("cannot read the meta table"));
    while (query.next())
        meta->insert(query.value(0).toString(), query.value(1).toString());
    return Status::ok();
}

} // namespace

Status create(SqliteConnection &connection)
{
    QSqlDatabase &db = connection.database();
    if (!db.transaction())
        return SqliteConnection::error(db.lastError(), QStringLiteral("cannot begin the schema transaction"));
    for (const char *sql : kCreateStatements) {
        const Status status = connection.exec(QString::fromLatin1(sql));
        if (!status.isOk()) {
            db.rollback();
            return status;
        }
    }
    QSqlQuery insert(db);
    insert.prepare(QStringLiteral("INSERT INTO meta(key, value) VALUES(?, ?)"));
    const QList<QPair<QString, QVariant>> values = {
        {QStringLiteral("format"), QStringLiteral("peacedb")},
        {QStringLiteral("schemaVersion"), kVersion},
        {QStringLiteral("nodeId"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
        {QStringLiteral("createdAt"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
        {QStringLiteral("currentTerm"), 0},
        {QStringLiteral("votedFor"), -1},
        // A new, empty member votes only once it has caught up.
        {QStringLiteral("voter"), 0},
        {QStringLiteral("appliedSeq"), 0},
        {QStringLiteral("compactedSeq"), 0},
        {QStringLiteral("compactedTerm"), 0},
    };
    for (const auto &[key, value] : values) {
        insert.bindValue(0, key);
        insert.bindValue(1, value);
        if (!insert.exec()) {
            const Status status = SqliteConnection::error(insert.lastError(), QStringLiteral("cannot write meta"));
            db.rollback();
            return status;
        }
    }
    if (!db.commit())
        return SqliteConnection::error(db.lastError(), QStringLiteral("cannot commit the schema"));
    return Status::ok();
}

QString fullTextTable(qint64 createdSeq)
{
    return QStringLiteral("fts_%1").arg(createdSeq);
}

QString createFullTextTable(qint64 createdSeq)
{
    // Contentless (the text is not stored twice) and without positions (the
    // queries need only which documents hold a word): a fraction of the
    // writes of a default FTS5 table.
    return QStringLiteral("CREATE VIRTUAL TABLE %1 USING fts5(text, tokenize = 'unicode61 remove_diacritics 2',"
                          " detail = none, columnsize = 0, content = '')")
        .arg(fullTextTable(createdSeq));
}

Status check(SqliteConnection &connection, bool *empty)
{
    QSqlQuery query(connection.database());
    if (!query.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) || !query.next())
        return SqliteConnection::error(query.lastError(), QStringLiteral("cannot read the database file"));
    *empty = query.value(0).toInt() == 0;
    query.finish();
    if (*empty)
        return Status::ok();

    QHash<QString, QString> meta;
    const Status status = readMeta(connection, &meta);
    if (!status.isOk() || meta.value(QStringLiteral("format")) != QLatin1String("peacedb"))
        return Status::storageFailure(QStringLiteral("the file is an SQLite database but not a PeaceDB data file"));
    const int version = meta.value(QStringLiteral("schemaVersion")).toInt();
    if (version < kOldestUpgradable || version > kVersion) {
        return Status::storageFailure(QStringLiteral("the data file has schema version %1; this build reads versions %2 to %3")
                                          .arg(version)
                                          .arg(kOldestUpgradable)
                                          .arg(kVersion));
    }
    return Status::ok();
}

Status upgrade(SqliteConnection &connection)
{
    QSqlDatabase &db = connection.database();
    QHash<QString, QString> meta;
    Status status = readMeta(connection, &meta);
    if (!status.isOk())
        return status;
    const int version = meta.value(QStringLiteral("schemaVersion")).toInt();
    if (version == kVersion)
        return Status::ok();
    if (!db.transaction())
        return SqliteConnection::error(db.lastError(), QStringLiteral("cannot begin the schema upgrade"));
    const auto fail = [&db](const QSqlQuery &query, const QString &what) {
        const Status failed = SqliteConnection::error(query.lastError(), what);
        db.rollback();
        return failed;
    };
    // 1 -> 2: fold the tag index. Two tags of one document that fold to one
    // key become one row.
    QSqlQuery select(db);
    select.setForwardOnly(true);
    if (!select.exec(QStringLiteral("SELECT db, tag, id FROM tags")))
        return fail(select, QStringLiteral("cannot read the tag index"));
    struct Row
    {
        QString db;
        QString tag;
        QString id;
    };
    QVector<Row> rows;
    while (select.next())
        rows.append(Row{select.value(0).toString(), select.value(1).toString(), select.value(2).toString()});
    select.finish();
    QSqlQuery write(db);
    if (!write.exec(QStringLiteral("DELETE FROM tags")))
        return fail(write, QStringLiteral("cannot rewrite the tag index"));
    write.prepare(QStringLiteral("INSERT OR IGNORE INTO tags(db, tag, id) VALUES(?, ?, ?)"));
    for (const Row &row : rows) {
        const QString key = Document::tagKey(row.tag);
        if (key.isEmpty())
            continue;
        write.bindValue(0, row.db);
        write.bindValue(1, key);
        write.bindValue(2, row.id);
        if (!write.exec())
            return fail(write, QStringLiteral("cannot rewrite the tag index"));
    }
    if (!write.exec(QStringLiteral("UPDATE meta SET value = %1 WHERE key = 'schemaVersion'").arg(kVersion)))
        return fail(write, QStringLiteral("cannot record the schema version"));
    if (!db.commit())
        return SqliteConnection::error(db.lastError(), QStringLiteral("cannot commit the schema upgrade"));
    return Status::ok();
}

Status verify(SqliteConnection &connection, const QString &depth)
{
    QSqlQuery query(connection.database());
    const QString pragma = depth == QLatin1String("full") ? QStringLiteral("PRAGMA integrity_check(10)")
                                                           : QStringLiteral("PRAGMA quick_check(10)");
    if (!query.exec(pragma))
        return SqliteConnection::error(query.lastError(), QStringLiteral("cannot check the database file"));
    QStringList problems;
    while (query.next())
        problems.append(query.value(0).toString());
    if (problems == QStringList{QStringLiteral("ok")})
        return Status::ok();
    return Status::storageFailure(QStringLiteral("the database file is corrupt: %1").arg(problems.join(QStringLiteral("; "))));
}

} // namespace StorageSchema
