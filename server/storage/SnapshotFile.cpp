#include "SnapshotFile.h"

#include "FileSync.h"
#include "SqliteConnection.h"
#include "StorageSchema.h"

#include <QFile>
#include <QFileInfo>
#include <QSqlQuery>

#include <functional>

namespace SnapshotFile {

namespace {

Status exec(QSqlQuery &query, const QString &sql, const QVariantList &arguments = {})
{
    if (!query.prepare(sql))
        return SqliteConnection::error(query.lastError(), sql.left(80));
    for (int i = 0; i < arguments.size(); ++i)
        query.bindValue(i, arguments.at(i));
    if (!query.exec())
        return SqliteConnection::error(query.lastError(), sql.left(80));
    return Status::ok();
}

Result<qint64> metaValue(QSqlQuery &query, const char *key)
{
    const Status status = exec(query, QStringLiteral("SELECT value FROM meta WHERE key = ?"), {QString::fromLatin1(key)});
    if (!status.isOk())
        return status;
    if (!query.next())
        return Status::storageFailure(QStringLiteral("the snapshot has no %1").arg(QLatin1String(key)));
    const qint64 value = query.value(0).toLongLong();
    query.finish();
    return value;
}

// The term of the entry at `seq` in the file `query` reads, or its
// compactedTerm when seq is the compaction point.
Result<qint64> termAt(QSqlQuery &query, qint64 seq)
{
    if (seq == 0)
        return qint64(0);
    Status status = exec(query, QStringLiteral("SELECT term FROM wal WHERE seq = ?"), {seq});
    if (!status.isOk())
        return status;
    if (query.next()) {
        const qint64 term = query.value(0).toLongLong();
        query.finish();
        return term;
    }
    const Result<qint64> compactedSeq = metaValue(query, "compactedSeq");
    if (!compactedSeq.isOk())
        return compactedSeq.status();
    if (compactedSeq.value() != seq)
        return Status::storageFailure(QStringLiteral("the snapshot lacks the log entry at its commit point %1").arg(seq));
    return metaValue(query, "compactedTerm");
}

// The commit point of the file `query` reads and the term there, into *info.
Status readPosition(QSqlQuery &query, Info *info)
{
    const Result<qint64> applied = metaValue(query, "appliedSeq");
    if (!applied.isOk())
        return applied.status();
    info->seq = applied.value();
    const Result<qint64> term = termAt(query, info->seq);
    if (!term.isOk())
        return term.status();
    info->term = term.value();
    return Status::ok();
}

// Runs `work` in one transaction of `file`: committed if it succeeds,
// rolled back if it fails.
Status inTransaction(SqliteConnection &file, const std::function<Status()> &work)
{
    if (!file.database().transaction())
        return SqliteConnection::error(file.database().lastError(), QStringLiteral("cannot begin"));
    const Status status = work();
    if (!status.isOk()) {
        file.database().rollback();
        return status;
    }
    if (!file.database().commit())
        return SqliteConnection::error(file.database().lastError(), QStringLiteral("cannot commit"));
    return Status::ok();
}

Status writeMeta(QSqlQuery &query, const HardState &state)
{
    const QList<QPair<QString, QVariant>> meta = {
        {QStringLiteral("currentTerm"), state.term},
        {QStringLiteral("votedFor"), state.votedFor},
        {QStringLiteral("voter"), state.voter ? 1 : 0},
    };
    for (const auto &[key, value] : meta) {
        const Status status = exec(query, QStringLiteral("INSERT OR REPLACE INTO main.meta(key, value) VALUES(?, ?)"), {key, value});
        if (!status.isOk())
            return status;
    }
    return Status::ok();
}

} // namespace

Result<Info> create(const QString &databasePath, const QString &targetPath)
{
    QFile::remove(targetPath);
    Info info;
    {
        SqliteConnection source;
        Status status = source.open(databasePath, SqliteConnection::Mode::Writer, StorageOptions());
        if (!status.isOk())
            return status;
        QSqlQuery query(source.database());
        status = exec(query, QStringLiteral("VACUUM INTO ?"), {targetPath});
        if (!status.isOk())
            return status;
    }
    SqliteConnection copy;
    Status status = copy.open(targetPath, SqliteConnection::Mode::Writer, StorageOptions());
    if (!status.isOk())
        return status;
    QSqlQuery query(copy.database());
    status = readPosition(query, &info);
    if (!status.isOk())
        return status;
    // Entries past the commit point are not part of the snapshot: the
    // replica gets them, if they commit, through the log.
    status = exec(query, QStringLiteral("DELETE FROM wal WHERE seq > ?"), {info.seq});
    // What this node rolled back is its own history, not the replica's.
    if (status.isOk())
        status = exec(query, QStringLiteral("DELETE FROM rollback"));
    if (!status.isOk())
        return status;
    copy.close();
    info.bytes = QFileInfo(targetPath).size();
    return info;
}

Result<Info> read(const QString &snapshotPath)
{
    SqliteConnection file;
    Status status = file.open(snapshotPath, SqliteConnection::Mode::Inspector, StorageOptions());
    bool empty = false;
    if (status.isOk())
        status = StorageSchema::check(file, &empty);
    if (status.isOk() && empty)
        status = Status::storageFailure(QStringLiteral("%1 is empty").arg(snapshotPath));
    if (!status.isOk())
        return status;
    QSqlQuery query(file.database());
    Info info;
    status = readPosition(query, &info);
    if (status.isOk())
        status = exec(query, QStringLiteral("SELECT name, seq FROM dbs"));
    if (!status.isOk())
        return status;
    while (query.next())
        info.databases.insert(query.value(0).toString(), query.value(1).toLongLong());
    query.finish();
    info.bytes = QFileInfo(snapshotPath).size();
    return info;
}

Result<Info> prepareInstall(const QString &snapshotPath, const QString &nodeId)
{
    SqliteConnection file;
    Status status = file.open(snapshotPath, SqliteConnection::Mode::Writer, StorageOptions());
    if (!status.isOk())
        return status;
    bool empty = false;
    status = StorageSchema::check(file, &empty);
    if (!status.isOk())
        return status;
    if (empty)
        return Status::storageFailure(QStringLiteral("the snapshot is empty"));
    // A snapshot of an older build's primary becomes this build's format.
    status = StorageSchema::upgrade(file);
    if (!status.isOk())
        return status;
    QSqlQuery query(file.database());
    Info info;
    status = readPosition(query, &info);
    if (!status.isOk())
        return status;
    status = inTransaction(file, [&query, &info, &nodeId] {
        const QList<QPair<QString, QVariant>> meta = {
            {QStringLiteral("nodeId"), nodeId},
            {QStringLiteral("compactedSeq"), info.seq},
            {QStringLiteral("compactedTerm"), info.term},
        };
        Status done = exec(query, QStringLiteral("DELETE FROM wal"));
        for (const auto &[key, value] : meta) {
            if (done.isOk())
                done = exec(query, QStringLiteral("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"), {key, value});
        }
        return done;
    });
    if (!status.isOk())
        return status;
    file.close();
    info.bytes = QFileInfo(snapshotPath).size();
    return info;
}

Status finishInstall(const QString &snapshotPath, const QString &databasePath, const HardState &state)
{
    SqliteConnection file;
    Status status = file.open(snapshotPath, SqliteConnection::Mode::Writer, StorageOptions());
    if (!status.isOk())
        return status;
    QSqlQuery query(file.database());
    status = exec(query, QStringLiteral("ATTACH DATABASE ? AS local"), {databasePath});
    if (!status.isOk())
        return status;
    status = inTransaction(file, [&query, &state] {
        Status done = exec(query, QStringLiteral("DELETE FROM main.rollback"));
        if (done.isOk())
            done = exec(query, QStringLiteral("INSERT INTO main.rollback SELECT * FROM local.rollback"));
        return done.isOk() ? writeMeta(query, state) : done;
    });
    if (!status.isOk())
        return status;
    query.finish();
    exec(query, QStringLiteral("DETACH DATABASE local"));
    file.close();
    return Status::ok();
}

Status writeHardState(const QString &snapshotPath, const HardState &state)
{
    SqliteConnection file;
    Status status = file.open(snapshotPath, SqliteConnection::Mode::Writer, StorageOptions());
    if (!status.isOk())
        return status;
    QSqlQuery query(file.database());
    return inTransaction(file, [&query, &state] { return writeMeta(query, state); });
}

Status swapInto(const QString &snapshotPath, const QString &databasePath)
{
    const QFileInfo wal(databasePath + QStringLiteral("-wal"));
    if (wal.exists() && wal.size() > 0) {
        return Status::storageFailure(
            QStringLiteral("%1 still has a write-ahead log; the database was not closed cleanly, not swapping").arg(databasePath));
    }
    for (const QString &suffix : {QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(databasePath + suffix);
    const Status synced = FileSync::syncFile(snapshotPath);
    if (!synced.isOk())
        return synced;
    return FileSync::rename(snapshotPath, databasePath);
}

} // namespace SnapshotFile
