// RouterHandlerSupport: what the router's handlers (RouterDatabaseHandlers,
// RouterDocumentHandlers, RouterListHandlers) read from a request or from a
// document the same way. Pure functions; any thread.
#pragma once

#include <QByteArrayView>
#include <QString>

#include <optional>

#include "HttpRequest.h"
#include "ReadPreference.h"
#include "Result.h"

namespace RouterHandlerSupport {

// The request's read preference: its readPreference parameter, else
// `fallback` (Server.DefaultReadPreference).
Result<ReadPreference> readPreference(const HttpRequest &request, ReadPreference::Mode fallback);

// The "id" of a minified JSON object: its text when it is a string, an
// empty string for another type (the node refuses it), nullopt when absent.
std::optional<QString> documentId(QByteArrayView object);

} // namespace RouterHandlerSupport
