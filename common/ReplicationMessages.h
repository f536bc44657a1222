// The replication protocol's messages (docs/replication.md) as plain values,
// with their HTTP/JSON wire format. Members are identified by their id in
// the replica set's Membership. Any thread.
#pragma once

#include <QByteArray>
#include <QString>
#include <QVector>

#include <optional>

#include "LogEntry.h"
#include "Result.h"

// Terms and seqs end at 2^53 (exact in every JSON reader), far below qint64's
// end, so term + 1 and seq + 1 never overflow. A message or promotion naming a
// larger one is refused; a member at kMaxTerm can no longer stand for election
// (docs/replication.md, rule 1).
constexpr qint64 kMaxTerm = qint64(1) << 53;
constexpr qint64 kMaxSeq = qint64(1) << 53;
// Member ids in messages: anything larger is refused, never truncated.
constexpr qint64 kMaxMemberIndex = 1 << 16;

// Persisted before anything depends on it.
struct HardState
{
    qint64 term = 0;
    int votedFor = -1; // member index, -1: none in this term
    // False for a member that started with empty storage (brand new, or its
    // disk was lost: it may have forgotten votes it gave) until it holds
    // the primary's committed log; until then it votes only in the bootstrap
    // of a brand-new set (every log empty) (docs/replication.md, rule 2).
    bool voter = true;

    bool operator==(const HardState &other) const
    {
        return term == other.term && votedFor == other.votedFor && voter == other.voter;
    }
    bool operator!=(const HardState &other) const { return !(*this == other); }
};

struct AppendRequest
{
    qint64 term = 0;
    int leader = -1;
    qint64 prevSeq = 0;
    qint64 prevTerm = 0;
    // The entries prevSeq+1 .. prevSeq+count. The core fills only the range
    // (entryCount); the node adds the entries themselves before sending.
    qint64 entryCount = 0;
    QVector<LogEntry> entries;
    qint64 commitSeq = 0;
    bool snapshotNeeded = false;
    // With snapshotNeeded: where to fetch it (a member that joined may not
    // know the primary's address yet).
    QString leaderUrl;

    qint64 lastSeq() const { return prevSeq + entryCount; }

    QByteArray toJson() const;
    // Validates shape and that the entries are contiguous after prevSeq.
    static Result<AppendRequest> fromJson(const QByteArray &text);
};

struct AppendResponse
{
    qint64 term = 0;
    int from = -1;
    bool success = false;
    qint64 matchSeq = 0; // success: entries up to here are durable and match
    qint64 hintSeq = 0;  // failure: the next seq the primary should try
    qint64 lastSeq = 0;  // the replica's last log seq (for lag reports)
    bool voter = true;   // false while it catches up after starting empty

    QByteArray toJson() const;
    static Result<AppendResponse> fromJson(const QByteArray &text);
};

struct VoteRequest
{
    qint64 term = 0;
    int candidate = -1;
    qint64 lastSeq = 0;
    qint64 lastTerm = 0;
    // A hand-off: the primary of the voter's term stepped down and named
    // this candidate, so no lease is in force and the vote need not wait
    // for one to run out (docs/replication.md, rule 2).
    bool transfer = false;
    // The candidate's own HardState::voter: false only while it has never
    // caught up with a primary (a brand-new member, or one whose disk was
    // lost). A member that is not a voter votes only for such a candidate
    // with an empty log (the bootstrap of a brand-new set). Absent on the
    // wire: true.
    bool candidateVoter = true;

    QByteArray toJson() const;
    static Result<VoteRequest> fromJson(const QByteArray &text);
};

struct VoteResponse
{
    qint64 term = 0;
    int from = -1;
    bool granted = false;
    // Refused because a lease this voter gave may still be in force: ask
    // again after this long (0: refused for good in this term, or granted).
    qint64 retryAfterMs = 0;

    QByteArray toJson() const;
    static Result<VoteResponse> fromJson(const QByteArray &text);
};

struct OutgoingMessage
{
    enum class Kind { Append, AppendResponse, Vote, VoteResponse };
    int to = -1;
    Kind kind = Kind::Append;
    AppendRequest append;
    AppendResponse appendResponse;
    VoteRequest vote;
    VoteResponse voteResponse;
};
