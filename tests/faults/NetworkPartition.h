// NetworkPartition: cuts TCP traffic between chosen processes of a local
// cluster with nftables, for the fault-injection tests. Needs root.
//
// The cluster runs with --bind-addresses (member i on 127.0.0.(i+2), the
// router on 127.0.0.1), but an outgoing loopback connection always leaves
// from 127.0.0.1 whatever the destination, so the source address does not
// say which process sent a packet. Each process is therefore put in a cgroup
// (v2) of its own, and a cut from X to Y is an nftables rule on the output
// hook: a socket of X's cgroup sending to Y's address and port is dropped.
// Both directions are always cut. A request that cannot leave gets no answer,
// so dropping the initiator's packets stops every exchange.
//
// A socket belongs to the cgroup its process was in when it was created, so
// adopt() moves a process into its cgroup and then closes its existing TCP
// connections (ss -K); its peers reconnect with new sockets. Call adopt() for
// every process after the cluster is up and again after a process restarts.
//
// Everything lives in table `inet peacedb_faults_<pid>` and cgroup
// `peacedb_faults_<pid>`; remove() (also run by the destructor) deletes both
// and moves the processes back. removeLeftovers() deletes those of test
// processes that no longer run. Test thread only; owned by the test.
#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

class NetworkPartition
{
public:
    NetworkPartition();
    ~NetworkPartition();
    NetworkPartition(const NetworkPartition &) = delete;
    NetworkPartition &operator=(const NetworkPartition &) = delete;

    // Empty when partitions can be made here, else why not.
    static QString unavailableReason();
    // Tables and cgroups `peacedb_faults_<pid>` whose pid is not running.
    static void removeLeftovers();

    QString tableName() const { return m_name; }
    bool setUp(QString *error);
    // Puts the process in its own cgroup and closes its TCP connections;
    // `address`:`port` is where it listens.
    bool adopt(const QString &name, qint64 pid, const QString &address, quint16 port, QString *error);
    // Drops TCP between every process of `side` and every process of `other`.
    bool cut(const QStringList &side, const QStringList &other, QString *error);
    // Removes every cut.
    bool heal(QString *error);
    void remove();

private:
    struct Endpoint
    {
        QString address;
        quint16 port = 0;
    };

    static bool run(const QString &program, const QStringList &arguments, const QByteArray &input, QString *output);
    bool nft(const QByteArray &script, QString *error);
    QString cgroupDirectory(const QString &name) const;
    bool closeConnections(qint64 pid, QString *error);

    QString m_name;
    QString m_cgroupRoot;    // absolute path of the cgroup v2 mount
    QString m_cgroupPrefix;  // that mount relative to /sys/fs/cgroup, as nft wants it ("" or "unified/")
    bool m_tableCreated = false;
    QHash<QString, Endpoint> m_endpoints;
};
