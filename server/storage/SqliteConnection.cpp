#include "SqliteConnection.h"

#include <QAtomicInteger>
#include <QFileInfo>
#include <QUrl>

namespace {

int primaryErrorCode(const QSqlError &error)
{
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok);
    return ok ? (code & 0xff) : -1;
}

constexpr int kSqliteIoError = 10;
constexpr int kSqliteCorrupt = 11;
constexpr int kSqliteFull = 13;
constexpr int kSqliteNotADatabase = 26;

} // namespace

SqliteConnection::~SqliteConnection()
{
    close();
}

Status SqliteConnection::open(const QString &path, Mode mode, const StorageOptions &options)
{
    static QAtomicInteger<quint64> counter;
    m_name = QStringLiteral("peacedb-%1-%2")
                 .arg(mode == Mode::Writer ? QStringLiteral("writer") : QStringLiteral("reader"))
                 .arg(counter.fetchAndAddRelaxed(1));
    m_database = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
    if (mode == Mode::Inspector) {
        if (!QFileInfo(path).isFile())
            return Status::storageFailure(QStringLiteral("cannot open %1: no such file").arg(path));
        m_database.setDatabaseName(QUrl::fromLocalFile(QFileInfo(path).absoluteFilePath()).toString(QUrl::FullyEncoded)
                                   + QStringLiteral("?immutable=1"));
        m_database.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"));
    } else {
        m_database.setDatabaseName(path);
        m_database.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    }
    if (!m_database.open())
        return error(m_database.lastError(), QStringLiteral("cannot open %1").arg(path));

    // None of these change the file: a file that turns out not to be ours
    // is left exactly as it was.
    const QStringList pragmas = {
        QStringLiteral("PRAGMA synchronous=%1").arg(options.synchronous),
        QStringLiteral("PRAGMA cache_size=-%1").arg(options.cacheSizeKB),
        QStringLiteral("PRAGMA wal_autocheckpoint=%1").arg(options.walAutoCheckpointPages),
        QStringLiteral("PRAGMA temp_store=MEMORY"),
        QStringLiteral("PRAGMA query_only=%1").arg(mode == Mode::Writer ? 0 : 1),
    };
    for (const QString &pragma : pragmas) {
        const Status status = exec(pragma);
        if (!status.isOk())
            return status;
    }
    return Status::ok();
}

Status SqliteConnection::enableWal()
{
    QSqlQuery query(m_database);
    if (!query.exec(QStringLiteral("PRAGMA journal_mode=WAL")) || !query.next()
        || query.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
        return Status::storageFailure(QStringLiteral("cannot switch %1 to WAL journal mode").arg(m_database.databaseName()));
    }
    return Status::ok();
}

void SqliteConnection::close()
{
    m_statements.clear();
    if (m_name.isEmpty())
        return;
    m_database.close();
    m_database = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_name);
    m_name.clear();
}

SqliteStatement SqliteConnection::statement(const QString &sql, Status *status)
{
    auto it = m_statements.find(sql);
    if (it != m_statements.end())
        return SqliteStatement(*it);
    auto query = std::make_shared<QSqlQuery>(m_database);
    query->setForwardOnly(true);
    if (!query->prepare(sql)) {
        *status = error(query->lastError(), QStringLiteral("cannot prepare \"%1\"").arg(sql.left(120)));
        return SqliteStatement();
    }
    // Queries built from client input (tag lists, field conditions) differ
    // in their text: the cache must not grow with them.
    if (m_statements.size() >= kMaxCachedStatements)
        m_statements.clear();
    m_statements.insert(sql, query);
    return SqliteStatement(query);
}

Status SqliteConnection::exec(const QString &sql)
{
    QSqlQuery query(m_database);
    if (!query.exec(sql))
        return error(query.lastError(), sql.left(120));
    return Status::ok();
}

Status SqliteConnection::run(SqliteStatement &statement, const char *what, qint64 seq)
{
    if (statement->exec())
        return Status::ok();
    const QString context = seq > 0 ? QStringLiteral("%1 (log entry %2)").arg(QLatin1String(what)).arg(seq)
                                     : QString::fromLatin1(what);
    return error(statement->lastError(), context);
}

Status SqliteConnection::setMeta(const QString &key, const QVariant &value)
{
    Status status;
    SqliteStatement insert = statement(QStringLiteral("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"), &status);
    if (!insert)
        return status;
    insert->bindValue(0, key);
    insert->bindValue(1, value);
    return run(insert, "cannot write the meta table");
}

Status SqliteConnection::error(const QSqlError &error, const QString &what)
{
    const QString message = QStringLiteral("%1: %2").arg(what, error.text());
    switch (primaryErrorCode(error)) {
    case kSqliteFull:
    case kSqliteIoError:
    case kSqliteCorrupt:
    case kSqliteNotADatabase:
        return Status::storageFailure(message);
    default:
        return Status::internal(message);
    }
}

bool SqliteConnection::isFatal(const QSqlError &error)
{
    const int code = primaryErrorCode(error);
    return code == kSqliteIoError || code == kSqliteCorrupt || code == kSqliteNotADatabase;
}
