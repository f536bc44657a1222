#include "PendingWrites.h"

void PendingWrites::recordPut(const QString &db, const QString &id, const DocumentHead &head, qint64 seq)
{
    m_documents.insert(DocumentKey{db, id}, PendingDocument{head, seq});
    m_documentOrder.emplace_back(seq, DocumentKey{db, id});
}

void PendingWrites::recordCreateDatabase(const QString &db, qint64 seq)
{
    PendingDatabase &state = m_databases[db];
    state.exists = true;
    state.seq = seq;
    m_databaseOrder.emplace_back(seq, db);
}

void PendingWrites::recordDeleteDatabase(const QString &db, qint64 seq)
{
    PendingDatabase &state = m_databases[db];
    state.exists = false;
    state.fresh = true;
    state.seq = seq;
    m_databaseOrder.emplace_back(seq, db);
    for (auto it = m_documents.begin(); it != m_documents.end();) {
        if (it.key().db == db)
            it = m_documents.erase(it);
        else
            ++it;
    }
}

PendingWrites::DatabaseState PendingWrites::database(const QString &db) const
{
    const auto it = m_databases.constFind(db);
    if (it == m_databases.constEnd())
        return DatabaseState::Unknown;
    return it->exists ? DatabaseState::Exists : DatabaseState::Missing;
}

PendingWrites::Lookup PendingWrites::document(const QString &db, const QString &id) const
{
    Lookup lookup;
    const auto it = m_documents.constFind(DocumentKey{db, id});
    if (it != m_documents.constEnd()) {
        lookup.known = true;
        lookup.head = it->head;
        return lookup;
    }
    const auto database = m_databases.constFind(db);
    if (database != m_databases.constEnd() && database->fresh)
        lookup.known = true; // committed documents belong to a database being deleted
    return lookup;
}

void PendingWrites::releaseThrough(qint64 seq)
{
    while (!m_documentOrder.empty() && m_documentOrder.front().first <= seq) {
        const auto it = m_documents.constFind(m_documentOrder.front().second);
        if (it != m_documents.constEnd() && it->seq == m_documentOrder.front().first)
            m_documents.erase(it);
        m_documentOrder.pop_front();
    }
    while (!m_databaseOrder.empty() && m_databaseOrder.front().first <= seq) {
        const auto it = m_databases.constFind(m_databaseOrder.front().second);
        if (it != m_databases.constEnd() && it->seq == m_databaseOrder.front().first)
            m_databases.erase(it);
        m_databaseOrder.pop_front();
    }
}

void PendingWrites::clear()
{
    m_documents.clear();
    m_databases.clear();
    m_documentOrder.clear();
    m_databaseOrder.clear();
}
