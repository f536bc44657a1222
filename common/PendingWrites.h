// PendingWrites: what writes accepted but not yet committed change.
//
// The write path checks revisions against committed state *plus* every
// write that is queued for durability (and, with replication, for quorum).
// This overlay records, per document, the head its latest pending write
// creates and, per database, whether a pending create/delete changes its
// existence. Entries leave the overlay when the write that made them commits
// (release) or when pending writes are abandoned (clear).
//
// Pure bookkeeping; no I/O. Not thread-safe: owned by the write path's
// thread (the node's main thread).
#pragma once

#include <QHash>
#include <QString>

#include <deque>
#include <optional>

#include "DocumentHead.h"

class PendingWrites
{
public:
    enum class DatabaseState {
        Unknown,    // no pending create/delete: ask committed state
        Exists,     // a pending create
        Missing,    // a pending delete
    };

    // What the overlay knows about a document.
    struct Lookup
    {
        bool known = false;                // false: ask committed state
        std::optional<DocumentHead> head;  // when known: nullopt = no such document
    };

    void recordPut(const QString &db, const QString &id, const DocumentHead &head, qint64 seq);
    void recordCreateDatabase(const QString &db, qint64 seq);
    void recordDeleteDatabase(const QString &db, qint64 seq);

    DatabaseState database(const QString &db) const;
    Lookup document(const QString &db, const QString &id) const;

    // Forgets what writes with seq <= `seq` recorded (they are committed now),
    // keeping what later writes recorded.
    void releaseThrough(qint64 seq);
    void clear();
    bool isEmpty() const { return m_documents.isEmpty() && m_databases.isEmpty(); }

private:
    struct DocumentKey
    {
        QString db;
        QString id;
        bool operator==(const DocumentKey &other) const { return db == other.db && id == other.id; }
    };
    friend size_t qHash(const DocumentKey &key, size_t seed) { return qHashMulti(seed, key.db, key.id); }

    struct PendingDocument
    {
        DocumentHead head;
        qint64 seq = 0;
    };
    struct PendingDatabase
    {
        bool exists = false;
        // Committed documents of this database no longer count: a pending
        // delete (and any create after it) starts the database afresh.
        bool fresh = false;
        qint64 seq = 0;
    };

    QHash<DocumentKey, PendingDocument> m_documents;
    QHash<QString, PendingDatabase> m_databases;
    // Every record in seq order, so that release costs what it releases.
    std::deque<std::pair<qint64, DocumentKey>> m_documentOrder;
    std::deque<std::pair<qint64, QString>> m_databaseOrder;
};
