#include "PeerAddressBook.h"

#include <QCoreApplication>
#include <QHostInfo>
#include <QTimer>
#include <QThreadPool>

PeerAddressBook::PeerAddressBook(Resolver resolver, Executor executor)
    : m_resolver(std::move(resolver))
    , m_executor(std::move(executor))
{
    m_clock.start();
}

PeerAddressBook &PeerAddressBook::instance()
{
    // Never destroyed: a lookup stuck on an unanswering DNS server must not
    // hold up the process's exit, nor outlive the book it reports to.
    static QThreadPool *const pool = [] {
        auto *threads = new QThreadPool;
        // A stuck lookup must not hold up the others either.
        threads->setMaxThreadCount(4);
        return threads;
    }();
    static PeerAddressBook *const book = new PeerAddressBook(
        [](const QString &name) {
            const QHostInfo info = QHostInfo::fromName(name);
            return info.error() == QHostInfo::NoError ? info.addresses() : QList<QHostAddress>();
        },
        [](std::function<void()> task, qint64 delayMs) {
            if (delayMs <= 0 || !QCoreApplication::instance())
                return pool->start(std::move(task));
            // The timer runs on the application's thread, the lookup not.
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [task = std::move(task), delayMs]() mutable {
                    QTimer::singleShot(delayMs, QCoreApplication::instance(), [task = std::move(task)]() mutable {
                        pool->start(std::move(task));
                    });
                },
                Qt::QueuedConnection);
        });
    return *book;
}

std::optional<QHostAddress> PeerAddressBook::address(const QString &name)
{
    const QHostAddress literal(name);
    if (literal.protocol() != QAbstractSocket::UnknownNetworkLayerProtocol)
        return literal;
    QMutexLocker locker(&m_mutex);
    Entry &entry = m_entries[name];
    const qint64 now = nowMs();
    if ((entry.resolvedMs < 0 || now - entry.resolvedMs >= kRefreshMs) && mayStartLookup(entry, now))
        startLookup(name, now);
    return m_entries.value(name).address;
}

void PeerAddressBook::connectFailed(const QString &name)
{
    if (QHostAddress(name).protocol() != QAbstractSocket::UnknownNetworkLayerProtocol)
        return;
    QMutexLocker locker(&m_mutex);
    Entry &entry = m_entries[name];
    const qint64 now = nowMs();
    if (mayStartLookup(entry, now))
        startLookup(name, now);
}

bool PeerAddressBook::mayStartLookup(const Entry &entry, qint64 now)
{
    // One lookup per kRetryMs; a second beside one that is stuck (a DNS
    // server that does not answer can hold a lookup for tens of seconds).
    return entry.lookups < kMaxLookupsPerName && (entry.lookupStartedMs < 0 || now - entry.lookupStartedMs >= kRetryMs);
}

void PeerAddressBook::startLookup(const QString &name, qint64 now, qint64 delayMs)
{
    Entry &entry = m_entries[name];
    ++entry.lookups;
    const qint64 startedMs = now + delayMs;
    entry.lookupStartedMs = startedMs;
    // Unlocked while the task is handed over (an executor may run it at
    // once, here); entries may move meanwhile, so callers look theirs up
    // again afterwards.
    m_mutex.unlock();
    m_executor([this, name, startedMs] {
        const QList<QHostAddress> addresses = m_resolver(name);
        QMutexLocker locker(&m_mutex);
        Entry &done = m_entries[name];
        --done.lookups;
        if (addresses.isEmpty()) {
            // Keep the last good address; without one, ask again soon.
            if (!done.address && done.lookups == 0)
                startLookup(name, nowMs(), kRetryMs);
            return;
        }
        if (startedMs < done.answerStartedMs)
            return; // a later lookup answered already
        done.answerStartedMs = startedMs;
        // Prefer IPv4, as Qt's own connect does first.
        QHostAddress chosen = addresses.first();
        for (const QHostAddress &candidate : addresses) {
            if (candidate.protocol() == QAbstractSocket::IPv4Protocol) {
                chosen = candidate;
                break;
            }
        }
        done.address = chosen;
        done.resolvedMs = nowMs();
    }, delayMs);
    m_mutex.lock();
}
