#include "MetricsApi.h"

#include "ClusterEvents.h"
#include "DocumentService.h"
#include "GroupCommitter.h"
#include "HealthMonitor.h"
#include "NodeApi.h"
#include "ReplicationNode.h"
#include "RouterTraffic.h"

#include <QJsonArray>
#include <QJsonObject>

namespace {

using Type = PrometheusText::Type;
using Labels = PrometheusText::Labels;

// One metric family: every sample is added before the next family starts.
struct Family
{
    QString name;
    Type type;
    QString help;
    QList<QPair<Labels, double>> samples;

    void add(const Labels &labels, double value) { samples.append({labels, value}); }
    void writeTo(PrometheusText *out) const
    {
        for (const auto &[labels, value] : samples)
            out->add(name, type, help, value, labels);
    }
};

QString number(qint64 value)
{
    return QString::number(value);
}

const QStringList kRoles = {QStringLiteral("primary"), QStringLiteral("candidate"), QStringLiteral("replica")};

} // namespace

MetricsApi::MetricsApi(const Sources &sources)
    : m_sources(sources)
{
    m_uptime.start();
}

void MetricsApi::registerRoutes(HttpServer &server)
{
    server.addApiRoute(QHttpServerRequest::Method::Get, "/metrics",
                    [this](const HttpRequest &, const HttpReplyPtr &reply) {
                        HttpResponse response;
                        response.status = 200;
                        response.contentType = PrometheusText::contentType();
                        response.body = render();
                        reply->send(response);
                    });
}

QByteArray MetricsApi::render() const
{
    PrometheusText out;
    writeProcess(&out);
    if (m_sources.committer)
        writeStorage(&out);
    if (m_sources.replication)
        writeReplication(&out);
    if (m_sources.monitor)
        writeRouter(&out);
    return out.text();
}

void MetricsApi::writeProcess(PrometheusText *out) const
{
    out->add(QStringLiteral("peacedb_info"), Type::Gauge, QStringLiteral("Always 1; the labels say what this process is."), 1,
             {{QStringLiteral("role"), m_sources.role}, {QStringLiteral("version"), QStringLiteral(PEACEDB_VERSION)}});
    out->add(QStringLiteral("peacedb_uptime_seconds"), Type::Gauge, QStringLiteral("Seconds since the process started serving."),
             double(m_uptime.elapsed()) / 1000.0);
    out->add(QStringLiteral("peacedb_resident_memory_bytes"), Type::Gauge, QStringLiteral("Resident memory of the process."),
             double(NodeApi::residentBytes()));
    out->add(QStringLiteral("peacedb_http_open_connections"), Type::Gauge, QStringLiteral("Open client connections."),
             m_sources.http->openConnections());
    out->add(QStringLiteral("peacedb_http_requests_in_flight"), Type::Gauge,
             QStringLiteral("Requests received and not yet answered (this one included)."), m_sources.http->repliesInFlight());
    m_sources.http->metrics().write(out);
}

void MetricsApi::writeStorage(PrometheusText *out) const
{
    const GroupCommitter &committer = *m_sources.committer;
    out->add(QStringLiteral("peacedb_storage_durable_seq"), Type::Gauge, QStringLiteral("Last log seq fsynced to disk."),
             double(committer.durableSeq()));
    out->add(QStringLiteral("peacedb_storage_applied_seq"), Type::Gauge, QStringLiteral("Last log seq applied to the documents."),
             double(committer.appliedSeq()));
    out->add(QStringLiteral("peacedb_storage_commit_batches_total"), Type::Counter,
             QStringLiteral("Group-commit transactions written."), double(committer.batchesWritten()));
    out->add(QStringLiteral("peacedb_storage_commit_entries_total"), Type::Counter,
             QStringLiteral("Log entries written by group commits."), double(committer.entriesWritten()));
}

void MetricsApi::writeReplication(PrometheusText *out) const
{
    const QJsonObject state = m_sources.replication->state();
    const Labels shard{{QStringLiteral("shard"), number(state.value(QStringLiteral("shard")).toInteger())}};
    const QString role = state.value(QStringLiteral("role")).toString();
    for (const QString &candidate : kRoles) {
        out->add(QStringLiteral("peacedb_replication_role"), Type::Gauge,
                 QStringLiteral("1 for this member's current role in its replica set, 0 for the others."),
                 candidate == role ? 1 : 0, shard + Labels{{QStringLiteral("role"), candidate}});
    }
    const QList<std::tuple<QString, QString, QString>> gauges = {
        {QStringLiteral("peacedb_replication_term"), QStringLiteral("term"), QStringLiteral("Current term.")},
        {QStringLiteral("peacedb_replication_last_seq"), QStringLiteral("lastSeq"), QStringLiteral("Seq of the last entry in the log.")},
        {QStringLiteral("peacedb_replication_last_term"), QStringLiteral("lastTerm"), QStringLiteral("Term of the last entry in the log.")},
        {QStringLiteral("peacedb_replication_commit_seq"), QStringLiteral("commitSeq"), QStringLiteral("Highest seq known committed.")},
        {QStringLiteral("peacedb_replication_applied_seq"), QStringLiteral("appliedSeq"), QStringLiteral("Highest seq applied to the documents.")},
    };
    for (const auto &[name, key, help] : gauges)
        out->add(name, Type::Gauge, help, double(state.value(key).toInteger()), shard);
    out->add(QStringLiteral("peacedb_replication_writable"), Type::Gauge, QStringLiteral("1 while this member accepts writes."),
             state.value(QStringLiteral("writable")).toBool() ? 1 : 0, shard);
    out->add(QStringLiteral("peacedb_replication_lease"), Type::Gauge,
             QStringLiteral("1 while this member, as primary, has heard from a majority within LeaseMs."),
             state.value(QStringLiteral("lease")).toBool() ? 1 : 0, shard);
    out->add(QStringLiteral("peacedb_replication_leader_changes_total"), Type::Counter,
             QStringLiteral("Times this member learned of a new primary (itself included)."),
             double(m_sources.replication->leaderChanges()), shard);
    out->add(QStringLiteral("peacedb_replication_quorum_failures_total"), Type::Counter,
             QStringLiteral("Client writes answered 503 quorum not reached."),
             double(m_sources.service ? m_sources.service->quorumTimeouts() : 0), shard);
    out->add(QStringLiteral("peacedb_replication_rolled_back_entries_total"), Type::Counter,
             QStringLiteral("Log entries cut because the primary did not have them."),
             double(state.value(QStringLiteral("rolledBack")).toInteger()), shard);
    const QHash<QString, qint64> &events = m_sources.replication->eventCounts();
    QStringList kinds = events.keys();
    kinds.sort();
    for (const QString &kind : kinds) {
        out->add(QStringLiteral("peacedb_replication_events_total"), Type::Counter,
                 QStringLiteral("Replication events of this member, by kind."), double(events.value(kind)),
                 shard + Labels{{QStringLiteral("kind"), kind}});
    }

    // A primary's view of the other members.
    Family lagEntries{QStringLiteral("peacedb_replication_member_lag_entries"), Type::Gauge,
                      QStringLiteral("On a primary: log entries a member does not hold yet."), {}};
    Family lagSeconds{QStringLiteral("peacedb_replication_member_lag_seconds"), Type::Gauge,
                      QStringLiteral("On a primary: age of the oldest entry a member does not hold yet."), {}};
    Family matchSeq{QStringLiteral("peacedb_replication_member_match_seq"), Type::Gauge,
                    QStringLiteral("On a primary: last seq known durable on a member."), {}};
    Family contact{QStringLiteral("peacedb_replication_member_last_contact_seconds"), Type::Gauge,
                   QStringLiteral("On a primary: time since a member last answered."), {}};
    Family syncState{QStringLiteral("peacedb_replication_member_state"), Type::Gauge,
                     QStringLiteral("On a primary: 1 for a member's state (InSync, Lagging, Recovering, Offline), 0 for the others."), {}};
    for (const QJsonValue &value : state.value(QStringLiteral("members")).toArray()) {
        const QJsonObject member = value.toObject();
        if (member.value(QStringLiteral("self")).toBool() || !member.value(QStringLiteral("lagEntries")).isDouble())
            continue; // itself, or not heard from in this term: unknown
        const Labels labels = shard + Labels{{QStringLiteral("member"), number(member.value(QStringLiteral("index")).toInteger())},
                                             {QStringLiteral("url"), member.value(QStringLiteral("url")).toString()}};
        lagEntries.add(labels, double(member.value(QStringLiteral("lagEntries")).toInteger()));
        lagSeconds.add(labels, double(member.value(QStringLiteral("lagMs")).toInteger()) / 1000.0);
        matchSeq.add(labels, double(member.value(QStringLiteral("matchSeq")).toInteger()));
        if (member.value(QStringLiteral("lastContactAgeMs")).isDouble())
            contact.add(labels, double(member.value(QStringLiteral("lastContactAgeMs")).toInteger()) / 1000.0);
        const QString current = member.value(QStringLiteral("state")).toString();
        for (const QString &name : {QStringLiteral("InSync"), QStringLiteral("Lagging"), QStringLiteral("Recovering"), QStringLiteral("Offline")})
            syncState.add(labels + Labels{{QStringLiteral("state"), name}}, name == current ? 1 : 0);
    }
    out->add(QStringLiteral("peacedb_replication_storage_failed"), Type::Gauge,
             QStringLiteral("1 after a storage failure: the member refuses appends and votes until it is restarted."),
             state.value(QStringLiteral("storageFailure")).isString() ? 1 : 0, shard);
    out->add(QStringLiteral("peacedb_replication_voter"), Type::Gauge,
             QStringLiteral("0 while this member catches up after starting with empty storage (it may not vote), else 1."),
             state.value(QStringLiteral("voter")).toBool(true) ? 1 : 0, shard);
    for (const Family *family : {&lagEntries, &lagSeconds, &matchSeq, &contact, &syncState})
        family->writeTo(out);
}

void MetricsApi::writeRouter(PrometheusText *out) const
{
    const QJsonArray shards = m_sources.monitor->status().value(QStringLiteral("shards")).toArray();
    Family healthy{QStringLiteral("peacedb_router_shard_healthy"), Type::Gauge,
                   QStringLiteral("1 while the shard has a reachable primary holding its lease."), {}};
    Family term{QStringLiteral("peacedb_router_shard_term"), Type::Gauge, QStringLiteral("Term of the shard's primary as last seen."), {}};
    Family reachable{QStringLiteral("peacedb_router_shard_reachable_members"), Type::Gauge,
                     QStringLiteral("Members of the shard that answer health checks."), {}};
    Family leaderChanges{QStringLiteral("peacedb_router_leader_changes_total"), Type::Counter,
                         QStringLiteral("Primaries this router promoted or saw appear (events promoted and primary-changed)."), {}};
    Family up{QStringLiteral("peacedb_router_member_up"), Type::Gauge, QStringLiteral("1 while the member answers health checks."), {}};
    Family primary{QStringLiteral("peacedb_router_member_primary"), Type::Gauge,
                   QStringLiteral("1 if the member reported itself primary at its last answer."), {}};
    Family seq{QStringLiteral("peacedb_router_member_seq"), Type::Gauge, QStringLiteral("The member's last log seq at its last answer."), {}};
    Family commitSeq{QStringLiteral("peacedb_router_member_commit_seq"), Type::Gauge,
                     QStringLiteral("The member's commit seq at its last answer."), {}};
    Family lagEntries{QStringLiteral("peacedb_router_member_lag_entries"), Type::Gauge,
                      QStringLiteral("Entries the member lacks, as its primary reports."), {}};
    Family lagSeconds{QStringLiteral("peacedb_router_member_lag_seconds"), Type::Gauge,
                      QStringLiteral("Age of the oldest entry the member lacks, as its primary reports."), {}};
    for (const QJsonValue &shardValue : shards) {
        const QJsonObject shard = shardValue.toObject();
        const int id = shard.value(QStringLiteral("id")).toInt();
        const Labels shardLabels{{QStringLiteral("shard"), number(id)}};
        healthy.add(shardLabels, shard.value(QStringLiteral("healthy")).toBool() ? 1 : 0);
        term.add(shardLabels, double(shard.value(QStringLiteral("term")).toInteger()));
        reachable.add(shardLabels, double(shard.value(QStringLiteral("reachable")).toInteger()));
        const auto &counts = m_sources.events->counts();
        leaderChanges.add(shardLabels, double(counts.value({id, QStringLiteral("promoted")})
                                              + counts.value({id, QStringLiteral("primary-changed")})));
        for (const QJsonValue &memberValue : shard.value(QStringLiteral("members")).toArray()) {
            const QJsonObject member = memberValue.toObject();
            const Labels labels = shardLabels + Labels{{QStringLiteral("member"), number(member.value(QStringLiteral("member")).toInteger())},
                                                       {QStringLiteral("node"), member.value(QStringLiteral("name")).toString()}};
            up.add(labels, member.value(QStringLiteral("reachable")).toBool() ? 1 : 0);
            primary.add(labels, member.value(QStringLiteral("role")).toString() == QLatin1String("primary") ? 1 : 0);
            if (member.contains(QStringLiteral("seq"))) {
                seq.add(labels, double(member.value(QStringLiteral("seq")).toInteger()));
                commitSeq.add(labels, double(member.value(QStringLiteral("commitSeq")).toInteger()));
            }
            if (member.value(QStringLiteral("lagEntries")).isDouble() && member.value(QStringLiteral("lagMs")).isDouble()) {
                lagEntries.add(labels, double(member.value(QStringLiteral("lagEntries")).toInteger()));
                lagSeconds.add(labels, double(member.value(QStringLiteral("lagMs")).toInteger()) / 1000.0);
            }
        }
    }
    for (const Family *family : {&healthy, &term, &reachable, &leaderChanges, &up, &primary, &seq, &commitSeq, &lagEntries, &lagSeconds})
        family->writeTo(out);
    const auto &counts = m_sources.events->counts();
    for (auto it = counts.begin(); it != counts.end(); ++it) {
        out->add(QStringLiteral("peacedb_router_events_total"), Type::Counter, QStringLiteral("Cluster events, by shard and kind."),
                 double(it.value()), {{QStringLiteral("shard"), number(it.key().first)}, {QStringLiteral("kind"), it.key().second}});
    }
    if (m_sources.traffic)
        m_sources.traffic->write(out);
}
