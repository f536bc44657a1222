// ClusterRequest: one HTTP request from a peacedb-cluster command to a
// process of a running local cluster (the launcher's supervisor endpoint,
// the router), with the cluster token, on an HttpConnection, waited for in a
// local event loop. An https:// URL is checked against the cluster's own CA
// (DIR/tls/ca.pem of `up --tls`).
//
// Main thread (needs a QCoreApplication); blocking.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include "Result.h"

namespace ClusterRequest {

struct Answer
{
    int status = 0;
    QJsonObject body;
    // The body's "error" of an answer that is not 2xx.
    QString error() const { return body.value(QStringLiteral("error")).toString(); }
};

// `clusterDir` holds tls/ca.pem for https URLs. Unavailable with the
// reason when there was no answer; Internal when it is not a JSON object.
Result<Answer> send(const QString &url, const QString &clusterDir, const QByteArray &token, const QByteArray &method,
                    const QByteArray &path, const QByteArray &body, int timeoutMs);

} // namespace ClusterRequest
