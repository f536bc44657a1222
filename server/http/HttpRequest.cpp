#include "HttpRequest.h"

#include <QStringDecoder>
#include <QUrl>

QString HttpRequest::methodToString(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get: return QStringLiteral("GET");
    case QHttpServerRequest::Method::Put: return QStringLiteral("PUT");
    case QHttpServerRequest::Method::Delete: return QStringLiteral("DELETE");
    case QHttpServerRequest::Method::Post: return QStringLiteral("POST");
    case QHttpServerRequest::Method::Head: return QStringLiteral("HEAD");
    case QHttpServerRequest::Method::Options: return QStringLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch: return QStringLiteral("PATCH");
    case QHttpServerRequest::Method::Connect: return QStringLiteral("CONNECT");
    case QHttpServerRequest::Method::Trace: return QStringLiteral("TRACE");
    default: return QStringLiteral("UNKNOWN");
    }
}

QStringList HttpRequest::decodeSegments(const QString &encodedPath, bool *validUtf8)
{
    if (validUtf8)
        *validUtf8 = true;
    QStringList segments;
    QStringView path(encodedPath);
    if (path.startsWith(QLatin1Char('/')))
        path = path.mid(1);
    if (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    if (path.isEmpty())
        return segments;
    for (const QStringView part : path.split(QLatin1Char('/'))) {
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        segments.append(decoder(QByteArray::fromPercentEncoding(part.toLatin1())));
        if (decoder.hasError() && validUtf8)
            *validUtf8 = false;
    }
    return segments;
}

QHash<QString, QString> HttpRequest::decodeQuery(const QByteArray &encodedQuery, bool *validUtf8)
{
    if (validUtf8)
        *validUtf8 = true;
    QHash<QString, QString> query;
    if (encodedQuery.isEmpty())
        return query;
    const auto decode = [validUtf8](const QByteArray &encoded) {
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        const QString text = decoder(QByteArray::fromPercentEncoding(encoded));
        if (decoder.hasError() && validUtf8)
            *validUtf8 = false;
        return text;
    };
    for (QByteArray pair : encodedQuery.split('&')) {
        if (pair.isEmpty())
            continue;
        pair.replace('+', ' ');
        const qsizetype equals = pair.indexOf('=');
        const QString key = decode(equals < 0 ? pair : pair.left(equals));
        const QString value = equals < 0 ? QString() : decode(pair.mid(equals + 1));
        if (!query.contains(key))
            query.insert(key, value);
    }
    return query;
}

QJsonObject HttpRequest::errorContext() const
{
    return errorContext(param(QStringLiteral("db")), param(QStringLiteral("id")),
                        queryValue(QStringLiteral("rev")).value_or(QString()));
}

QJsonObject HttpRequest::errorContext(const QString &db, const QString &id, const QString &rev)
{
    QJsonObject out;
    if (!db.isEmpty())
        out.insert(QStringLiteral("db"), db);
    if (!id.isEmpty())
        out.insert(QStringLiteral("id"), id);
    if (!rev.isEmpty())
        out.insert(QStringLiteral("rev"), rev);
    return out;
}
