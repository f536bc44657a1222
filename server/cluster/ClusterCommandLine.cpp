#include "ClusterCommandLine.h"

#include <QHash>

namespace {

struct OptionRule
{
    bool takesValue;
    bool upOnly;
};

const QHash<QString, OptionRule> &optionRules()
{
    static const QHash<QString, OptionRule> rules = {
        {QStringLiteral("data"), {true, false}},
        {QStringLiteral("shards"), {true, true}},
        {QStringLiteral("replicas"), {true, true}},
        {QStringLiteral("port"), {true, true}},
        {QStringLiteral("server"), {true, true}},
        {QStringLiteral("startup-timeout-ms"), {true, true}},
        {QStringLiteral("stop-timeout-ms"), {true, true}},
        {QStringLiteral("bind-addresses"), {false, true}},
        {QStringLiteral("no-router"), {false, true}},
        {QStringLiteral("tls"), {false, true}},
    };
    return rules;
}

Status badArgument(const QString &message)
{
    return Status::badRequest(message);
}

Result<int> integerValue(const QString &option, const QString &text, int minimum, int maximum)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < minimum || value > maximum) {
        return badArgument(QStringLiteral("--%1 must be an integer from %2 to %3, not '%4'")
                               .arg(option)
                               .arg(minimum)
                               .arg(maximum)
                               .arg(text.left(80)));
    }
    return value;
}

Status applyOption(ClusterOptions &options, const QString &name, const QString &value)
{
    Result<int> number = 0;
    if (name == QLatin1String("data") || name == QLatin1String("server")) {
        if (value.trimmed().isEmpty())
            return badArgument(QStringLiteral("--%1 needs a non-empty path").arg(name));
        (name == QLatin1String("data") ? options.dataDir : options.serverBinary) = value;
        return Status::ok();
    }
    if (name == QLatin1String("bind-addresses")) {
        options.bindAddresses = true;
        return Status::ok();
    }
    if (name == QLatin1String("no-router")) {
        options.router = false;
        return Status::ok();
    }
    if (name == QLatin1String("tls")) {
        options.tls = true;
        return Status::ok();
    }
    if (name == QLatin1String("shards")) {
        number = integerValue(name, value, 1, 1024);
        if (number.isOk())
            options.shards = number.value();
    } else if (name == QLatin1String("replicas")) {
        number = integerValue(name, value, 0, 15);
        if (number.isOk())
            options.replicas = number.value();
    } else if (name == QLatin1String("port")) {
        number = integerValue(name, value, 2, 65534);
        if (number.isOk())
            options.port = number.value();
    } else if (name == QLatin1String("startup-timeout-ms")) {
        number = integerValue(name, value, 100, 3600000);
        if (number.isOk())
            options.startupTimeoutMs = number.value();
    } else if (name == QLatin1String("stop-timeout-ms")) {
        number = integerValue(name, value, 100, 3600000);
        if (number.isOk())
            options.stopTimeoutMs = number.value();
    }
    return number.isOk() ? Status::ok() : number.status();
}

// Whether arguments[i] is an option that takes a value and the value is the
// next argument ("--data DIR"). An argument starting with "--" is never
// taken as a value: "--data --no-router" is a missing value, not a
// directory named --no-router (such a value can be given as --data=...).
bool hasSeparateValue(const QStringList &arguments, qsizetype i)
{
    const QString &argument = arguments.at(i);
    if (!argument.startsWith(QLatin1String("--")) || argument.contains(QLatin1Char('=')))
        return false;
    const auto rule = optionRules().constFind(argument.mid(2));
    return rule != optionRules().constEnd() && rule->takesValue && i + 1 < arguments.size()
           && !arguments.at(i + 1).startsWith(QLatin1String("--"));
}

} // namespace

Result<ClusterOptions> ClusterCommandLine::parse(const QStringList &arguments)
{
    ClusterOptions options;
    // --help and --version win wherever they are, but not as the value of
    // an option ("--data help" names a directory).
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == QLatin1String("--help") || argument == QLatin1String("-h")) {
            options.command = ClusterOptions::Command::Help;
            return options;
        }
        if (argument == QLatin1String("--version")) {
            options.command = ClusterOptions::Command::Version;
            return options;
        }
        if (hasSeparateValue(arguments, i))
            ++i;
    }

    QStringList positional;
    QList<QPair<QString, QString>> given; // option name, value
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (!argument.startsWith(QLatin1String("--"))) {
            if (argument.startsWith(QLatin1Char('-')) && argument.size() > 1)
                return badArgument(QStringLiteral("unknown option '%1'").arg(argument.left(80)));
            positional.append(argument);
            continue;
        }
        const qsizetype equals = argument.indexOf(QLatin1Char('='));
        const QString name = argument.mid(2, equals < 0 ? -1 : equals - 2);
        const auto rule = optionRules().constFind(name);
        if (rule == optionRules().constEnd())
            return badArgument(QStringLiteral("unknown option '--%1'").arg(name.left(80)));
        QString value;
        if (!rule->takesValue) {
            if (equals >= 0)
                return badArgument(QStringLiteral("--%1 takes no value").arg(name));
        } else if (equals >= 0) {
            value = argument.mid(equals + 1);
        } else if (hasSeparateValue(arguments, i)) {
            value = arguments.at(++i);
        } else {
            return badArgument(QStringLiteral("--%1 needs a value").arg(name));
        }
        given.append({name, value});
    }

    if (positional.isEmpty())
        return badArgument(QStringLiteral("missing command: up, start, stop or status"));
    const QString command = positional.takeFirst();
    if (command == QLatin1String("help")) {
        options.command = ClusterOptions::Command::Help;
        return options;
    }
    if (command == QLatin1String("up")) {
        options.command = ClusterOptions::Command::Up;
    } else if (command == QLatin1String("start")) {
        options.command = ClusterOptions::Command::Start;
    } else if (command == QLatin1String("stop")) {
        options.command = ClusterOptions::Command::Stop;
    } else if (command == QLatin1String("status")) {
        options.command = ClusterOptions::Command::Status;
    } else {
        return badArgument(QStringLiteral("unknown command '%1' (expected up, start, stop or status)").arg(command.left(80)));
    }

    const bool takesProcess = options.command == ClusterOptions::Command::Start
                              || options.command == ClusterOptions::Command::Stop;
    if (takesProcess) {
        if (positional.isEmpty())
            return badArgument(QStringLiteral("%1 needs the name of a process (e.g. shard0-node1 or router)").arg(command));
        options.process = positional.takeFirst();
    }
    if (!positional.isEmpty())
        return badArgument(QStringLiteral("unexpected argument '%1'").arg(positional.first().left(80)));

    for (const auto &[name, value] : given) {
        if (optionRules().value(name).upOnly && options.command != ClusterOptions::Command::Up)
            return badArgument(QStringLiteral("--%1 is an option of up, not of %2").arg(name, command));
        const Status status = applyOption(options, name, value);
        if (!status.isOk())
            return status;
    }
    return options;
}

QString ClusterCommandLine::helpText()
{
    return QStringLiteral(
        "Usage:\n"
        "  peacedb-cluster up [--shards N] [--replicas N] [--port P] [--data DIR]\n"
        "                     [--bind-addresses] [--no-router] [--tls] [--server PATH]\n"
        "                     [--startup-timeout-ms MS] [--stop-timeout-ms MS]\n"
        "  peacedb-cluster start NAME [--data DIR]\n"
        "  peacedb-cluster stop NAME [--data DIR]\n"
        "  peacedb-cluster status [--data DIR]\n"
        "\n"
        "Runs a local PeaceDB cluster: one router and SHARDS x (1 + REPLICAS) replica set\n"
        "members, each a peacedb-server process, and supervises them until Ctrl-C or\n"
        "SIGTERM stops them all.\n"
        "\n"
        "Commands:\n"
        "  up      write DIR/cluster-config.json and DIR/token, start every process and\n"
        "          keep running; the router listens on P, the members on P+1, P+2, ...\n"
        "          and the supervisor endpoint on 127.0.0.1:P-1. A process that exits\n"
        "          stays down until started again\n"
        "  start   start a stopped process of the running cluster in DIR again\n"
        "  stop    stop one process of the running cluster in DIR (SIGTERM)\n"
        "  status  list the processes of DIR/cluster.json and whether each is alive\n"
        "\n"
        "Options:\n"
        "  --data DIR              cluster directory (default ./cluster)\n"
        "  --shards N              number of shards, 1-1024 (default 3)\n"
        "  --replicas N            replicas per shard besides the primary, 0-15 (default 2)\n"
        "  --port P                router port (default 8080)\n"
        "  --bind-addresses        put member i on its own address 127.0.0.(i+2)\n"
        "                          (same ports), so partitions can be made with iptables\n"
        "  --no-router             start the replica set members only\n"
        "  --tls                   HTTPS everywhere: a private CA and a certificate per\n"
        "                          process in DIR/tls (made with openssl); members ask\n"
        "                          each other for certificates; clients verify the\n"
        "                          router with DIR/tls/ca.pem\n"
        "  --server PATH           peacedb-server binary (default: next to peacedb-cluster)\n"
        "  --startup-timeout-ms MS how long a process may take to answer HTTP (default 30000)\n"
        "  --stop-timeout-ms MS    how long a stopping process gets before SIGKILL (default 15000)\n"
        "  -h, --help              show this help\n"
        "  --version               show the version\n"
        "\n"
        "Exit codes: 0 ok (up: stopped by a signal), 1 start-up failed or the launcher\n"
        "could not do what was asked, 2 bad command line or missing server binary,\n"
        "3 the cluster directory cannot be used.\n");
}
