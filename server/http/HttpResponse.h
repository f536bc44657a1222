// HttpResponse: status, headers and body of an answer, and the one place
// where a Status becomes an HTTP status code and a PeaceDB error body:
//
//   {"ok": false, "error": "<message>", "db": ..., "id": ..., "rev": ...}
//
// A value; any thread.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>

#include "Status.h"

struct HttpResponse
{
    int status = 200;
    QByteArray body;
    QByteArray contentType = QByteArrayLiteral("application/json");
    QList<QPair<QByteArray, QByteArray>> headers;

    static HttpResponse json(int status, const QByteArray &body);
    static HttpResponse json(int status, const QJsonObject &object);
    // An error answer; `context` adds fields such as db, id and rev.
    static HttpResponse error(const Status &status, const QJsonObject &context = {});
    static HttpResponse empty(int status);

    HttpResponse &withHeader(const QByteArray &name, const QByteArray &value)
    {
        headers.append({name, value});
        return *this;
    }

    static int httpStatusOf(Status::Code code);
};
