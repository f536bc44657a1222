#include "ServerProcess.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QRegularExpression>
#include <QThread>

#include <csignal>
#include <unistd.h>

#include <sys/prctl.h>

ServerProcess::ServerProcess(const QString &dataDir, const QStringList &extraArguments)
    : m_dataDir(dataDir)
    , m_arguments(extraArguments)
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

ServerProcess::~ServerProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        resume();
        terminate(5000);
    }
}

void ServerProcess::killWithTest()
{
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
}

QString ServerProcess::binary()
{
    return QStringLiteral(PEACEDB_SERVER_BINARY);
}

bool ServerProcess::start(int timeoutMs)
{
    m_output.clear();
    m_port = 0;
    QStringList arguments{QStringLiteral("--data"), m_dataDir, QStringLiteral("--listen"), m_listen};
    arguments += m_arguments;
    QStringList environment = QProcess::systemEnvironment();
    if (!m_authentication)
        environment.append(QStringLiteral("PEACEDB_SERVER_AUTHENTICATION=off"));
    m_process.setEnvironment(environment + m_environment);
    if (m_wrapper.isEmpty())
        m_process.start(binary(), arguments);
    else
        m_process.start(m_wrapper.first(), m_wrapper.mid(1) + QStringList{binary()} + arguments);
    if (!m_process.waitForStarted(timeoutMs))
        return false;
    static const QRegularExpression listening(QStringLiteral("listening on https?://[^:]+:(\\d+)"));
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process.state() == QProcess::NotRunning) {
            m_output += m_process.readAll();
            return false;
        }
        m_process.waitForReadyRead(50);
        m_output += m_process.readAll();
        const QRegularExpressionMatch match = listening.match(QString::fromUtf8(m_output));
        if (match.hasMatch()) {
            m_port = quint16(match.captured(1).toUInt());
            return true;
        }
    }
    return false;
}

int ServerProcess::terminate(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return m_process.exitCode();
    ::kill(pid_t(m_process.processId()), SIGTERM);
    if (!m_process.waitForFinished(timeoutMs)) {
        kill();
        return -1;
    }
    m_output += m_process.readAll();
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

void ServerProcess::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    ::kill(pid_t(m_process.processId()), SIGKILL);
    m_process.waitForFinished(10000);
    m_output += m_process.readAll();
}

void ServerProcess::pause()
{
    if (m_process.state() == QProcess::Running)
        ::kill(pid_t(m_process.processId()), SIGSTOP);
}

void ServerProcess::resume()
{
    if (m_process.state() == QProcess::Running)
        ::kill(pid_t(m_process.processId()), SIGCONT);
}

QByteArray ServerProcess::token() const
{
    QFile file(m_dataDir + QStringLiteral("/token"));
    if (!file.open(QIODevice::ReadOnly))
        return QByteArray();
    return file.readAll().trimmed();
}

void ServerProcess::drainOutput()
{
    if (!m_process.isOpen())
        return;
    for (int round = 0; round < 64 && m_process.state() == QProcess::Running && m_process.waitForReadyRead(0); ++round)
        m_output += m_process.readAll();
    m_output += m_process.readAll();
}

QString ServerProcess::output()
{
    m_output += m_process.readAll();
    return QString::fromUtf8(m_output);
}

qint64 ServerProcess::residentBytes() const
{
    QFile statm(QStringLiteral("/proc/%1/statm").arg(m_process.processId()));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE) : 0;
}

int ServerProcess::runToExit(const QStringList &arguments, QString *output, int timeoutMs, const QStringList &environment)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    if (!environment.isEmpty()) {
        QStringList env = QProcess::systemEnvironment();
        env += environment;
        process.setEnvironment(env);
    }
    process.start(binary(), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        *output = QString::fromUtf8(process.readAll()) + QStringLiteral("\n[killed after timeout]");
        return -1;
    }
    *output = QString::fromUtf8(process.readAll());
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

qint64 ServerProcess::peakResidentBytes() const
{
    QFile status(QStringLiteral("/proc/%1/status").arg(m_process.processId()));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return 0;
}

bool ServerProcess::resetPeakResidentBytes() const
{
    QFile clearRefs(QStringLiteral("/proc/%1/clear_refs").arg(m_process.processId()));
    return clearRefs.open(QIODevice::WriteOnly | QIODevice::Unbuffered) && clearRefs.write("5") == 1;
}

void ServerProcess::sendSignal(int signalNumber)
{
    if (m_process.state() == QProcess::Running)
        ::kill(pid_t(m_process.processId()), signalNumber);
}

bool ServerProcess::waitForExit(int timeoutMs)
{
    if (m_process.state() != QProcess::NotRunning && !m_process.waitForFinished(timeoutMs))
        return false;
    m_output += m_process.readAll();
    return true;
}

int ServerProcess::exitCode() const
{
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

bool ServerProcess::waitForOutput(const QString &text, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!output().contains(text)) {
        if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning)
            return output().contains(text);
        m_process.waitForReadyRead(int(qMax<qint64>(1, qMin<qint64>(50, deadline.remainingTime()))));
    }
    return true;
}
