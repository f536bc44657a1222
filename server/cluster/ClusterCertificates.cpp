#include "ClusterCertificates.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QSslCertificate>

namespace {

constexpr int kValidDays = 825;
constexpr int kRunTimeoutMs = 30000;

const QStringList kNewKey{QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                          QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes")};

} // namespace

ClusterCertificates::ClusterCertificates(const QString &directory)
    : m_directory(directory)
{
}

QString ClusterCertificates::caPath() const
{
    return m_directory + QStringLiteral("/ca.pem");
}

QString ClusterCertificates::certificatePath(const QString &name) const
{
    return m_directory + QLatin1Char('/') + name + QStringLiteral(".pem");
}

QString ClusterCertificates::keyPath(const QString &name) const
{
    return m_directory + QLatin1Char('/') + name + QStringLiteral(".key");
}

Status ClusterCertificates::run(const QStringList &arguments) const
{
    QProcess openssl;
    openssl.setProcessChannelMode(QProcess::MergedChannels);
    openssl.start(QStringLiteral("openssl"), arguments);
    if (!openssl.waitForStarted(kRunTimeoutMs))
        return Status::badRequest(QStringLiteral("--tls needs openssl (apt install openssl): %1").arg(openssl.errorString()));
    if (!openssl.waitForFinished(kRunTimeoutMs) || openssl.exitStatus() != QProcess::NormalExit || openssl.exitCode() != 0) {
        return Status::badRequest(QStringLiteral("openssl %1 failed: %2")
                                      .arg(arguments.first(), QString::fromLocal8Bit(openssl.readAll()).trimmed().left(500)));
    }
    return Status::ok();
}

bool ClusterCertificates::usable(const QString &certificatePath) const
{
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(certificatePath);
    return !certificates.isEmpty() && certificates.first().expiryDate() > QDateTime::currentDateTimeUtc().addDays(1);
}

Status ClusterCertificates::ensure(const QList<std::pair<QString, QString>> &processes) const
{
    if (!QDir().mkpath(m_directory))
        return Status::badRequest(QStringLiteral("cannot create %1").arg(m_directory));
    QFile::setPermissions(m_directory, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const bool newAuthority = !usable(caPath()) || !QFile::exists(m_directory + QStringLiteral("/ca.key"));
    if (newAuthority) {
        const Status made = run(QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + kNewKey
                                + QStringList{QStringLiteral("-keyout"), m_directory + QStringLiteral("/ca.key"),
                                              QStringLiteral("-out"), caPath(), QStringLiteral("-days"), QString::number(kValidDays),
                                              QStringLiteral("-subj"), QStringLiteral("/CN=PeaceDB local cluster CA")});
        if (!made.isOk())
            return made;
    }
    for (const auto &[name, host] : processes) {
        if (!newAuthority && usable(certificatePath(name)) && QFile::exists(keyPath(name)))
            continue;
        const Status made = makeCertificate(name, host);
        if (!made.isOk())
            return made;
    }
    return Status::ok();
}

Status ClusterCertificates::makeCertificate(const QString &name, const QString &host) const
{
    const QString request = m_directory + QLatin1Char('/') + name + QStringLiteral(".csr");
    const QString extensions = m_directory + QLatin1Char('/') + name + QStringLiteral(".ext");
    QFile file(extensions);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Status::badRequest(QStringLiteral("cannot write %1: %2").arg(extensions, file.errorString()));
    const QString addresses = host == QLatin1String("127.0.0.1") ? QStringLiteral("IP:127.0.0.1")
                                                                  : QStringLiteral("IP:%1,IP:127.0.0.1").arg(host);
    file.write(QStringLiteral("subjectAltName=%1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n").arg(addresses).toLatin1());
    file.close();
    Status status = run(QStringList{QStringLiteral("req")} + kNewKey
                        + QStringList{QStringLiteral("-keyout"), keyPath(name), QStringLiteral("-out"), request,
                                      QStringLiteral("-subj"), QStringLiteral("/CN=%1").arg(name)});
    if (status.isOk()) {
        status = run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), request, QStringLiteral("-CA"), caPath(),
                      QStringLiteral("-CAkey"), m_directory + QStringLiteral("/ca.key"), QStringLiteral("-set_serial"),
                      QString::number(QRandomGenerator::system()->generate64() >> 1), QStringLiteral("-out"), certificatePath(name),
                      QStringLiteral("-days"), QString::number(kValidDays), QStringLiteral("-extfile"), extensions});
    }
    QFile::remove(request);
    QFile::remove(extensions);
    return status;
}
