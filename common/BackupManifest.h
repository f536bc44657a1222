// BackupManifest: what a cluster backup holds — the codec and the checks of
// DIR/manifest.json (docs/backup.md has the format and its meaning).
//
// A backup is one consistent copy of every shard (a replica set member's
// snapshot, GET /v1/_replication/snapshot), each at its own log position
// (term, seq) at or after the shard's commit point when the backup began,
// plus this manifest:
//
//   {"format": "peacedb-backup", "version": 1, "id", "startedAt", "finishedAt",
//    "cluster": {"shardCount": N, "shards": [{"id": 0, "members": [URL, ...]}]},
//    "shards": [{"shard", "file", "bytes", "sha256", "member", "node", "url",
//                "term", "seq", "commitPoint", "databases": {NAME: dbSeq}}],
//    "changes": {NAME: "<dbSeq of shard 0>-<of shard 1>-..."}}
//
// `changes` is derived from the shards' databases (ChangeCursor: the
// router's _changes cursor of each database at the backup's positions);
// fromJson() refuses a manifest whose `changes` disagree with them, an
// unknown field, a file name other than "shard-<id>.sqlite", a checksum
// that is not 64 lowercase hex digits, shards out of order, or a seq below
// its commit point — a damaged manifest is never taken for a good one.
//
// Pure; a value; any thread.
#pragma once

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QVector>

#include "Result.h"
#include "ServerConfig.h"

struct BackupManifest
{
    static constexpr int kVersion = 1;

    struct Shard
    {
        int shard = 0;
        QString file;             // in the backup directory: fileName(shard)
        qint64 bytes = 0;
        QString sha256;           // of the file, 64 lowercase hex digits
        int member = -1;          // the member it was copied from
        QString node;             // that member's name, shard<S>-node<M>
        QString url;
        qint64 term = 0;          // the term of the entry at seq
        qint64 seq = 0;           // the log position the copy reflects
        qint64 commitPoint = 0;   // the shard's commitSeq when the backup began (<= seq)
        QMap<QString, qint64> databases; // database -> its seq in this shard (its _changes position)

        bool operator==(const Shard &other) const;
    };

    QString id;
    QString startedAt;            // ISO 8601, UTC, with milliseconds
    QString finishedAt;
    QVector<ShardLayout> layout;  // the cluster's shards and their member URLs
    QVector<Shard> shards;        // shards[i].shard == i

    // The backup's file for `shard`: "shard-<shard>.sqlite".
    static QString fileName(int shard);
    // Per database (over every shard): the router's _changes cursor at the
    // shards' positions; a shard without the database counts as 0.
    QMap<QString, QString> changes() const;
    qint64 totalBytes() const;

    QJsonObject toJson() const;
    // BadRequest saying what is wrong when `object` is not a manifest this
    // build wrote (see above).
    static Result<BackupManifest> fromJson(const QJsonObject &object);
};
