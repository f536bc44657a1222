// SupervisedProcess: one peacedb-server process of a local cluster, started
// and stopped on request and never restarted on its own.
//
//   Stopped --start()--> Starting --answers HTTP--> Running
//   Starting/Running --stop()--> Stopping --exits--> Stopped
//   Starting/Running --exits--> Stopped (lastExit says how)
//
// A start counts as done when the process answers any HTTP request on its
// address (GET /healthz, polled every 100 ms); it fails when the process
// exits first or stays silent for the start-up timeout (then it is
// killed). stop() sends SIGTERM and SIGKILL after the stop timeout. Output
// (stdout and stderr) is appended to the process's log file, after a line
// saying when and how it was started. The child runs in its own process
// group (a Ctrl-C in the launcher's terminal reaches only the launcher,
// which stops everything in order) and gets SIGTERM from the kernel if the
// launcher dies (PR_SET_PDEATHSIG), so it never outlives the launcher.
//
// Main thread; owned by the Supervisor (QObject parent). The destructor
// kills a process that still runs and waits for it.
#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTimer>

#include <functional>

#include "ProcessSpec.h"
#include "Status.h"

class HttpConnection;

class SupervisedProcess : public QObject
{
    Q_OBJECT

public:
    enum class State { Stopped, Starting, Running, Stopping };
    using Done = std::function<void(const Status &status)>;

    SupervisedProcess(const ProcessSpec &spec, const QString &program, const QStringList &arguments,
                      const QProcessEnvironment &environment, QObject *parent = nullptr);
    ~SupervisedProcess() override;

    const ProcessSpec &spec() const { return m_spec; }
    State state() const { return m_state; }
    static QString stateName(State state);
    qint64 pid() const { return m_pid; }
    // How the process last ended ("exited with code 0", "killed by signal
    // 9", ...); empty until it has ended once.
    QString lastExit() const { return m_lastExit; }

    // Stopped: starts the process. Starting: joins the start in progress.
    // Running: done(ok) at once. Stopping: done(Unavailable). `done` gets ok
    // once the process answers HTTP, Unavailable (naming the process and its
    // log) when it exits first, does not answer within startupTimeoutMs or
    // is stopped meanwhile.
    void start(int startupTimeoutMs, Done done);
    // SIGTERM, then SIGKILL after timeoutMs; done(ok) once the process has
    // exited (at once when it is not running).
    void stop(int timeoutMs, Done done);
    // SIGKILL now; the exit is reported as usual.
    void kill();

signals:
    // The state, pid or lastExit changed.
    void changed();
    // The process ended while Running, without anyone asking.
    void exitedUnexpectedly(qint64 pid, const QString &description);

private:
    void onStarted();
    void onErrorOccurred(QProcess::ProcessError error);
    void onFinished(int exitCode, QProcess::ExitStatus exitStatus);
    void probe();
    void onStartupTimeout();
    void onStopTimeout();
    void finishStart(const Status &status);
    void finishStop();
    void discardProbe();
    void setState(State state);
    void appendToLog(const QString &line) const;
    QString logHint() const;

    const ProcessSpec m_spec;
    QProcess m_process;
    QPointer<HttpConnection> m_probe;
    QTimer m_probeTimer;
    QTimer m_startupTimer;
    QTimer m_stopTimer;
    State m_state = State::Stopped;
    qint64 m_pid = 0;
    QString m_lastExit;
    bool m_killedAfterTimeout = false;
    QList<Done> m_startWaiters;
    QList<Done> m_stopWaiters;
};
