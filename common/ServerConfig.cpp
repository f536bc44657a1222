#include "ServerConfig.h"

#include "Membership.h"

#include "JsonText.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>
#include <QJsonValue>

#include <functional>

namespace {

enum class Kind { Text, Integer, Listen, Choice, Boolean, Array };

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

Setting booleanSetting(const QString &key, bool ServerConfig::*member)
{
    return Setting{key, Kind::Boolean, 0, 0, {},
                   [member](ServerConfig &c, const QString &, qint64 value) { c.*member = value != 0; },
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
        choiceSetting(QStringLiteral("Server.Role"), &ServerConfig::role,
                      {QStringLiteral("standalone"), QStringLiteral("node"), QStringLiteral("router")}),
        Setting{QStringLiteral("Server.Listen"), Kind::Listen, 0, 0, {},
                [](ServerConfig &c, const QString &text, qint64 port) {
                    c.listenHost = text;
                    c.listenPort = quint16(port);
                },
                [](const ServerConfig &c) { return QJsonValue(c.listenAddress()); }},
        textSetting(QStringLiteral("Server.DataDir"), &ServerConfig::dataDir),
        textSetting(QStringLiteral("Server.TokenFile"), &ServerConfig::tokenFile),
        choiceSetting(QStringLiteral("Server.Authentication"), &ServerConfig::authentication,
                      {QStringLiteral("required"), QStringLiteral("off")}),
        textSetting(QStringLiteral("Server.AdminPasswordFile"), &ServerConfig::adminPasswordFile),
        textSetting(QStringLiteral("Server.BackupRoot"), &ServerConfig::backupRoot),
        textSetting(QStringLiteral("Server.Tls.CertFile"), &ServerConfig::tlsCertFile),
        textSetting(QStringLiteral("Server.Tls.KeyFile"), &ServerConfig::tlsKeyFile),
        textSetting(QStringLiteral("Server.Tls.CaFile"), &ServerConfig::tlsCaFile),
        textSetting(QStringLiteral("Server.Tls.ClientCaFile"), &ServerConfig::tlsClientCaFile),
        integerSetting(QStringLiteral("Server.MaxBodyBytes"), &ServerConfig::maxBodyBytes, 1024, qint64(1) << 32),
        integerSetting(QStringLiteral("Server.MaxHeaderBytes"), &ServerConfig::maxHeaderBytes, 1024, 1024 * 1024),
        integerSetting(QStringLiteral("Server.MaxPageSize"), &ServerConfig::maxPageSize, 1, 1000000),
        integerSetting(QStringLiteral("Server.MaxBulkDocs"), &ServerConfig::maxBulkDocs, 1, 1000000),
        integerSetting(QStringLiteral("Server.MaxDatabases"), &ServerConfig::maxDatabases, 1, 10000000),
        integerSetting(QStringLiteral("Server.ReadThreads"), &ServerConfig::readThreads, 1, 64),
        integerSetting(QStringLiteral("Server.MaxQueuedReads"), &ServerConfig::maxQueuedReads, 1, 100000),
        integerSetting(QStringLiteral("Server.MaxPendingWrites"), &ServerConfig::maxPendingWrites, 1, 100000000),
        integerSetting(QStringLiteral("Server.MaxPendingWriteBytes"), &ServerConfig::maxPendingWriteBytes, 1024 * 1024,
                       qint64(1) << 40),
        integerSetting(QStringLiteral("Server.IdleTimeoutMs"), &ServerConfig::idleTimeoutMs, 100, 86400000),
        integerSetting(QStringLiteral("Server.HeaderTimeoutMs"), &ServerConfig::headerTimeoutMs, 100, 86400000),
        integerSetting(QStringLiteral("Server.BodyTimeoutMs"), &ServerConfig::bodyTimeoutMs, 100, 86400000),
        integerSetting(QStringLiteral("Server.MaxConnections"), &ServerConfig::maxConnections, 1, 1000000),
        integerSetting(QStringLiteral("Server.MaxConnectionsPerAddress"), &ServerConfig::maxConnectionsPerAddress, 1, 1000000),
        integerSetting(QStringLiteral("Server.ShutdownTimeoutMs"), &ServerConfig::shutdownTimeoutMs, 0, 3600000),
        choiceSetting(QStringLiteral("Server.LogFormat"), &ServerConfig::logFormat, {QStringLiteral("text"), QStringLiteral("json")}),
        choiceSetting(QStringLiteral("Storage.Synchronous"), &ServerConfig::synchronous,
                      {QStringLiteral("FULL"), QStringLiteral("EXTRA")}),
        integerSetting(QStringLiteral("Storage.WalAutoCheckpointPages"), &ServerConfig::walAutoCheckpointPages, 100,
                       1000000),
        integerSetting(QStringLiteral("Storage.CacheSizeKB"), &ServerConfig::cacheSizeKB, 512, 16 * 1024 * 1024),
        integerSetting(QStringLiteral("Storage.MaxBatchEntries"), &ServerConfig::maxBatchEntries, 1, 1000000),
        choiceSetting(QStringLiteral("Storage.IntegrityCheck"), &ServerConfig::integrityCheck,
                      {QStringLiteral("none"), QStringLiteral("quick"), QStringLiteral("full")}),
        integerSetting(QStringLiteral("Storage.LogRetentionEntries"), &ServerConfig::logRetentionEntries, 0, qint64(1) << 40),
        booleanSetting(QStringLiteral("Sharding.Enabled"), &ServerConfig::shardingEnabled),
        choiceSetting(QStringLiteral("Sharding.Mode"), &ServerConfig::shardingMode, {QStringLiteral("Distributed")}),
        integerSetting(QStringLiteral("Sharding.ShardCount"), &ServerConfig::shardCount, 1, 1024),
        Setting{QStringLiteral("Sharding.Shards"), Kind::Array, 0, 0, {}, {}, [](const ServerConfig &c) { return QJsonValue(c.shards); }},
        booleanSetting(QStringLiteral("Sharding.Replication.Enabled"), &ServerConfig::replicationEnabled),
        integerSetting(QStringLiteral("Sharding.Replication.ReplicaCount"), &ServerConfig::replicaCount, 0, 15),
        integerSetting(QStringLiteral("Sharding.Replication.WriteQuorum"), &ServerConfig::writeQuorum, 1, 16),
        integerSetting(QStringLiteral("Sharding.Replication.ReadQuorum"), &ServerConfig::readQuorum, 1, 16),
        choiceSetting(QStringLiteral("Sharding.Replication.DefaultReadPreference"), &ServerConfig::defaultReadPreference,
                      {QStringLiteral("primary"), QStringLiteral("primaryPreferred"), QStringLiteral("nearest")}),
        booleanSetting(QStringLiteral("Sharding.Replication.AutomaticFailover"), &ServerConfig::automaticFailover),
        integerSetting(QStringLiteral("Sharding.Replication.FailoverTimeoutMs"), &ServerConfig::failoverTimeoutMs, 100, 600000),
        integerSetting(QStringLiteral("Sharding.Replication.HealthCheckIntervalMs"), &ServerConfig::healthCheckIntervalMs, 10, 600000),
        integerSetting(QStringLiteral("Sharding.Replication.MaxReplicationLagMs"), &ServerConfig::maxReplicationLagMs, 1, 86400000),
        integerSetting(QStringLiteral("Sharding.Replication.HeartbeatIntervalMs"), &ServerConfig::heartbeatIntervalMs, 10, 60000),
        integerSetting(QStringLiteral("Sharding.Replication.LeaseMs"), &ServerConfig::leaseMs, 0, 600000),
        integerSetting(QStringLiteral("Sharding.Replication.WriteTimeoutMs"), &ServerConfig::writeTimeoutMs, 100, 600000),
        integerSetting(QStringLiteral("Sharding.Replication.MaxBatchEntries"), &ServerConfig::replicationBatchEntries, 1, 100000),
        integerSetting(QStringLiteral("Sharding.Replication.MaxInflight"), &ServerConfig::maxInflight, 1, 64),
        integerSetting(QStringLiteral("Sharding.Replication.EntryCacheBytes"), &ServerConfig::entryCacheBytes, 0, qint64(1) << 40),
        integerSetting(QStringLiteral("Sharding.Replication.ReplaceTimeoutMs"), &ServerConfig::replaceTimeoutMs, 1000,
                       qint64(7) * 24 * 3600 * 1000),
        integerSetting(QStringLiteral("Node.ShardId"), &ServerConfig::nodeShardId, -1, 1023),
        textSetting(QStringLiteral("Node.Self"), &ServerConfig::nodeSelf),
        integerSetting(QStringLiteral("Node.MemberId"), &ServerConfig::nodeMemberId, -1, 65535),
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
        if (text.trimmed().isEmpty() && setting.key != QLatin1String("Server.TokenFile")
            && setting.key != QLatin1String("Server.AdminPasswordFile") && setting.key != QLatin1String("Server.BackupRoot")
            && !setting.key.startsWith(QLatin1String("Server.Tls.")))
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
    case Kind::Boolean: {
        const QString value = text.trimmed().toLower();
        if (value != QLatin1String("true") && value != QLatin1String("false") && value != QLatin1String("1")
            && value != QLatin1String("0")) {
            return invalid(source, setting.key, QStringLiteral("must be true or false, not '%1'").arg(text.left(80)));
        }
        setting.assign(config, text, value == QLatin1String("true") || value == QLatin1String("1") ? 1 : 0);
        return Status::ok();
    }
    case Kind::Array: {
        const Result<QByteArray> minified = JsonText::minify(text.toUtf8());
        if (!minified.isOk() || minified->front() != '[')
            return invalid(source, setting.key, QStringLiteral("must be a JSON array"));
        config.shards = QJsonDocument::fromJson(minified.value()).array();
        return Status::ok();
    }
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
    // Walks nested objects; a dotted path must end at a known setting.
    std::function<Status(const QJsonObject &, const QString &)> walk = [&](const QJsonObject &object, const QString &prefix) {
        for (auto it = object.begin(); it != object.end(); ++it) {
            const QString key = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
            const QJsonValue value = it.value();
            const Setting *setting = findSetting(key);
            if (!setting) {
                bool isSection = false;
                for (const Setting &candidate : settings()) {
                    if (candidate.key.startsWith(key + QLatin1Char('.')))
                        isSection = true;
                }
                if (!isSection)
                    return invalid(source, key, QStringLiteral("is not a known setting"));
                if (!value.isObject())
                    return invalid(source, key, QStringLiteral("must be an object, not %1").arg(JsonText::typeName(value)));
                const Status status = walk(value.toObject(), key);
                if (!status.isOk())
                    return status;
                continue;
            }
            QString text;
            switch (setting->kind) {
            case Kind::Integer:
                if (!value.isDouble() || value.toDouble() != double(value.toInteger()))
                    return invalid(source, key, QStringLiteral("must be an integer, not %1").arg(JsonText::typeName(value)));
                text = QString::number(value.toInteger());
                break;
            case Kind::Boolean:
                if (!value.isBool())
                    return invalid(source, key, QStringLiteral("must be true or false, not %1").arg(JsonText::typeName(value)));
                text = value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
                break;
            case Kind::Array:
                if (!value.isArray())
                    return invalid(source, key, QStringLiteral("must be an array, not %1").arg(JsonText::typeName(value)));
                shards = value.toArray();
                continue;
            default:
                if (!value.isString())
                    return invalid(source, key, QStringLiteral("must be a string, not %1").arg(JsonText::typeName(value)));
                text = value.toString();
            }
            const Status status = assignText(*this, *setting, text, source);
            if (!status.isOk())
                return status;
        }
        return Status::ok();
    };
    return walk(root, QString());
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
    std::function<void(QJsonObject &, const QStringList &, const QJsonValue &)> put =
        [&put](QJsonObject &object, const QStringList &path, const QJsonValue &value) {
            if (path.size() == 1) {
                object.insert(path.first(), value);
                return;
            }
            QJsonObject child = object.value(path.first()).toObject();
            put(child, path.mid(1), value);
            object.insert(path.first(), child);
        };
    for (const Setting &setting : settings())
        put(root, setting.key.split(QLatin1Char('.')), setting.read(*this));
    return root;
}

namespace {

Result<QString> memberUrl(const QJsonValue &value, const QString &key)
{
    if (!value.isString())
        return Status::badRequest(QStringLiteral("%1 must be a URL string, not %2").arg(key, JsonText::typeName(value)));
    const Result<QString> url = Membership::normalizeUrl(value.toString());
    if (!url.isOk())
        return Status::badRequest(QStringLiteral("%1 %2").arg(key, url.status().message()));
    return url;
}

} // namespace

Result<QVector<ShardLayout>> ServerConfig::shardLayout() const
{
    const auto invalidKey = [](const QString &key, const QString &why) {
        return Status::badRequest(QStringLiteral("%1 %2").arg(key, why));
    };
    if (shards.size() != shardCount) {
        return invalidKey(QStringLiteral("Sharding.Shards"),
                          QStringLiteral("has %1 shards but Sharding.ShardCount is %2").arg(shards.size()).arg(shardCount));
    }
    QVector<ShardLayout> layout(static_cast<qsizetype>(shardCount));
    QVector<bool> seen(int(shardCount), false);
    QSet<QString> urls;
    for (qsizetype i = 0; i < shards.size(); ++i) {
        const QString key = QStringLiteral("Sharding.Shards[%1]").arg(i);
        if (!shards.at(i).isObject())
            return invalidKey(key, QStringLiteral("must be an object with Id, Primary and Replicas"));
        const QJsonObject shard = shards.at(i).toObject();
        for (auto it = shard.begin(); it != shard.end(); ++it) {
            if (it.key() != QLatin1String("Id") && it.key() != QLatin1String("Primary") && it.key() != QLatin1String("Replicas"))
                return invalidKey(key + QLatin1Char('.') + it.key(), QStringLiteral("is not a known setting (expected Id, Primary, Replicas)"));
        }
        const QJsonValue id = shard.value(QStringLiteral("Id"));
        if (!id.isDouble() || id.toDouble() != double(id.toInteger()) || id.toInteger() < 0 || id.toInteger() >= shardCount)
            return invalidKey(key + QStringLiteral(".Id"), QStringLiteral("must be an integer from 0 to %1").arg(shardCount - 1));
        const int shardId = int(id.toInteger());
        if (seen.at(shardId))
            return invalidKey(key + QStringLiteral(".Id"), QStringLiteral("%1 appears twice").arg(shardId));
        seen[shardId] = true;
        ShardLayout &entry = layout[shardId];
        entry.id = shardId;
        const Result<QString> primary = memberUrl(shard.value(QStringLiteral("Primary")), key + QStringLiteral(".Primary"));
        if (!primary.isOk())
            return primary.status();
        entry.members.append(primary.value());
        const QJsonValue replicas = shard.value(QStringLiteral("Replicas"));
        if (!replicas.isUndefined() && !replicas.isArray())
            return invalidKey(key + QStringLiteral(".Replicas"), QStringLiteral("must be an array of URLs"));
        const QJsonArray replicaList = replicas.toArray();
        for (qsizetype r = 0; r < replicaList.size(); ++r) {
            const Result<QString> url = memberUrl(replicaList.at(r), key + QStringLiteral(".Replicas[%1]").arg(r));
            if (!url.isOk())
                return url.status();
            entry.members.append(url.value());
        }
        for (const QString &url : entry.members) {
            if (urls.contains(url))
                return invalidKey(key, QStringLiteral("lists %1, which is already a member somewhere").arg(url));
            urls.insert(url);
        }
        if (replicationEnabled && replicaList.size() != replicaCount) {
            return invalidKey(key + QStringLiteral(".Replicas"),
                              QStringLiteral("has %1 entries but Sharding.Replication.ReplicaCount is %2").arg(replicaList.size()).arg(replicaCount));
        }
        const int members = int(entry.members.size());
        if (writeQuorum < members / 2 + 1 || writeQuorum > members) {
            return invalidKey(QStringLiteral("Sharding.Replication.WriteQuorum"),
                              QStringLiteral("is %1, but a replica set of %2 members needs from %3 (a majority) to %2: "
                                             "a smaller quorum lets two partitions both accept writes")
                                  .arg(writeQuorum).arg(members).arg(members / 2 + 1));
        }
        if (readQuorum > members) {
            return invalidKey(QStringLiteral("Sharding.Replication.ReadQuorum"),
                              QStringLiteral("is %1, more than the %2 members of a replica set").arg(readQuorum).arg(members));
        }
    }
    return layout;
}

Result<std::pair<ShardLayout, int>> ServerConfig::nodeMembership() const
{
    const Result<QVector<ShardLayout>> layout = shardLayout();
    if (!layout.isOk())
        return layout.status();
    if (nodeShardId >= layout->size())
        return Status::badRequest(QStringLiteral("Node.ShardId %1 is not a configured shard").arg(nodeShardId));
    const Result<QString> self = memberUrl(QJsonValue(nodeSelf), QStringLiteral("Node.Self"));
    if (!self.isOk())
        return self.status();
    if (nodeShardId < 0) {
        for (const ShardLayout &shard : layout.value()) {
            const int index = int(shard.members.indexOf(self.value()));
            if (index >= 0)
                return std::make_pair(shard, index);
        }
        return Status::badRequest(QStringLiteral("Node.Self %1 is not a member of any shard in Sharding.Shards (a member added "
                                                 "since needs Node.ShardId and Node.MemberId)")
                                      .arg(self.value()));
    }
    const ShardLayout &shard = layout->at(int(nodeShardId));
    const int index = int(shard.members.indexOf(self.value()));
    if (index < 0 && nodeMemberId < 0) {
        return Status::badRequest(QStringLiteral("Node.Self %1 is not a member of shard %2 (%3); a member added since "
                                                 "needs Node.MemberId, the id the membership change gave it")
                                      .arg(self.value())
                                      .arg(nodeShardId)
                                      .arg(shard.members.join(QStringLiteral(", "))));
    }
    if (index >= 0 && nodeMemberId >= 0 && nodeMemberId != index) {
        return Status::badRequest(QStringLiteral("Node.MemberId %1 contradicts Node.Self %2, member %3 of shard %4 in "
                                                 "Sharding.Shards")
                                      .arg(nodeMemberId)
                                      .arg(self.value())
                                      .arg(index)
                                      .arg(nodeShardId));
    }
    if (index < 0 && nodeMemberId < shard.members.size()) {
        return Status::badRequest(QStringLiteral("Node.MemberId %1 belongs to %2 in Sharding.Shards, not to %3")
                                      .arg(nodeMemberId)
                                      .arg(shard.members.at(int(nodeMemberId)), self.value()));
    }
    return std::make_pair(shard, index >= 0 ? index : int(nodeMemberId));
}

Status ServerConfig::validate() const
{
    if (role == QLatin1String("standalone"))
        return Status::ok();
    if (!shardingEnabled || !replicationEnabled) {
        return Status::badRequest(QStringLiteral("Server.Role %1 needs Sharding.Enabled and Sharding.Replication.Enabled set to true")
                                      .arg(role));
    }
    if (role == QLatin1String("router")) {
        if (healthCheckIntervalMs >= failoverTimeoutMs) {
            return Status::badRequest(QStringLiteral("Sharding.Replication.HealthCheckIntervalMs (%1) must be less than "
                                                     "Sharding.Replication.FailoverTimeoutMs (%2)")
                                          .arg(healthCheckIntervalMs)
                                          .arg(failoverTimeoutMs));
        }
        const Result<QVector<ShardLayout>> layout = shardLayout();
        return layout.isOk() ? Status::ok() : layout.status();
    }
    if (heartbeatIntervalMs * 2 > failoverTimeoutMs) {
        return Status::badRequest(QStringLiteral("Sharding.Replication.HeartbeatIntervalMs (%1) must be at most half of "
                                                 "Sharding.Replication.FailoverTimeoutMs (%2)")
                                      .arg(heartbeatIntervalMs)
                                      .arg(failoverTimeoutMs));
    }
    if (leaseMs > 0 && (leaseMs < heartbeatIntervalMs * 2 || leaseMs > failoverTimeoutMs)) {
        return Status::badRequest(QStringLiteral("Sharding.Replication.LeaseMs (%1) must be at least twice "
                                                 "Sharding.Replication.HeartbeatIntervalMs (%2) and at most "
                                                 "Sharding.Replication.FailoverTimeoutMs (%3); 0 derives it")
                                      .arg(leaseMs)
                                      .arg(heartbeatIntervalMs)
                                      .arg(failoverTimeoutMs));
    }
    const Result<std::pair<ShardLayout, int>> membership = nodeMembership();
    return membership.isOk() ? Status::ok() : membership.status();
}
