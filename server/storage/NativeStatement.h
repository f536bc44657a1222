// NativeStatement: one SQLite prepared statement driven through SQLite's C
// API, on the connection QtSql opened (QSqlDriver::handle()).
//
// The storage writer's per-entry statements run tens of thousands of times a
// second; QtSql's binding layer (a QVariant and a formatted placeholder name
// per bound value) costs about as much as SQLite's own work for them. The
// connection, transactions and everything else stay with QtSql; only these
// hot statements bypass it. Owned by, and used on the thread of, the
// StorageWriter.
#pragma once

#include <QByteArray>
#include <QString>

#include "Status.h"

struct sqlite3;
struct sqlite3_stmt;

class NativeStatement
{
public:
    NativeStatement() = default;
    ~NativeStatement();
    NativeStatement(const NativeStatement &) = delete;
    NativeStatement &operator=(const NativeStatement &) = delete;

    Status prepare(sqlite3 *database, const QByteArray &sql);
    bool isPrepared() const { return m_statement != nullptr; }
    // Releases the statement (before its connection closes).
    void finalize();

    // Parameters are numbered from 1, as in SQLite. Text and blobs are
    // copied, so the arguments may go away before step().
    void bind(int index, qint64 value);
    void bindText(int index, const QString &text);
    void bindText(int index, const QByteArray &utf8);
    void bindBlob(int index, const QByteArray &bytes);
    void bindNull(int index);

    // Runs one step: true while rows come (SQLITE_ROW), false when done. On an
    // error, false with *status set.
    bool step(Status *status);
    // Runs the statement to completion (no rows expected).
    Status run();
    // Clears the bindings and rewinds the statement; call after every use.
    void reset();

    qint64 columnInt64(int column) const;
    QByteArray columnBytes(int column) const;
    // Rows changed by the last run, and the rowid it inserted.
    int changes() const;
    qint64 lastInsertRowid() const;

    // The last error on the connection as a Status (disk full and I/O errors
    // are StorageFailure), and whether it makes the file untrustworthy.
    Status error(const char *what) const;
    bool lastErrorIsFatal() const;

    // The sqlite3 handle behind a QtSql SQLite connection, or null.
    static sqlite3 *handleOf(const class QSqlDatabase &database);

private:
    sqlite3 *m_database = nullptr;
    sqlite3_stmt *m_statement = nullptr;
    QByteArray m_sql;
};
