// BackupApi: the router's backup routes, with the operator API's needs
// (the admin role or the cluster token; docs/backup.md):
//
//   POST /v1/_cluster/backup {"to": "/absolute/dir"}   202 the new backup's
//        status; 400 for a bad target (nothing written); 409 while one runs
//   GET  /v1/_cluster/backup                          200 the running or last
//        backup's status ({"state": "none"} before the first)
//
// Thin: parse, call the ClusterBackup, answer. Main thread; owned by the
// RouterApp.
#pragma once

#include "HttpServer.h"

class ClusterBackup;

class BackupApi
{
public:
    explicit BackupApi(ClusterBackup *backup);

    void registerRoutes(HttpServer &server);

private:
    ClusterBackup *m_backup;
};
