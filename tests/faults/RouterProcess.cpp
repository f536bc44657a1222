#include "RouterProcess.h"

#include <QDeadlineTimer>
#include <QThread>

#include "ClusterProcesses.h"
#include "TestHttpClient.h"

namespace {

constexpr int kRetryPauseMs = 200;
constexpr int kHealthTimeoutMs = 2000;

} // namespace

RouterProcess::RouterProcess(ClusterProcesses &cluster, const QStringList &wrapper)
    : m_cluster(cluster)
    , m_process(m_dataDir.path(), {QStringLiteral("--role"), QStringLiteral("router"), QStringLiteral("--config"),
                                   cluster.configPath(), QStringLiteral("--token-file"), cluster.tokenPath()})
{
    // Exactly the cluster's environment: ServerProcess adds no
    // authentication setting of its own then.
    m_process.setAuthentication(true);
    QStringList environment = cluster.processEnvironment().toStringList();
    if (cluster.tls()) {
        // The launcher's router certificate names 127.0.0.1 too.
        environment << QStringLiteral("PEACEDB_SERVER_TLS_CERT_FILE=") + cluster.directory() + QStringLiteral("/tls/router.pem")
                    << QStringLiteral("PEACEDB_SERVER_TLS_KEY_FILE=") + cluster.directory() + QStringLiteral("/tls/router.key");
    }
    m_process.setEnvironment(environment);
    m_process.setWrapper(wrapper);
    m_process.killWithTest();
}

bool RouterProcess::start(QString *error, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    if (m_port != 0)
        m_earlierOutput += m_process.output();
    // A restart listens on the port of the first start, which a connection
    // of the dead process may still hold for a moment.
    while (!m_process.start(int(qMax<qint64>(1, deadline.remainingTime())))) {
        if (deadline.hasExpired()) {
            *error = QStringLiteral("the router did not start on 127.0.0.1:%1:\n%2")
                         .arg(m_port)
                         .arg(m_process.output().right(2000));
            m_process.kill();
            return false;
        }
        m_earlierOutput += m_process.output();
        QThread::msleep(kRetryPauseMs);
    }
    if (m_port == 0) {
        m_port = m_process.port();
        m_process.setListenAddress(QStringLiteral("127.0.0.1:%1").arg(m_port));
    }
    if (!m_cluster.waitUntil([this] { return ready(); }, int(qMax<qint64>(0, deadline.remainingTime())))) {
        *error = QStringLiteral("the router on 127.0.0.1:%1 did not answer /healthz with 200 in %2 ms:\n%3")
                     .arg(m_port)
                     .arg(timeoutMs)
                     .arg(m_process.output().right(2000));
        return false;
    }
    return true;
}

bool RouterProcess::ready()
{
    m_process.drainOutput();
    return TestHttpClient(m_port).request("GET", "/healthz", {}, {}, kHealthTimeoutMs).status == 200;
}

void RouterProcess::kill()
{
    m_process.kill();
}

void RouterProcess::drainOutput()
{
    m_process.drainOutput();
}

QString RouterProcess::output()
{
    return m_earlierOutput + m_process.output();
}
