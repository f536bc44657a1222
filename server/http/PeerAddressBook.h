#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QMutex>
#include <QString>

#include <functional>
#include <optional>

// PeerAddressBook: the last address each peer's name resolved to, kept fresh
// in the background, so that connecting to a peer never waits on DNS when it
// was resolved before.
//
// Why: in containers the engine's DNS can stall for seconds (seen: 10 s,
// after another container of the network was killed), exactly when members
// must reach each other to elect a primary; and Qt's own cache of lookups
// keeps an address for 60 s, while a restarted container comes back under
// its name at a new one. So the book resolves each name as soon as a
// connection to it is made, again every kRefreshMs while it is used and at
// once (at most every kRetryMs) after a failed connect, keeps the last good
// answer when a lookup fails or stalls (a second lookup may start beside
// one stuck for over kRetryMs), and never blocks its caller: lookups run on
// a thread pool of their own. A name that never resolved yet
// (its container not started, or the DNS stalled) is asked again every
// kRetryMs until it does, whether or not anyone connects to it meanwhile:
// a replica first calls another one in an election, when a stalled DNS
// would cost the election.
//
// Thread-safe; every process has one (instance()), tests make their own with
// a resolver and an executor of their choice.
class PeerAddressBook
{
public:
    static constexpr qint64 kRefreshMs = 5000;
    static constexpr qint64 kRetryMs = 1000;
    static constexpr int kMaxLookupsPerName = 2;

    // Blocking name lookup: the addresses, empty when the name did not resolve.
    using Resolver = std::function<QList<QHostAddress>(const QString &name)>;
    // Runs a task on some thread, now or after delayMs.
    using Executor = std::function<void(std::function<void()> task, qint64 delayMs)>;

    PeerAddressBook(Resolver resolver, Executor executor);
    static PeerAddressBook &instance();

    // The last address `name` resolved to, if any; starts a lookup when the
    // name was never looked up or its answer is older than kRefreshMs. A
    // literal address is returned as it is.
    std::optional<QHostAddress> address(const QString &name);
    // A connect to `name`'s address failed: look it up again (at most every
    // kRetryMs); its last good address stays in use meanwhile.
    void connectFailed(const QString &name);

private:
    struct Entry
    {
        std::optional<QHostAddress> address;
        qint64 lookupStartedMs = -1;  // the latest lookup
        qint64 answerStartedMs = -1;  // the lookup whose answer `address` is
        qint64 resolvedMs = -1;
        int lookups = 0;              // in flight
    };
    static bool mayStartLookup(const Entry &entry, qint64 nowMs);
    void startLookup(const QString &name, qint64 nowMs, qint64 delayMs = 0); // with m_mutex held
    qint64 nowMs() const { return m_clock.elapsed(); }

    const Resolver m_resolver;
    const Executor m_executor;
    QElapsedTimer m_clock;
    QMutex m_mutex;
    QHash<QString, Entry> m_entries; // guarded by m_mutex
};
