// ServerProcess: a real peacedb-server process for tests.
//
// Starts the binary on 127.0.0.1 port 0 (the kernel picks a free port) with a
// data directory of the test's choosing, waits for the "listening on
// http://HOST:PORT" line, and stops the process in its destructor (SIGTERM,
// then SIGKILL after a bound), so a failing test never leaves a server
// behind. Test thread only; owned by the test.
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

class ServerProcess
{
public:
    explicit ServerProcess(const QString &dataDir, const QStringList &extraArguments = {});
    ~ServerProcess();

    // Starts and waits (up to timeoutMs) until the server listens. On
    // failure returns false and keeps the output in output().
    bool start(int timeoutMs = 15000);
    // Listens on `hostPort` ("127.0.0.1:18080") instead of 127.0.0.1:0 from
    // the next start() on: for processes whose address others must know
    // before they start (replica set members).
    void setListenAddress(const QString &hostPort) { m_listen = hostPort; }
    // Variables ("NAME=value") added to the test's environment for the
    // process, from the next start() on.
    void setEnvironment(const QStringList &variables) { m_environment = variables; }
    // Clients must sign in, as by default; otherwise (the tests' default)
    // the process runs with Server.Authentication off.
    void setAuthentication(bool required) { m_authentication = required; }
    // Runs the server as `command... <binary> <arguments>` from the next
    // start() on (e.g. {"fiu-run", "-x"} to inject I/O errors; the command
    // must exec the binary, so the pid stays the server's). Empty: directly.
    void setWrapper(const QStringList &command) { m_wrapper = command; }
    // From the next start() on, the process gets SIGKILL when the thread
    // that started it ends, so a test that dies without running this
    // destructor (a crash, a QtTest timeout) leaves no server behind.
    void killWithTest();
    // Moves what the process printed so far from its pipe into output()
    // without an event loop, so a long test that never waits for output
    // cannot fill the pipe and block the server.
    void drainOutput();
    // SIGTERM and wait; returns the exit code (-1 if it had to be killed).
    int terminate(int timeoutMs = 15000);
    // SIGKILL and wait.
    void kill();
    // SIGSTOP / SIGCONT.
    void pause();
    void resume();

    bool isRunning() const { return m_process.state() == QProcess::Running; }
    // Like isRunning(), but first lets QProcess notice an exit that happened
    // since it last looked (without an event loop it does not on its own).
    bool isAlive() { return !waitForExit(0); }
    qint64 pid() const { return m_process.processId(); }
    quint16 port() const { return m_port; }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    QByteArray token() const;
    QString dataDir() const { return m_dataDir; }
    // Everything the server printed so far (stdout and stderr).
    QString output();
    // Resident memory of the process in bytes, from /proc.
    qint64 residentBytes() const;
    // Peak resident memory (VmHWM) in bytes since start or since the last
    // resetPeakResidentBytes(); 0 if unknown.
    qint64 peakResidentBytes() const;
    // Resets the peak to the current RSS (writes 5 to /proc/PID/clear_refs);
    // false where the kernel or permissions do not allow it.
    bool resetPeakResidentBytes() const;

    // Sends `signalNumber` without waiting (kill() and terminate() wait).
    void sendSignal(int signalNumber);
    // Waits up to timeoutMs for the process to end by itself; false if it
    // is still running.
    bool waitForExit(int timeoutMs = 15000);
    // Exit code of the ended process; -1 if a signal ended it.
    int exitCode() const;
    // Waits up to timeoutMs until the output contains `text`.
    bool waitForOutput(const QString &text, int timeoutMs = 5000);

    static QString binary();

    // Runs the server binary to completion with `arguments` (for exit-code
    // tests); returns the exit code and sets *output.
    static int runToExit(const QStringList &arguments, QString *output, int timeoutMs = 15000,
                         const QStringList &environment = {});

private:
    QString m_dataDir;
    QStringList m_arguments;
    QProcess m_process;
    QByteArray m_output;
    quint16 m_port = 0;
    QString m_listen = QStringLiteral("127.0.0.1:0");
    QStringList m_environment;
    bool m_authentication = false;
    QStringList m_wrapper;
};
