#include "ClusterCommandLine.h"

#include <QHash>
#include <QVector>

#include <algorithm>

namespace {

using Command = ClusterOptions::Command;

struct OptionRule
{
    bool takesValue;
    QVector<Command> commands; // the commands that take it
};

const QHash<QString, OptionRule> &optionRules()
{
    static const QHash<QString, OptionRule> rules = {
        {QStringLiteral("data"), {true, {Command::Up, Command::Start, Command::Stop, Command::Status, Command::Backup, Command::Restore,
                                         Command::AddMember, Command::RemoveMember}}},
        {QStringLiteral("shards"), {true, {Command::Up}}},
        {QStringLiteral("shard"), {true, {Command::AddMember}}},
        {QStringLiteral("replicas"), {true, {Command::Up, Command::Restore}}},
        {QStringLiteral("port"), {true, {Command::Up, Command::Restore}}},
        {QStringLiteral("server"), {true, {Command::Up}}},
        {QStringLiteral("startup-timeout-ms"), {true, {Command::Up}}},
        {QStringLiteral("stop-timeout-ms"), {true, {Command::Up}}},
        {QStringLiteral("bind-addresses"), {false, {Command::Up, Command::Restore}}},
        {QStringLiteral("no-router"), {false, {Command::Up}}},
        {QStringLiteral("tls"), {false, {Command::Up, Command::Restore}}},
        {QStringLiteral("backup-root"), {true, {Command::Up}}},
        {QStringLiteral("to"), {true, {Command::Backup}}},
        {QStringLiteral("from"), {true, {Command::Restore, Command::Verify}}},
    };
    return rules;
}

const QVector<std::pair<Command, QString>> &commandNames()
{
    static const QVector<std::pair<Command, QString>> names = {
        {Command::Up, QStringLiteral("up")},           {Command::Start, QStringLiteral("start")},
        {Command::Stop, QStringLiteral("stop")},       {Command::Status, QStringLiteral("status")},
        {Command::Backup, QStringLiteral("backup")},   {Command::Restore, QStringLiteral("restore")},
        {Command::Verify, QStringLiteral("verify")},   {Command::AddMember, QStringLiteral("add-member")},
        {Command::RemoveMember, QStringLiteral("remove-member")},
    };
    return names;
}

// "up", "up and restore", "up, start and stop".
QString listOf(const QVector<Command> &commands)
{
    QStringList names;
    for (const auto &[command, name] : commandNames()) {
        if (commands.contains(command))
            names.append(name);
    }
    const QString last = names.takeLast();
    return names.isEmpty() ? last : names.join(QStringLiteral(", ")) + QStringLiteral(" and ") + last;
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
    if (name == QLatin1String("data") || name == QLatin1String("server") || name == QLatin1String("to")
        || name == QLatin1String("from") || name == QLatin1String("backup-root")) {
        if (value.trimmed().isEmpty())
            return badArgument(QStringLiteral("--%1 needs a non-empty path").arg(name));
        if (name == QLatin1String("data"))
            options.dataDir = value;
        else if (name == QLatin1String("server"))
            options.serverBinary = value;
        else if (name == QLatin1String("backup-root"))
            options.backupRoot = value;
        else
            options.backupDir = value;
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
    } else if (name == QLatin1String("shard")) {
        number = integerValue(name, value, 0, 1023);
        if (number.isOk())
            options.shard = number.value();
    } else if (name == QLatin1String("replicas")) {
        number = integerValue(name, value, 0, 15);
        if (number.isOk()) {
            options.replicas = number.value();
            options.replicasGiven = true;
        }
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

    const QString expected = QStringLiteral("up, start, stop, status, backup, restore, verify, add-member or remove-member");
    if (positional.isEmpty())
        return badArgument(QStringLiteral("missing command: %1").arg(expected));
    const QString command = positional.takeFirst();
    if (command == QLatin1String("help")) {
        options.command = ClusterOptions::Command::Help;
        return options;
    }
    const auto known = std::find_if(commandNames().begin(), commandNames().end(),
                                    [&command](const std::pair<Command, QString> &entry) { return entry.second == command; });
    if (known == commandNames().end())
        return badArgument(QStringLiteral("unknown command '%1' (expected %2)").arg(command.left(80), expected));
    options.command = known->first;

    const bool takesProcess = options.command == ClusterOptions::Command::Start
                              || options.command == ClusterOptions::Command::Stop
                              || options.command == ClusterOptions::Command::RemoveMember;
    if (takesProcess) {
        if (positional.isEmpty())
            return badArgument(QStringLiteral("%1 needs the name of a process (e.g. shard0-node1 or router)").arg(command));
        options.process = positional.takeFirst();
    }
    if (!positional.isEmpty())
        return badArgument(QStringLiteral("unexpected argument '%1'").arg(positional.first().left(80)));

    QStringList named;
    for (const auto &[name, value] : given) {
        const QVector<Command> commands = optionRules().value(name).commands;
        if (!commands.contains(options.command))
            return badArgument(QStringLiteral("--%1 is an option of %2, not of %3").arg(name, listOf(commands), command));
        const Status status = applyOption(options, name, value);
        if (!status.isOk())
            return status;
        named.append(name);
    }
    // What these commands cannot do without: where the backup goes or comes
    // from, and (never ./cluster by default) the directory a restore makes.
    const QVector<std::pair<Command, QString>> required = {
        {Command::Backup, QStringLiteral("to")}, {Command::Restore, QStringLiteral("from")},
        {Command::Restore, QStringLiteral("data")}, {Command::Verify, QStringLiteral("from")}};
    for (const auto &[needing, name] : required) {
        if (options.command == needing && !named.contains(name))
            return badArgument(QStringLiteral("%1 needs --%2 DIR").arg(command, name));
    }
    if (options.command == Command::AddMember && !named.contains(QStringLiteral("shard")))
        return badArgument(QStringLiteral("add-member needs --shard N, the shard the member joins"));
    return options;
}

QString ClusterCommandLine::helpText()
{
    return QStringLiteral(
        "Usage:\n"
        "  peacedb-cluster up [--shards N] [--replicas N] [--port P] [--data DIR]\n"
        "                     [--bind-addresses] [--no-router] [--tls] [--server PATH]\n"
        "                     [--startup-timeout-ms MS] [--stop-timeout-ms MS]\n"
        "                     [--backup-root DIR]\n"
        "  peacedb-cluster start NAME [--data DIR]\n"
        "  peacedb-cluster stop NAME [--data DIR]\n"
        "  peacedb-cluster status [--data DIR]\n"
        "  peacedb-cluster backup --to BACKUP [--data DIR]\n"
        "  peacedb-cluster verify --from BACKUP\n"
        "  peacedb-cluster restore --from BACKUP --data NEWDIR [--replicas N] [--port P]\n"
        "                          [--bind-addresses] [--tls]\n"
        "  peacedb-cluster add-member --shard N [--data DIR]\n"
        "  peacedb-cluster remove-member NAME [--data DIR]\n"
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
        "  backup  have the running cluster's router copy every shard online into the new\n"
        "          directory BACKUP (made by the router, so on its machine, inside the\n"
        "          backup root) with a manifest; prints the progress, returns once it\n"
        "          is complete\n"
        "  verify  check BACKUP's manifest and the checksum of every file; changes nothing\n"
        "  add-member     add a member to shard N of the running cluster in DIR: the\n"
        "          router adds it to the replica set as a learner, the launcher starts its\n"
        "          process (named shard<N>-node<ID>, on the next free port); it catches up\n"
        "          and becomes a voter. Returns once the process answers\n"
        "  remove-member  remove member NAME from its replica set (the primary hands off\n"
        "          first), then stop its process; returns once it is out of the set\n"
        "          (DIR/members.json keeps both for the next up)\n"
        "  restore verify BACKUP, then make NEWDIR (missing or empty) a cluster directory\n"
        "          holding exactly the backed-up data, with its shards, on P, ...; start\n"
        "          it with up --data NEWDIR and the same layout options\n"
        "\n"
        "Options:\n"
        "  --data DIR              cluster directory (default ./cluster)\n"
        "  --to BACKUP, --from BACKUP  the backup directory\n"
        "  --shards N              number of shards, 1-1024 (default 3)\n"
        "  --shard N               add-member: the shard the new member joins\n"
        "  --replicas N            replicas per shard besides the primary, 0-15 (default 2;\n"
        "                          restore: as many as the backed-up cluster had)\n"
        "  --port P                router port (default 8080)\n"
        "  --bind-addresses        put member i on its own address 127.0.0.(i+2)\n"
        "                          (same ports), so partitions can be made with iptables\n"
        "  --no-router             start the replica set members only\n"
        "  --tls                   HTTPS everywhere: a private CA and a certificate per\n"
        "                          process in DIR/tls (made with openssl); members ask\n"
        "                          each other for certificates; clients verify the\n"
        "                          router with DIR/tls/ca.pem\n"
        "  --server PATH           peacedb-server binary (default: next to peacedb-cluster)\n"
        "  --backup-root DIR       the only directory the router may write backups under\n"
        "                          (Server.BackupRoot; default DIR/backups, made if missing)\n"
        "  --startup-timeout-ms MS how long a process may take to answer HTTP (default 30000)\n"
        "  --stop-timeout-ms MS    how long a stopping process gets before SIGKILL (default 15000)\n"
        "  -h, --help              show this help\n"
        "  --version               show the version\n"
        "\n"
        "Exit codes: 0 ok (up: stopped by a signal), 1 start-up failed or the launcher\n"
        "(backup: the router) could not do what was asked, 2 bad command line or missing\n"
        "server binary, 3 the cluster directory cannot be used (restore: NEWDIR exists\n"
        "and is not empty), 4 the backup is incomplete or damaged (nothing was written).\n");
}
