#include "ClusterRequest.h"

#include <QDir>
#include <QEventLoop>
#include <QUrl>

#include "HttpConnection.h"
#include "JsonText.h"
#include "TlsFiles.h"

namespace ClusterRequest {

Result<Answer> send(const QString &address, const QString &clusterDir, const QByteArray &token, const QByteArray &method,
                    const QByteArray &path, const QByteArray &body, int timeoutMs)
{
    const QUrl url(address);
    if (!url.isValid() || url.host().isEmpty() || url.port() <= 0)
        return Status::badRequest(QStringLiteral("'%1' is not a valid URL").arg(address));
    const QByteArray headers = "Host: " + url.host().toLatin1() + ':' + QByteArray::number(url.port()) + "\r\n"
                               + "Authorization: Bearer " + token + "\r\nConnection: close\r\n";
    const bool tls = url.scheme() == QLatin1String("https");
    if (tls) {
        // The launcher's own CA (peacedb-cluster up --tls).
        const Result<QList<QSslCertificate>> ca =
            TlsFiles::certificates(QDir(clusterDir).filePath(QStringLiteral("tls/ca.pem")), QStringLiteral("the cluster's CA"));
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
    QByteArray answer;
    QString failure;
    QObject::connect(&connection, &HttpConnection::responseReceived, &loop, [&](int code, const QByteArray &received, qint64) {
        statusCode = code;
        answer = received;
        loop.quit();
    });
    QObject::connect(&connection, &HttpConnection::requestFailed, &loop, [&](const QString &reason) {
        failure = reason;
        loop.quit();
    });
    connection.sendRequest(method, path, body);
    loop.exec();

    if (!failure.isEmpty())
        return Status::unavailable(QStringLiteral("no answer from %1: %2").arg(address, failure));
    const Result<QJsonObject> parsed = JsonText::parseObject(answer);
    if (!parsed.isOk())
        return Status::internal(QStringLiteral("%1 answered %2 with a body that is not JSON").arg(address).arg(statusCode));
    return Answer{statusCode, parsed.value()};
}

} // namespace ClusterRequest
