// JsonText: small helpers to build and read JSON text without a DOM.
//
// The hot paths (serving stored documents, list pages) splice stored JSON
// bytes together instead of parsing and re-serialising them; these helpers
// produce the few pieces written by hand. Stateless; any thread.
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include "Result.h"

namespace JsonText {

// A JSON string literal (with quotes) in UTF-8, escaping ", \ and control
// characters; other characters are written as UTF-8, never as \u escapes.
QByteArray quote(QStringView text);

QByteArray compact(const QJsonObject &object);
QByteArray compact(const QJsonArray &array);

// Parses text that must be a JSON object. The error names the offset, e.g.
// "malformed JSON at offset 12: unterminated string".
Result<QJsonObject> parseObject(const QByteArray &text);

// The JSON type of a value as users read it: "string", "number", "object", ...
QString typeName(const QJsonValue &value);

} // namespace JsonText
