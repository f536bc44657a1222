#include "ScriptedPeer.h"

#include <QMetaObject>
#include <QMutexLocker>
#include <QTcpServer>
#include <QTcpSocket>

ScriptedPeer::ScriptedPeer(int member, quint16 port)
    : m_member(member)
    , m_port(port)
{
}

ScriptedPeer::~ScriptedPeer()
{
    if (m_context) {
        QMetaObject::invokeMethod(m_context, [this] { delete m_context; }, Qt::BlockingQueuedConnection);
        m_context = nullptr;
    }
    m_thread.quit();
    m_thread.wait();
}

bool ScriptedPeer::start(QString *error)
{
    m_thread.start();
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    bool listening = false;
    QString why;
    QMetaObject::invokeMethod(
        m_context,
        [this, &listening, &why] {
            auto *server = new QTcpServer(m_context);
            listening = server->listen(QHostAddress::LocalHost, m_port);
            if (!listening) {
                why = server->errorString();
                return;
            }
            QObject::connect(server, &QTcpServer::newConnection, m_context, [this, server] {
                while (QTcpSocket *socket = server->nextPendingConnection())
                    serve(socket);
            });
        },
        Qt::BlockingQueuedConnection);
    if (!listening && error)
        *error = QStringLiteral("scripted member %1 cannot listen on port %2: %3").arg(m_member).arg(m_port).arg(why);
    return listening;
}

void ScriptedPeer::serve(QTcpSocket *socket)
{
    socket->setParent(m_context);
    auto buffer = std::make_shared<QByteArray>();
    QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
        buffer->append(socket->readAll());
        while (true) {
            const qsizetype headerEnd = buffer->indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            const QList<QByteArray> lines = buffer->left(headerEnd).split('\n');
            const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
            qsizetype length = 0;
            for (const QByteArray &line : lines) {
                const qsizetype colon = line.indexOf(':');
                if (colon > 0 && line.left(colon).trimmed().toLower() == "content-length")
                    length = line.mid(colon + 1).trimmed().toLongLong();
            }
            if (buffer->size() < headerEnd + 4 + length)
                return;
            const QByteArray body = buffer->mid(headerEnd + 4, length);
            buffer->remove(0, headerEnd + 4 + length);
            int status = 200;
            const QByteArray reply = answer(requestLine.value(0), requestLine.value(1), body, &status);
            socket->write("HTTP/1.1 " + QByteArray::number(status) + (status == 200 ? " OK" : " Error")
                          + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(reply.size())
                          + "\r\nConnection: keep-alive\r\n\r\n" + reply);
        }
    });
}

QByteArray ScriptedPeer::answer(const QByteArray &method, const QByteArray &path, const QByteArray &body, int *status)
{
    QMutexLocker locker(&m_mutex);
    if (method == "POST" && path == "/v1/_replication/vote") {
        const Result<VoteRequest> request = VoteRequest::fromJson(body);
        if (!request.isOk()) {
            *status = 400;
            return "{\"ok\":false}";
        }
        m_votesReceived.append(request.value());
        return VoteResponse{request->term, m_member, m_grantVotes}.toJson();
    }
    if (method == "POST" && path == "/v1/_replication/replicate") {
        const Result<AppendRequest> request = AppendRequest::fromJson(body);
        if (!request.isOk()) {
            *status = 400;
            return "{\"ok\":false}";
        }
        m_appendsReceived.append(request.value());
        if (m_appends == Appends::Refuse) {
            *status = 503;
            return "{\"ok\":false,\"error\":\"refused by the test\"}";
        }
        AppendResponse response;
        response.term = request->term;
        response.from = m_member;
        response.success = true;
        response.matchSeq = request->prevSeq + request->entries.size();
        response.lastSeq = response.matchSeq;
        return response.toJson();
    }
    *status = 404;
    return "{\"ok\":false,\"error\":\"not played by this test\"}";
}

void ScriptedPeer::setAppends(Appends appends)
{
    QMutexLocker locker(&m_mutex);
    m_appends = appends;
}

void ScriptedPeer::setGrantVotes(bool grant)
{
    QMutexLocker locker(&m_mutex);
    m_grantVotes = grant;
}

QVector<AppendRequest> ScriptedPeer::appends() const
{
    QMutexLocker locker(&m_mutex);
    return m_appendsReceived;
}

QVector<VoteRequest> ScriptedPeer::votes() const
{
    QMutexLocker locker(&m_mutex);
    return m_votesReceived;
}

LogEntry ScriptedPeer::entryFor(const QString &id) const
{
    QMutexLocker locker(&m_mutex);
    for (const AppendRequest &request : m_appendsReceived) {
        for (const LogEntry &entry : request.entries) {
            if (entry.op == LogEntry::Op::PutDocument && entry.id == id)
                return entry;
        }
    }
    return LogEntry();
}
