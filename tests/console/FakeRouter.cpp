#include "FakeRouter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>

namespace {

QByteArray key(const QByteArray &method, const QString &path)
{
    return method + ' ' + path.toUtf8();
}

QByteArray reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

} // namespace

QJsonObject FakeRouter::Request::json() const
{
    return QJsonDocument::fromJson(body).object();
}

FakeRouter::FakeRouter(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            socket->setParent(this);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
            connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                m_buffers.remove(socket);
                socket->deleteLater();
            });
        }
    });
    setAnswer("GET", QStringLiteral("/v1/_cluster/events"), 200, QJsonObject{{QStringLiteral("events"), QJsonArray()},
                                                                           {QStringLiteral("lastId"), 0}});
}

bool FakeRouter::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl FakeRouter::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
}

void FakeRouter::setAnswer(const QByteArray &method, const QString &path, int status, const QJsonObject &body)
{
    m_answers.insert(key(method, path), Answer{status, QJsonDocument(body).toJson(QJsonDocument::Compact)});
}

void FakeRouter::setClusterStatus(const QJsonObject &status)
{
    setAnswer("GET", QStringLiteral("/v1/_cluster/status"), 200, status);
}

QList<FakeRouter::Request> FakeRouter::changes() const
{
    QList<Request> out;
    for (const Request &request : m_requests) {
        if (request.method != "GET")
            out.append(request);
    }
    return out;
}

FakeRouter::Answer FakeRouter::answerFor(const QByteArray &method, const QString &path) const
{
    const QString route = path.left(path.indexOf(QLatin1Char('?')));
    const auto it = m_answers.constFind(key(method, route));
    if (it != m_answers.cend())
        return *it;
    return Answer{404, R"({"ok":false,"error":"no such route in the fake router"})"};
}

void FakeRouter::read(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    for (;;) {
        const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
        const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
        if (requestLine.size() < 2) {
            socket->abort();
            return;
        }
        Request request;
        request.method = requestLine.at(0);
        request.path = QString::fromUtf8(requestLine.at(1));
        qsizetype length = 0;
        for (const QByteArray &line : lines.mid(1)) {
            const qsizetype colon = line.indexOf(':');
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-length")
                length = value.toLongLong();
            else if (name == "authorization")
                request.authorization = value;
        }
        if (buffer.size() < headEnd + 4 + length)
            return;
        request.body = buffer.mid(headEnd + 4, length);
        buffer.remove(0, headEnd + 4 + length);
        m_requests.append(request);
        const Answer answer = answerFor(request.method, request.path);
        socket->write("HTTP/1.1 " + QByteArray::number(answer.status) + ' ' + reason(answer.status)
                      + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(answer.body.size())
                      + "\r\n\r\n" + answer.body);
    }
}
