#include "ServerConfig.h"

#include "JsonText.h"

#include <QRegularExpression>
#include <QJsonValue>

#include <functional>

namespace {

enum class Kind { Text, Integer, Listen, Choice };

struct Setting
{
    QString key;
    Kind kind;
    qint64 minimum = 0;
    qint64 maximum = 0;
    QStringList choices;
    std::function<void(ServerConfig &, const QString &, qint64)> assign;
    std::function<QJsonValue(const ServerConfig &)> read;
};

Setting textSetting(const QString &key, QString ServerConfig::*member)
{
    return Setting{key, Kind::Text, 0, 0, {},
                   [member](ServerConfig &c, const QString &text, qint64) { c.*member = text; },
                   [member](const ServerConfig &c) { return QJsonValue(c.*member); }};
}

Setting integerSetting(const QString &key, qint64 ServerConfig::*member, qint64 minimum, qint64 maximum)
{
    return Setting{key, Kind::Integer, minimum, maximum, {},
                   [member](ServerConfig &c, const QString &, qint64 value) { c.*member = value; },
                   [member](const ServerConfig &c) { return QJsonValue(c.*member); }};
}

Setting choiceSetting(const QString &key, QString ServerConfig::*member, const QStringList &choices)
{
    return Setting{key, Kind::Choice, 0, 0, choices,
                   [member](ServerConfig &c, const QString &text, qint64) { c.*member = text; },
                   [member](const ServerConfig &c) { return QJsonValue(c.*member); }};
}

const QList<Setting> &settings()
{
    static const QList<Setting> all = {
        choiceSetting(QStringLiteral("Server.Role"), &ServerConfig::role, {QStringLiteral("standalone")}),
        Setting{QStringLiteral("Server.Listen"), Kind::Listen, 0, 0, {},
                [](ServerConfig &c, const QString &text, qint64 port) {
                    c.listenHost = text;
                    c.listenPort = quint16(port);
                },
                [](const ServerConfig &c) { return QJsonValue(c.listenAddress()); }},
        textSetting(QStringLiteral("Server.DataDir"), &ServerConfig::dataDir),
        textSetting(QStringLiteral("Server.TokenFile"), &ServerConfig::tokenFile),
        integerSetting(QStringLiteral("Server.MaxBodyBytes"), &ServerConfig::maxBodyBytes, 1024, qint64(1) << 32),
        integerSetting(QStringLiteral("Server.MaxHeaderBytes"), &ServerConfig::maxHeaderBytes, 1024, 1024 * 1024),
        integerSetting(QStringLiteral("Server.MaxPageSize"), &ServerConfig::maxPageSize, 1, 1000000),
        integerSetting(QStringLiteral("Server.IdleTimeoutMs"), &ServerConfig::idleTimeoutMs, 100, 86400000),
        integerSetting(QStringLiteral("Server.ShutdownTimeoutMs"), &ServerConfig::shutdownTimeoutMs, 0, 3600000),
        choiceSetting(QStringLiteral("Storage.Synchronous"), &ServerConfig::synchronous,
                      {QStringLiteral("FULL"), QStringLiteral("EXTRA")}),
        integerSetting(QStringLiteral("Storage.WalAutoCheckpointPages"), &ServerConfig::walAutoCheckpointPages, 100,
                       1000000),
        integerSetting(QStringLiteral("Storage.CacheSizeKB"), &ServerConfig::cacheSizeKB, 512, 16 * 1024 * 1024),
        integerSetting(QStringLiteral("Storage.MaxBatchEntries"), &ServerConfig::maxBatchEntries, 1, 1000000),
        choiceSetting(QStringLiteral("Storage.IntegrityCheck"), &ServerConfig::integrityCheck,
                      {QStringLiteral("none"), QStringLiteral("quick"), QStringLiteral("full")}),
    };
    return all;
}

const Setting *findSetting(const QString &key)
{
    for (const Setting &setting : settings()) {
        if (setting.key == key)
            return &setting;
    }
    return nullptr;
}

Status invalid(const QString &source, const QString &key, const QString &why)
{
    return Status::badRequest(QStringLiteral("%1: %2 %3").arg(source, key, why));
}

Status assignText(ServerConfig &config, const Setting &setting, const QString &text, const QString &source)
{
    switch (setting.kind) {
    case Kind::Text:
        if (text.trimmed().isEmpty() && setting.key != QLatin1String("Server.TokenFile"))
            return invalid(source, setting.key, QStringLiteral("must not be empty"));
        setting.assign(config, text, 0);
        return Status::ok();
    case Kind::Integer: {
        bool ok = false;
        const qint64 value = text.trimmed().toLongLong(&ok);
        if (!ok)
            return invalid(source, setting.key, QStringLiteral("must be an integer, not '%1'").arg(text.left(80)));
        if (value < setting.minimum || value > setting.maximum) {
            return invalid(source, setting.key,
                           QStringLiteral("must be between %1 and %2, not %3").arg(setting.minimum).arg(setting.maximum).arg(value));
        }
        setting.assign(config, text, value);
        return Status::ok();
    }
    case Kind::Choice:
        for (const QString &choice : setting.choices) {
            if (choice.compare(text.trimmed(), Qt::CaseInsensitive) == 0) {
                setting.assign(config, choice, 0);
                return Status::ok();
            }
        }
        return invalid(source, setting.key,
                       QStringLiteral("must be one of %1, not '%2'").arg(setting.choices.join(QStringLiteral(", ")), text.left(80)));
    case Kind::Listen: {
        const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
        QString host = text.left(colon);
        bool ok = false;
        const int port = colon < 0 ? -1 : text.mid(colon + 1).toInt(&ok);
        if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
            host = host.mid(1, host.size() - 2);
        if (colon <= 0 || !ok || port < 0 || port > 65535 || host.isEmpty()) {
            return invalid(source, setting.key,
                           QStringLiteral("must be HOST:PORT (e.g. 127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080), not '%1'")
                               .arg(text.left(80)));
        }
        static const QRegularExpression hostPattern(QStringLiteral("^(?:[A-Za-z0-9][A-Za-z0-9.-]*|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$"));
        if (!hostPattern.match(host).hasMatch()) {
            return invalid(source, setting.key,
                           QStringLiteral("host '%1' is not an IP address or a host name").arg(host.left(80)));
        }
        setting.assign(config, host, port);
        return Status::ok();
    }
    }
    return Status::internal(QStringLiteral("unhandled setting kind"));
}

} // namespace

QStringList ServerConfig::keys()
{
    QStringList out;
    for (const Setting &setting : settings())
        out.append(setting.key);
    return out;
}

QString ServerConfig::environmentName(const QString &key)
{
    QString out = QStringLiteral("PEACEDB_");
    QChar previous;
    for (const QChar c : key) {
        if (c == QLatin1Char('.')) {
            out += QLatin1Char('_');
        } else {
            if (c.isUpper() && previous.isLower())
                out += QLatin1Char('_');
            out += c.toUpper();
        }
        previous = c;
    }
    return out;
}

Status ServerConfig::applyJson(const QJsonObject &root, const QString &source)
{
    static const QStringList sections = {QStringLiteral("Server"), QStringLiteral("Storage")};
    for (auto section = root.begin(); section != root.end(); ++section) {
        if (!sections.contains(section.key())) {
            return invalid(source, section.key(),
                           QStringLiteral("is not a known section (expected %1)").arg(sections.join(QStringLiteral(", "))));
        }
        if (!section.value().isObject()) {
            return invalid(source, section.key(),
                           QStringLiteral("must be an object, not %1").arg(JsonText::typeName(section.value())));
        }
        const QJsonObject members = section.value().toObject();
        for (auto it = members.begin(); it != members.end(); ++it) {
            const QString key = section.key() + QLatin1Char('.') + it.key();
            const Setting *setting = findSetting(key);
            if (!setting)
                return invalid(source, key, QStringLiteral("is not a known setting"));
            const QJsonValue value = it.value();
            QString text;
            if (setting->kind == Kind::Integer) {
                if (!value.isDouble() || value.toDouble() != double(value.toInteger())) {
                    return invalid(source, key,
                                   QStringLiteral("must be an integer, not %1").arg(JsonText::typeName(value)));
                }
                text = QString::number(value.toInteger());
            } else {
                if (!value.isString())
                    return invalid(source, key, QStringLiteral("must be a string, not %1").arg(JsonText::typeName(value)));
                text = value.toString();
            }
            const Status status = assignText(*this, *setting, text, source);
            if (!status.isOk())
                return status;
        }
    }
    return Status::ok();
}

Status ServerConfig::applyEnvironment(const QHash<QString, QString> &environment)
{
    for (auto it = environment.begin(); it != environment.end(); ++it) {
        if (!it.key().startsWith(QLatin1String("PEACEDB_")))
            continue;
        const Setting *match = nullptr;
        for (const Setting &setting : settings()) {
            if (environmentName(setting.key) == it.key())
                match = &setting;
        }
        if (!match) {
            return Status::badRequest(QStringLiteral("environment: %1 is not a known setting (known: %2)")
                                          .arg(it.key(), [] {
                                              QStringList names;
                                              for (const QString &key : ServerConfig::keys())
                                                  names.append(ServerConfig::environmentName(key));
                                              return names.join(QStringLiteral(", "));
                                          }()));
        }
        const Status status = assignText(*this, *match, it.value(), QStringLiteral("environment ") + it.key());
        if (!status.isOk())
            return status;
    }
    return Status::ok();
}

Status ServerConfig::setFromText(const QString &key, const QString &text, const QString &source)
{
    const Setting *setting = findSetting(key);
    if (!setting)
        return Status::internal(QStringLiteral("unknown setting %1").arg(key));
    return assignText(*this, *setting, text, source);
}

QString ServerConfig::listenAddress() const
{
    const QString host = listenHost.contains(QLatin1Char(':')) ? QLatin1Char('[') + listenHost + QLatin1Char(']') : listenHost;
    return host + QLatin1Char(':') + QString::number(listenPort);
}

QJsonObject ServerConfig::toJson() const
{
    QJsonObject root;
    for (const Setting &setting : settings()) {
        const qsizetype dot = setting.key.indexOf(QLatin1Char('.'));
        const QString section = setting.key.left(dot);
        QJsonObject members = root.value(section).toObject();
        members.insert(setting.key.mid(dot + 1), setting.read(*this));
        root.insert(section, members);
    }
    return root;
}
