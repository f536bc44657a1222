// Status: the outcome of an operation that can fail, as a value.
//
// A Status is either ok or carries an error code and a human-readable
// message (plus optional structured details, e.g. the current primary's URL).
// Codes are protocol-neutral; the HTTP layer maps them to status codes in one
// place (server/http/HttpResponse). Cheap to copy. Any thread.
#pragma once

#include <QJsonObject>
#include <QString>

class Status
{
public:
    enum class Code {
        Ok,
        BadRequest,        // malformed or invalid input; nothing changed
        Unauthorized,      // missing or wrong credentials
        Forbidden,         // the operation is disabled
        NotFound,
        MethodNotAllowed,
        Conflict,          // revision mismatch or already exists
        PayloadTooLarge,
        Unavailable,       // try again later (shutting down, no quorum, not primary)
        TooManyRequests,   // this client must wait (failed sign-ins); nothing changed
        StorageFailure,    // the disk refused the write; nothing acknowledged
        Internal,          // a bug or an unexpected condition
    };

    Status() = default;

    static Status ok() { return Status(); }
    static Status badRequest(const QString &message) { return Status(Code::BadRequest, message); }
    static Status unauthorized(const QString &message) { return Status(Code::Unauthorized, message); }
    static Status forbidden(const QString &message) { return Status(Code::Forbidden, message); }
    static Status notFound(const QString &message) { return Status(Code::NotFound, message); }
    static Status methodNotAllowed(const QString &message) { return Status(Code::MethodNotAllowed, message); }
    static Status conflict(const QString &message) { return Status(Code::Conflict, message); }
    static Status payloadTooLarge(const QString &message) { return Status(Code::PayloadTooLarge, message); }
    static Status unavailable(const QString &message) { return Status(Code::Unavailable, message); }
    static Status tooManyRequests(const QString &message) { return Status(Code::TooManyRequests, message); }
    static Status storageFailure(const QString &message) { return Status(Code::StorageFailure, message); }
    static Status internal(const QString &message) { return Status(Code::Internal, message); }

    bool isOk() const { return m_code == Code::Ok; }
    Code code() const { return m_code; }
    const QString &message() const { return m_message; }

    // Extra fields for the error body, e.g. {"primary": "http://..."}.
    const QJsonObject &details() const { return m_details; }
    Status &withDetail(const QString &key, const QJsonValue &value);

    // "conflict: Document update conflict" — for logs and test failures.
    QString toString() const;
    static QString codeName(Code code);

    bool operator==(const Status &other) const
    {
        return m_code == other.m_code && m_message == other.m_message;
    }

private:
    Status(Code code, const QString &message) : m_code(code), m_message(message) {}

    Code m_code = Code::Ok;
    QString m_message;
    QJsonObject m_details;
};
