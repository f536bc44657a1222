// Membership: the members of one replica set — a value that is part of the
// replicated state (docs/replication.md, "Membership changes"). The
// configuration file gives only the first one (ids 0..N-1, in its order);
// every later one is a Configure entry in the log, in force on a member as
// soon as it is in that member's log (committed or not), and changed one
// member at a time (single-server changes, Raft dissertation §4.1).
//
// A member is identified by its id, which is never given to another member,
// not even after it was removed (nextId only grows), so an id in a message,
// an event or a vote always means the same process's storage. A learner
// receives the log but neither votes nor counts in a quorum; it becomes a
// voter by a change of its own once it has caught up.
//
// The change rules (addLearner, promote, remove, checkChange) are pure:
// they return the next membership or why not. A value; any thread.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include "Result.h"
#include "Status.h"

class Membership
{
public:
    struct Member
    {
        int id = -1;
        QString url;
        bool voter = true;

        bool operator==(const Member &other) const { return id == other.id && url == other.url && voter == other.voter; }
    };

    Membership() = default;
    // The first membership of a set: the configured URLs as voters 0..N-1.
    static Membership initial(const QStringList &urls);

    const QVector<Member> &members() const { return m_members; }
    int nextId() const { return m_nextId; }
    bool isEmpty() const { return m_members.isEmpty(); }
    int size() const { return int(m_members.size()); }
    bool contains(int id) const { return find(id) != nullptr; }
    bool isVoter(int id) const;
    const Member *find(int id) const;
    // -1 if no member has this URL.
    int idOf(const QString &url) const;
    QString urlOf(int id) const;
    QVector<int> ids() const;
    QVector<int> voterIds() const;
    int voterCount() const;
    // The number of voters whose durable acknowledgements commit an entry:
    // the configured write quorum, but never below a majority of the voters
    // (two partitions could both commit) nor above their number (nothing
    // could commit).
    int writeQuorum(int configured) const;

    // --- single-server changes ---------------------------------------------
    // http(s)://HOST:PORT, as members are named (Sharding.Shards' rule).
    static Result<QString> normalizeUrl(const QString &url);
    // Adds `url` (normalized) as a learner with the next id. Conflict when a
    // member has that URL already; BadRequest for a URL that is not one.
    Result<Membership> withLearner(const QString &url) const;
    // The learner `id` becomes a voter.
    Result<Membership> withVoter(int id) const;
    // Removes member `id` (a voter or a learner). A set keeps at least one
    // voter.
    Result<Membership> without(int id) const;
    // Whether `next` may follow this membership as one change: exactly one
    // member added as a learner, or one learner made a voter, or one member
    // removed — so any majority of the old voters and any majority of the
    // new ones share a member — with ids only growing and URLs unique.
    Status checkChange(const Membership &next) const;
    // What `next` changes, for events: ("member-added", id), ("learner-caught-up",
    // id) or ("member-removed", id); an empty kind when they are equal.
    std::pair<QString, int> describeChange(const Membership &next) const;

    // {"members":[{"id":0,"url":"...","voter":true},...],"nextId":3}
    QJsonObject toJsonObject() const;
    QByteArray toJson() const;
    static Result<Membership> fromJsonObject(const QJsonObject &object);
    static Result<Membership> fromJson(QByteArrayView json);

    bool operator==(const Membership &other) const { return m_members == other.m_members && m_nextId == other.m_nextId; }
    bool operator!=(const Membership &other) const { return !(*this == other); }

private:
    QVector<Member> m_members; // ascending ids
    int m_nextId = 0;
};
