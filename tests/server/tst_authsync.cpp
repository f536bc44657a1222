// AuthSync against a scripted AuthStore: a periodic load that was already
// on its way when this process changed the table itself (a key created
// through it) must not put the older table back.
#include <QTest>

#include "AuthStore.h"
#include "AuthSync.h"
#include "Authenticator.h"

namespace {

// Holds every load until the test answers it.
class HeldStore : public AuthStore
{
public:
    void load(Loaded done) override { pending.append(std::move(done)); }
    void store(const AuthTable &, const QString &, Stored done) override { done(Status::unavailable(QStringLiteral("not used"))); }
    void answer(const AuthTable &table, const QString &rev)
    {
        const Loaded done = pending.takeFirst();
        done(Snapshot{table, rev});
    }
    QList<Loaded> pending;
};

AuthTable tableWithKey(const QString &id)
{
    AuthTable table;
    AuthTable::Key key;
    key.id = id;
    key.name = id;
    key.roles = {QStringLiteral("reader")};
    key.secret = QStringLiteral("sha256$00");
    table.keys.insert(id, key);
    return table;
}

} // namespace

class TestAuthSync : public QObject
{
    Q_OBJECT

private slots:
    void aLoadOlderThanALocalChangeIsDropped()
    {
        HeldStore store;
        Authenticator authenticator("admin password");
        AuthSync sync(&store, &authenticator, 0);
        sync.start();
        QCOMPARE(store.pending.size(), 1);
        store.answer(tableWithKey(QStringLiteral("first")), QStringLiteral("1-a"));
        QCOMPARE(authenticator.revision(), QStringLiteral("1-a"));

        // A load starts; meanwhile this process stores a new key and sets
        // its table (as AuthApi does); the load then answers what it read
        // before that write.
        sync.start();
        QCOMPARE(store.pending.size(), 1);
        authenticator.setTable(tableWithKey(QStringLiteral("second")), QStringLiteral("2-b"));
        store.answer(tableWithKey(QStringLiteral("first")), QStringLiteral("1-a"));
        QCOMPARE(authenticator.revision(), QStringLiteral("2-b"));
        QVERIFY(authenticator.table().keys.contains(QStringLiteral("second")));

        // The next load is taken, whatever it holds (another router's
        // change, or the same table).
        sync.start();
        store.answer(tableWithKey(QStringLiteral("third")), QStringLiteral("3-c"));
        QCOMPARE(authenticator.revision(), QStringLiteral("3-c"));
        QVERIFY(authenticator.table().keys.contains(QStringLiteral("third")));
    }
};

QTEST_GUILESS_MAIN(TestAuthSync)
#include "tst_authsync.moc"
