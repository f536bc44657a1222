// peacedb-server: a PeaceDB node. Parses the command line, builds the
// configuration (defaults < --config file < PEACEDB_* environment < command
// line) and runs a ServerApp until it is shut down.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QProcessEnvironment>

#include <cstdio>

#include "JsonText.h"
#include "LogHandler.h"
#include "RouterApp.h"
#include "ServerApp.h"
#include "ServerConfig.h"

#include <sys/stat.h>

namespace {

int configError(const QString &message)
{
    std::fprintf(stderr, "peacedb-server: %s\n", qPrintable(message));
    return ServerApp::ExitBadConfig;
}

} // namespace

int main(int argc, char *argv[])
{
    // Qt's own event loop makes fewer system calls per request than GLib's.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    // Data files, logs, snapshots and directories are the owner's alone
    // (0600 / 0700), whatever the umask the process was started with.
    ::umask(077);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("peacedb-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PEACEDB_VERSION));
    LogHandler::install(LogLine::Format::Text);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "PeaceDB node: a replicated JSON document database.\n"
        "Settings come from built-in defaults, then --config FILE, then PEACEDB_* environment variables, then these "
        "options."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption role(QStringLiteral("role"), QStringLiteral("What this process is: standalone (default), node (a replica set member) or router."),
                                  QStringLiteral("ROLE"));
    const QCommandLineOption listen(QStringLiteral("listen"),
                                    QStringLiteral("Address to serve HTTP on (default 127.0.0.1:8080; port 0 picks a free port)."),
                                    QStringLiteral("HOST:PORT"));
    const QCommandLineOption data(QStringLiteral("data"), QStringLiteral("Data directory (default ./data)."), QStringLiteral("DIR"));
    const QCommandLineOption config(QStringLiteral("config"), QStringLiteral("JSON configuration file."), QStringLiteral("FILE"));
    const QCommandLineOption tokenFile(QStringLiteral("token-file"),
                                       QStringLiteral("File holding the cluster/admin token (default: DIR/token, created on first start)."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption adminPasswordFile(
        QStringLiteral("admin-password-file"),
        QStringLiteral("File holding the built-in admin's password (default: DIR/admin-password, created on first start)."),
        QStringLiteral("FILE"));
    const QCommandLineOption logFormat(QStringLiteral("log-format"),
                                       QStringLiteral("Log lines on stderr as text (default) or json (one object per line)."),
                                       QStringLiteral("FORMAT"));
    parser.addOptions({role, listen, data, config, tokenFile, adminPasswordFile, logFormat});
    if (!parser.parse(QCoreApplication::arguments()))
        return configError(parser.errorText() + QStringLiteral(" (see --help)"));
    if (parser.isSet(help))
        parser.showHelp(0);
    if (parser.isSet(version))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty())
        return configError(QStringLiteral("unexpected argument '%1' (see --help)").arg(parser.positionalArguments().first()));

    ServerConfig settings;
    if (parser.isSet(config)) {
        const QString path = parser.value(config);
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return configError(QStringLiteral("cannot read config file %1: %2").arg(path, file.errorString()));
        const Result<QJsonObject> root = JsonText::parseObject(file.readAll());
        if (!root.isOk())
            return configError(QStringLiteral("config file %1: %2").arg(path, root.status().message()));
        const Status status = settings.applyJson(root.value(), QStringLiteral("config file ") + path);
        if (!status.isOk())
            return configError(status.message());
    }

    QHash<QString, QString> environment;
    const QProcessEnvironment processEnvironment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : processEnvironment.keys())
        environment.insert(name, processEnvironment.value(name));
    Status status = settings.applyEnvironment(environment);
    if (!status.isOk())
        return configError(status.message());

    const QList<QPair<QCommandLineOption, QString>> overrides = {
        {role, QStringLiteral("Server.Role")},
        {listen, QStringLiteral("Server.Listen")},
        {data, QStringLiteral("Server.DataDir")},
        {tokenFile, QStringLiteral("Server.TokenFile")},
        {adminPasswordFile, QStringLiteral("Server.AdminPasswordFile")},
        {logFormat, QStringLiteral("Server.LogFormat")},
    };
    for (const auto &[option, key] : overrides) {
        if (!parser.isSet(option))
            continue;
        status = settings.setFromText(key, parser.value(option), QStringLiteral("--") + option.names().first());
        if (!status.isOk())
            return configError(status.message());
    }

    status = settings.validate();
    if (!status.isOk())
        return configError(status.message());
    LogHandler::setFormat(LogLine::formatFromName(settings.logFormat).value_or(LogLine::Format::Text));

    if (settings.role == QLatin1String("router")) {
        RouterApp router(settings);
        const int code = router.start();
        return code != ServerApp::ExitOk ? code : app.exec();
    }
    ServerApp server(settings);
    const int code = server.start();
    if (code != ServerApp::ExitOk)
        return code;
    return app.exec();
}
