// OpenApiApi: GET /v1/_openapi.json — the OpenAPI 3.1 description of every
// route (docs/openapi.json, compiled in as the resource :/openapi.json), on
// every process: routers, nodes and the launcher's supervisor endpoint.
//
// Public, like /healthz: it describes the API and holds no data and no
// secret. Main thread; stateless.
#pragma once

#include "HttpServer.h"

class OpenApiApi
{
public:
    static void registerRoutes(HttpServer &server);
    // The document as compiled in (read once).
    static QByteArray document();
};
