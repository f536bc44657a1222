// MembershipController: the console's changes of a shard's members (README,
// "Changing a set's members") through the router's operator API:
//
//   addMember      asks for the new member's URL, then
//                  POST /v1/_cluster/shards/{id}/members {"url"}: it joins
//                  as a learner and votes once it has caught up.
//   removeMember   asks for confirmation, then
//                  DELETE /v1/_cluster/shards/{id}/members/{member id}; a
//                  primary hands off first. Its process is stopped by the
//                  operator afterwards.
//   replaceMember  asks for the new member's URL and for confirmation, then
//                  POST .../members/{member id}/replace {"url"}: the router
//                  adds the new member, waits until it votes and removes the
//                  old one (the topology follows it; TopologyModel).
//
// A URL is checked with the router's own rule (http(s)://HOST:PORT,
// Membership::normalizeUrl) before anything is sent; a wrong one ends the
// action with why. The console changes the set through the router only:
// the operator starts the new member's process (on its own host, or with
// `peacedb-cluster add-member` on a local cluster, which does both), so
// when the router has accepted a new member newMember() gives the command
// that starts it (startCommand()), and finished() says it too. A refusal ends the action with the router's reason as it wrote it
// (409: another change is not committed yet, a replacement runs, the URL is
// a member already).
//
// Every action ends in exactly one finished(): ok false and "cancelled"
// when a question was declined (nothing sent, no started()); otherwise
// started() when the request is sent and finished() with the answer.
//
// GUI thread; owned by its QObject parent. Uses the client and reads the
// topology model, both owned elsewhere and outliving it.
#pragma once

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class ConsoleClient;
class TopologyModel;
struct ClientReply;

class MembershipController : public QObject
{
    Q_OBJECT

public:
    // Returns true to go ahead.
    using Confirm = std::function<bool(const QString &title, const QString &question)>;
    // Returns the text typed, nullopt when cancelled.
    using AskText = std::function<std::optional<QString>(const QString &title, const QString &label, const QString &proposal)>;

    MembershipController(ConsoleClient *client, const TopologyModel *topology, QObject *parent = nullptr);

    void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }
    void setAskText(AskText ask) { m_askText = std::move(ask); }

    // `member` is the member's row in the topology model; requests name it
    // by its id.
    void addMember(int shard);
    void removeMember(int shard, int member);
    void replaceMember(int shard, int member);

    // The questions removeMember() and replaceMember() ask.
    QString removeQuestion(int shard, int member) const;
    QString replaceQuestion(int shard, int member, const QString &url) const;
    // What the URL dialog proposes: the shard's first member's scheme and
    // host with the port after the highest one the cluster's members use.
    QString proposedUrl(int shard) const;

    // The shell command that starts the new member `member` of `shard` at
    // `url` (the member id is the router's answer).
    static QString startCommand(int shard, int member, const QString &url);
    // What CONFIG, TOKEN and DIR in startCommand() stand for.
    static QString startCommandNote();

signals:
    void started(const QString &action);
    void finished(const QString &action, bool ok, const QString &message);
    // The router accepted `member` at `url` (add or replace); its process
    // is to be started with `command`. Comes before finished().
    void newMember(int shard, int member, const QString &url, const QString &command);

private:
    bool confirm(const QString &title, const QString &question);
    // The checked URL, or nullopt after finishing the action (cancelled or
    // not a valid URL).
    std::optional<QString> askUrl(const QString &action, const QString &label, int shard);
    QString memberName(int shard, int member) const;
    int memberId(int shard, int member) const;

    ConsoleClient *m_client;
    const TopologyModel *m_topology;
    Confirm m_confirm;
    AskText m_askText;
};
