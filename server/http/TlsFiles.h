// TlsFiles: a process's TLS material, read from PEM files — what it serves
// with (certificate chain and key; optionally the CA that must have signed
// its clients' certificates) and how it checks the processes it calls over
// https:// (the CA that must have signed their certificates; its own
// certificate as a client certificate when it has one).
//
// Every error names the file and what is wrong; an expired or not yet
// valid own certificate is an error too, so that a process never starts
// with a certificate every peer would refuse. Loaded once at start-up.
// A value; any thread.
#pragma once

#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QString>

#include "Result.h"

struct TlsFiles
{
    QString certFile;
    QString keyFile;
    QString caFile;
    QString clientCaFile;

    bool serves() const { return !certFile.isEmpty(); }

    // The configuration to serve with (REQUIRES: serves()), and the one for
    // connections to https:// URLs.
    struct Loaded
    {
        bool serving = false;
        QSslConfiguration server;
        QSslConfiguration client;
    };
    Result<Loaded> load() const;

    // Certificates from a PEM file (at least one).
    static Result<QList<QSslCertificate>> certificates(const QString &path, const QString &what);
};
