// ClusterCertificates: the private certificate authority of a local cluster
// started with `peacedb-cluster up --tls`, and one certificate per process
// (the router, every member, the supervisor), made with Debian's openssl in
// DIR/tls: ca.pem (+ ca.key), <name>.pem and <name>.key, keys mode 0600.
//
// A certificate names its process's address (and 127.0.0.1, localhost) and
// serves both as a server and as a client certificate, so members can ask
// each other for one (mutual TLS). What exists is kept (a restarted cluster
// keeps its CA); what is missing or expires within a day is made again.
// Blocking (runs openssl); the launcher's thread, before anything listens.
#pragma once

#include <QList>
#include <QString>

#include <utility>

#include "Status.h"

class ClusterCertificates
{
public:
    explicit ClusterCertificates(const QString &directory);

    QString directory() const { return m_directory; }
    QString caPath() const;
    QString certificatePath(const QString &name) const;
    QString keyPath(const QString &name) const;

    // Makes the CA and a certificate for each (name, host) that needs one.
    Status ensure(const QList<std::pair<QString, QString>> &processes) const;

private:
    Status run(const QStringList &arguments) const;
    bool usable(const QString &certificatePath) const;
    Status makeCertificate(const QString &name, const QString &host) const;

    QString m_directory;
};
