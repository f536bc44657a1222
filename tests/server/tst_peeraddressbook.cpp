// PeerAddressBook with a scripted resolver and an executor the test drives:
// a name is looked up once and then served from the book; a failed or
// empty lookup keeps the last good address; a failed connect asks again at
// most every kRetryMs; a name that does not resolve is asked again every
// kRetryMs by itself; answers older than kRefreshMs are refreshed in the
// background while the old address stays in use; literals pass through.
#include <QTest>

#include <deque>

#include "PeerAddressBook.h"

class TestPeerAddressBook : public QObject
{
    Q_OBJECT

    QHash<QString, QList<QHostAddress>> m_dns;
    int m_lookups = 0;
    std::deque<std::function<void()>> m_tasks;
    QList<qint64> m_delays;

    PeerAddressBook makeBook()
    {
        return PeerAddressBook(
            [this](const QString &name) {
                ++m_lookups;
                return m_dns.value(name);
            },
            [this](std::function<void()> task, qint64 delayMs) {
                m_tasks.push_back(std::move(task));
                m_delays.append(delayMs);
            });
    }
    // Runs the tasks queued so far (not those they queue).
    void runTasks()
    {
        std::deque<std::function<void()>> tasks;
        tasks.swap(m_tasks);
        m_delays.clear();
        for (auto &task : tasks)
            task();
    }

private slots:
    void init()
    {
        m_dns.clear();
        m_lookups = 0;
        m_tasks.clear();
        m_delays.clear();
    }

    void aNameIsResolvedOnceAndThenServedFromTheBook()
    {
        PeerAddressBook book = makeBook();
        m_dns.insert(QStringLiteral("member-1"), {QHostAddress(QStringLiteral("10.0.0.5"))});
        QVERIFY(!book.address(QStringLiteral("member-1")).has_value()); // never resolved: the caller uses the name
        QCOMPARE(m_tasks.size(), size_t(1));
        QVERIFY(!book.address(QStringLiteral("member-1")).has_value()); // one lookup at a time
        QCOMPARE(m_tasks.size(), size_t(1));
        runTasks();
        QCOMPARE(book.address(QStringLiteral("member-1")), QHostAddress(QStringLiteral("10.0.0.5")));
        QCOMPARE(book.address(QStringLiteral("member-1")), QHostAddress(QStringLiteral("10.0.0.5")));
        QVERIFY(m_tasks.empty());
        QCOMPARE(m_lookups, 1);
    }

    void aFailedLookupKeepsTheLastGoodAddress()
    {
        PeerAddressBook book = makeBook();
        m_dns.insert(QStringLiteral("member-1"), {QHostAddress(QStringLiteral("10.0.0.5"))});
        book.address(QStringLiteral("member-1"));
        runTasks();
        // The DNS stalls or forgets the name (a container stopped): the
        // connect fails, the name is asked again, the old address stays.
        m_dns.clear();
        QTest::qWait(int(PeerAddressBook::kRetryMs) + 50);
        book.connectFailed(QStringLiteral("member-1"));
        QCOMPARE(m_tasks.size(), size_t(1));
        runTasks();
        QCOMPARE(book.address(QStringLiteral("member-1")), QHostAddress(QStringLiteral("10.0.0.5")));
    }

    void aFailedConnectAsksAgainAtMostEveryRetryInterval()
    {
        PeerAddressBook book = makeBook();
        m_dns.insert(QStringLiteral("member-1"), {QHostAddress(QStringLiteral("10.0.0.5"))});
        book.address(QStringLiteral("member-1"));
        runTasks();
        QTest::qWait(int(PeerAddressBook::kRetryMs) + 50);
        // It came back at another address.
        m_dns.insert(QStringLiteral("member-1"), {QHostAddress(QStringLiteral("10.0.0.9"))});
        book.connectFailed(QStringLiteral("member-1"));
        book.connectFailed(QStringLiteral("member-1"));
        QCOMPARE(m_tasks.size(), size_t(1));
        runTasks();
        book.connectFailed(QStringLiteral("member-1")); // within kRetryMs of the last lookup
        QVERIFY(m_tasks.empty());
        QCOMPARE(book.address(QStringLiteral("member-1")), QHostAddress(QStringLiteral("10.0.0.9")));
        QCOMPARE(m_lookups, 2);
    }

    void anOldAnswerIsRefreshedWhileStillInUse()
    {
        PeerAddressBook book = makeBook();
        m_dns.insert(QStringLiteral("member-1"), {QHostAddress(QStringLiteral("10.0.0.5"))});
        book.address(QStringLiteral("member-1"));
        runTasks();
        QTest::qWait(int(PeerAddressBook::kRefreshMs) + 50);
        m_dns.insert(QStringLiteral("member-1"), {QHostAddress(QStringLiteral("10.0.0.9"))});
        // The old address answers this time; a lookup starts behind it.
        QCOMPARE(book.address(QStringLiteral("member-1")), QHostAddress(QStringLiteral("10.0.0.5")));
        QCOMPARE(m_tasks.size(), size_t(1));
        runTasks();
        QCOMPARE(book.address(QStringLiteral("member-1")), QHostAddress(QStringLiteral("10.0.0.9")));
    }

    // A name that does not resolve yet (its container not started, the DNS
    // stalled) is asked again every kRetryMs, with nobody asking for it.
    void anUnresolvedNameIsAskedAgainUntilItResolves()
    {
        PeerAddressBook book = makeBook();
        QVERIFY(!book.address(QStringLiteral("member-2")).has_value());
        runTasks();
        QCOMPARE(m_tasks.size(), size_t(1));
        QCOMPARE(m_delays, QList<qint64>{PeerAddressBook::kRetryMs});
        runTasks();
        QCOMPARE(m_tasks.size(), size_t(1)); // and again
        m_dns.insert(QStringLiteral("member-2"), {QHostAddress(QStringLiteral("10.0.0.7"))});
        runTasks();
        QVERIFY(m_tasks.empty());
        QCOMPARE(book.address(QStringLiteral("member-2")), QHostAddress(QStringLiteral("10.0.0.7")));
        QCOMPARE(m_lookups, 3);
    }

    // A lookup stuck on a DNS server that does not answer: after kRetryMs a
    // second may start beside it (not a third), and the stuck one's late
    // answer does not replace the newer one's.
    void aStuckLookupDoesNotBlockTheNextOne()
    {
        PeerAddressBook book = makeBook();
        m_dns.insert(QStringLiteral("member-1"), {QHostAddress(QStringLiteral("10.0.0.5"))});
        book.address(QStringLiteral("member-1"));
        runTasks();
        QTest::qWait(int(PeerAddressBook::kRetryMs) + 50);
        book.connectFailed(QStringLiteral("member-1"));
        QCOMPARE(m_tasks.size(), size_t(1));
        std::function<void()> stuck = std::move(m_tasks.front()); // answers later, with the old address
        m_tasks.clear();
        book.connectFailed(QStringLiteral("member-1"));
        QVERIFY(m_tasks.empty()); // within kRetryMs of the stuck one
        QTest::qWait(int(PeerAddressBook::kRetryMs) + 50);
        m_dns.insert(QStringLiteral("member-1"), {QHostAddress(QStringLiteral("10.0.0.9"))});
        book.connectFailed(QStringLiteral("member-1"));
        QCOMPARE(m_tasks.size(), size_t(1));
        runTasks();
        QCOMPARE(book.address(QStringLiteral("member-1")), QHostAddress(QStringLiteral("10.0.0.9")));
        QTest::qWait(int(PeerAddressBook::kRetryMs) + 50);
        book.connectFailed(QStringLiteral("member-1"));
        m_dns.insert(QStringLiteral("member-1"), {QHostAddress(QStringLiteral("10.0.0.5"))});
        stuck(); // the old lookup ends, late: its answer is older
        QCOMPARE(book.address(QStringLiteral("member-1")), QHostAddress(QStringLiteral("10.0.0.9")));
    }

    void ipv4IsPreferredAndLiteralsPassThrough()
    {
        PeerAddressBook book = makeBook();
        m_dns.insert(QStringLiteral("localhost"), {QHostAddress(QStringLiteral("::1")), QHostAddress(QStringLiteral("127.0.0.1"))});
        book.address(QStringLiteral("localhost"));
        runTasks();
        QCOMPARE(book.address(QStringLiteral("localhost")), QHostAddress(QStringLiteral("127.0.0.1")));
        QCOMPARE(book.address(QStringLiteral("127.0.0.7")), QHostAddress(QStringLiteral("127.0.0.7")));
        book.connectFailed(QStringLiteral("127.0.0.7"));
        QVERIFY(m_tasks.empty());
        QCOMPARE(m_lookups, 1);
    }
};

QTEST_GUILESS_MAIN(TestPeerAddressBook)
#include "tst_peeraddressbook.moc"
