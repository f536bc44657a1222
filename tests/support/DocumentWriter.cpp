#include "DocumentWriter.h"

#include "TestHttpClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <memory>

DocumentWriter::DocumentWriter(const QByteArray &db, const QString &prefix, const std::atomic<int> *target,
                               const std::atomic<bool> *stop, std::atomic<int> *acked)
    : m_db(db)
    , m_prefix(prefix)
    , m_target(target)
    , m_stop(stop)
    , m_acked(acked)
{
}

QByteArray DocumentWriter::documentPath(const QByteArray &db, const QString &id)
{
    return "/v1/db/" + db + "/docs/" + TestHttpClient::encode(id);
}

QByteArray DocumentWriter::documentBody(const QString &value)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("data"), QJsonObject{{QStringLiteral("value"), value}}},
                                     {QStringLiteral("tags"), QJsonArray{QStringLiteral("replication")}}})
        .toJson(QJsonDocument::Compact);
}

void DocumentWriter::run()
{
    std::unique_ptr<TestHttpClient> client;
    int port = 0;
    for (int n = 0; !m_stop->load(); ++n) {
        if (!client || port != m_target->load()) {
            port = m_target->load();
            client = std::make_unique<TestHttpClient>(quint16(port));
        }
        const QString id = QStringLiteral("%1-%2").arg(m_prefix).arg(n);
        const TestHttpResponse response = client->request("PUT", documentPath(m_db, id), documentBody(id), {}, 8000);
        if (response.status >= 200 && response.status < 300) {
            m_acknowledged.insert(id, response.json().value(QStringLiteral("rev")).toString());
            m_acked->fetch_add(1);
        } else {
            m_notAcknowledged.append(id);
            if (response.status != 0 && response.status != 503) {
                m_unexpected.append(QStringLiteral("%1: %2 %3 %4")
                                        .arg(id)
                                        .arg(response.status)
                                        .arg(response.error, QString::fromUtf8(response.body.left(400))));
            }
            QThread::msleep(20);
        }
    }
}
