// ActionController: the console's operator actions — kill a node, promote a
// replica, step a primary down, start a killed node — each asked for
// confirmation first and reported when the answer comes.
//
// Confirmation goes through a callback so that the window can show a modal
// question and tests can answer it themselves. A promotion states the
// replica's lag in its question; when the router refuses it with 409 (the
// replica is behind, unreachable, or lost the election) a second question
// offers to retry with "force". Every action ends in exactly one
// finished() (also when it was declined: ok false, "cancelled").
//
// GUI thread; owned by its QObject parent. Uses the client and reads the
// topology model, both owned elsewhere and outliving it.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

class ConsoleClient;
class TopologyModel;

class ActionController : public QObject
{
    Q_OBJECT

public:
    // Returns true to go ahead.
    using Confirm = std::function<bool(const QString &title, const QString &question)>;

    ActionController(ConsoleClient *client, const TopologyModel *topology, QObject *parent = nullptr);

    void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }

    // `member` is the member's row in the topology model (rows list the
    // members in id order; ids have gaps once members were removed).
    void killNode(int shard, int member);
    void promote(int shard, int member);
    void stepDown(int shard);
    void startNode(const QString &name);

    // The question promote() asks, with the replica's lag.
    QString promoteQuestion(int shard, int member) const;

signals:
    void started(const QString &action);
    void finished(const QString &action, bool ok, const QString &message);

private:
    bool confirm(const QString &title, const QString &question);
    void sendPromote(int shard, int member, bool force, const QString &action);
    QString memberName(int shard, int member) const;

    ConsoleClient *m_client;
    const TopologyModel *m_topology;
    Confirm m_confirm;
};
