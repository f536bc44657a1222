// ScriptedMember: a replica set member as the router sees it, played by a
// test — a small HTTP/1.1 server on 127.0.0.1 (keep-alive, one thread: the
// test's) that answers GET /v1/_replication/state with the state the test
// sets and GET /v1/_replication/snapshot with a chosen failure; anything
// else is 404. die() is what a killed process looks like from outside: its
// connections closed at once, then nothing listening on its port (connects
// are refused). Owned by the test.
#pragma once

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include "ServerConfig.h"

class ScriptedMember : public QObject
{
public:
    enum class Snapshot { Busy, Broken, Huge };

    explicit ScriptedMember(const QJsonObject &state, Snapshot snapshot = Snapshot::Broken)
        : m_state(state)
        , m_snapshot(snapshot)
    {
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        m_port = m_server.serverPort();
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                m_sockets.append(socket);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    int snapshotRequests() const { return m_snapshotRequests; }
    int stateRequests() const { return m_stateRequests; }
    void setState(const QJsonObject &state) { m_state = state; }
    // Close each connection right after answering on it (as a server with
    // no keep-alive that does not say so).
    void setCloseAfterAnswer(bool close) { m_closeAfterAnswer = close; }

    // Every connection closed, and the port no longer listened on.
    void die()
    {
        for (const QPointer<QTcpSocket> &socket : std::as_const(m_sockets)) {
            if (socket)
                socket->close();
        }
        m_sockets.clear();
        m_server.close();
    }

private:
    void serve(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        qsizetype end;
        while ((end = buffer.indexOf("\r\n\r\n")) >= 0) {
            const QByteArray head = buffer.left(end);
            buffer.remove(0, end + 4);
            const QByteArray target = head.split(' ').value(1);
            if (target == "/v1/_replication/state") {
                ++m_stateRequests;
                answer(socket, 200, QJsonDocument(m_state).toJson(QJsonDocument::Compact));
            } else if (target == "/v1/_replication/snapshot") {
                ++m_snapshotRequests;
                switch (m_snapshot) {
                case Snapshot::Busy:
                    answer(socket, 503, R"({"ok":false,"error":"a snapshot is already being made"})");
                    break;
                case Snapshot::Broken:
                    answer(socket, 500, R"({"ok":false,"error":"cannot read the database"})");
                    break;
                case Snapshot::Huge:
                    // A petabyte announced; the bytes never come.
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                  "Content-Length: 1000000000000000\r\nX-PeaceDB-Snapshot-Seq: 5\r\n"
                                  "X-PeaceDB-Snapshot-Term: 1\r\n\r\n");
                    break;
                }
            } else {
                answer(socket, 404, R"({"ok":false,"error":"not found"})");
            }
        }
        if (m_closeAfterAnswer) {
            m_buffers.remove(socket);
            socket->disconnectFromHost();
        }
    }

    static void answer(QTcpSocket *socket, int status, const QByteArray &body)
    {
        socket->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\nContent-Length: "
                      + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    }

    QTcpServer m_server;
    // The port it listened on, kept for url() after die().
    quint16 m_port = 0;
    QJsonObject m_state;
    Snapshot m_snapshot;
    QList<QPointer<QTcpSocket>> m_sockets;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    int m_snapshotRequests = 0;
    int m_stateRequests = 0;
    bool m_closeAfterAnswer = false;
};

// A member's answer to GET /v1/_replication/state: the primary of `term`
// holding its lease, or a replica following member `leader`; five entries
// of term 1 each.
inline QJsonObject scriptedMemberState(bool primary, qint64 term = 1, int leader = 0)
{
    return QJsonObject{{QStringLiteral("role"), primary ? QStringLiteral("primary") : QStringLiteral("replica")},
                       {QStringLiteral("term"), term},
                       {QStringLiteral("lastTerm"), 1},
                       {QStringLiteral("lastSeq"), 5},
                       {QStringLiteral("commitSeq"), 5},
                       {QStringLiteral("appliedSeq"), 5},
                       {QStringLiteral("rolledBack"), 0},
                       {QStringLiteral("lease"), primary},
                       {QStringLiteral("writable"), primary},
                       {QStringLiteral("readable"), primary},
                       {QStringLiteral("leader"), leader},
                       {QStringLiteral("lastPrimaryContactAgeMs"), 10}};
}

// A set of three: member 0 the primary, 1 and 2 its replicas, all answering
// snapshot requests the same way.
struct ScriptedSet
{
    explicit ScriptedSet(ScriptedMember::Snapshot snapshot = ScriptedMember::Snapshot::Broken)
        : primary(scriptedMemberState(true), snapshot)
        , replica1(scriptedMemberState(false), snapshot)
        , replica2(scriptedMemberState(false), snapshot)
    {
    }
    QVector<ScriptedMember *> all() { return {&primary, &replica1, &replica2}; }
    int snapshotRequests() const
    {
        return primary.snapshotRequests() + replica1.snapshotRequests() + replica2.snapshotRequests();
    }
    // The shard as a router's configuration names it.
    ShardLayout layout() const { return ShardLayout{0, {primary.url(), replica1.url(), replica2.url()}}; }

    ScriptedMember primary;
    ScriptedMember replica1;
    ScriptedMember replica2;
};
