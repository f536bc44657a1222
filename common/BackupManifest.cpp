#include "BackupManifest.h"

#include "ChangeCursor.h"

#include <QJsonArray>
#include <QSet>

namespace {

const QString kFormat = QStringLiteral("peacedb-backup");

// Reads the members of one JSON object, collecting the first problem.
class Reader
{
public:
    Reader(const QJsonObject &object, const QString &where, QString *problem)
        : m_object(object)
        , m_where(where)
        , m_problem(problem)
    {
    }

    // Only these keys may be present.
    void only(const QStringList &keys)
    {
        for (auto it = m_object.begin(); it != m_object.end(); ++it) {
            if (!keys.contains(it.key()))
                fail(QStringLiteral("has an unknown field '%1'").arg(it.key().left(80)));
        }
    }

    qint64 integer(const QString &key, qint64 minimum)
    {
        const QJsonValue value = m_object.value(key);
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number < double(minimum) || number > 9007199254740992.0 || number != double(qint64(number))) {
            fail(QStringLiteral("needs '%1', an integer >= %2").arg(key).arg(minimum));
            return minimum;
        }
        return qint64(number);
    }

    QString text(const QString &key)
    {
        const QJsonValue value = m_object.value(key);
        if (!value.isString() || value.toString().isEmpty())
            fail(QStringLiteral("needs '%1', a non-empty string").arg(key));
        return value.toString();
    }

    QJsonArray array(const QString &key)
    {
        const QJsonValue value = m_object.value(key);
        if (!value.isArray())
            fail(QStringLiteral("needs '%1', an array").arg(key));
        return value.toArray();
    }

    QJsonObject object(const QString &key)
    {
        const QJsonValue value = m_object.value(key);
        if (!value.isObject())
            fail(QStringLiteral("needs '%1', an object").arg(key));
        return value.toObject();
    }

    void fail(const QString &what)
    {
        if (m_problem->isEmpty())
            *m_problem = m_where + QLatin1Char(' ') + what;
    }

private:
    const QJsonObject &m_object;
    QString m_where;
    QString *m_problem;
};

bool isSha256(const QString &text)
{
    if (text.size() != 64)
        return false;
    for (const QChar c : text) {
        if (!((c >= QLatin1Char('0') && c <= QLatin1Char('9')) || (c >= QLatin1Char('a') && c <= QLatin1Char('f'))))
            return false;
    }
    return true;
}

BackupManifest::Shard shardFromJson(const QJsonObject &object, int index, QString *problem)
{
    Reader read(object, QStringLiteral("shards[%1]").arg(index), problem);
    read.only({QStringLiteral("shard"), QStringLiteral("file"), QStringLiteral("bytes"), QStringLiteral("sha256"),
               QStringLiteral("member"), QStringLiteral("node"), QStringLiteral("url"), QStringLiteral("term"),
               QStringLiteral("seq"), QStringLiteral("commitPoint"), QStringLiteral("databases")});
    BackupManifest::Shard shard;
    shard.shard = int(read.integer(QStringLiteral("shard"), 0));
    shard.file = read.text(QStringLiteral("file"));
    shard.bytes = read.integer(QStringLiteral("bytes"), 0);
    shard.sha256 = read.text(QStringLiteral("sha256"));
    shard.member = int(read.integer(QStringLiteral("member"), 0));
    shard.node = read.text(QStringLiteral("node"));
    shard.url = read.text(QStringLiteral("url"));
    shard.term = read.integer(QStringLiteral("term"), 0);
    shard.seq = read.integer(QStringLiteral("seq"), 0);
    shard.commitPoint = read.integer(QStringLiteral("commitPoint"), 0);
    const QJsonObject databases = read.object(QStringLiteral("databases"));
    Reader seqs(databases, QStringLiteral("shards[%1].databases").arg(index), problem);
    for (auto it = databases.begin(); it != databases.end(); ++it)
        shard.databases.insert(it.key(), seqs.integer(it.key(), 0));
    if (!problem->isEmpty())
        return shard;
    if (shard.shard != index)
        read.fail(QStringLiteral("is shard %1; the shards must be listed in order from 0").arg(shard.shard));
    else if (shard.file != BackupManifest::fileName(index))
        read.fail(QStringLiteral("names the file '%1', not %2").arg(shard.file.left(80), BackupManifest::fileName(index)));
    else if (!isSha256(shard.sha256))
        read.fail(QStringLiteral("has a sha256 that is not 64 lowercase hex digits"));
    else if (shard.seq < shard.commitPoint)
        read.fail(QStringLiteral("reflects seq %1, before its commit point %2").arg(shard.seq).arg(shard.commitPoint));
    return shard;
}

} // namespace

bool BackupManifest::Shard::operator==(const Shard &other) const
{
    return shard == other.shard && file == other.file && bytes == other.bytes && sha256 == other.sha256
           && member == other.member && node == other.node && url == other.url && term == other.term && seq == other.seq
           && commitPoint == other.commitPoint && databases == other.databases;
}

QString BackupManifest::fileName(int shard)
{
    return QStringLiteral("shard-%1.sqlite").arg(shard);
}

QMap<QString, QString> BackupManifest::changes() const
{
    QSet<QString> names;
    for (const Shard &shard : shards) {
        for (auto it = shard.databases.begin(); it != shard.databases.end(); ++it)
            names.insert(it.key());
    }
    QMap<QString, QString> out;
    for (const QString &name : std::as_const(names)) {
        QVector<qint64> seqs;
        for (const Shard &shard : shards)
            seqs.append(shard.databases.value(name, 0));
        out.insert(name, ChangeCursor(seqs).toString());
    }
    return out;
}

qint64 BackupManifest::totalBytes() const
{
    qint64 total = 0;
    for (const Shard &shard : shards)
        total += shard.bytes;
    return total;
}

QJsonObject BackupManifest::toJson() const
{
    QJsonArray layoutShards;
    for (const ShardLayout &shard : layout) {
        layoutShards.append(QJsonObject{{QStringLiteral("id"), shard.id},
                                        {QStringLiteral("members"), QJsonArray::fromStringList(shard.members)}});
    }
    QJsonArray copies;
    for (const Shard &shard : shards) {
        QJsonObject databases;
        for (auto it = shard.databases.begin(); it != shard.databases.end(); ++it)
            databases.insert(it.key(), it.value());
        copies.append(QJsonObject{{QStringLiteral("shard"), shard.shard},
                                  {QStringLiteral("file"), shard.file},
                                  {QStringLiteral("bytes"), shard.bytes},
                                  {QStringLiteral("sha256"), shard.sha256},
                                  {QStringLiteral("member"), shard.member},
                                  {QStringLiteral("node"), shard.node},
                                  {QStringLiteral("url"), shard.url},
                                  {QStringLiteral("term"), shard.term},
                                  {QStringLiteral("seq"), shard.seq},
                                  {QStringLiteral("commitPoint"), shard.commitPoint},
                                  {QStringLiteral("databases"), databases}});
    }
    QJsonObject cursors;
    const QMap<QString, QString> cursorTexts = changes();
    for (auto it = cursorTexts.begin(); it != cursorTexts.end(); ++it)
        cursors.insert(it.key(), it.value());
    return QJsonObject{
        {QStringLiteral("format"), kFormat},
        {QStringLiteral("version"), kVersion},
        {QStringLiteral("id"), id},
        {QStringLiteral("startedAt"), startedAt},
        {QStringLiteral("finishedAt"), finishedAt},
        {QStringLiteral("cluster"), QJsonObject{{QStringLiteral("shardCount"), int(layout.size())}, {QStringLiteral("shards"), layoutShards}}},
        {QStringLiteral("shards"), copies},
        {QStringLiteral("changes"), cursors},
    };
}

Result<BackupManifest> BackupManifest::fromJson(const QJsonObject &object)
{
    QString problem;
    Reader read(object, QStringLiteral("the manifest"), &problem);
    read.only({QStringLiteral("format"), QStringLiteral("version"), QStringLiteral("id"), QStringLiteral("startedAt"),
               QStringLiteral("finishedAt"), QStringLiteral("cluster"), QStringLiteral("shards"), QStringLiteral("changes")});
    if (problem.isEmpty() && object.value(QStringLiteral("format")).toString() != kFormat)
        read.fail(QStringLiteral("is not a PeaceDB backup manifest (format is not \"%1\")").arg(kFormat));
    if (problem.isEmpty() && read.integer(QStringLiteral("version"), 1) != kVersion) {
        read.fail(QStringLiteral("has version %1; this build reads version %2")
                      .arg(object.value(QStringLiteral("version")).toInteger())
                      .arg(kVersion));
    }
    BackupManifest manifest;
    manifest.id = read.text(QStringLiteral("id"));
    manifest.startedAt = read.text(QStringLiteral("startedAt"));
    manifest.finishedAt = read.text(QStringLiteral("finishedAt"));

    const QJsonObject cluster = read.object(QStringLiteral("cluster"));
    Reader readCluster(cluster, QStringLiteral("the manifest's cluster"), &problem);
    readCluster.only({QStringLiteral("shardCount"), QStringLiteral("shards")});
    const qint64 shardCount = readCluster.integer(QStringLiteral("shardCount"), 1);
    const QJsonArray layout = readCluster.array(QStringLiteral("shards"));
    for (qsizetype i = 0; i < layout.size() && problem.isEmpty(); ++i) {
        const QJsonObject shard = layout.at(i).toObject();
        Reader readShard(shard, QStringLiteral("cluster.shards[%1]").arg(i), &problem);
        readShard.only({QStringLiteral("id"), QStringLiteral("members")});
        ShardLayout entry;
        entry.id = int(readShard.integer(QStringLiteral("id"), 0));
        for (const QJsonValue &member : readShard.array(QStringLiteral("members"))) {
            if (!member.isString() || member.toString().isEmpty())
                readShard.fail(QStringLiteral("has a member that is not a URL"));
            entry.members.append(member.toString());
        }
        if (entry.id != int(i) || entry.members.isEmpty())
            readShard.fail(QStringLiteral("must be shard %1 with at least one member").arg(i));
        manifest.layout.append(entry);
    }
    if (problem.isEmpty() && shardCount != layout.size())
        readCluster.fail(QStringLiteral("counts %1 shards but lists %2").arg(shardCount).arg(layout.size()));

    const QJsonArray shards = read.array(QStringLiteral("shards"));
    if (problem.isEmpty() && shards.size() != layout.size())
        read.fail(QStringLiteral("has %1 shard copies for a cluster of %2 shards").arg(shards.size()).arg(layout.size()));
    for (qsizetype i = 0; i < shards.size() && problem.isEmpty(); ++i) {
        if (!shards.at(i).isObject())
            read.fail(QStringLiteral("has a shard copy that is not an object"));
        manifest.shards.append(shardFromJson(shards.at(i).toObject(), int(i), &problem));
    }

    const QJsonObject changes = read.object(QStringLiteral("changes"));
    if (problem.isEmpty()) {
        QJsonObject expected;
        const QMap<QString, QString> derived = manifest.changes();
        for (auto it = derived.begin(); it != derived.end(); ++it)
            expected.insert(it.key(), it.value());
        if (changes != expected)
            read.fail(QStringLiteral("has _changes cursors that do not match its shards' database positions"));
    }
    if (!problem.isEmpty())
        return Status::badRequest(problem);
    return manifest;
}
