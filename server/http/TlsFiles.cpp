#include "TlsFiles.h"

#include <QDateTime>
#include <QFile>

namespace {

Result<QByteArray> readFile(const QString &path, const QString &what)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Status::badRequest(QStringLiteral("cannot read %1 %2: %3").arg(what, path, file.errorString()));
    return file.readAll();
}

} // namespace

Result<QList<QSslCertificate>> TlsFiles::certificates(const QString &path, const QString &what)
{
    const Result<QByteArray> pem = readFile(path, what);
    if (!pem.isOk())
        return pem.status();
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(pem.value(), QSsl::Pem);
    if (certificates.isEmpty() || certificates.first().isNull())
        return Status::badRequest(QStringLiteral("%1 %2 holds no PEM certificate").arg(what, path));
    return certificates;
}

Result<TlsFiles::Loaded> TlsFiles::load() const
{
    Loaded loaded;
    loaded.client = QSslConfiguration::defaultConfiguration();
    loaded.client.setProtocol(QSsl::TlsV1_2OrLater);
    loaded.client.setPeerVerifyMode(QSslSocket::VerifyPeer);
    if (!caFile.isEmpty()) {
        const Result<QList<QSslCertificate>> ca = certificates(caFile, QStringLiteral("Server.Tls.CaFile"));
        if (!ca.isOk())
            return ca.status();
        // Only this CA: a certificate some public CA signed is not a member.
        loaded.client.setCaCertificates(ca.value());
    }
    if (certFile.isEmpty() != keyFile.isEmpty())
        return Status::badRequest(QStringLiteral("Server.Tls.CertFile and Server.Tls.KeyFile go together: set both or neither"));
    if (certFile.isEmpty()) {
        if (!clientCaFile.isEmpty())
            return Status::badRequest(QStringLiteral("Server.Tls.ClientCaFile needs Server.Tls.CertFile and KeyFile"));
        return loaded;
    }

    const Result<QList<QSslCertificate>> chain = certificates(certFile, QStringLiteral("Server.Tls.CertFile"));
    if (!chain.isOk())
        return chain.status();
    const QSslCertificate &own = chain->first();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (own.expiryDate() < now || own.effectiveDate() > now) {
        return Status::badRequest(QStringLiteral("Server.Tls.CertFile %1 is valid from %2 to %3 only")
                                      .arg(certFile, own.effectiveDate().toString(Qt::ISODate), own.expiryDate().toString(Qt::ISODate)));
    }
    const Result<QByteArray> keyPem = readFile(keyFile, QStringLiteral("Server.Tls.KeyFile"));
    if (!keyPem.isOk())
        return keyPem.status();
    QSslKey key(keyPem.value(), QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyPem.value(), QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        return Status::badRequest(QStringLiteral("Server.Tls.KeyFile %1 holds no unencrypted PEM RSA or EC private key").arg(keyFile));

    loaded.serving = true;
    loaded.server = QSslConfiguration::defaultConfiguration();
    loaded.server.setProtocol(QSsl::TlsV1_2OrLater);
    loaded.server.setLocalCertificateChain(chain.value());
    loaded.server.setPrivateKey(key);
    loaded.server.setPeerVerifyMode(QSslSocket::VerifyNone);
    if (!clientCaFile.isEmpty()) {
        const Result<QList<QSslCertificate>> clientCa = certificates(clientCaFile, QStringLiteral("Server.Tls.ClientCaFile"));
        if (!clientCa.isOk())
            return clientCa.status();
        loaded.server.setCaCertificates(clientCa.value());
        loaded.server.setPeerVerifyMode(QSslSocket::VerifyPeer);
    }
    // Presented when this process calls another that asks for a certificate.
    loaded.client.setLocalCertificateChain(chain.value());
    loaded.client.setPrivateKey(key);
    return loaded;
}
