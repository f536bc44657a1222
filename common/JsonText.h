// JsonText: JSON text handled as text, without a DOM.
//
// Documents are stored and served as the bytes the client sent, minified:
// numbers keep every digit (no trip through double), nothing is re-encoded,
// and the hot paths (writes, serving documents, list pages) cost one
// validating pass instead of a parse and a serialisation. minify() validates
// strictly (RFC 8259, UTF-8); the other readers REQUIRE text that minify()
// produced. Stateless; any thread.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QVector>

#include <functional>

#include "Result.h"

namespace JsonText {

constexpr int kMaxDepth = 64;

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

// Validates `text` as exactly one JSON value (nested at most kMaxDepth deep)
// and returns it without insignificant whitespace. Errors name the offset.
Result<QByteArray> minify(QByteArrayView text);

// The type name of a minified value, from its first byte.
QString typeName(QByteArrayView minifiedValue);

struct Member
{
    QByteArrayView key;   // the key's string literal, quotes included
    QByteArrayView value; // the value's minified text
};

// REQUIRES: `object` is a minified JSON object.
QVector<Member> members(QByteArrayView object);
// REQUIRES: `array` is a minified JSON array.
QVector<QByteArrayView> elements(QByteArrayView array);
// REQUIRES: `literal` is a minified JSON string literal (with quotes).
QString unquote(QByteArrayView literal);
// Calls `visit` with every string value (not key) in a minified value, at any
// depth, in document order.
void forEachString(QByteArrayView minifiedValue, const std::function<void(const QString &)> &visit);
// The same with each string's literal as it is in the text (quotes and
// escapes included), for callers that read plain ones without decoding.
void forEachStringLiteral(QByteArrayView minifiedValue, const std::function<void(QByteArrayView)> &visit);

} // namespace JsonText
