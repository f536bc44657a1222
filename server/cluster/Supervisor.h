// Supervisor: every process of a local cluster (a SupervisedProcess per
// ProcessSpec of the ClusterLayout), started, stopped and listed by name.
//
// startAll() starts them all at once and reports when every one answers
// HTTP; when one fails to (or one that was up exits) before that, it stops
// all the others and reports the first failure, naming the process.
// stopAll() stops the router first (so that it does not fail shards over
// while their members go down), then every member at once; each gets
// SIGTERM and SIGKILL after the stop timeout. A process that exits on its
// own stays down: nothing is restarted without start().
//
// Main thread; owned by the ClusterLauncher; owns its SupervisedProcesses.
#pragma once

#include <QObject>
#include <QProcessEnvironment>
#include <QVector>

#include <functional>

#include "ClusterFile.h"
#include "ClusterLayout.h"
#include "SupervisedProcess.h"

class Supervisor : public QObject
{
    Q_OBJECT

public:
    using Done = SupervisedProcess::Done;
    struct Timeouts
    {
        int startupMs = 30000;
        int stopMs = 15000;
    };

    // `environment` is the base of every child's environment (the
    // launcher's own), completed per process from the layout.
    Supervisor(const ClusterLayout &layout, const QString &serverBinary, const QProcessEnvironment &environment,
               const Timeouts &timeouts, QObject *parent = nullptr);

    const QVector<SupervisedProcess *> &processes() const { return m_processes; }
    // nullptr if there is no process of that name.
    SupervisedProcess *find(const QString &name) const;

    void startAll(Done done);
    void stopAll(Done done);
    // SIGKILL to every running process (a second Ctrl-C).
    void killAll();
    // NotFound (listing the names) for an unknown process; otherwise as
    // SupervisedProcess::start / stop.
    void start(const QString &name, Done done);
    void stop(const QString &name, Done done);
    // A member added while the cluster runs (not started yet), planned by
    // `layout`; and one removed (stopped first, then forgotten).
    SupervisedProcess *add(const ClusterLayout &layout, const ProcessSpec &spec);
    void remove(const QString &name, Done done);

    // Every process as the cluster file and the supervisor endpoint list it.
    QVector<ClusterFile::Process> describe() const;
    static ClusterFile::Process describe(const SupervisedProcess &process);

signals:
    // A process's state, pid or last exit changed.
    void changed();
    void processExited(const QString &name, qint64 pid, const QString &description);

private:
    void stopGroup(const QVector<SupervisedProcess *> &group, Done done);
    SupervisedProcess *makeProcess(const ClusterLayout &layout, const ProcessSpec &spec);
    Status unknownProcess(const QString &name) const;

    QVector<SupervisedProcess *> m_processes;
    QString m_serverBinary;
    QProcessEnvironment m_environment;
    Timeouts m_timeouts;
};
