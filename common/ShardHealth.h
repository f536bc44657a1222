// ShardHealth: what a router knows about one shard's replica set, and what
// it should do about it — the pure half of the router's HealthMonitor and
// ReplicationCoordinator.
//
// The router polls every member's GET /v1/_replication/state; each answer
// (or failed poll) comes in here with the time as a number. From them:
//
//  - primary(): the member writes go to — the reachable member reporting
//    itself primary in the highest term (or, before any such answer, the
//    last one a node named as primary, then the configured one);
//  - decide(): PrimaryDown when no reachable primary holding its lease has
//    been seen for failoverTimeoutMs, or at once when the member writes go
//    to refused kRefusalsForDown polls in a row (its host answers, nothing
//    listens: the process is gone; a timeout proves nothing, the member may
//    be paused or cut off, so those wait for failoverTimeoutMs); then, with a majority of members
//    reachable, promote the reachable member with the highest
//    (lastTerm, lastSeq) — ties to the lowest index — in term maxTerm + 1.
//    A member whose promotion failed is passed over for retryBackoffMs, and
//    nothing is tried more often than that. A promotion whose candidate
//    fails its polls and is silent for failoverTimeoutMs from the
//    promotion's start counts as failed then (not when its promote request
//    times out, 10 s or more later). Nobody is promoted while a
//    reachable member says it heard, within failoverTimeoutMs, from a primary
//    the router also reaches (newly elected, or seen at the router's next
//    poll): promoting another would only depose it; nor, in a brand-new set,
//    while its configured primary answers and may bootstrap itself
//    (awaitsBootstrap);
//  - events: detected, candidate, promoted, promotion-failed, fenced (an old
//    primary seen stepping down to a newer term), rolled-back (a member's
//    rolled-back count grew), first-write (the first write acknowledged after
//    a failover, with the time since detection), primary-changed (a primary
//    the router did not promote), member-down, member-up, and the committed
//    membership changes the primary reports: member-added,
//    learner-caught-up, member-removed.
//
// Members are the ids of the set's Membership (the configuration file's
// until the primary reports another): only members are polled, counted and
// promoted, and majorities count the voters among them.
//
// Safety never rests on this class: two routers may both decide to promote;
// the members' one-vote-per-term rule lets at most one win a term. Pure: no
// sockets, timers or clock. Not thread-safe; owned by its HealthMonitor.
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QVector>

#include <optional>

#include "Membership.h"
#include "Result.h"

// One member's answer to GET /v1/_replication/state (the fields the router
// uses; `raw` keeps all of it for the cluster status).
struct MemberStatus
{
    QString role;          // "primary", "replica" or "candidate"
    qint64 term = 0;
    qint64 lastTerm = 0;
    qint64 lastSeq = 0;
    qint64 commitSeq = 0;
    qint64 appliedSeq = 0;
    bool lease = false;
    bool writable = false;
    // A primary with its lease whose term's first entry is applied: its
    // commitSeq covers every acknowledged write. Unlike writable, not
    // affected by a full pending-write queue.
    bool readable = false;
    bool voter = true;     // false while it catches up after starting empty
    int leader = -1;       // the member it follows (or itself), -1 if none
    qint64 rolledBack = 0;
    // The membership in force on it (absent from members of older versions),
    // and whether that membership's change is not committed yet.
    std::optional<Membership> membership;
    bool membershipPending = false;
    QJsonObject raw;

    bool isPrimary() const { return role == QLatin1String("primary"); }
    static Result<MemberStatus> fromJson(const QJsonObject &state);
};

struct ShardEvent
{
    qint64 atMs = 0;   // on the caller's monotonic clock
    QString kind;
    int shard = 0;
    int member = -1;   // -1: the shard as a whole
    qint64 term = 0;
    qint64 count = 0;  // rolled-back entries, milliseconds, ... (kind-specific)
    QString message;
};

class ShardHealth
{
public:
    struct Options
    {
        qint64 failoverTimeoutMs = 5000;
        qint64 retryBackoffMs = 1000;
    };

    struct Promotion
    {
        int member = -1;
        qint64 term = 0;
        bool afterFailure = false; // started by decide(), not by an operator
        qint64 startedMs = -1;
    };

    struct Member
    {
        bool inSet = true;               // a member of the membership in force
        bool voter = true;
        qint64 lastAnswerMs = -1;        // -1: never answered
        qint64 lastFailureMs = -1;
        QString lastError;
        int refusedInARow = 0;           // polls refused since the last answer or other failure
        std::optional<MemberStatus> status; // the latest answer
        bool down = false;               // reported member-down and not up since
    };

    // The clock starts at `now`: a shard with no answer at all is declared
    // down failoverTimeoutMs after that, never before. `members`: the
    // configuration file's (voters 0..N-1).
    ShardHealth(int shard, const Membership &members, const Options &options, qint64 now);

    int shard() const { return m_shard; }
    // Slots: every member id up to the highest (some may not be members).
    int size() const { return int(m_members.size()); }
    const Member &member(int index) const { return m_members.at(index); }
    bool isMember(int index) const { return index >= 0 && index < size() && m_members.at(index).inSet; }
    const Membership &membership() const { return m_membership; }
    // The membership the primary reports (`pending`: its last change is not
    // committed yet). Takes effect at once for polling and counting; a
    // committed change is reported as events.
    void setMembership(const Membership &membership, bool pending, qint64 now);

    void answered(int member, const MemberStatus &status, qint64 now);
    // `refused`: the member's host refused the connection.
    void unanswered(int member, const QString &error, qint64 now, bool refused = false);
    static constexpr int kRefusalsForDown = 2;
    // How long, in failover timeouts, a brand-new set is left to its
    // bootstrap (awaitsBootstrap).
    static constexpr qint64 kBootstrapGraceFactor = 4;
    // A node answered a client request with "not primary" naming `member`.
    void primaryHinted(int member, qint64 now);
    // A client write to this shard was acknowledged.
    void writeAcknowledged(qint64 now);

    bool isReachable(int member, qint64 now) const;
    // Whether `member` has been silent for failoverTimeoutMs (since its last
    // answer, or since the clock started if it never answered): requests
    // to it would most likely hang until their own timeout.
    bool isSilent(int member, qint64 now) const;
    // Why requests to the member writes go to would most likely fail, or
    // empty: it is silent, it refused kRefusalsForDown polls in a row, or a
    // promotion decide() started because of it is running and no primary
    // of its term or newer has been seen (its refusals may have turned into
    // timeouts meanwhile: a container's address goes soon after its
    // process; another router's promotion may win first).
    QString primaryGoneReason(qint64 now) const;
    int reachableCount(qint64 now) const;
    // Where writes go now (the configured primary, 0, until anything is known).
    int primary() const { return m_primary; }
    qint64 primaryTerm() const { return m_primaryTerm; }
    // Whether a reachable primary with its lease was seen within
    // failoverTimeoutMs (true for that long after the clock starts: the
    // grace period before anything counts as down), and the member writes
    // go to has not refused kRefusalsForDown polls in a row since.
    bool isHealthy(qint64 now) const;
    // Whether the member writes go to is reachable and, by its last answer,
    // a primary holding its lease: what operators and clients mean by
    // "the shard has a primary".
    bool hasServingPrimary(qint64 now) const;
    // Whether the router knows enough to speak for this shard: a member has
    // answered, or none has for failoverTimeoutMs since the clock started
    // (then the shard is down, not unknown).
    bool isKnown(qint64 now) const;
    qint64 maxTerm() const { return m_maxTerm; }

    // What to do now: a promotion to start (the caller sends promote and
    // reports back with promotionFinished), or nothing. Never a second one
    // while one is running.
    std::optional<Promotion> decide(qint64 now);
    // The reachable member decide() would promote now, leaving out
    // `exclude`; -1 if none.
    int bestCandidate(qint64 now, int exclude = -1) const;
    // Whether a reachable member heard, within failoverTimeoutMs, from a
    // primary the router reaches too (its last answer's leader and
    // lastPrimaryContactAgeMs).
    bool followsLivePrimary(qint64 now) const;
    // An operator's promotion of `member` (term: above every term seen);
    // nullopt while another one runs.
    std::optional<Promotion> beginPromotion(int member, const QString &why, qint64 now);
    void promotionFinished(const Promotion &promotion, bool won, const QString &detail, qint64 now);
    bool isPromoting() const { return m_promoting.has_value(); }
    // Finishes the running promotion as failed if its candidate fails its
    // polls and has been silent for failoverTimeoutMs since it began;
    // decide() does so too. True if it did.
    bool giveUpSilentCandidate(qint64 now);

    QVector<ShardEvent> takeEvents();

private:
    void event(qint64 now, const QString &kind, int member, qint64 term, qint64 count, const QString &message);
    void updatePrimary(qint64 now);
    qint64 nextTerm() const;
    // The member writes go to answered before and has refused
    // kRefusalsForDown polls in a row since.
    bool primaryRefuses() const;
    // No primary was ever seen, every reachable log is empty and the
    // configured primary (member 0) answers: it elects itself once a
    // majority of the members are up and empty (the bootstrap), and a
    // promotion now would race that election — with polls further apart
    // than its steps, the router could depose the primary it just made.
    // For kBootstrapGraceFactor × failoverTimeoutMs after the clock starts
    // (a configured primary that cannot bootstrap, say cut off from the
    // others, is promoted over after that).
    bool awaitsBootstrap(qint64 now) const;

    int m_shard;
    Options m_options;
    QVector<Member> m_members;
    Membership m_membership;          // in force
    Membership m_committedMembership; // the last committed one reported (events)
    int m_primary = 0;
    qint64 m_primaryTerm = 0;
    qint64 m_maxTerm = 0;
    qint64 m_startMs;
    qint64 m_lastHealthyMs;          // last answer of a primary holding its lease
    qint64 m_detectedMs = -1;        // PrimaryDown reported, not yet over
    qint64 m_failoverStartMs = -1;   // detection time of the last failover, until its first write
    qint64 m_lastAttemptMs = -1;
    QVector<qint64> m_failedAtMs;    // per member: when its promotion last failed
    std::optional<Promotion> m_promoting;
    QVector<ShardEvent> m_events;
};
