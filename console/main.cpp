// peacedb-console: a Qt Widgets management console for a PeaceDB cluster.
// Connects to a router (command line, else the remembered settings, else a
// connect dialog) and shows topology, traffic, lag and events live, and the
// users and API keys.
#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTimer>

#include "ConnectDialog.h"
#include "ConnectionSettings.h"
#include "ConsoleClient.h"
#include "MainWindow.h"

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("PeaceDB"));
    QApplication::setApplicationName(QStringLiteral("peacedb-console"));
    QApplication::setApplicationVersion(QStringLiteral(PEACEDB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("PeaceDB management console"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption routerOption(QStringLiteral("router"), QStringLiteral("Router URL, e.g. http://127.0.0.1:8080."),
                                          QStringLiteral("URL"));
    const QCommandLineOption tokenOption(QStringLiteral("token"), QStringLiteral("The cluster's token."), QStringLiteral("TOKEN"));
    const QCommandLineOption tokenFileOption(QStringLiteral("token-file"), QStringLiteral("Read the token from FILE."),
                                             QStringLiteral("FILE"));
    const QCommandLineOption supervisorOption(QStringLiteral("supervisor"),
                                              QStringLiteral("The local launcher's supervisor URL (default: router port - 1)."),
                                              QStringLiteral("URL"));
    const QCommandLineOption intervalOption(QStringLiteral("interval-ms"), QStringLiteral("Refresh interval (default 500)."),
                                            QStringLiteral("MS"), QStringLiteral("500"));
    const QCommandLineOption connectOption(QStringLiteral("connect-dialog"), QStringLiteral("Always ask where to connect."));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
                                              QStringLiteral("Save the window as FILE (PNG) after --screenshot-after-ms, then quit."),
                                              QStringLiteral("FILE"));
    const QCommandLineOption screenshotAfterOption(QStringLiteral("screenshot-after-ms"),
                                                   QStringLiteral("Delay before --screenshot (default 5000)."),
                                                   QStringLiteral("MS"), QStringLiteral("5000"));
    const QCommandLineOption caFileOption(QStringLiteral("ca-file"),
                                          QStringLiteral("Trust the CA certificates in FILE for https:// routers (e.g. "
                                                         "peacedb-cluster's DIR/tls/ca.pem)."),
                                          QStringLiteral("FILE"));
    const QCommandLineOption viewOption(QStringLiteral("view"), QStringLiteral("The tab to open: cluster (default) or users."),
                                        QStringLiteral("VIEW"), QStringLiteral("cluster"));
    const QCommandLineOption p99Option(QStringLiteral("p99-threshold-ms"),
                                       QStringLiteral("Flag a shard whose p99 latency is above MS (default: the remembered "
                                                      "setting, else 100)."),
                                       QStringLiteral("MS"));
    parser.addOptions({routerOption, tokenOption, tokenFileOption, supervisorOption, intervalOption, connectOption, viewOption,
                       screenshotOption, screenshotAfterOption, caFileOption, p99Option});
    parser.process(app);
    if (parser.isSet(caFileOption)) {
        const QList<QSslCertificate> authorities = QSslCertificate::fromPath(parser.value(caFileOption));
        if (authorities.isEmpty()) {
            qCritical("peacedb-console: %s holds no PEM certificate", qPrintable(parser.value(caFileOption)));
            return 2;
        }
        // Every request of the console verifies servers against these too.
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(authorities);
        QSslConfiguration::setDefaultConfiguration(tls);
    }

    ConnectionSettings settings = ConnectionSettings::load();
    if (parser.isSet(routerOption))
        settings.router = QUrl::fromUserInput(parser.value(routerOption));
    if (parser.isSet(supervisorOption))
        settings.supervisor = QUrl::fromUserInput(parser.value(supervisorOption));
    if (parser.isSet(tokenOption))
        settings.token = parser.value(tokenOption).toUtf8();
    if (parser.isSet(tokenFileOption)) {
        QFile file(parser.value(tokenFileOption));
        if (!file.open(QIODevice::ReadOnly)) {
            qCritical("peacedb-console: cannot read %s: %s", qPrintable(file.fileName()), qPrintable(file.errorString()));
            return 2;
        }
        settings.token = file.readAll().trimmed();
    }
    bool ok = false;
    if (parser.isSet(p99Option)) {
        settings.p99ThresholdMs = parser.value(p99Option).toDouble(&ok);
        if (!ok || settings.p99ThresholdMs <= 0) {
            qCritical("peacedb-console: --p99-threshold-ms must be a positive number");
            return 2;
        }
    }
    const int intervalMs = parser.value(intervalOption).toInt(&ok);
    if (!ok || intervalMs < 50 || intervalMs > 60000) {
        qCritical("peacedb-console: --interval-ms must be 50 to 60000");
        return 2;
    }
    const QString view = parser.value(viewOption);
    if (view != QLatin1String("cluster") && view != QLatin1String("users")) {
        qCritical("peacedb-console: --view must be cluster or users");
        return 2;
    }
    if (!settings.isComplete() || parser.isSet(connectOption)) {
        ConnectDialog dialog(settings);
        if (dialog.exec() != QDialog::Accepted)
            return 0;
        settings = dialog.settings();
    }
    settings.save();

    ConsoleClient client;
    client.setRouter(settings.router, settings.token);
    client.setSupervisor(settings.supervisor);
    client.setPollInterval(intervalMs);
    MainWindow window(&client);
    window.setP99ThresholdMs(settings.p99ThresholdMs);
    window.showView(view == QLatin1String("users") ? MainWindow::View::Users : MainWindow::View::Cluster);
    window.show();
    client.start();

    if (parser.isSet(screenshotOption)) {
        const QString file = parser.value(screenshotOption);
        QTimer::singleShot(parser.value(screenshotAfterOption).toInt(), &window, [&window, file]() {
            const bool saved = window.grab().save(file, "PNG");
            if (!saved)
                qCritical("peacedb-console: cannot write %s", qPrintable(file));
            QApplication::exit(saved ? 0 : 1);
        });
    }
    return app.exec();
}
