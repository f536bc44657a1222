// SqliteConnection: one QtSql connection to the node's SQLite file, with the
// node's pragmas applied and a cache of prepared statements.
//
// QtSql connections belong to the thread that opens them: create, use and
// destroy a SqliteConnection on one thread. Owned by its user (the storage
// writer on the writer thread, the reader on the main thread).
#pragma once

#include <QHash>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>

#include <memory>

#include "SqliteStatement.h"
#include "Status.h"
#include "StorageOptions.h"

class SqliteConnection
{
public:
    // Inspector: an existing file opened read-only as immutable (SQLite's
    // immutable=1): nothing is written, not even a -wal, -shm or -journal
    // file beside it — for files nothing else has open (backup copies).
    enum class Mode { Writer, Reader, Inspector };

    SqliteConnection() = default;
    ~SqliteConnection();
    SqliteConnection(const SqliteConnection &) = delete;
    SqliteConnection &operator=(const SqliteConnection &) = delete;

    // Opens `path` (creating it in Writer mode) under a connection name unique
    // in the process, and applies synchronous, cache size and the other
    // per-connection settings (nothing that changes the file).
    Status open(const QString &path, Mode mode, const StorageOptions &options);
    // Switches the file to journal_mode=WAL (persistent; writer only).
    Status enableWal();
    void close();
    bool isOpen() const { return m_database.isOpen(); }

    // A prepared statement for `sql`, prepared once per connection and
    // finished when the returned handle goes out of scope. Empty (with
    // *status set) when preparing fails.
    SqliteStatement statement(const QString &sql, Status *status);

    // Prepared statements kept (at most kMaxCachedStatements).
    qsizetype cachedStatementCount() const { return m_statements.size(); }

    // Runs one statement without parameters.
    Status exec(const QString &sql);
    // Executes a prepared statement; the error names `what` and, when
    // given, the log entry being written or applied (built only on failure).
    static Status run(SqliteStatement &statement, const char *what, qint64 seq = 0);
    // INSERT OR REPLACE INTO meta(key, value).
    Status setMeta(const QString &key, const QVariant &value);

    QSqlDatabase &database() { return m_database; }

    // An SQLite error as a Status. Disk full and I/O errors are
    // StorageFailure; everything else is Internal. `what` says what failed.
    static Status error(const QSqlError &error, const QString &what);
    // True for errors after which the file can no longer be trusted
    // (I/O error, corruption): the node must stop writing.
    static bool isFatal(const QSqlError &error);

private:
    QString m_name;
    QSqlDatabase m_database;
    static constexpr qsizetype kMaxCachedStatements = 256;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_statements;
};
