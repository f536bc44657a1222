// FakeRouter: a stand-in for the router's HTTP API, for console tests that
// need canned answers rather than a cluster. It listens on 127.0.0.1 (a
// port the kernel picks) and answers each request with the answer set for
// its method and path (the query ignored); GET /v1/_cluster/events answers
// no events unless set otherwise, anything else 404. Every request is
// recorded, so a test can check what the console sent: method, path, body
// and Authorization header.
//
// HTTP/1.1 with Content-Length bodies and keep-alive, as
// QNetworkAccessManager speaks it (no pipelining, no chunked bodies).
// Asynchronous on the test thread's event loop: requests are answered while
// the test waits (QTRY_*, QSignalSpy::wait). Owned by the test.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTcpServer>
#include <QUrl>

class QTcpSocket;

class FakeRouter : public QObject
{
    Q_OBJECT

public:
    struct Request
    {
        QByteArray method;
        QString path; // with its query
        QByteArray body;
        QByteArray authorization;

        QJsonObject json() const;
    };

    explicit FakeRouter(QObject *parent = nullptr);

    // False if no port could be had.
    bool listen();
    QUrl url() const;

    // From now on `method path` (no query) is answered with `status` and
    // `body`.
    void setAnswer(const QByteArray &method, const QString &path, int status, const QJsonObject &body);
    // The answer of GET /v1/_cluster/status: 200 with `status`.
    void setClusterStatus(const QJsonObject &status);

    QList<Request> requests() const { return m_requests; }
    // The requests that were not GETs: what the console asked to change.
    QList<Request> changes() const;

private:
    struct Answer
    {
        int status = 404;
        QByteArray body;
    };

    void read(QTcpSocket *socket);
    Answer answerFor(const QByteArray &method, const QString &path) const;

    QTcpServer m_server;
    QHash<QByteArray, Answer> m_answers; // by "METHOD path"
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Request> m_requests;
};
