// SqliteStatement: a borrowed prepared statement that is finished (reset)
// when the borrower is done with it.
//
// An SQLite statement that is stepped but not reset keeps its read
// transaction open, and the connection then keeps reading an old snapshot;
// finishing every statement at the end of its scope makes that impossible.
// Lives on the thread of the connection it came from; shares the query with
// the connection's cache (which may drop it meanwhile).
#pragma once

#include <memory>

#include <QSqlQuery>

class SqliteStatement
{
public:
    SqliteStatement() = default;
    explicit SqliteStatement(std::shared_ptr<QSqlQuery> query) : m_query(std::move(query)) {}
    ~SqliteStatement()
    {
        if (m_query)
            m_query->finish();
    }
    SqliteStatement(SqliteStatement &&other) noexcept : m_query(std::move(other.m_query)) {}
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;
    SqliteStatement &operator=(SqliteStatement &&) = delete;

    explicit operator bool() const { return m_query != nullptr; }
    QSqlQuery *operator->() const { return m_query.get(); }
    QSqlQuery &operator*() const { return *m_query; }

private:
    std::shared_ptr<QSqlQuery> m_query;
};
