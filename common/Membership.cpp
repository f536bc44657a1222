#include "Membership.h"

#include "JsonText.h"
#include "ReplicationMessages.h"
#include "ReplicationRules.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QUrl>

Result<QString> Membership::normalizeUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    const bool scheme = url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https");
    if (!url.isValid() || !scheme || url.host().isEmpty() || url.port() <= 0
        || (!url.path().isEmpty() && url.path() != QLatin1String("/")) || url.hasQuery() || url.hasFragment()) {
        return Status::badRequest(QStringLiteral("must be http://HOST:PORT or https://HOST:PORT, not '%1'").arg(text.left(120)));
    }
    return QStringLiteral("%1://%2:%3").arg(url.scheme(), url.host()).arg(url.port());
}

Membership Membership::initial(const QStringList &urls)
{
    Membership membership;
    for (const QString &url : urls)
        membership.m_members.append(Member{membership.m_nextId++, url, true});
    return membership;
}

const Membership::Member *Membership::find(int id) const
{
    for (const Member &member : m_members) {
        if (member.id == id)
            return &member;
    }
    return nullptr;
}

bool Membership::isVoter(int id) const
{
    const Member *member = find(id);
    return member && member->voter;
}

int Membership::idOf(const QString &url) const
{
    for (const Member &member : m_members) {
        if (member.url == url)
            return member.id;
    }
    return -1;
}

QString Membership::urlOf(int id) const
{
    const Member *member = find(id);
    return member ? member->url : QString();
}

QVector<int> Membership::ids() const
{
    QVector<int> out;
    for (const Member &member : m_members)
        out.append(member.id);
    return out;
}

QVector<int> Membership::voterIds() const
{
    QVector<int> out;
    for (const Member &member : m_members) {
        if (member.voter)
            out.append(member.id);
    }
    return out;
}

int Membership::voterCount() const
{
    return int(std::count_if(m_members.cbegin(), m_members.cend(), [](const Member &member) { return member.voter; }));
}

int Membership::writeQuorum(int configured) const
{
    const int voters = voterCount();
    return qBound(ReplicationRules::majority(voters), configured, qMax(voters, 1));
}

Result<Membership> Membership::withLearner(const QString &text) const
{
    const Result<QString> normalized = normalizeUrl(text);
    if (!normalized.isOk())
        return Status::badRequest(QStringLiteral("member URL %1").arg(normalized.status().message()));
    const QString url = normalized.value();
    if (const int existing = idOf(url); existing >= 0)
        return Status::conflict(QStringLiteral("%1 is already member %2 of this replica set").arg(url).arg(existing));
    if (m_nextId >= kMaxMemberIndex)
        return Status::conflict(QStringLiteral("this replica set has used every member id (%1)").arg(kMaxMemberIndex));
    Membership next = *this;
    next.m_members.append(Member{next.m_nextId++, url, false});
    return next;
}

Result<Membership> Membership::withVoter(int id) const
{
    const Member *member = find(id);
    if (!member)
        return Status::notFound(QStringLiteral("member %1 is not in this replica set").arg(id));
    if (member->voter)
        return Status::conflict(QStringLiteral("member %1 is a voter already").arg(id));
    Membership next = *this;
    for (Member &each : next.m_members) {
        if (each.id == id)
            each.voter = true;
    }
    return next;
}

Result<Membership> Membership::without(int id) const
{
    const Member *member = find(id);
    if (!member)
        return Status::notFound(QStringLiteral("member %1 is not in this replica set").arg(id));
    if (member->voter && voterCount() == 1)
        return Status::conflict(QStringLiteral("member %1 is the last voter of this replica set").arg(id));
    Membership next = *this;
    next.m_members.erase(std::remove_if(next.m_members.begin(), next.m_members.end(), [id](const Member &each) { return each.id == id; }),
                         next.m_members.end());
    return next;
}

Status Membership::checkChange(const Membership &next) const
{
    if (next.m_nextId < m_nextId)
        return Status::badRequest(QStringLiteral("member ids may not be reused (next id %1 after %2)").arg(next.m_nextId).arg(m_nextId));
    QSet<QString> urls;
    QSet<int> ids;
    for (const Member &member : next.m_members) {
        if (member.id < 0 || member.id >= next.m_nextId || ids.contains(member.id))
            return Status::badRequest(QStringLiteral("member id %1 is out of range or repeated").arg(member.id));
        if (urls.contains(member.url))
            return Status::badRequest(QStringLiteral("member URL %1 is repeated").arg(member.url));
        ids.insert(member.id);
        urls.insert(member.url);
    }
    if (next.voterCount() == 0)
        return Status::badRequest(QStringLiteral("a replica set needs a voter"));
    int differences = 0;
    for (const Member &member : m_members) {
        const Member *after = next.find(member.id);
        if (!after) {
            ++differences; // removed
        } else if (after->url != member.url) {
            return Status::badRequest(QStringLiteral("member %1 may not change its URL; remove it and add the new one").arg(member.id));
        } else if (after->voter != member.voter) {
            if (member.voter)
                return Status::badRequest(QStringLiteral("a voter (member %1) may not become a learner; remove it").arg(member.id));
            ++differences; // promoted
        }
    }
    for (const Member &member : next.m_members) {
        if (contains(member.id))
            continue;
        if (member.id < m_nextId)
            return Status::badRequest(QStringLiteral("member id %1 was used before").arg(member.id));
        if (member.voter)
            return Status::badRequest(QStringLiteral("a new member (%1) joins as a learner").arg(member.id));
        ++differences; // added
    }
    if (differences != 1)
        return Status::badRequest(QStringLiteral("one member at a time: this change makes %1 changes").arg(differences));
    return Status::ok();
}

std::pair<QString, int> Membership::describeChange(const Membership &next) const
{
    for (const Member &member : next.m_members) {
        if (!contains(member.id))
            return {QStringLiteral("member-added"), member.id};
        if (member.voter && !isVoter(member.id))
            return {QStringLiteral("learner-caught-up"), member.id};
    }
    for (const Member &member : m_members) {
        if (!next.contains(member.id))
            return {QStringLiteral("member-removed"), member.id};
    }
    return {QString(), -1};
}

QJsonObject Membership::toJsonObject() const
{
    QJsonArray members;
    for (const Member &member : m_members) {
        members.append(QJsonObject{{QStringLiteral("id"), member.id},
                                   {QStringLiteral("url"), member.url},
                                   {QStringLiteral("voter"), member.voter}});
    }
    return QJsonObject{{QStringLiteral("members"), members}, {QStringLiteral("nextId"), m_nextId}};
}

QByteArray Membership::toJson() const
{
    return JsonText::compact(toJsonObject());
}

Result<Membership> Membership::fromJsonObject(const QJsonObject &object)
{
    const QJsonValue nextId = object.value(QStringLiteral("nextId"));
    const QJsonValue members = object.value(QStringLiteral("members"));
    if (!nextId.isDouble() || !members.isArray())
        return Status::badRequest(QStringLiteral("membership: needs \"members\" (array) and \"nextId\" (number)"));
    Membership membership;
    membership.m_nextId = nextId.toInt(-1);
    if (membership.m_nextId < 0 || membership.m_nextId > kMaxMemberIndex)
        return Status::badRequest(QStringLiteral("membership: nextId out of range"));
    for (const QJsonValue &value : members.toArray()) {
        const QJsonObject object = value.toObject();
        Member member;
        member.id = object.value(QStringLiteral("id")).toInt(-1);
        member.url = object.value(QStringLiteral("url")).toString();
        member.voter = object.value(QStringLiteral("voter")).toBool(true);
        if (member.id < 0 || member.id >= membership.m_nextId || member.url.isEmpty()
            || (!membership.m_members.isEmpty() && member.id <= membership.m_members.last().id)) {
            return Status::badRequest(QStringLiteral("membership: members need ascending ids below nextId and a url"));
        }
        membership.m_members.append(member);
    }
    return membership;
}

Result<Membership> Membership::fromJson(QByteArrayView json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return Status::badRequest(QStringLiteral("membership: not a JSON object"));
    return fromJsonObject(document.object());
}
