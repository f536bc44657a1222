#include "ActionController.h"

#include <QJsonObject>

#include "ConsoleClient.h"
#include "TopologyModel.h"

ActionController::ActionController(ConsoleClient *client, const TopologyModel *topology, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_topology(topology)
{
}

bool ActionController::confirm(const QString &title, const QString &question)
{
    return !m_confirm || m_confirm(title, question);
}

QString ActionController::memberName(int shard, int member) const
{
    const QString name = m_topology->memberInfo(shard, member).value(QStringLiteral("name")).toString();
    return name.isEmpty() ? QStringLiteral("shard%1-node%2").arg(shard).arg(member) : name;
}

void ActionController::killNode(int shard, int member)
{
    const QString name = memberName(shard, member);
    const QString action = QStringLiteral("Kill %1").arg(name);
    const bool isPrimary = m_topology->primaryMember(shard) == member;
    const QString question =
        QStringLiteral("Kill %1 (SIGKILL)?%2\n\nIt stays down until it is started again.")
            .arg(name, isPrimary ? QStringLiteral("\n\nIt is shard %1's primary: the router will fail over.").arg(shard)
                                 : QString());
    if (!confirm(action, question)) {
        emit finished(action, false, QStringLiteral("cancelled"));
        return;
    }
    emit started(action);
    m_client->killNode(name, [this, action, name](const ClientReply &reply) {
        emit finished(action, reply.isOk(), reply.isOk() ? QStringLiteral("%1 was killed").arg(name) : reply.errorText());
    });
}

QString ActionController::promoteQuestion(int shard, int member) const
{
    const QJsonObject info = m_topology->memberInfo(shard, member);
    const QJsonObject primary = m_topology->memberInfo(shard, m_topology->primaryMember(shard));
    const QJsonValue lagEntries = info.value(QStringLiteral("lagEntries"));
    const QString lag = lagEntries.isUndefined() || lagEntries.isNull()
                            ? QStringLiteral("its lag is unknown (no primary reports it)")
                            : QStringLiteral("it lags %1 entries (%2 ms) behind the primary")
                                  .arg(lagEntries.toInteger())
                                  .arg(info.value(QStringLiteral("lagMs")).toInteger());
    return QStringLiteral("Promote %1 to primary of shard %2?\n\n"
                          "State: %3; %4.\nIts last entry: term %5, seq %6 (primary %7: seq %8).\n\n"
                          "The router refuses (409) a replica that is behind the most up-to-date member; "
                          "you will then be offered to force it.")
        .arg(memberName(shard, member))
        .arg(shard)
        .arg(info.value(QStringLiteral("state")).toString(QStringLiteral("Offline")), lag)
        .arg(info.value(QStringLiteral("lastTerm")).toInteger())
        .arg(info.value(QStringLiteral("seq")).toInteger())
        .arg(primary.value(QStringLiteral("name")).toString(QStringLiteral("?")))
        .arg(primary.value(QStringLiteral("seq")).toInteger());
}

void ActionController::promote(int shard, int member)
{
    const QString action = QStringLiteral("Promote %1").arg(memberName(shard, member));
    if (!confirm(action, promoteQuestion(shard, member))) {
        emit finished(action, false, QStringLiteral("cancelled"));
        return;
    }
    sendPromote(shard, member, false, action);
}

void ActionController::sendPromote(int shard, int member, bool force, const QString &action)
{
    emit started(action);
    // The router names members by id; a row is an id only until a member
    // was removed.
    const int id = m_topology->memberInfo(shard, member).value(QStringLiteral("member")).toInt(member);
    m_client->promote(shard, id, force, [this, shard, member, force, action](const ClientReply &reply) {
        if (reply.isOk()) {
            const QJsonObject body = reply.json();
            emit finished(action, true,
                          QStringLiteral("%1 is primary of shard %2 in term %3%4")
                              .arg(body.value(QStringLiteral("node")).toString(memberName(shard, member)))
                              .arg(shard)
                              .arg(body.value(QStringLiteral("term")).toInteger())
                              .arg(force ? QStringLiteral(" (forced)") : QString()));
            return;
        }
        if (reply.status == 409 && !force) {
            const QString question = QStringLiteral("The router refused: %1\n\nForce the promotion? Its election still needs "
                                                    "a majority of votes; members with a longer log will refuse theirs.")
                                         .arg(reply.errorText());
            if (confirm(QStringLiteral("%1 (force)").arg(action), question)) {
                sendPromote(shard, member, true, action);
                return;
            }
        }
        emit finished(action, false, reply.errorText());
    });
}

void ActionController::stepDown(int shard)
{
    const int primary = m_topology->primaryMember(shard);
    const QString action = QStringLiteral("Step down shard %1").arg(shard);
    const QString question = QStringLiteral("Make %1, primary of shard %2, step down?\n\n"
                                            "The router then promotes the most up-to-date other member.")
                                 .arg(memberName(shard, primary))
                                 .arg(shard);
    if (!confirm(action, question)) {
        emit finished(action, false, QStringLiteral("cancelled"));
        return;
    }
    emit started(action);
    m_client->stepDown(shard, [this, shard, action](const ClientReply &reply) {
        if (!reply.isOk()) {
            emit finished(action, false, reply.errorText());
            return;
        }
        const QJsonObject body = reply.json();
        if (!body.contains(QStringLiteral("node"))) {
            emit finished(action, true, QStringLiteral("shard %1: stepped down; %2").arg(shard).arg(body.value(QStringLiteral("note")).toString()));
            return;
        }
        emit finished(action, true,
                      QStringLiteral("shard %1: new primary %2, term %3")
                          .arg(shard)
                          .arg(body.value(QStringLiteral("node")).toString())
                          .arg(body.value(QStringLiteral("term")).toInteger()));
    });
}

void ActionController::startNode(const QString &name)
{
    const QString action = QStringLiteral("Start %1").arg(name);
    if (!confirm(action, QStringLiteral("Start %1 again through the local launcher's supervisor?").arg(name))) {
        emit finished(action, false, QStringLiteral("cancelled"));
        return;
    }
    emit started(action);
    m_client->startNode(name, [this, action, name](const ClientReply &reply) {
        emit finished(action, reply.isOk(), reply.isOk() ? QStringLiteral("%1 is running").arg(name) : reply.errorText());
    });
}
