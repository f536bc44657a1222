#include "SupervisedProcess.h"

#include "HttpConnection.h"

#include <QDateTime>
#include <QFile>

#include <csignal>
#include <utility>
#include <sys/prctl.h>
#include <unistd.h>

namespace {

constexpr int kProbeIntervalMs = 100;
constexpr int kProbeTimeoutMs = 2000;

} // namespace

SupervisedProcess::SupervisedProcess(const ProcessSpec &spec, const QString &program, const QStringList &arguments,
                                     const QProcessEnvironment &environment, QObject *parent)
    : QObject(parent)
    , m_spec(spec)
{
    m_process.setProgram(program);
    m_process.setArguments(arguments);
    m_process.setProcessEnvironment(environment);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.setStandardInputFile(QProcess::nullDevice());
    m_process.setStandardOutputFile(spec.logPath, QIODevice::Append);
    const pid_t launcher = ::getpid();
    m_process.setChildProcessModifier([launcher] {
        // In the child, between fork and exec: async-signal-safe calls only.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != launcher)
            ::_exit(127); // the launcher died before the line above took effect
    });
    connect(&m_process, &QProcess::started, this, &SupervisedProcess::onStarted);
    connect(&m_process, &QProcess::errorOccurred, this, &SupervisedProcess::onErrorOccurred);
    connect(&m_process, &QProcess::finished, this, &SupervisedProcess::onFinished);

    m_probeTimer.setSingleShot(true);
    m_probeTimer.setInterval(kProbeIntervalMs);
    connect(&m_probeTimer, &QTimer::timeout, this, &SupervisedProcess::probe);
    m_startupTimer.setSingleShot(true);
    connect(&m_startupTimer, &QTimer::timeout, this, &SupervisedProcess::onStartupTimeout);
    m_stopTimer.setSingleShot(true);
    connect(&m_stopTimer, &QTimer::timeout, this, &SupervisedProcess::onStopTimeout);
}

SupervisedProcess::~SupervisedProcess()
{
    disconnect(&m_process, nullptr, this, nullptr);
    if (m_process.state() != QProcess::NotRunning) {
        ::kill(pid_t(m_process.processId()), SIGKILL);
        m_process.waitForFinished(10000);
    }
}

QString SupervisedProcess::stateName(State state)
{
    switch (state) {
    case State::Stopped: return QStringLiteral("stopped");
    case State::Starting: return QStringLiteral("starting");
    case State::Running: return QStringLiteral("running");
    case State::Stopping: return QStringLiteral("stopping");
    }
    return QStringLiteral("unknown");
}

void SupervisedProcess::start(int startupTimeoutMs, Done done)
{
    switch (m_state) {
    case State::Running:
        done(Status::ok());
        return;
    case State::Stopping:
        done(Status::unavailable(QStringLiteral("%1 is stopping; start it again once it has stopped").arg(m_spec.name)));
        return;
    case State::Starting:
        m_startWaiters.append(std::move(done));
        return;
    case State::Stopped:
        break;
    }
    m_startWaiters.append(std::move(done));
    m_killedAfterTimeout = false;
    setState(State::Starting);
    appendToLog(QStringLiteral("---- %1 peacedb-cluster: starting %2: %3 %4")
                    .arg(QDateTime::currentDateTime().toString(Qt::ISODateWithMs), m_spec.name, m_process.program(),
                         m_process.arguments().join(QLatin1Char(' '))));
    m_startupTimer.start(startupTimeoutMs);
    m_process.start();
}

void SupervisedProcess::stop(int timeoutMs, Done done)
{
    switch (m_state) {
    case State::Stopped:
        done(Status::ok());
        return;
    case State::Stopping:
        m_stopWaiters.append(std::move(done));
        return;
    case State::Starting:
        finishStart(Status::unavailable(QStringLiteral("%1 was stopped during start-up").arg(m_spec.name)));
        break;
    case State::Running:
        break;
    }
    m_stopWaiters.append(std::move(done));
    setState(State::Stopping);
    m_stopTimer.start(timeoutMs);
    if (m_pid > 0)
        ::kill(pid_t(m_pid), SIGTERM);
}

void SupervisedProcess::kill()
{
    if (m_pid > 0)
        ::kill(pid_t(m_pid), SIGKILL);
}

void SupervisedProcess::onStarted()
{
    m_pid = m_process.processId();
    emit changed();
    if (m_state == State::Stopping) {
        // stop() came between start() and the fork.
        ::kill(pid_t(m_pid), SIGTERM);
        return;
    }
    probe();
}

void SupervisedProcess::probe()
{
    if (m_state != State::Starting)
        return;
    if (!m_probe) {
        const QByteArray headers = "Host: " + m_spec.host.toLatin1() + ':' + QByteArray::number(m_spec.port) + "\r\n";
        m_probe = new HttpConnection(m_spec.host, m_spec.port, headers, kProbeTimeoutMs, this,
                                     m_spec.url.startsWith(QLatin1String("https:")));
        connect(m_probe, &HttpConnection::responseReceived, this, [this] {
            discardProbe();
            if (m_state != State::Starting)
                return;
            setState(State::Running);
            finishStart(Status::ok());
        });
        connect(m_probe, &HttpConnection::requestFailed, this, [this] {
            if (m_state == State::Starting)
                m_probeTimer.start();
        });
    }
    m_probe->sendRequest("GET", "/healthz", QByteArray());
}

void SupervisedProcess::discardProbe()
{
    m_probeTimer.stop();
    if (m_probe) {
        disconnect(m_probe, nullptr, this, nullptr);
        m_probe->deleteLater();
        m_probe = nullptr;
    }
}

void SupervisedProcess::onStartupTimeout()
{
    if (m_state != State::Starting)
        return;
    const int timeoutMs = m_startupTimer.interval();
    finishStart(Status::unavailable(QStringLiteral("%1 did not answer on %2 within %3 ms; %4")
                                        .arg(m_spec.name, m_spec.url)
                                        .arg(timeoutMs)
                                        .arg(logHint())));
    setState(State::Stopping);
    kill();
}

void SupervisedProcess::onStopTimeout()
{
    if (m_state != State::Stopping || m_pid <= 0)
        return;
    m_killedAfterTimeout = true;
    ::kill(pid_t(m_pid), SIGKILL);
}

void SupervisedProcess::onErrorOccurred(QProcess::ProcessError error)
{
    if (error != QProcess::FailedToStart)
        return;
    // No process came to be, so there is no finished() to wait for.
    m_lastExit = QStringLiteral("failed to start: %1").arg(m_process.errorString());
    const State previous = m_state;
    setState(State::Stopped);
    m_startupTimer.stop();
    m_stopTimer.stop();
    if (previous == State::Starting) {
        finishStart(Status::unavailable(QStringLiteral("%1 could not be started (%2): %3")
                                            .arg(m_spec.name, m_process.program(), m_process.errorString())));
    }
    finishStop();
}

void SupervisedProcess::onFinished(int exitCode, QProcess::ExitStatus exitStatus)
{
    const qint64 pid = m_pid;
    discardProbe();
    m_startupTimer.stop();
    m_stopTimer.stop();
    QString description = exitStatus == QProcess::CrashExit ? QStringLiteral("killed by signal %1").arg(exitCode)
                                                            : QStringLiteral("exited with code %1").arg(exitCode);
    if (m_killedAfterTimeout)
        description += QStringLiteral(" (it did not stop within %1 ms)").arg(m_stopTimer.interval());
    appendToLog(QStringLiteral("---- %1 peacedb-cluster: %2 (pid %3) %4")
                    .arg(QDateTime::currentDateTime().toString(Qt::ISODateWithMs), m_spec.name)
                    .arg(pid)
                    .arg(description));
    m_lastExit = description;
    m_pid = 0;
    const State previous = m_state;
    setState(State::Stopped);
    if (previous == State::Starting)
        finishStart(Status::unavailable(QStringLiteral("%1 %2 during start-up; %3").arg(m_spec.name, description, logHint())));
    else if (previous == State::Running)
        emit exitedUnexpectedly(pid, description);
    finishStop();
}

void SupervisedProcess::finishStart(const Status &status)
{
    m_startupTimer.stop();
    if (!status.isOk())
        discardProbe();
    const QList<Done> waiters = std::exchange(m_startWaiters, {});
    for (const Done &done : waiters)
        done(status);
}

void SupervisedProcess::finishStop()
{
    const QList<Done> waiters = std::exchange(m_stopWaiters, {});
    for (const Done &done : waiters)
        done(Status::ok());
}

void SupervisedProcess::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit changed();
}

void SupervisedProcess::appendToLog(const QString &line) const
{
    QFile log(m_spec.logPath);
    if (log.open(QIODevice::WriteOnly | QIODevice::Append))
        log.write(line.toUtf8() + '\n');
}

QString SupervisedProcess::logHint() const
{
    QFile log(m_spec.logPath);
    QString tail;
    if (log.open(QIODevice::ReadOnly)) {
        if (log.size() > 4096)
            log.seek(log.size() - 4096);
        QStringList lines = QString::fromUtf8(log.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        lines.removeIf([](const QString &line) { return line.startsWith(QLatin1String("---- ")); });
        tail = lines.mid(qMax<qsizetype>(0, lines.size() - 3)).join(QStringLiteral("\n    "));
    }
    return tail.isEmpty() ? QStringLiteral("see %1").arg(m_spec.logPath)
                          : QStringLiteral("see %1, which ends with:\n    %2").arg(m_spec.logPath, tail);
}
