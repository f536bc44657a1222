#include "NativeStatement.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QVariant>

#include <sqlite3.h>

NativeStatement::~NativeStatement()
{
    finalize();
}

void NativeStatement::finalize()
{
    if (m_statement)
        sqlite3_finalize(m_statement);
    m_statement = nullptr;
}

sqlite3 *NativeStatement::handleOf(const QSqlDatabase &database)
{
    const QVariant handle = database.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.constData());
}

Status NativeStatement::prepare(sqlite3 *database, const QByteArray &sql)
{
    m_database = database;
    m_sql = sql;
    if (sqlite3_prepare_v3(database, sql.constData(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &m_statement, nullptr)
        != SQLITE_OK) {
        m_statement = nullptr;
        return error("cannot prepare a statement");
    }
    return Status::ok();
}

void NativeStatement::bind(int index, qint64 value)
{
    sqlite3_bind_int64(m_statement, index, value);
}

void NativeStatement::bindText(int index, const QString &text)
{
    bindText(index, text.toUtf8());
}

void NativeStatement::bindText(int index, const QByteArray &utf8)
{
    sqlite3_bind_text(m_statement, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
}

void NativeStatement::bindBlob(int index, const QByteArray &bytes)
{
    sqlite3_bind_blob(m_statement, index, bytes.constData(), int(bytes.size()), SQLITE_TRANSIENT);
}

void NativeStatement::bindNull(int index)
{
    sqlite3_bind_null(m_statement, index);
}

bool NativeStatement::step(Status *status)
{
    const int rc = sqlite3_step(m_statement);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        *status = error("statement failed");
    return false;
}

Status NativeStatement::run()
{
    Status status;
    while (step(&status)) {
    }
    return status;
}

void NativeStatement::reset()
{
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
}

qint64 NativeStatement::columnInt64(int column) const
{
    return sqlite3_column_int64(m_statement, column);
}

QByteArray NativeStatement::columnBytes(int column) const
{
    const void *data = sqlite3_column_blob(m_statement, column);
    return QByteArray(static_cast<const char *>(data), sqlite3_column_bytes(m_statement, column));
}

int NativeStatement::changes() const
{
    return sqlite3_changes(m_database);
}

qint64 NativeStatement::lastInsertRowid() const
{
    return sqlite3_last_insert_rowid(m_database);
}

Status NativeStatement::error(const char *what) const
{
    const int code = sqlite3_extended_errcode(m_database) & 0xff;
    const QString message = QStringLiteral("%1: %2 (%3)")
                                .arg(QLatin1String(what), QString::fromUtf8(sqlite3_errmsg(m_database)),
                                     QString::fromLatin1(m_sql.left(80)));
    if (code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        return Status::storageFailure(message);
    return Status::internal(message);
}

bool NativeStatement::lastErrorIsFatal() const
{
    const int code = sqlite3_extended_errcode(m_database) & 0xff;
    return code == SQLITE_IOERR || code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}
