#include "MembershipController.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QUrl>

#include "ConsoleClient.h"
#include "Membership.h"
#include "TopologyModel.h"

namespace {

QString nodeName(int shard, int member)
{
    return QStringLiteral("shard%1-node%2").arg(shard).arg(member);
}

// The start command's variables, for the one-line result.
QString startVariables(int shard, int member, const QString &url)
{
    return QStringLiteral("PEACEDB_NODE_SELF=%1 PEACEDB_NODE_SHARD_ID=%2 PEACEDB_NODE_MEMBER_ID=%3").arg(url).arg(shard).arg(member);
}

} // namespace

MembershipController::MembershipController(ConsoleClient *client, const TopologyModel *topology, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_topology(topology)
{
}

bool MembershipController::confirm(const QString &title, const QString &question)
{
    return !m_confirm || m_confirm(title, question);
}

QString MembershipController::memberName(int shard, int member) const
{
    const QString name = m_topology->memberInfo(shard, member).value(QStringLiteral("name")).toString();
    return name.isEmpty() ? nodeName(shard, memberId(shard, member)) : name;
}

int MembershipController::memberId(int shard, int member) const
{
    return m_topology->memberInfo(shard, member).value(QStringLiteral("member")).toInt(member);
}

QString MembershipController::startCommand(int shard, int member, const QString &url)
{
    const QUrl parsed(url);
    return QStringLiteral("%1 peacedb-server --role node --config CONFIG --token-file TOKEN --listen %2:%3 --data DIR")
        .arg(startVariables(shard, member, url), parsed.host())
        .arg(parsed.port());
}

QString MembershipController::startCommandNote()
{
    return QStringLiteral("CONFIG and TOKEN: the configuration and token files the shard's other members use (for a "
                          "local launcher's cluster: cluster-config.json and token in its directory; with TLS, their "
                          "certificate settings too); DIR: a new, empty data directory.");
}

QString MembershipController::proposedUrl(int shard) const
{
    int highest = 0;
    for (int each = 0; each < m_topology->shardCount(); ++each) {
        for (int member = 0; member < m_topology->memberCount(each); ++member)
            highest = qMax(highest, QUrl(m_topology->memberInfo(each, member).value(QStringLiteral("url")).toString()).port());
    }
    const QUrl first(m_topology->memberInfo(shard, 0).value(QStringLiteral("url")).toString());
    if (highest <= 0 || first.host().isEmpty())
        return QStringLiteral("http://");
    return QStringLiteral("%1://%2:%3").arg(first.scheme(), first.host()).arg(highest + 1);
}

std::optional<QString> MembershipController::askUrl(const QString &action, const QString &label, int shard)
{
    const std::optional<QString> answer = m_askText ? m_askText(action, label, proposedUrl(shard)) : std::nullopt;
    if (!answer) {
        emit finished(action, false, QStringLiteral("cancelled"));
        return std::nullopt;
    }
    const Result<QString> url = Membership::normalizeUrl(answer->trimmed());
    if (!url.isOk()) {
        emit finished(action, false, QStringLiteral("nothing sent: the new member's URL %1").arg(url.status().message()));
        return std::nullopt;
    }
    return url.value();
}

void MembershipController::addMember(int shard)
{
    const QString action = QStringLiteral("Add member to shard %1").arg(shard);
    const std::optional<QString> url =
        askUrl(action,
               QStringLiteral("The new member's address, http://HOST:PORT or https://HOST:PORT, where its process will "
                              "listen.\nIt joins shard %1 as a learner (it receives the log, does not vote) and becomes "
                              "a voter once it has caught up. You start its process once the router has answered; the "
                              "console then shows how.")
                   .arg(shard),
               shard);
    if (!url)
        return;
    emit started(action);
    m_client->addMember(shard, *url, [this, shard, action, url = *url](const ClientReply &reply) {
        if (!reply.isOk()) {
            emit finished(action, false, reply.errorText());
            return;
        }
        const QJsonObject body = reply.json();
        const int member = body.value(QStringLiteral("member")).toInt(-1);
        const QString joined = body.value(QStringLiteral("url")).toString(url);
        if (member < 0) {
            emit finished(action, true,
                          QStringLiteral("the router accepted %1 but did not say its member id; the topology lists it "
                                         "with its id once the change is in force")
                              .arg(joined));
            return;
        }
        emit newMember(shard, member, joined, startCommand(shard, member, joined));
        emit finished(action, true,
                      QStringLiteral("%1 (%2) joins shard %3 as a learner; start its process with %4 and the other "
                                     "members' config file and token")
                          .arg(body.value(QStringLiteral("name")).toString(nodeName(shard, member)), joined)
                          .arg(shard)
                          .arg(startVariables(shard, member, joined)));
    });
}

QString MembershipController::removeQuestion(int shard, int member) const
{
    const QJsonObject info = m_topology->memberInfo(shard, member);
    const bool primary = m_topology->primaryMember(shard) == member;
    int voters = 0;
    for (int each = 0; each < m_topology->memberCount(shard); ++each) {
        if (each != member && !m_topology->memberInfo(shard, each).value(QStringLiteral("learner")).toBool())
            ++voters;
    }
    return QStringLiteral("Remove %1 (%2) from shard %3?\n\n%4The shard keeps %5 members, %6 of them voting.\n\n"
                          "Stop its process afterwards: it no longer belongs to the shard.")
        .arg(memberName(shard, member), info.value(QStringLiteral("url")).toString())
        .arg(shard)
        .arg(primary ? QStringLiteral("It is the shard's primary: it hands off to another member first (a step-down), "
                                      "then the new primary removes it.\n\n")
                     : QString())
        .arg(m_topology->memberCount(shard) - 1)
        .arg(voters);
}

void MembershipController::removeMember(int shard, int member)
{
    const QString name = memberName(shard, member);
    const QString action = QStringLiteral("Remove %1").arg(name);
    if (!confirm(action, removeQuestion(shard, member))) {
        emit finished(action, false, QStringLiteral("cancelled"));
        return;
    }
    const bool primary = m_topology->primaryMember(shard) == member;
    emit started(action);
    m_client->removeMember(shard, memberId(shard, member), [this, shard, name, primary, action](const ClientReply &reply) {
        if (!reply.isOk()) {
            emit finished(action, false, reply.errorText());
            return;
        }
        const QJsonValue seq = reply.json().value(QStringLiteral("seq"));
        emit finished(action, true,
                      QStringLiteral("%1 %2 shard %3 (the change is in the log%4); stop its process")
                          .arg(name, primary ? QStringLiteral("handed off and left") : QStringLiteral("left"))
                          .arg(shard)
                          .arg(seq.isDouble() ? QStringLiteral(" at seq %1").arg(seq.toInteger()) : QString()));
    });
}

QString MembershipController::replaceQuestion(int shard, int member, const QString &url) const
{
    const QString name = memberName(shard, member);
    return QStringLiteral("Replace %1 (%2) in shard %3 by %4?\n\n"
                          "The router adds %4 as a learner; once it has caught up and votes, the router removes %1%5. "
                          "Start the new member's process as soon as the router has answered (the console shows how), "
                          "and stop %1's once the replacement is done.")
        .arg(name, m_topology->memberInfo(shard, member).value(QStringLiteral("url")).toString())
        .arg(shard)
        .arg(url,
             m_topology->primaryMember(shard) == member ? QStringLiteral(" (the primary: it hands off first)") : QString());
}

void MembershipController::replaceMember(int shard, int member)
{
    const QString name = memberName(shard, member);
    const QString action = QStringLiteral("Replace %1").arg(name);
    const std::optional<QString> url =
        askUrl(action,
               QStringLiteral("The address of the member that replaces %1, http://HOST:PORT or https://HOST:PORT, "
                              "where its process will listen.")
                   .arg(name),
               shard);
    if (!url)
        return;
    if (!confirm(action, replaceQuestion(shard, member, *url))) {
        emit finished(action, false, QStringLiteral("cancelled"));
        return;
    }
    emit started(action);
    m_client->replaceMember(shard, memberId(shard, member), *url, [this, shard, name, action, url = *url](const ClientReply &reply) {
        if (!reply.isOk()) {
            emit finished(action, false, reply.errorText());
            return;
        }
        const QJsonObject replacement = reply.json().value(QStringLiteral("replacement")).toObject();
        const int member = replacement.value(QStringLiteral("to")).toInt(-1);
        const QString joined = replacement.value(QStringLiteral("url")).toString(url);
        if (member < 0) {
            emit finished(action, true,
                          QStringLiteral("the router started replacing %1 by %2 but did not say the new member's id; "
                                         "the topology lists it with its id once the change is in force")
                              .arg(name, joined));
            return;
        }
        emit newMember(shard, member, joined, startCommand(shard, member, joined));
        emit finished(action, true,
                      QStringLiteral("replacing %1 by %2 (%3): start its process with %4 and the other members' config "
                                     "file and token; the router removes %1 once %2 has caught up")
                          .arg(name, nodeName(shard, member), joined, startVariables(shard, member, joined)));
    });
}
