#include "SupervisorClient.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QUrl>

#include "ClusterFileStore.h"
#include "HttpConnection.h"
#include "JsonText.h"
#include "TlsFiles.h"

Result<SupervisorClient> SupervisorClient::open(const QString &dataDir)
{
    Result<ClusterFile> cluster = ClusterFileStore::read(QDir(dataDir).filePath(QStringLiteral("cluster.json")));
    if (!cluster.isOk()) {
        if (cluster.status().code() == Status::Code::NotFound) {
            return Status::notFound(QStringLiteral("no cluster in %1 (no cluster.json); start one with "
                                                   "peacedb-cluster up --data %1")
                                        .arg(dataDir));
        }
        return cluster.status();
    }
    if (cluster->launcherPid <= 0) {
        return Status::unavailable(QStringLiteral("the cluster in %1 is not running (its launcher has stopped); start it "
                                                  "with peacedb-cluster up --data %1")
                                       .arg(dataDir));
    }
    QFile tokenFile(cluster->tokenFile);
    if (!tokenFile.open(QIODevice::ReadOnly))
        return Status::badRequest(QStringLiteral("cannot read the token file %1: %2").arg(cluster->tokenFile, tokenFile.errorString()));
    SupervisorClient client;
    client.m_cluster = std::move(cluster).value();
    client.m_token = tokenFile.readAll().trimmed();
    return client;
}

Result<ClusterFile::Process> SupervisorClient::start(const QString &name, int timeoutMs) const
{
    return post(name, "start", timeoutMs);
}

Result<ClusterFile::Process> SupervisorClient::stop(const QString &name, int timeoutMs) const
{
    return post(name, "stop", timeoutMs);
}

Result<ClusterFile::Process> SupervisorClient::post(const QString &name, const QByteArray &action, int timeoutMs) const
{
    const QUrl url(m_cluster.supervisorUrl);
    if (!url.isValid() || url.host().isEmpty() || url.port() <= 0)
        return Status::badRequest(QStringLiteral("cluster.json names no valid supervisor URL ('%1')").arg(m_cluster.supervisorUrl));
    const QByteArray headers = "Host: " + url.host().toLatin1() + ':' + QByteArray::number(url.port()) + "\r\n"
                               + "Authorization: Bearer " + m_token + "\r\nConnection: close\r\n";
    const bool tls = url.scheme() == QLatin1String("https");
    if (tls) {
        // The launcher's own CA (peacedb-cluster up --tls).
        const Result<QList<QSslCertificate>> ca =
            TlsFiles::certificates(QDir(m_cluster.dataDir).filePath(QStringLiteral("tls/ca.pem")), QStringLiteral("the cluster's CA"));
        if (!ca.isOk())
            return ca.status();
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setCaCertificates(ca.value());
        configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
        HttpConnection::setTlsConfiguration(configuration);
    }
    HttpConnection connection(url.host(), quint16(url.port()), headers, timeoutMs, nullptr, tls);
    QEventLoop loop;
    int statusCode = 0;
    QByteArray body;
    QString failure;
    QObject::connect(&connection, &HttpConnection::responseReceived, &loop,
                     [&](int code, const QByteArray &answer, qint64) {
                         statusCode = code;
                         body = answer;
                         loop.quit();
                     });
    QObject::connect(&connection, &HttpConnection::requestFailed, &loop, [&](const QString &reason) {
        failure = reason;
        loop.quit();
    });
    const QByteArray path = "/v1/_supervisor/nodes/" + QUrl::toPercentEncoding(name) + '/' + action;
    connection.sendRequest("POST", path, QByteArray());
    loop.exec();

    if (!failure.isEmpty()) {
        return Status::unavailable(QStringLiteral("cannot reach the launcher's supervisor endpoint %1: %2 (is "
                                                  "peacedb-cluster up still running for %3?)")
                                       .arg(m_cluster.supervisorUrl, failure, m_cluster.dataDir));
    }
    const Result<QJsonObject> answer = JsonText::parseObject(body);
    if (!answer.isOk())
        return Status::internal(QStringLiteral("the supervisor answered %1 with a body that is not JSON").arg(statusCode));
    if (statusCode == 200)
        return ClusterFile::Process::fromJson(answer.value());
    const QString message = answer->value(QStringLiteral("error")).toString();
    switch (statusCode) {
    case 401: return Status::unauthorized(QStringLiteral("the supervisor refused the token: %1").arg(message));
    case 404: return Status::notFound(message);
    case 503: return Status::unavailable(message);
    default: return Status::internal(QStringLiteral("the supervisor answered %1: %2").arg(statusCode).arg(message));
    }
}
