// peacedb-bench: drives a PeaceDB server over N keep-alive HTTP/1.1
// connections and prints throughput and latency percentiles, or times
// failovers through a router (see --help).

#include "BenchOptions.h"
#include "BenchRunner.h"
#include "HttpConnection.h"
#include "FailoverBench.h"

#include <QCoreApplication>
#include <QSslCertificate>
#include <QTextStream>

int main(int argc, char *argv[])
{
    // Qt's plain UNIX event dispatcher costs fewer system calls per socket
    // event than the GLib one; the bench should take as little CPU as it can.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("peacedb-bench"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PEACEDB_VERSION));

    QString errorMessage;
    const std::optional<BenchOptions> options = BenchOptions::parse(QCoreApplication::arguments(), &errorMessage);
    if (!options) {
        QTextStream(stderr) << "peacedb-bench: " << errorMessage << "\nTry 'peacedb-bench --help'.\n";
        return 1;
    }

    if (!options->caFile.isEmpty()) {
        const QList<QSslCertificate> authorities = QSslCertificate::fromPath(options->caFile);
        if (authorities.isEmpty()) {
            QTextStream(stderr) << "peacedb-bench: " << options->caFile << " holds no PEM certificate\n";
            return 1;
        }
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates(authorities);
        tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
        HttpConnection::setTlsConfiguration(tls);
    }

    if (options->mode == BenchOptions::Mode::Failover) {
        FailoverBench bench(*options);
        QObject::connect(&bench, &FailoverBench::finished, &app, &QCoreApplication::exit, Qt::QueuedConnection);
        bench.start();
        return QCoreApplication::exec();
    }
    BenchRunner runner(*options);
    QObject::connect(&runner, &BenchRunner::finished, &app, &QCoreApplication::exit, Qt::QueuedConnection);
    runner.start();
    return QCoreApplication::exec();
}
