// PendingWrites: what writes accepted but not yet committed change.
//
// The write path checks revisions against committed state *plus* every
// write that is in the log but not yet committed and applied. This overlay
// records, per document, the heads its pending writes create and, per
// database, whether a pending create/delete changes its existence. Records
// leave the overlay when the write that made them is applied
// (releaseThrough), when the log refused it (discardFrom), or all at once
// when pending writes are abandoned (clear).
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
        Unknown,    // no pending create/delete or write: ask committed state
        Exists,     // a pending create, or a pending document write
        Missing,    // a pending delete
    };

    // What the overlay knows about a document.
    struct Lookup
    {
        bool known = false;                // false: ask committed state
        std::optional<DocumentHead> head;  // when known: nullopt = no such document
    };

    // REQUIRES: seqs are recorded in increasing order.
    void recordPut(const QString &db, const QString &id, const DocumentHead &head, qint64 seq);
    void recordCreateDatabase(const QString &db, qint64 seq);
    void recordDeleteDatabase(const QString &db, qint64 seq);

    DatabaseState database(const QString &db) const;
    Lookup document(const QString &db, const QString &id) const;

    // Forgets what writes with seq <= `seq` recorded (they are applied now),
    // keeping what later writes recorded.
    void releaseThrough(qint64 seq);
    // Forgets what writes with seq >= `seq` recorded (they never entered the
    // log), so that earlier pending writes decide again.
    void discardFrom(qint64 seq);
    void clear();
    bool isEmpty() const { return m_order.empty(); }
    // Databases with a pending create or delete (at least as many as the
    // pending creates).
    int databasesChanging() const { return int(m_databases.size()); }

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
        bool exists = false; // a create; false: a delete
        qint64 seq = 0;
    };
    // One record, in log order: a document write or a database change.
    struct Record
    {
        qint64 seq = 0;
        bool isDatabase = false;
        DocumentKey key; // key.db for a database record
    };

    void forget(const Record &record, bool oldest);
    // The seq of the newest pending delete of `db`, or -1: documents written
    // before it (committed or pending) are gone.
    qint64 newestPendingDelete(const QString &db) const;

    // Per key, its pending records, oldest first (the newest decides).
    QHash<DocumentKey, std::deque<PendingDocument>> m_documents;
    QHash<QString, std::deque<PendingDatabase>> m_databases;
    // Per database, how many document records are pending: a write enters
    // the log only into a database that exists, and only a later delete
    // (recorded too) takes it away.
    QHash<QString, int> m_documentsPerDatabase;
    std::deque<Record> m_order;
};
