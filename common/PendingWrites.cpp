#include "PendingWrites.h"

void PendingWrites::recordPut(const QString &db, const QString &id, const DocumentHead &head, qint64 seq)
{
    const DocumentKey key{db, id};
    m_documents[key].push_back(PendingDocument{head, seq});
    ++m_documentsPerDatabase[db];
    m_order.push_back(Record{seq, false, key});
}

void PendingWrites::recordCreateDatabase(const QString &db, qint64 seq)
{
    m_databases[db].push_back(PendingDatabase{true, seq});
    m_order.push_back(Record{seq, true, DocumentKey{db, QString()}});
}

void PendingWrites::recordDeleteDatabase(const QString &db, qint64 seq)
{
    m_databases[db].push_back(PendingDatabase{false, seq});
    m_order.push_back(Record{seq, true, DocumentKey{db, QString()}});
}

PendingWrites::DatabaseState PendingWrites::database(const QString &db) const
{
    // The newest create or delete decides (a write after a delete implies a
    // create between them); else a pending write shows the database exists.
    const auto it = m_databases.constFind(db);
    if (it != m_databases.constEnd())
        return it->back().exists ? DatabaseState::Exists : DatabaseState::Missing;
    return m_documentsPerDatabase.contains(db) ? DatabaseState::Exists : DatabaseState::Unknown;
}

qint64 PendingWrites::newestPendingDelete(const QString &db) const
{
    const auto it = m_databases.constFind(db);
    if (it == m_databases.constEnd())
        return -1;
    for (auto record = it->rbegin(); record != it->rend(); ++record) {
        if (!record->exists)
            return record->seq;
    }
    return -1;
}

PendingWrites::Lookup PendingWrites::document(const QString &db, const QString &id) const
{
    Lookup lookup;
    const qint64 deletedAt = newestPendingDelete(db);
    const auto it = m_documents.constFind(DocumentKey{db, id});
    if (it != m_documents.constEnd() && it->back().seq > deletedAt) {
        lookup.known = true;
        lookup.head = it->back().head;
    } else if (deletedAt >= 0) {
        lookup.known = true; // written before a pending delete of its database: gone
    }
    return lookup;
}

void PendingWrites::forget(const Record &record, bool oldest)
{
    // Drops the record's entry from the front (oldest) or back of its key's
    // queue, if it is still there, and the key once its queue is empty.
    const auto drop = [&record, oldest](auto &map, const auto &key) {
        const auto it = map.find(key);
        if (it == map.end())
            return;
        if (oldest && !it->empty() && it->front().seq == record.seq)
            it->pop_front();
        else if (!oldest && !it->empty() && it->back().seq == record.seq)
            it->pop_back();
        if (it->empty())
            map.erase(it);
    };
    if (record.isDatabase) {
        drop(m_databases, record.key.db);
        return;
    }
    drop(m_documents, record.key);
    const auto count = m_documentsPerDatabase.find(record.key.db);
    if (count != m_documentsPerDatabase.end() && --*count == 0)
        m_documentsPerDatabase.erase(count);
}

void PendingWrites::releaseThrough(qint64 seq)
{
    while (!m_order.empty() && m_order.front().seq <= seq) {
        forget(m_order.front(), true);
        m_order.pop_front();
    }
}

void PendingWrites::discardFrom(qint64 seq)
{
    while (!m_order.empty() && m_order.back().seq >= seq) {
        forget(m_order.back(), false);
        m_order.pop_back();
    }
}

void PendingWrites::clear()
{
    m_documents.clear();
    m_databases.clear();
    m_documentsPerDatabase.clear();
    m_order.clear();
}
