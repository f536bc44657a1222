// HttpRequest: what a route handler needs of a request, copied out of
// QHttpServerRequest (which is reused by the next request on the same
// connection, so it must not be kept).
//
// Path segments are percent-decoded one by one (so "%2F" inside a document id
// stays inside that segment); the query string is form-decoded ("+" is a
// space). A value; main thread.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QHttpServerRequest>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

#include "AccessRules.h"

struct HttpRequest
{
    QHttpServerRequest::Method method = QHttpServerRequest::Method::Unknown;
    QString methodName;          // "GET", ... for messages
    QString path;                // as received (percent-encoded)
    QStringList segments;        // decoded path segments
    QHash<QString, QString> params; // route captures, e.g. {"db": "orders"}
    QHash<QString, QString> query;  // first value of each query key
    QByteArray rawQuery;         // the query string as received (no '?')
    QByteArray body;
    QByteArray authorization;    // the Authorization header
    bool closeConnection = false; // the client sent "Connection: close"
    AccessRules::Principal principal; // who sent it (set before the handler runs)

    std::optional<QString> queryValue(const QString &key) const
    {
        const auto it = query.constFind(key);
        if (it == query.constEnd())
            return std::nullopt;
        return *it;
    }
    QString param(const QString &name) const { return params.value(name); }
    // The names an error answer repeats: {"db", "id", "rev"}, each when the
    // request named it (route captures db and id, query rev).
    QJsonObject errorContext() const;
    // The same from the names themselves (an empty one is left out): for an
    // answer given after the request is gone, built only when it is an error.
    static QJsonObject errorContext(const QString &db, const QString &id, const QString &rev);

    static QString methodToString(QHttpServerRequest::Method method);
    // Splits "/a/b%2Fc/" into {"a", "b/c"}; an empty middle segment is kept
    // as "" so that "/v1/db//docs" never matches a route. Sets *validUtf8 to
    // false when a segment does not decode to valid UTF-8.
    static QStringList decodeSegments(const QString &encodedPath, bool *validUtf8 = nullptr);
    // "a=1&b=x+y&c=%D0%BF" -> {a: "1", b: "x y", c: "п"}. Sets *validUtf8
    // to false when a key or value does not decode to valid UTF-8.
    static QHash<QString, QString> decodeQuery(const QByteArray &encodedQuery, bool *validUtf8 = nullptr);
};
