// DocumentApi: the client API routes of a data node (standalone or replica
// set member): databases, documents, bulk writes, listings, queries, search,
// changes, stats. See README "Client API".
//
// Route handlers are thin: parse and validate the request, call the
// DocumentService (writes) or the DocumentReader (reads), map the result to
// an answer. Reads answer only where the read preference allows: by
// default on a primary whose reads are linearizable (ReadPreference). Main thread; registered on an HttpServer; does not own the
// service or the reader.
#pragma once

#include "HttpServer.h"

class DocumentReader;
class DocumentService;

class DocumentApi
{
public:
    DocumentApi(DocumentService *service, DocumentReader *reader, qint64 maxPageSize);

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
    // (ReadPreference): false after sending the refusal; true after marking
    // the answer-to-be with X-PeaceDB-Consistency.
    bool admitRead(const HttpRequest &request, const HttpReplyPtr &reply);
    // Checks the {db} parameter names an existing database; otherwise sends
    // the 400/404/500 and returns false.
    bool requireDatabase(const HttpRequest &request, const HttpReplyPtr &reply);
    // 100, or Server.MaxPageSize when that is smaller.
    qint64 defaultPageSize() const;

    DocumentService *m_service;
    DocumentReader *m_reader;
    qint64 m_maxPageSize;
};
