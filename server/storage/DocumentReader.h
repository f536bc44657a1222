// DocumentReader: every read of a node's committed state.
//
// Reads see only applied (committed) entries: the storage writer applies an
// entry to docs/revs/tags/fts in the same transaction that records it as
// applied, and SQLite's WAL mode gives each read statement a consistent
// snapshot while the writer commits. Operations that need several statements
// (a page plus its total) run in one read transaction.
//
// Answers carry the stored document JSON bytes as they are, so serving a
// document costs no JSON work. Main thread; owns its own connection.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QVector>

#include <optional>

#include "DocumentHead.h"
#include "FieldQuery.h"
#include "LogEntry.h"
#include "PageRequest.h"
#include "Result.h"
#include "SearchQuery.h"
#include "NativeStatement.h"
#include "SqliteConnection.h"
#include "TagQuery.h"

struct DatabaseInfo
{
    QString name;
    qint64 seq = 0;          // writes applied to this database
    qint64 docsTotal = 0;    // documents, tombstones included
    qint64 docsDeleted = 0;  // tombstones
    qint64 createdSeq = 0;
    qint64 createdMs = 0;
};

struct StoredDocument
{
    QByteArray body; // Document JSON
    QString rev;
    bool deleted = false;
};

struct DocumentPage
{
    qint64 total = 0;            // every match, not just this page
    QVector<QByteArray> bodies;  // Document JSON, sorted by id
};

struct ChangeRow
{
    qint64 seq = 0;
    QString id;
    QString rev;
    bool deleted = false;
};

struct StorageState
{
    QString nodeId;
    qint64 appliedSeq = 0;
    qint64 lastSeq = 0;
    qint64 databases = 0;
    qint64 fileBytes = 0; // main file + SQLite WAL
};

class DocumentReader
{
public:
    Status open(const QString &path, const StorageOptions &options);
    void close();

    // nullopt: no such database.
    Result<std::optional<DatabaseInfo>> database(const QString &db);
    Result<QStringList> databaseNames();

    Result<std::optional<DocumentHead>> head(const QString &db, const QString &id);
    // The heads of many documents in one query; ids without a document are
    // absent from the answer.
    Result<QHash<QString, DocumentHead>> heads(const QString &db, const QStringList &ids);
    // The current revision (rev empty) or the given one; nullopt when the
    // database, the document or that revision does not exist.
    Result<std::optional<StoredDocument>> document(const QString &db, const QString &id, const QString &rev);

    // The list reads below sort by id in SQLite's BINARY order of the UTF-8
    // text (byte order of UTF-8). A page's `after` (keyset paging) limits
    // the rows skipped and returned to ids > after; `total` still counts
    // every match.
    Result<DocumentPage> allDocuments(const QString &db, const PageRequest &page, bool includeDeleted);
    // Changed documents with seq > since, oldest first (one row per document:
    // its latest change).
    // With `databaseSeq`, also the database's seq (-1 if it does not exist)
    // read in the same snapshot as the rows.
    Result<QVector<ChangeRow>> changes(const QString &db, qint64 since, qint64 limit, qint64 *databaseSeq = nullptr);
    Result<DocumentPage> findFields(const QString &db, const FieldQuery &query);
    Result<DocumentPage> findTags(const QString &db, const TagQuery &query);
    Result<DocumentPage> search(const QString &db, const SearchQuery &query, const PageRequest &page);
    Result<qint64> tagCount(const QString &db);

    Result<StorageState> state();

    // Log entries with seq in [from, to] still in the log (not compacted),
    // in order; at most maxCount.
    // Stops early once the entries' approximateJsonBytes() would pass
    // maxBytes (> 0); the first entry is always returned.
    Result<QVector<LogEntry>> logEntries(qint64 from, qint64 to, qint64 maxCount, qint64 maxBytes = 0);
    // Entries ever cut from this node's log because a primary lacked them.
    Result<qint64> rolledBackCount();

private:
    // Runs a count query and a page query built from the same WHERE clause
    // (the page query adds `d.id > after` when the page has one).
    Result<DocumentPage> page(const QString &from, const QString &where, const QVariantList &arguments,
                              const PageRequest &page);
    Status runSelect(SqliteStatement &statement, const QVariantList &arguments, const QString &what);
    // `statement`, prepared on this connection with `sql` the first time.
    Result<NativeStatement *> native(NativeStatement &statement, const char *sql);

    QString m_path;
    SqliteConnection m_connection;
    // The lookups every write makes (does the database exist, the document's
    // current revision) through SQLite's C API: through QtSql they cost a
    // primary about a tenth of its CPU under load.
    NativeStatement m_databaseSelect;
    NativeStatement m_headSelect;
};
