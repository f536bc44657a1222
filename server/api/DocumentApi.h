// DocumentApi: the client API routes of a data node (standalone or replica
// set member): databases, documents, bulk writes, listings, queries, search,
// changes, stats. See README "Client API".
//
// Route handlers are thin: parse and validate the request, call the
// DocumentService (writes) or the DocumentReader (reads), map the result to
// an answer. Reads answer only where the read preference allows: by
// default on a primary whose reads are linearizable (ReadPreference).
// Lists, queries, changes and stats run on the ReadPool's workers (when
// there is one), so they never hold up HTTP and replication; when its queue
// is full they are answered 503 with Retry-After. Main thread; registered
// on an HttpServer; does not own the service, the reader or the pool.
#pragma once

#include <functional>
#include <optional>

#include "DocumentReader.h"
#include "HttpServer.h"
#include "ReadPreference.h"
#include "Result.h"

class DocumentService;
class ReadPool;

class DocumentApi
{
public:
    struct Limits
    {
        qint64 maxPageSize = 1000;
        qint64 maxBulkDocs = 1000; // documents per _bulk_docs request
    };

    // `readPool` may be null: every read then runs on `reader`, here.
    DocumentApi(DocumentService *service, DocumentReader *reader, ReadPool *readPool, const Limits &limits);

    void registerRoutes(HttpServer &server);

private:
    void createDatabase(const HttpRequest &request, const HttpReplyPtr &reply);
    void deleteDatabase(const HttpRequest &request, const HttpReplyPtr &reply);
    void headDatabase(const HttpRequest &request, const HttpReplyPtr &reply);
    void listDatabases(const HttpRequest &request, const HttpReplyPtr &reply);
    void getDocument(const HttpRequest &request, const HttpReplyPtr &reply);
    void putDocument(const HttpRequest &request, const HttpReplyPtr &reply);
    void postDocument(const HttpRequest &request, const HttpReplyPtr &reply);
    void deleteDocument(const HttpRequest &request, const HttpReplyPtr &reply);
    void bulkDocuments(const HttpRequest &request, const HttpReplyPtr &reply);
    void allDocuments(const HttpRequest &request, const HttpReplyPtr &reply);
    void changes(const HttpRequest &request, const HttpReplyPtr &reply);
    void findFields(const HttpRequest &request, const HttpReplyPtr &reply);
    void findTags(const HttpRequest &request, const HttpReplyPtr &reply);
    void search(const HttpRequest &request, const HttpReplyPtr &reply);
    void sequence(const HttpRequest &request, const HttpReplyPtr &reply);
    void databaseStats(const HttpRequest &request, const HttpReplyPtr &reply);

    // The read preference (?readPreference=) against this member's role
    // (ReadPreference): nullopt after sending the refusal; else the read's
    // consistency.
    std::optional<ReadPreference::Consistency> admitRead(const HttpRequest &request, const HttpReplyPtr &reply);
    // Just before the read runs (not on an answer that refuses it): marks the
    // answer-to-be with X-PeaceDB-Consistency and X-PeaceDB-Applied (this
    // member's applied term-seq).
    void addReadHeaders(const HttpReplyPtr &reply, ReadPreference::Consistency consistency) const;
    // Checks the {db} parameter names an existing database; otherwise sends
    // the 400/404/500 and returns false.
    bool requireDatabase(const HttpRequest &request, const HttpReplyPtr &reply);
    static HttpResponse changesBody(const QVector<ChangeRow> &rows, qint64 databaseSeq, qint64 since, qint64 limit);
    // 100, or Server.MaxPageSize when that is smaller.
    qint64 defaultPageSize() const;
    // Runs `query` on the read pool once the {db} parameter is known to name
    // an existing database (checked there too), then sends `answer(result)`
    // or the error.
    template <typename T>
    void readDatabase(const HttpRequest &request, const HttpReplyPtr &reply,
                      std::function<Result<T>(DocumentReader &reader, const QString &db)> query,
                      std::function<HttpResponse(const T &result)> answer);
    template <typename T>
    void readInPool(const QJsonObject &where, const HttpReplyPtr &reply, std::function<Result<T>(DocumentReader &reader)> query,
                    std::function<HttpResponse(const T &result)> answer);

    static Status tooManyReads();

    DocumentService *m_service;
    DocumentReader *m_reader;
    ReadPool *m_readPool;
    qint64 m_maxPageSize;
    qint64 m_maxBulkDocs;
    // Pool reads waiting for this member's apply: they count against the
    // read pool's queue (Server.MaxQueuedReads) from their arrival.
    int m_heldPoolReads = 0;
    // True while a read held for the apply runs its handler: its pool query
    // was counted against the queue when it arrived.
    bool m_releasingHeldRead = false;
};
