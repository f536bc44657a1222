// DocumentWriter: one client writer for process tests, run on a thread of
// its own with its own connection: PUTs new documents `<prefix>-<n>` into
// database `db` (one request in flight) at whichever port `target` names
// (the test moves it to a new primary), and records which writes were
// acknowledged (2xx) with their revisions. A write without a 2xx answer
// (refused, or no answer) is not acknowledged; answers other than 503 or
// none are kept as unexpected.
//
// run() on the writer's thread until `stop`; read the results after it
// returned. Owned by the test.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

#include <atomic>

class DocumentWriter
{
public:
    DocumentWriter(const QByteArray &db, const QString &prefix, const std::atomic<int> *target, const std::atomic<bool> *stop,
                   std::atomic<int> *acked);

    void run();

    const QHash<QString, QString> &acknowledgedWrites() const { return m_acknowledged; }
    const QStringList &notAcknowledged() const { return m_notAcknowledged; }
    const QStringList &unexpected() const { return m_unexpected; }

    // The document path and body this writer uses.
    static QByteArray documentPath(const QByteArray &db, const QString &id);
    static QByteArray documentBody(const QString &value);

private:
    QByteArray m_db;
    QString m_prefix;
    const std::atomic<int> *m_target;
    const std::atomic<bool> *m_stop;
    std::atomic<int> *m_acked;
    QHash<QString, QString> m_acknowledged;
    QStringList m_notAcknowledged;
    QStringList m_unexpected;
};
