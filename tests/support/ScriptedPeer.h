// ScriptedPeer: a stand-in for one replica set member, played by a test, so
// that a real peacedb-server member meets exactly the messages the test
// chooses, in the order it chooses (deterministic where real peers race).
//
// It is a small HTTP/1.1 server on 127.0.0.1 (keep-alive, Content-Length
// bodies) running on a thread of its own, so it answers the real member while
// the test thread blocks in a request to that member. It answers
//   POST /v1/_replication/vote       granted (echoing the request's term), or
//                                    refused, as setGrantVotes() says;
//   POST /v1/_replication/replicate  success with matchSeq = the request's
//                                    last seq (Acknowledge), or HTTP 503, which
//                                    the member counts as a lost request
//                                    (Refuse);
//   anything else                    404 (so a bootstrapping member never
//                                    takes it for an empty member);
// and records every vote and append request it received.
//
// Thread-safe: the test thread sets modes and reads the records while the
// server thread answers. Owned by the test; the destructor stops the thread.
#pragma once

#include <QMutex>
#include <QString>
#include <QThread>
#include <QVector>

#include <memory>

#include "ReplicationMessages.h"

class QTcpSocket;

class ScriptedPeer
{
public:
    enum class Appends { Acknowledge, Refuse };

    // `member`: the index this peer plays; `port`: where it listens.
    ScriptedPeer(int member, quint16 port);
    ~ScriptedPeer();
    ScriptedPeer(const ScriptedPeer &) = delete;
    ScriptedPeer &operator=(const ScriptedPeer &) = delete;

    // False (with *error) if it cannot listen.
    bool start(QString *error);

    void setAppends(Appends appends);
    void setGrantVotes(bool grant);

    QVector<AppendRequest> appends() const;
    QVector<VoteRequest> votes() const;
    // The first log entry received whose document id is `id`; seq 0 if none.
    LogEntry entryFor(const QString &id) const;

    int member() const { return m_member; }

private:
    // The answer to one request (called on the server thread).
    QByteArray answer(const QByteArray &method, const QByteArray &path, const QByteArray &body, int *status);
    void serve(QTcpSocket *socket);

    const int m_member;
    const quint16 m_port;
    mutable QMutex m_mutex;
    Appends m_appends = Appends::Acknowledge;
    bool m_grantVotes = true;
    QVector<AppendRequest> m_appendsReceived;
    QVector<VoteRequest> m_votesReceived;
    QThread m_thread;
    QObject *m_context = nullptr; // lives on m_thread; parent of the server and its sockets
};
