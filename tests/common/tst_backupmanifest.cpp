// The backup manifest's codec (BackupManifest): what a backup writes reads
// back the same, the _changes cursors come from the shards' positions, and
// a damaged or foreign manifest is refused with a message naming the
// problem — one row per way a manifest can be wrong.
#include <QJsonArray>
#include <QTest>

#include "BackupManifest.h"

namespace {

BackupManifest sample()
{
    BackupManifest manifest;
    manifest.id = QStringLiteral("20261206T101500Z-3f2a");
    manifest.startedAt = QStringLiteral("2026-12-06T10:15:00.120Z");
    manifest.finishedAt = QStringLiteral("2026-12-06T10:15:02.734Z");
    for (int shard = 0; shard < 3; ++shard) {
        manifest.layout.append(ShardLayout{shard, {QStringLiteral("http://127.0.0.1:%1").arg(8081 + 3 * shard),
                                                   QStringLiteral("http://127.0.0.1:%1").arg(8082 + 3 * shard)}});
        BackupManifest::Shard copy;
        copy.shard = shard;
        copy.file = BackupManifest::fileName(shard);
        copy.bytes = 4096 * (shard + 1);
        copy.sha256 = QString(64, QLatin1Char("0af"[shard]));
        copy.member = 1;
        copy.node = QStringLiteral("shard%1-node1").arg(shard);
        copy.url = manifest.layout.last().members.at(1);
        copy.term = 2;
        copy.seq = 100 + shard;
        copy.commitPoint = 98 + shard;
        copy.databases.insert(QStringLiteral("orders"), 40 + shard);
        if (shard == 1)
            copy.databases.insert(QStringLiteral("logs"), 7);
        manifest.shards.append(copy);
    }
    return manifest;
}

// The sample as JSON with `change` applied.
QJsonObject changed(const std::function<void(QJsonObject &)> &change)
{
    QJsonObject json = sample().toJson();
    change(json);
    return json;
}

// Sets json[key1][index][key2] = value (index < 0: json[key1][key2]).
void setNested(QJsonObject &json, const QString &outer, int index, const QString &inner, const QJsonValue &value)
{
    if (index < 0) {
        QJsonObject object = json.value(outer).toObject();
        object.insert(inner, value);
        json.insert(outer, object);
        return;
    }
    QJsonArray array = json.value(outer).toArray();
    QJsonObject element = array.at(index).toObject();
    if (value.isUndefined())
        element.remove(inner);
    else
        element.insert(inner, value);
    array.replace(index, element);
    json.insert(outer, array);
}

} // namespace

class TestBackupManifest : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip()
    {
        const BackupManifest manifest = sample();
        const Result<BackupManifest> read = BackupManifest::fromJson(manifest.toJson());
        QVERIFY2(read.isOk(), qPrintable(read.status().message()));
        QCOMPARE(read->id, manifest.id);
        QCOMPARE(read->startedAt, manifest.startedAt);
        QCOMPARE(read->finishedAt, manifest.finishedAt);
        QCOMPARE(read->layout.size(), 3);
        QCOMPARE(read->layout.at(2).members, manifest.layout.at(2).members);
        QCOMPARE(read->shards, manifest.shards);
        QCOMPARE(read->toJson(), manifest.toJson());
        QCOMPARE(read->totalBytes(), 4096 * 6);
    }

    // One cursor per database, in shard order; a shard without the
    // database is at 0. One shard: a plain number, as a node answers.
    void changesAreTheRoutersCursors()
    {
        const BackupManifest manifest = sample();
        const QMap<QString, QString> expected{{QStringLiteral("orders"), QStringLiteral("40-41-42")},
                                              {QStringLiteral("logs"), QStringLiteral("0-7-0")}};
        QCOMPARE(manifest.changes(), expected);
        QCOMPARE(manifest.toJson().value(QStringLiteral("changes")).toObject().value(QStringLiteral("logs")).toString(),
                 QStringLiteral("0-7-0"));
        BackupManifest single = manifest;
        single.shards.resize(1);
        single.layout.resize(1);
        QCOMPARE(single.changes().value(QStringLiteral("orders")), QStringLiteral("40"));
    }

    void damagedManifestsAreRefused_data()
    {
        QTest::addColumn<QJsonObject>("json");
        QTest::addColumn<QString>("message");
        const auto row = [](const char *name, const std::function<void(QJsonObject &)> &change, const char *message) {
            QTest::newRow(name) << changed(change) << QString::fromUtf8(message);
        };
        row("not a manifest", [](QJsonObject &j) { j.insert(QStringLiteral("format"), QStringLiteral("tar")); },
            "is not a PeaceDB backup manifest");
        row("other version", [](QJsonObject &j) { j.insert(QStringLiteral("version"), 2); }, "has version 2; this build reads version 1");
        row("unknown field", [](QJsonObject &j) { j.insert(QStringLiteral("note"), 1); }, "has an unknown field 'note'");
        row("no id", [](QJsonObject &j) { j.remove(QStringLiteral("id")); }, "needs 'id'");
        row("no shards", [](QJsonObject &j) { j.remove(QStringLiteral("shards")); }, "needs 'shards', an array");
        row("shard count", [](QJsonObject &j) { setNested(j, QStringLiteral("cluster"), -1, QStringLiteral("shardCount"), 4); },
            "counts 4 shards but lists 3");
        row("a shard missing", [](QJsonObject &j) {
                QJsonArray shards = j.value(QStringLiteral("shards")).toArray();
                shards.removeLast();
                j.insert(QStringLiteral("shards"), shards);
            },
            "has 2 shard copies for a cluster of 3 shards");
        row("shards out of order", [](QJsonObject &j) { setNested(j, QStringLiteral("shards"), 1, QStringLiteral("shard"), 2); },
            "shards[1] is shard 2");
        row("path in the file name",
            [](QJsonObject &j) { setNested(j, QStringLiteral("shards"), 0, QStringLiteral("file"), QStringLiteral("../etc/passwd")); },
            "names the file '../etc/passwd', not shard-0.sqlite");
        row("short checksum", [](QJsonObject &j) { setNested(j, QStringLiteral("shards"), 2, QStringLiteral("sha256"), QStringLiteral("abc")); },
            "shards[2] has a sha256 that is not 64 lowercase hex digits");
        row("upper-case checksum",
            [](QJsonObject &j) { setNested(j, QStringLiteral("shards"), 2, QStringLiteral("sha256"), QString(64, QLatin1Char('F'))); },
            "not 64 lowercase hex digits");
        row("negative bytes", [](QJsonObject &j) { setNested(j, QStringLiteral("shards"), 0, QStringLiteral("bytes"), -1); },
            "shards[0] needs 'bytes', an integer >= 0");
        row("fractional seq", [](QJsonObject &j) { setNested(j, QStringLiteral("shards"), 0, QStringLiteral("seq"), 1.5); },
            "needs 'seq', an integer >= 0");
        row("seq before the commit point", [](QJsonObject &j) { setNested(j, QStringLiteral("shards"), 0, QStringLiteral("seq"), 90); },
            "reflects seq 90, before its commit point 98");
        row("no term", [](QJsonObject &j) { setNested(j, QStringLiteral("shards"), 1, QStringLiteral("term"), QJsonValue::Undefined); },
            "shards[1] needs 'term'");
        row("unknown shard field", [](QJsonObject &j) { setNested(j, QStringLiteral("shards"), 1, QStringLiteral("path"), 1); },
            "shards[1] has an unknown field 'path'");
        row("cursor edited", [](QJsonObject &j) { setNested(j, QStringLiteral("changes"), -1, QStringLiteral("orders"), QStringLiteral("40-41-43")); },
            "_changes cursors that do not match");
        row("database position edited", [](QJsonObject &j) {
                QJsonArray shards = j.value(QStringLiteral("shards")).toArray();
                QJsonObject shard = shards.at(0).toObject();
                shard.insert(QStringLiteral("databases"), QJsonObject{{QStringLiteral("orders"), 39}});
                shards.replace(0, shard);
                j.insert(QStringLiteral("shards"), shards);
            },
            "_changes cursors that do not match");
        row("member without URL", [](QJsonObject &j) {
                QJsonObject cluster = j.value(QStringLiteral("cluster")).toObject();
                QJsonArray shards = cluster.value(QStringLiteral("shards")).toArray();
                QJsonObject shard = shards.at(0).toObject();
                shard.insert(QStringLiteral("members"), QJsonArray{1});
                shards.replace(0, shard);
                cluster.insert(QStringLiteral("shards"), shards);
                j.insert(QStringLiteral("cluster"), cluster);
            },
            "cluster.shards[0] has a member that is not a URL");
    }

    void damagedManifestsAreRefused()
    {
        QFETCH(QJsonObject, json);
        QFETCH(QString, message);
        const Result<BackupManifest> read = BackupManifest::fromJson(json);
        QVERIFY(!read.isOk());
        QCOMPARE(read.status().code(), Status::Code::BadRequest);
        QVERIFY2(read.status().message().contains(message), qPrintable(read.status().message()));
    }
};

QTEST_GUILESS_MAIN(TestBackupManifest)
#include "tst_backupmanifest.moc"
