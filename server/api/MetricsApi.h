// MetricsApi: GET /metrics — the process's figures in the Prometheus text
// format, on every role:
//
//   all       peacedb_info, uptime, memory, open connections; HTTP answers by
//             route class and status, latency histograms by route class
//   node,     the log (durable and applied seq, group-commit batches and
//   standalone  entries)
//   node      its replica set role, term, lastSeq, commitSeq, appliedSeq,
//             lease, leader changes, quorum failures, events by kind; on a
//             primary each member's lag (entries, seconds) and match seq
//   router    per shard: healthy, term, reachable members, leader changes,
//             events by kind; per member: up, primary, seq, lag; per shard
//             and route class: requests, errors, latency (RouterTraffic)
//
// Public, like /healthz and /v1/_stats: it holds no document data and no
// secret, and a scraper then needs no copy of the cluster token (which can
// kill nodes). Main thread; registered on an HttpServer; uses, does not
// own, its sources (unused ones are null).
#pragma once

#include <QElapsedTimer>

#include "HttpServer.h"
#include "PrometheusText.h"

class ClusterEvents;
class DocumentService;
class GroupCommitter;
class HealthMonitor;
class ReplicationNode;
class RouterTraffic;

class MetricsApi
{
public:
    struct Sources
    {
        HttpServer *http = nullptr;
        QString role;
        // standalone and node
        GroupCommitter *committer = nullptr;
        DocumentService *service = nullptr;
        // node
        ReplicationNode *replication = nullptr;
        // router
        HealthMonitor *monitor = nullptr;
        ClusterEvents *events = nullptr;
        const RouterTraffic *traffic = nullptr;
    };

    explicit MetricsApi(const Sources &sources);

    void registerRoutes(HttpServer &server);
    // The whole answer of GET /metrics.
    QByteArray render() const;

private:
    void writeProcess(PrometheusText *out) const;
    void writeStorage(PrometheusText *out) const;
    void writeReplication(PrometheusText *out) const;
    void writeRouter(PrometheusText *out) const;

    Sources m_sources;
    QElapsedTimer m_uptime;
};
