#include "Supervisor.h"

#include <memory>

Supervisor::Supervisor(const ClusterLayout &layout, const QString &serverBinary, const QProcessEnvironment &environment,
                       const Timeouts &timeouts, QObject *parent)
    : QObject(parent)
    , m_serverBinary(serverBinary)
    , m_environment(environment)
    , m_timeouts(timeouts)
{
    for (const ProcessSpec &spec : layout.processes())
        m_processes.append(makeProcess(layout, spec));
}

SupervisedProcess *Supervisor::makeProcess(const ClusterLayout &layout, const ProcessSpec &spec)
{
    QProcessEnvironment processEnvironment = m_environment;
    for (const QString &name : layout.environmentToRemove(spec))
        processEnvironment.remove(name);
    const QHash<QString, QString> variables = layout.environment(spec);
    for (auto it = variables.begin(); it != variables.end(); ++it)
        processEnvironment.insert(it.key(), it.value());
    auto *process = new SupervisedProcess(spec, m_serverBinary, layout.arguments(spec), processEnvironment, this);
    connect(process, &SupervisedProcess::changed, this, &Supervisor::changed);
    connect(process, &SupervisedProcess::exitedUnexpectedly, this, [this, process](qint64 pid, const QString &description) {
        emit processExited(process->spec().name, pid, description);
    });
    return process;
}

SupervisedProcess *Supervisor::add(const ClusterLayout &layout, const ProcessSpec &spec)
{
    SupervisedProcess *process = makeProcess(layout, spec);
    m_processes.append(process);
    emit changed();
    return process;
}

void Supervisor::remove(const QString &name, Done done)
{
    SupervisedProcess *process = find(name);
    if (!process) {
        done(unknownProcess(name));
        return;
    }
    process->stop(m_timeouts.stopMs, [this, process, done = std::move(done)](const Status &status) {
        m_processes.removeAll(process);
        process->deleteLater();
        emit changed();
        done(status);
    });
}

SupervisedProcess *Supervisor::find(const QString &name) const
{
    for (SupervisedProcess *process : m_processes) {
        if (process->spec().name == name)
            return process;
    }
    return nullptr;
}

void Supervisor::startAll(Done done)
{
    struct Run
    {
        int pending = 0;
        bool failed = false;
        Done done;
        QMetaObject::Connection exitWatch;
    };
    auto run = std::make_shared<Run>();
    run->pending = int(m_processes.size());
    run->done = std::move(done);
    const auto fail = [this, run](const Status &status) {
        if (run->failed)
            return;
        run->failed = true;
        disconnect(run->exitWatch);
        stopAll([run, status](const Status &) { run->done(status); });
    };
    // A process that came up and exits while the others still start fails
    // the start-up as well.
    run->exitWatch = connect(this, &Supervisor::processExited, this,
                             [fail](const QString &name, qint64, const QString &description) {
                                 fail(Status::unavailable(QStringLiteral("%1 %2 during start-up").arg(name, description)));
                             });
    for (SupervisedProcess *process : m_processes) {
        process->start(m_timeouts.startupMs, [this, run, fail](const Status &status) {
            if (run->failed)
                return;
            if (!status.isOk()) {
                fail(status);
                return;
            }
            if (--run->pending == 0) {
                disconnect(run->exitWatch);
                run->done(Status::ok());
            }
        });
    }
}

void Supervisor::stopAll(Done done)
{
    QVector<SupervisedProcess *> routers;
    QVector<SupervisedProcess *> nodes;
    for (SupervisedProcess *process : m_processes)
        (process->spec().role == ProcessSpec::Role::Router ? routers : nodes).append(process);
    stopGroup(routers, [this, nodes, done = std::move(done)](const Status &) { stopGroup(nodes, done); });
}

void Supervisor::stopGroup(const QVector<SupervisedProcess *> &group, Done done)
{
    if (group.isEmpty()) {
        done(Status::ok());
        return;
    }
    auto pending = std::make_shared<int>(int(group.size()));
    for (SupervisedProcess *process : group) {
        process->stop(m_timeouts.stopMs, [pending, done](const Status &) {
            if (--*pending == 0)
                done(Status::ok());
        });
    }
}

void Supervisor::killAll()
{
    for (SupervisedProcess *process : m_processes)
        process->kill();
}

Status Supervisor::unknownProcess(const QString &name) const
{
    QStringList names;
    for (const SupervisedProcess *process : m_processes)
        names.append(process->spec().name);
    return Status::notFound(QStringLiteral("no process named '%1' (the processes are %2)").arg(name, names.join(QStringLiteral(", "))));
}

void Supervisor::start(const QString &name, Done done)
{
    SupervisedProcess *process = find(name);
    if (!process) {
        done(unknownProcess(name));
        return;
    }
    process->start(m_timeouts.startupMs, std::move(done));
}

void Supervisor::stop(const QString &name, Done done)
{
    SupervisedProcess *process = find(name);
    if (!process) {
        done(unknownProcess(name));
        return;
    }
    process->stop(m_timeouts.stopMs, std::move(done));
}

ClusterFile::Process Supervisor::describe(const SupervisedProcess &process)
{
    const ProcessSpec &spec = process.spec();
    ClusterFile::Process entry;
    entry.name = spec.name;
    entry.role = ProcessSpec::roleName(spec.role);
    entry.shard = spec.shard;
    entry.member = spec.member;
    entry.url = spec.url;
    entry.pid = process.pid();
    entry.state = SupervisedProcess::stateName(process.state());
    entry.lastExit = process.lastExit();
    entry.log = spec.logPath;
    entry.dataDir = spec.dataDir;
    return entry;
}

QVector<ClusterFile::Process> Supervisor::describe() const
{
    QVector<ClusterFile::Process> out;
    for (const SupervisedProcess *process : m_processes)
        out.append(describe(*process));
    return out;
}
