// Fault injection against a real cluster: one shard of three members and a
// router, run by peacedb-cluster, and a second router beside it (each with
// its own view of who is primary), under a set workload (unique inserts)
// and a register workload (reads and compare-and-sets on a few documents),
// whose clients are spread over both routers — every register document is
// used through both, so a read through one router right after a write
// acknowledged through the other must see it — while nemeses kill, pause
// and cut off its processes:
//   kill-primary, kill-replica   SIGKILL, then a restart through the launcher
//   pause-primary, pause-replica SIGSTOP, then SIGCONT
//   kill-router                  SIGKILL of one router (which, the seed
//                                says), then a restart; the other serves on
//   isolate-primary              the primary cut off from the other members
//                                and from both routers
//   primary-minority             the primary cut off from the other members
//                                only: the routers still reach it
//   isolate-replica              a replica cut off from everyone
//   wipe-replica                 a lost disk: SIGKILL, the data directory
//                                deleted, a restart at once; the primary
//                                must reset the member (member-reset) and
//                                catch it up
//   disk-full-primary, disk-full-replica
//                                the member's pwrite calls (all SQLite
//                                writes) fail with ENOSPC (StorageFault,
//                                with fiu)
//   io-error-primary, io-error-replica
//                                the member's fsync and fdatasync calls
//                                fail with EIO
// A member whose storage failed refuses appends and votes until it is
// restarted, so a storage fault must show as the member's storageFailure;
// it is healed by ending the fault, then SIGKILL and a restart through the
// launcher. A kill, pause or storage fault lasts a random 0.5-4 s
// (uniform): shorter than a failover, or ending right around the election
// and the new primary's first writes, or long after — the moments where a
// primary's term changes under its clients. A partition lasts 4 s. Each
// fault is healed and the cluster must become healthy again, the second
// router naming the same primary as the first (after a wipe or a storage
// fault also the member back InSync and a voter). At the end:
// every acknowledged insert is present, every register history is
// linearizable, no two members were primary in one term; the write outage
// after each fault is printed (through either router, and through each).
// A failing run keeps every process's log and prints where.
// PEACEDB_FAULTS_SEED=N repeats a run's random choices (each run prints its
// seed).
//
// killsAndPauses(), primaryFaultsUnderLoad() (the primary paused or killed
// again and again under inserts and compare-and-sets: what exposed an
// acknowledged write lost and a stale read after a failover),
// partitions() (root only: nftables and cgroups; skipped otherwise),
// storageFaults() (needs fiu-utils) and conflictWithUncommittedWrite() (a
// deterministic scenario of what the register check found) are the bounded
// CI selection; soak() runs random faults for PEACEDB_FAULTS_SOAK_SECONDS
// seconds (with partitions and storage faults when it can) and is skipped
// without it.
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <algorithm>
#include <memory>
#include <optional>

#include "ClusterProcesses.h"
#include "LinearizabilityChecker.h"
#include "NetworkPartition.h"
#include "PromotionLog.h"
#include "RegisterWorkload.h"
#include "RouterProcess.h"
#include "SetWorkload.h"
#include "StorageFault.h"
#include "TestHttpClient.h"

namespace {

constexpr int kMembers = 3;
constexpr int kHealthyTimeoutMs = 60000;
// How long after its hold a storage fault may take to show as the member's
// storageFailure (it shows at the member's next commit).
constexpr int kStorageFailureTimeoutMs = 5000;
constexpr int kPartitionMs = 4000;
// How long a kill or a pause lasts: uniform over this range.
constexpr int kShortestFaultMs = 500;
constexpr int kLongestFaultMs = 4000;
const QByteArray kDatabase = QByteArrayLiteral("faults");
const QString kSetPrefix = QStringLiteral("set-");
const QString kProbePrefix = QStringLiteral("probe-");
// The launcher's router and the one FaultRun starts beside it.
const QString kRouter = QStringLiteral("router");
const QString kSecondRouter = QStringLiteral("router-b");
// primaryFaultsUnderLoad(): rounds of pausing (2 of 3) or killing the primary.
constexpr int kPrimaryFaultRounds = 45;

enum class Nemesis {
    KillPrimary,
    KillReplica,
    PausePrimary,
    PauseReplica,
    KillRouter,
    IsolatePrimary,
    PrimaryMinority,
    IsolateReplica,
    WipeReplica,
    DiskFullPrimary,
    DiskFullReplica,
    IoErrorPrimary,
    IoErrorReplica,
    // Membership changes under load (peacedb-cluster add-member /
    // remove-member): a new member joins, catches up and becomes a voter,
    // then a replica (or the primary, handed off first) leaves; or the
    // primary is killed right after the new member was added.
    ReplaceReplica,
    ReplacePrimary,
    ReplaceKillPrimary
};

QString nemesisName(Nemesis nemesis)
{
    switch (nemesis) {
    case Nemesis::KillPrimary: return QStringLiteral("kill-primary");
    case Nemesis::KillReplica: return QStringLiteral("kill-replica");
    case Nemesis::PausePrimary: return QStringLiteral("pause-primary");
    case Nemesis::PauseReplica: return QStringLiteral("pause-replica");
    case Nemesis::KillRouter: return QStringLiteral("kill-router");
    case Nemesis::IsolatePrimary: return QStringLiteral("isolate-primary");
    case Nemesis::PrimaryMinority: return QStringLiteral("primary-minority");
    case Nemesis::IsolateReplica: return QStringLiteral("isolate-replica");
    case Nemesis::WipeReplica: return QStringLiteral("wipe-replica");
    case Nemesis::DiskFullPrimary: return QStringLiteral("disk-full-primary");
    case Nemesis::DiskFullReplica: return QStringLiteral("disk-full-replica");
    case Nemesis::IoErrorPrimary: return QStringLiteral("io-error-primary");
    case Nemesis::IoErrorReplica: return QStringLiteral("io-error-replica");
    case Nemesis::ReplaceReplica: return QStringLiteral("replace-replica");
    case Nemesis::ReplacePrimary: return QStringLiteral("replace-primary");
    case Nemesis::ReplaceKillPrimary: return QStringLiteral("replace-kill-primary");
    }
    return {};
}

// The storage fault a nemesis injects with fiu, if it is one of those.
std::optional<StorageFault::Kind> storageFaultOf(Nemesis nemesis)
{
    switch (nemesis) {
    case Nemesis::DiskFullPrimary:
    case Nemesis::DiskFullReplica: return StorageFault::Kind::DiskFull;
    case Nemesis::IoErrorPrimary:
    case Nemesis::IoErrorReplica: return StorageFault::Kind::IoError;
    default: return std::nullopt;
    }
}

struct Round
{
    Nemesis nemesis = Nemesis::KillPrimary;
    QString target;
    qint64 startUs = 0;
    qint64 healUs = 0;
    // A storage fault: the target's storageFailure; a wipe: the member-reset
    // recorded.
    QString detail;
};

// The set's members as the cluster starts.
QStringList firstMembers()
{
    QStringList names;
    for (int member = 0; member < kMembers; ++member)
        names << ClusterProcesses::nodeName(0, member);
    return names;
}

// The run's random choices: seeded from PEACEDB_FAULTS_SEED, or from the
// clock (printed, so a failing run can be repeated).
QRandomGenerator &faultRandom()
{
    static QRandomGenerator generator = [] {
        const quint32 seed = qEnvironmentVariableIsSet("PEACEDB_FAULTS_SEED")
            ? quint32(qEnvironmentVariableIntValue("PEACEDB_FAULTS_SEED"))
            : quint32(QDateTime::currentMSecsSinceEpoch());
        qInfo("fault seed %u (PEACEDB_FAULTS_SEED=%u repeats it)", seed, seed);
        return QRandomGenerator(seed);
    }();
    return generator;
}

// One run: a cluster, its workloads, the faults applied and what was seen.
class FaultRun
{
public:
    // `storageFaults`: every process runs under StorageFault's wrapper.
    // `secured`: TLS between every pair of processes (up --tls) and
    // authentication required, the workloads signing in as the admin.
    FaultRun(bool partitions, bool storageFaults, const QElapsedTimer &clock, bool secured = false)
        : m_partitions(partitions)
        , m_clock(clock)
        , m_storage(storageFaults ? std::make_unique<StorageFault>() : nullptr)
        , m_cluster(options(partitions, m_storage.get(), secured))
    {
    }

    static ClusterProcesses::Options options(bool partitions, const StorageFault *storage, bool secured)
    {
        ClusterProcesses::Options options;
        options.shards = 1;
        options.replicas = kMembers - 1;
        options.environment = {QStringLiteral("PEACEDB_SHARDING_REPLICATION_WRITE_TIMEOUT_MS=2000")};
        options.bindAddresses = partitions;
        options.launcherWrapper = storage ? storage->wrapper() : QStringList();
        options.authentication = secured;
        options.tls = secured;
        options.signInAsAdmin = secured;
        return options;
    }

    ClusterProcesses &cluster() { return m_cluster; }
    PromotionLog &promotions() { return m_promotions; }
    QStringList &problems() { return m_problems; }

    bool start(QString *error)
    {
        if (!m_cluster.start()) {
            *error = m_cluster.error();
            return false;
        }
        if (!m_cluster.waitForHealthy(kHealthyTimeoutMs)) {
            *error = QStringLiteral("the cluster did not become healthy:\n") + m_cluster.describe();
            return false;
        }
        const TestHttpResponse created = m_cluster.router("PUT", "/v1/db/" + kDatabase);
        if (created.status != 200 && created.status != 201) {
            *error = QStringLiteral("PUT /v1/db/faults: %1 %2").arg(created.status).arg(QString::fromUtf8(created.body));
            return false;
        }
        m_secondRouter = std::make_unique<RouterProcess>(m_cluster, m_storage ? m_storage->wrapper() : QStringList());
        if (!m_secondRouter->start(error))
            return false;
        if (m_partitions) {
            m_partition = std::make_unique<NetworkPartition>();
            if (!m_partition->setUp(error))
                return false;
            const QStringList names = m_cluster.processNames() << kSecondRouter;
            for (const QString &name : names) {
                if (!adopt(name, error))
                    return false;
            }
        }
        return true;
    }

    QStringList routers() const { return {kRouter, kSecondRouter}; }
    // The routers' ports, in the order of routers().
    QList<quint16> routerPorts() const { return {m_cluster.routerPort(), m_secondRouter->port()}; }

    bool adopt(const QString &name, QString *error)
    {
        if (!m_partition)
            return true;
        if (name == kSecondRouter)
            return m_partition->adopt(name, m_secondRouter->pid(), QStringLiteral("127.0.0.1"), m_secondRouter->port(), error);
        return m_partition->adopt(name, m_cluster.pid(name), m_cluster.host(name), m_cluster.port(name), error);
    }

    // SIGKILL of a process of the cluster or of the second router.
    void kill(const QString &name)
    {
        if (name == kSecondRouter)
            m_secondRouter->kill();
        else
            m_cluster.kill(name);
    }

    // Starts a killed process again and waits until it answers.
    bool restart(const QString &name, QString *error)
    {
        const bool started = name == kSecondRouter ? m_secondRouter->start(error) : m_cluster.startProcess(name, error);
        return started && adopt(name, error);
    }

    // The members of the set now (membership nemeses change them), and every
    // member it ever had (their events and logs are checked too).
    QStringList members() const { return m_members; }
    QStringList everyMember() const { return m_everyMember; }

    void pollPromotions()
    {
        for (const QString &member : everyMember()) {
            if (!m_members.contains(member))
                continue; // removed, and stopped: its log is read at the end
            const TestHttpResponse state = m_cluster.request(member, "GET", "/v1/_replication/state", {}, 2000);
            if (state.status == 200)
                m_promotions.addEvents(member, state.json().value(QStringLiteral("events")).toArray());
        }
    }

    // Applies one fault, holds it, heals it and waits for a healthy cluster.
    Round apply(Nemesis nemesis)
    {
        Round round;
        round.nemesis = nemesis;
        const int primary = m_cluster.primaryOf(0);
        const QString primaryName = primary < 0 ? m_members.first() : ClusterProcesses::nodeName(0, primary);
        QStringList replicas = m_members;
        replicas.removeAll(primaryName);
        const QString replicaName = replicas.at(int(faultRandom().bounded(int(replicas.size()))));
        const int faultMs = kShortestFaultMs + int(faultRandom().bounded(kLongestFaultMs - kShortestFaultMs + 1));
        QStringList others = members();
        QString error;
        qint64 wipedAtMs = 0;
        switch (nemesis) {
        case Nemesis::KillPrimary:
        case Nemesis::KillReplica:
        case Nemesis::KillRouter:
            round.target = nemesis == Nemesis::KillPrimary ? primaryName
                           : nemesis == Nemesis::KillReplica ? replicaName
                                                             : routers().at(int(faultRandom().bounded(int(routers().size()))));
            kill(round.target);
            round.startUs = m_clock.nsecsElapsed() / 1000;
            m_cluster.sleep(faultMs);
            round.healUs = m_clock.nsecsElapsed() / 1000;
            if (!restart(round.target, &error))
                m_problems << error;
            break;
        case Nemesis::PausePrimary:
        case Nemesis::PauseReplica:
            round.target = nemesis == Nemesis::PausePrimary ? primaryName : replicaName;
            m_cluster.pause(round.target);
            round.startUs = m_clock.nsecsElapsed() / 1000;
            m_cluster.sleep(faultMs);
            round.healUs = m_clock.nsecsElapsed() / 1000;
            m_cluster.resume(round.target);
            break;
        case Nemesis::IsolatePrimary:
        case Nemesis::PrimaryMinority:
        case Nemesis::IsolateReplica:
            round.target = nemesis == Nemesis::IsolateReplica ? replicaName : primaryName;
            others.removeAll(round.target);
            if (nemesis != Nemesis::PrimaryMinority)
                others << routers();
            if (!m_partition->cut({round.target}, others, &error))
                m_problems << error;
            round.startUs = m_clock.nsecsElapsed() / 1000;
            m_cluster.sleep(kPartitionMs);
            round.healUs = m_clock.nsecsElapsed() / 1000;
            if (!m_partition->heal(&error))
                m_problems << error;
            break;
        case Nemesis::WipeReplica:
            round.target = replicaName;
            m_cluster.kill(round.target);
            round.startUs = m_clock.nsecsElapsed() / 1000;
            wipedAtMs = QDateTime::currentMSecsSinceEpoch();
            if (!QDir(m_cluster.dataDir(round.target)).removeRecursively())
                m_problems << QStringLiteral("cannot delete %1").arg(m_cluster.dataDir(round.target));
            round.healUs = m_clock.nsecsElapsed() / 1000;
            if (!restart(round.target, &error))
                m_problems << error;
            break;
        case Nemesis::DiskFullPrimary:
        case Nemesis::DiskFullReplica:
        case Nemesis::IoErrorPrimary:
        case Nemesis::IoErrorReplica: {
            const StorageFault::Kind kind = *storageFaultOf(nemesis);
            round.target = nemesis == Nemesis::DiskFullPrimary || nemesis == Nemesis::IoErrorPrimary ? primaryName : replicaName;
            const qint64 pid = m_cluster.pid(round.target);
            if (!m_storage->inject(pid, kind, &error))
                m_problems << error;
            round.startUs = m_clock.nsecsElapsed() / 1000;
            m_cluster.sleep(faultMs);
            // The fault must have taken: a member whose storage failed says so.
            m_cluster.waitUntil([&] { return !(round.detail = storageFailure(round.target)).isEmpty(); },
                                kStorageFailureTimeoutMs);
            if (round.detail.isEmpty())
                m_problems << QStringLiteral("%1 %2: no storage failure %3 ms after the fault (%4) was injected")
                                  .arg(nemesisName(nemesis), round.target)
                                  .arg(faultMs + kStorageFailureTimeoutMs)
                                  .arg(StorageFault::kindName(kind));
            if (!m_storage->clear(pid, kind, &error))
                m_problems << error;
            round.healUs = m_clock.nsecsElapsed() / 1000;
            // It refuses appends and votes until restarted.
            m_cluster.kill(round.target);
            if (!restart(round.target, &error))
                m_problems << error;
            break;
        }
        case Nemesis::ReplaceReplica:
        case Nemesis::ReplacePrimary:
        case Nemesis::ReplaceKillPrimary:
            round.target = nemesis == Nemesis::ReplaceReplica ? replicaName : primaryName;
            round.startUs = m_clock.nsecsElapsed() / 1000;
            replace(nemesis, round.target, faultMs, &round.detail);
            round.healUs = m_clock.nsecsElapsed() / 1000;
            break;
        }
        if (!m_cluster.waitForHealthy(kHealthyTimeoutMs))
            m_problems << QStringLiteral("%1 %2: not healthy %3 s after the fault was healed:\n%4")
                              .arg(nemesisName(nemesis), round.target)
                              .arg(kHealthyTimeoutMs / 1000)
                              .arg(m_cluster.describe());
        else if (!waitForSecondRouter(kHealthyTimeoutMs))
            m_problems << QStringLiteral("%1 %2: %3 s after the fault was healed, %4 names primary %5, %6 names %7:\n%8")
                              .arg(nemesisName(nemesis), round.target)
                              .arg(kHealthyTimeoutMs / 1000)
                              .arg(kSecondRouter)
                              .arg(m_cluster.primaryOf(0, m_secondRouter->port(), 5000))
                              .arg(kRouter)
                              .arg(m_cluster.primaryOf(0))
                              .arg(m_cluster.describe());
        const bool mustCatchUp = nemesis == Nemesis::WipeReplica || storageFaultOf(nemesis);
        if (mustCatchUp && !waitForInSync(round.target, kHealthyTimeoutMs))
            m_problems << QStringLiteral("%1 %2: not InSync and a voter %3 s after the fault was healed: %4\n%5"
                                        "the end of its log:\n%6")
                              .arg(nemesisName(nemesis), round.target)
                              .arg(kHealthyTimeoutMs / 1000)
                              .arg(QString::fromUtf8(QJsonDocument(memberStatus(round.target)).toJson(QJsonDocument::Compact)),
                                   m_cluster.describe(), m_cluster.log(round.target, 3000));
        pollPromotions();
        if (nemesis == Nemesis::WipeReplica) {
            round.detail = memberReset(round.target, wipedAtMs);
            if (round.detail.isEmpty())
                m_problems << QStringLiteral("wipe-replica %1: no member recorded a member-reset of it").arg(round.target);
        }
        return round;
    }

    // A membership nemesis: adds a member (the launcher starts it), waits
    // until it is a voter, removes `leaving` (the primary hands off first)
    // and waits until it is gone. ReplaceKillPrimary kills the primary right
    // after the new member was added and restarts it after `faultMs`.
    void replace(Nemesis nemesis, const QString &leaving, int faultMs, QString *detail)
    {
        QString error;
        QString joined;
        if (!m_cluster.addMember(0, &joined, &error)) {
            m_problems << QStringLiteral("%1: %2").arg(nemesisName(nemesis), error);
            return;
        }
        m_members << joined;
        m_everyMember << joined;
        if (!adopt(joined, &error))
            m_problems << error;
        *detail = QStringLiteral("%1 joined").arg(joined);
        if (nemesis == Nemesis::ReplaceKillPrimary) {
            kill(leaving);
            m_cluster.sleep(faultMs);
            if (!restart(leaving, &error))
                m_problems << error;
            if (!m_cluster.waitForHealthy(kHealthyTimeoutMs))
                m_problems << QStringLiteral("%1: not healthy after the primary was killed mid-change:\n%2")
                                  .arg(nemesisName(nemesis), m_cluster.describe());
        }
        const bool voter = m_cluster.waitUntil(
            [&] {
                const QJsonObject info = memberStatus(joined);
                return !info.isEmpty() && !info.value(QStringLiteral("learner")).toBool(true);
            },
            kHealthyTimeoutMs);
        if (!voter) {
            m_problems << QStringLiteral("%1: %2 is no voter %3 s after it joined:\n%4")
                              .arg(nemesisName(nemesis), joined)
                              .arg(kHealthyTimeoutMs / 1000)
                              .arg(m_cluster.describe());
            return;
        }
        // The leaving member's log, read before its process is gone.
        m_logs.insert(leaving, m_cluster.log(leaving, 64 * 1024 * 1024));
        if (!m_cluster.removeMember(leaving, &error)) {
            m_problems << QStringLiteral("%1: %2").arg(nemesisName(nemesis), error);
            return;
        }
        m_members.removeAll(leaving);
        *detail += QStringLiteral(", %1 left").arg(leaving);
    }

    // A removed member's log (kept when it left); empty for others.
    QString keptLog(const QString &member) const { return m_logs.value(member); }

    // Waits until the second router names as serving primary the member the
    // first one names (-1 from either: not yet).
    bool waitForSecondRouter(int timeoutMs)
    {
        return m_cluster.waitUntil(
            [this] {
                m_secondRouter->drainOutput();
                const int primary = m_cluster.primaryOf(0, m_secondRouter->port(), 2000);
                return primary >= 0 && primary == m_cluster.primaryOf(0);
            },
            timeoutMs);
    }

    // Copies every process's log, the second router's output and the
    // launcher's to a new directory that outlives the run; returns its path.
    QString keepLogs()
    {
        const QDir kept(QDir::temp().filePath(QStringLiteral("peacedb-faults-%1-%2")
                                                  .arg(QCoreApplication::applicationPid())
                                                  .arg(QDateTime::currentMSecsSinceEpoch())));
        QDir().mkpath(kept.path());
        const QDir logs(QDir(m_cluster.directory()).filePath(QStringLiteral("logs")));
        for (const QString &file : logs.entryList(QDir::Files))
            QFile::copy(logs.filePath(file), kept.filePath(file));
        const QList<QPair<QString, QString>> outputs{{kSecondRouter + QStringLiteral(".log"), m_secondRouter->output()},
                                                     {QStringLiteral("launcher.log"), m_cluster.output()}};
        for (const auto &[name, text] : outputs) {
            QFile file(kept.filePath(name));
            if (file.open(QIODevice::WriteOnly))
                file.write(text.toUtf8());
        }
        return kept.path();
    }

    // The member's storageFailure (empty while its storage works or when it
    // does not answer).
    QString storageFailure(const QString &member)
    {
        const TestHttpResponse state = m_cluster.request(member, "GET", "/v1/_replication/state", {}, 2000);
        return state.status == 200 ? state.json().value(QStringLiteral("storageFailure")).toString() : QString();
    }

    // What the router reports of `member`; empty if it did not answer.
    QJsonObject memberStatus(const QString &member)
    {
        const QJsonArray shards = m_cluster.status().value(QStringLiteral("shards")).toArray();
        for (const QJsonValue &value : shards.at(0).toObject().value(QStringLiteral("members")).toArray()) {
            if (value.toObject().value(QStringLiteral("name")).toString() == member)
                return value.toObject();
        }
        return {};
    }

    // Waits until the router reports `member` InSync (in the primary's
    // view) and a voter.
    bool waitForInSync(const QString &member, int timeoutMs)
    {
        return m_cluster.waitUntil(
            [&] {
                const QJsonObject info = memberStatus(member);
                return info.value(QStringLiteral("state")).toString() == QLatin1String("InSync")
                       && info.value(QStringLiteral("voter")).toBool();
            },
            timeoutMs);
    }

    // The detail of a member-reset event of `member` recorded since
    // `sinceMs` (wall clock) by any member; empty if there is none.
    QString memberReset(const QString &member, qint64 sinceMs)
    {
        const int index = member.mid(member.lastIndexOf(QLatin1String("node")) + 4).toInt();
        for (const QString &recorder : members()) {
            const TestHttpResponse state = m_cluster.request(recorder, "GET", "/v1/_replication/state", {}, 2000);
            for (const QJsonValue &value : state.json().value(QStringLiteral("events")).toArray()) {
                const QJsonObject event = value.toObject();
                if (event.value(QStringLiteral("kind")).toString() == QLatin1String("member-reset")
                    && event.value(QStringLiteral("peer")).toInt(-1) == index
                    && event.value(QStringLiteral("timeMs")).toInteger() >= sinceMs)
                    return QStringLiteral("%1: %2").arg(recorder, event.value(QStringLiteral("detail")).toString());
            }
        }
        return {};
    }

    // Every id with `prefix` the router lists; false if it did not answer.
    bool presentIds(const QString &prefix, QSet<QString> *ids, QString *error)
    {
        QString after;
        while (true) {
            QByteArray path = "/v1/db/" + kDatabase + "/_all_docs?limit=1000&includeDeleted=false";
            if (!after.isEmpty())
                path += "&after=" + TestHttpClient::encode(after);
            TestHttpResponse page;
            m_cluster.waitUntil([&] { return (page = m_cluster.router("GET", path, {}, 10000)).status == 200; }, 30000);
            if (page.status != 200) {
                *error = QStringLiteral("_all_docs: %1 %2").arg(page.status).arg(QString::fromUtf8(page.body.left(300)));
                return false;
            }
            const QJsonArray items = page.json().value(QStringLiteral("items")).toArray();
            if (items.isEmpty())
                return true;
            for (const QJsonValue &item : items) {
                after = item.toObject().value(QStringLiteral("id")).toString();
                if (after.startsWith(prefix))
                    ids->insert(after);
            }
        }
    }

private:
    bool m_partitions;
    const QElapsedTimer &m_clock;
    // Before the cluster: its control FIFOs outlive the processes.
    std::unique_ptr<StorageFault> m_storage;
    ClusterProcesses m_cluster;
    std::unique_ptr<RouterProcess> m_secondRouter;
    std::unique_ptr<NetworkPartition> m_partition;
    PromotionLog m_promotions;
    QStringList m_problems;
    QStringList m_members = firstMembers();
    QStringList m_everyMember = m_members;
    QHash<QString, QString> m_logs; // removed members' logs
};

// Every failed check, repeated at the very end of the output: a failure in
// the middle of several minutes of round logs is easy to miss, and a CI log
// that keeps only the head and the tail would drop it.
QStringList &failedChecks()
{
    static QStringList checks;
    return checks;
}

} // namespace

// QVERIFY2 that also records the failure for cleanupTestCase().
#define FAULTS_VERIFY(condition, message)                                                                              \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            failedChecks() << QStringLiteral("%1: %2").arg(QLatin1String(QTest::currentTestFunction()), QString(message)); \
            QFAIL(qPrintable(QString(message)));                                                                       \
        }                                                                                                              \
    } while (false)

class TestFaults : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // The seed is read (and printed) now; the cluster's processes
        // inherit this environment and refuse PEACEDB_* variables they do
        // not know.
        faultRandom();
        qunsetenv("PEACEDB_FAULTS_SEED");
        if (NetworkPartition::unavailableReason().isEmpty())
            NetworkPartition::removeLeftovers();
    }

    void cleanupTestCase()
    {
        // Each run removes its own table and cgroups when it ends, failed or
        // not; this removes those of test processes that were killed.
        if (NetworkPartition::unavailableReason().isEmpty())
            NetworkPartition::removeLeftovers();
        for (const QString &check : failedChecks())
            qWarning("FAILED %s", qPrintable(check));
    }

    void killsAndPauses()
    {
        run({Nemesis::KillPrimary, Nemesis::PausePrimary, Nemesis::KillReplica, Nemesis::PauseReplica,
             Nemesis::KillRouter, Nemesis::KillPrimary},
            false, 0);
    }

    // The primary paused or killed, round after round, under inserts (4
    // clients) and compare-and-sets (6 clients): each pause or kill ends at
    // a random moment before, during or after the failover.
    void primaryFaultsUnderLoad()
    {
        QList<Nemesis> schedule;
        for (int round = 0; round < kPrimaryFaultRounds; ++round)
            schedule << (round % 3 == 2 ? Nemesis::KillPrimary : Nemesis::PausePrimary);
        run(schedule, false, 0, Load::Heavy);
    }

    // Once with TLS between every pair of processes and authentication on:
    // the same checks, through both routers.
    void killsAndPausesSecured()
    {
        run({Nemesis::KillPrimary, Nemesis::PausePrimary, Nemesis::KillRouter, Nemesis::KillReplica, Nemesis::KillPrimary}, false, 0,
            Load::Normal, true);
    }

    void partitions()
    {
        const QString reason = NetworkPartition::unavailableReason();
        if (!reason.isEmpty())
            QSKIP(qPrintable(QStringLiteral("partition nemeses skipped: %1").arg(reason)));
        run({Nemesis::IsolatePrimary, Nemesis::PrimaryMinority, Nemesis::IsolateReplica, Nemesis::IsolatePrimary}, true, 0);
    }

    // Members replaced under load: a replica, the primary (handed off
    // first), and one change with the primary killed right after the new
    // member joined; the set ends with none of its first members.
    void membershipChanges()
    {
        run({Nemesis::ReplaceReplica, Nemesis::ReplaceKillPrimary, Nemesis::ReplacePrimary, Nemesis::KillPrimary,
             Nemesis::ReplaceReplica},
            false, 0);
    }

    // Each storage nemesis twice, and a kill of the primary between them.
    void storageFaults()
    {
        const QString reason = StorageFault::unavailableReason();
        if (!reason.isEmpty())
            QFAIL(qPrintable(reason));
        run({Nemesis::DiskFullReplica, Nemesis::IoErrorPrimary, Nemesis::WipeReplica, Nemesis::DiskFullPrimary,
             Nemesis::IoErrorReplica, Nemesis::KillPrimary, Nemesis::WipeReplica, Nemesis::IoErrorReplica,
             Nemesis::DiskFullPrimary, Nemesis::IoErrorPrimary, Nemesis::DiskFullReplica},
            false, 0);
    }

    // The scenario behind the register anomalies, step by step: a
    // compare-and-set refused (409) because of a write that is only pending.
    // Both replicas are paused, so write A (v0 -> v1) waits for its quorum;
    // write B from the same revision comes while A is undecided, then a read.
    // If B is refused, the register changed before B ended, so a later read
    // cannot return v0 — whatever becomes of A.
    void conflictWithUncommittedWrite()
    {
        using Operation = LinearizabilityChecker::Operation;
        QElapsedTimer clock;
        clock.start();
        FaultRun faults(false, false, clock);
        QString error;
        FAULTS_VERIFY(faults.start(&error), error);
        ClusterProcesses &cluster = faults.cluster();
        const QByteArray path = "/v1/db/" + kDatabase + "/docs/pending";
        auto now = [&clock] { return clock.nsecsElapsed() / 1000; };

        QList<Operation> history;
        Operation create{Operation::Kind::Write, Operation::Outcome::Ok, 0, LinearizabilityChecker::kAbsent, now(), 0, 0};
        const TestHttpResponse created = cluster.router("PUT", path, "{\"data\":{\"v\":0}}");
        create.completedAt = now();
        QCOMPARE(created.status, 200);
        history << create;
        const QByteArray rev = created.json().value(QStringLiteral("rev")).toString().toUtf8();

        const int primary = cluster.primaryOf(0);
        QVERIFY(primary >= 0);
        QStringList replicas = faults.members();
        replicas.removeAll(ClusterProcesses::nodeName(0, primary));
        for (const QString &replica : replicas)
            cluster.pause(replica);

        TestHttpClient writerA(cluster.routerPort());
        Operation writeA{Operation::Kind::CompareAndSet, Operation::Outcome::Unknown, 1, 0, now(), 0, 1};
        QVERIFY(writerA.send(writerA.requestBytes("PUT", path, "{\"rev\":\"" + rev + "\",\"data\":{\"v\":1}}"), &error));
        cluster.sleep(100);
        Operation writeB{Operation::Kind::CompareAndSet, Operation::Outcome::Unknown, 2, 0, now(), 0, 2};
        const TestHttpResponse answerB = cluster.router("PUT", path, "{\"rev\":\"" + rev + "\",\"data\":{\"v\":2}}", 10000);
        writeB.completedAt = now();
        writeB.outcome = answerB.status == 200   ? Operation::Outcome::Ok
                         : answerB.status == 409 ? Operation::Outcome::Failed
                                                 : Operation::Outcome::Unknown;
        cluster.sleep(10); // the read starts strictly after B ended
        Operation read{Operation::Kind::Read, Operation::Outcome::Unknown, LinearizabilityChecker::kAbsent,
                       LinearizabilityChecker::kAbsent, now(), 0, 3};
        const TestHttpResponse answerRead = cluster.router("GET", path, {}, 10000);
        read.completedAt = now();
        if (answerRead.status == 200) {
            read.outcome = Operation::Outcome::Ok;
            read.value = answerRead.json().value(QStringLiteral("data")).toObject().value(QStringLiteral("v")).toInteger();
        }

        for (const QString &replica : replicas)
            cluster.resume(replica);
        const TestHttpResponse answerA = writerA.receive(false, 10000);
        writeA.outcome = answerA.status == 200 ? Operation::Outcome::Ok : Operation::Outcome::Unknown;
        writeA.completedAt = now();
        history << writeA << writeB << read;
        qInfo("write A: %d; write B: %d %s; read: %d %s", answerA.status, answerB.status, answerB.body.constData(),
              answerRead.status, answerRead.body.constData());
        const LinearizabilityChecker::Result result = LinearizabilityChecker().check(history);
        FAULTS_VERIFY(result.ok(), result.report());
    }

    void soak()
    {
        const int seconds = qEnvironmentVariableIntValue("PEACEDB_FAULTS_SOAK_SECONDS");
        if (seconds <= 0)
            QSKIP("set PEACEDB_FAULTS_SOAK_SECONDS to run random faults for that long");
        // The cluster's processes inherit this environment and refuse
        // PEACEDB_* variables they do not know.
        qunsetenv("PEACEDB_FAULTS_SOAK_SECONDS");
        const bool partitions = NetworkPartition::unavailableReason().isEmpty();
        QList<Nemesis> nemeses{Nemesis::KillPrimary, Nemesis::KillReplica, Nemesis::PausePrimary, Nemesis::PauseReplica,
                               Nemesis::KillRouter, Nemesis::WipeReplica, Nemesis::ReplaceReplica, Nemesis::ReplacePrimary,
                               Nemesis::ReplaceKillPrimary};
        if (partitions)
            nemeses << Nemesis::IsolatePrimary << Nemesis::PrimaryMinority << Nemesis::IsolateReplica;
        else
            qWarning("soak without partitions: %s", qPrintable(NetworkPartition::unavailableReason()));
        if (StorageFault::unavailableReason().isEmpty())
            nemeses << Nemesis::DiskFullPrimary << Nemesis::DiskFullReplica << Nemesis::IoErrorPrimary << Nemesis::IoErrorReplica;
        else
            qWarning("soak without disk-full and io-error: %s", qPrintable(StorageFault::unavailableReason()));
        run(nemeses, partitions, qint64(seconds) * 1000);
    }

private:
    enum class Load { Normal, Heavy };

    // Runs `schedule` once in order or, with soakMs, random picks from it
    // until soakMs has passed; then checks everything. The cluster runs
    // under StorageFault's wrapper when the schedule has a storage fault.
    void run(const QList<Nemesis> &schedule, bool partitions, qint64 soakMs, Load load = Load::Normal, bool secured = false)
    {
        const int inserters = load == Load::Heavy ? 4 : 2;
        const int registerClients = load == Load::Heavy ? 6 : 3;
        const bool storageFaults =
            std::any_of(schedule.cbegin(), schedule.cend(), [](Nemesis nemesis) { return storageFaultOf(nemesis).has_value(); });
        QElapsedTimer clock;
        clock.start();
        FaultRun faults(partitions, storageFaults, clock, secured);
        QString error;
        FAULTS_VERIFY(faults.start(&error), error);
        ClusterProcesses &cluster = faults.cluster();

        const QList<quint16> ports = faults.routerPorts();
        SetWorkload inserts(ports, kDatabase, kSetPrefix, inserters, clock);
        // Short timeouts: measures when writes are accepted again (one
        // client per router).
        SetWorkload probe(ports, kDatabase, kProbePrefix, 2, clock, 20, 500);
        RegisterWorkload registers(ports, kDatabase, registerClients, 3, clock);
        FAULTS_VERIFY(registers.nextGeneration(&error), error);
        faults.pollPromotions();
        inserts.start();
        probe.start();
        registers.start();
        cluster.sleep(2000);

        QList<Round> rounds;
        QElapsedTimer soak;
        soak.start();
        for (int index = 0; soakMs > 0 ? soak.elapsed() < soakMs : index < schedule.size(); ++index) {
            const Nemesis nemesis = soakMs > 0 ? schedule.at(int(faultRandom().bounded(int(schedule.size()))))
                                               : schedule.at(index);
            const Round round = faults.apply(nemesis);
            rounds << round;
            qInfo("round %d: %s %s from %lld to %lld us (healed after %lld ms)%s", int(rounds.size()),
                  qPrintable(nemesisName(nemesis)), qPrintable(round.target), round.startUs, round.healUs,
                  (round.healUs - round.startUs) / 1000, qPrintable(round.detail.isEmpty() ? QString() : QStringLiteral("; ") + round.detail));
            // New register documents for the next round keep each history short.
            if (!registers.nextGeneration(&error))
                qInfo("register documents not renewed: %s", qPrintable(error));
            cluster.sleep(1000);
        }
        inserts.stop();
        probe.stop();
        registers.stop();
        if (!cluster.waitForHealthy(kHealthyTimeoutMs))
            faults.problems() << QStringLiteral("not healthy at the end:\n") + cluster.describe();

        // (a) Every acknowledged insert is present.
        QSet<QString> present;
        FAULTS_VERIFY(faults.presentIds(kSetPrefix, &present, &error), error);
        const SetWorkload::Verdict set = inserts.check(present);
        QSet<QString> probesPresent;
        FAULTS_VERIFY(faults.presentIds(kProbePrefix, &probesPresent, &error), error);
        const SetWorkload::Verdict probes = probe.check(probesPresent);

        // (b) Every register history is linearizable.
        const QMap<QString, QList<LinearizabilityChecker::Operation>> histories = registers.histories();
        QStringList nonLinearizable;
        int inconclusive = 0;
        int onlyConflictAnswers = 0;
        int operations = 0;
        for (auto it = histories.cbegin(); it != histories.cend(); ++it) {
            operations += int(it.value().size());
            const LinearizabilityChecker::Result result = LinearizabilityChecker().check(it.value());
            if (result.verdict == LinearizabilityChecker::Result::Verdict::NotLinearizable) {
                // Diagnosis: is a refused compare-and-set (409) the only
                // thing that cannot be placed?
                QList<LinearizabilityChecker::Operation> without409;
                for (const LinearizabilityChecker::Operation &operation : it.value()) {
                    if (operation.outcome != LinearizabilityChecker::Operation::Outcome::Failed)
                        without409 << operation;
                }
                const bool onlyConflicts = LinearizabilityChecker().check(without409).ok();
                onlyConflictAnswers += onlyConflicts ? 1 : 0;
                nonLinearizable << QStringLiteral("%1: %2  without its 409 answers the history is %3\n")
                                       .arg(it.key(), result.report(),
                                            onlyConflicts ? QStringLiteral("linearizable") : QStringLiteral("still NOT linearizable"));
            }
            inconclusive += result.verdict == LinearizabilityChecker::Result::Verdict::Inconclusive ? 1 : 0;
        }

        // (c) No two primaries in one term.
        faults.pollPromotions();
        for (const QString &member : faults.everyMember()) {
            const QString kept = faults.keptLog(member);
            faults.promotions().addLog(member, faults.members().contains(member) ? cluster.log(member, 64 * 1024 * 1024) : kept);
        }
        const QStringList twoPrimaries = faults.promotions().violations();

        // (d) The write outage after each fault.
        QMap<QString, int> roundsByNemesis;
        for (const Round &round : std::as_const(rounds))
            ++roundsByNemesis[nemesisName(round.nemesis)];
        QStringList faultCounts;
        for (auto it = roundsByNemesis.cbegin(); it != roundsByNemesis.cend(); ++it)
            faultCounts << QStringLiteral("%1 %2").arg(it.key()).arg(it.value());
        qInfo("fault-injection results (%s%s, %d rounds, %.0f s):", partitions ? "with partitions" : "without partitions",
              storageFaults ? ", with storage faults" : "", int(rounds.size()), double(clock.elapsed()) / 1000.0);
        qInfo("  faults: %s", qPrintable(faultCounts.join(QStringLiteral(", "))));
        QStringList clientsByRouter;
        for (int router = 0; router < ports.size(); ++router) {
            QStringList clients;
            for (int client = 0; client < registerClients; ++client) {
                if (registers.routerPort(client) == ports.at(router))
                    clients << QString::number(client);
            }
            clientsByRouter << QStringLiteral("%1 (port %2): register clients %3")
                                   .arg(faults.routers().at(router))
                                   .arg(ports.at(router))
                                   .arg(clients.join(QStringLiteral(", ")));
        }
        qInfo("  routers: %s", qPrintable(clientsByRouter.join(QStringLiteral("; "))));
        for (int index = 0; index < rounds.size(); ++index) {
            const Round &round = rounds.at(index);
            const auto outage = [&](quint16 port) {
                const qint64 back = probe.firstAcknowledgedAfter(round.startUs, port);
                return back < 0 ? QStringLiteral("none acknowledged") : QStringLiteral("%1 ms").arg((back - round.startUs) / 1000);
            };
            QStringList byRouter;
            for (int router = 0; router < ports.size(); ++router)
                byRouter << QStringLiteral("%1 %2").arg(faults.routers().at(router), outage(ports.at(router)));
            qInfo("  round %d %-16s %-14s write outage %s (%s)", index + 1, qPrintable(nemesisName(round.nemesis)),
                  qPrintable(round.target), qPrintable(outage(0)), qPrintable(byRouter.join(QStringLiteral(", "))));
        }
        qInfo("  set: %s", qPrintable(set.summary()));
        qInfo("  probe (500 ms timeout): %s", qPrintable(probes.summary()));
        qInfo("  register: %d operations on %d documents, %d histories not linearizable (%d of them only through "
              "409 answers), %d inconclusive",
              operations, int(histories.size()), int(nonLinearizable.size()), onlyConflictAnswers, inconclusive);
        qInfo("  primaries: %s", qPrintable(faults.promotions().describe()));

        for (const QString &report : nonLinearizable)
            qWarning("%s", qPrintable(report));
        for (const QString &answer : registers.unexpectedAnswers())
            qWarning("unexpected register answer: %s", qPrintable(answer));
        const QStringList lost = set.lost + probes.lost;
        const QStringList unexpected = set.unexpected + probes.unexpected;
        if (!faults.problems().isEmpty() || !lost.isEmpty() || !unexpected.isEmpty() || !nonLinearizable.isEmpty()
            || !twoPrimaries.isEmpty())
            qWarning("every process's log is kept in %s", qPrintable(faults.keepLogs()));
        FAULTS_VERIFY(faults.problems().isEmpty(), faults.problems().join(QLatin1Char('\n')));
        FAULTS_VERIFY(lost.isEmpty(), QStringLiteral("%1 acknowledged inserts lost, e.g. %2")
                                                .arg(lost.size())
                                                .arg(lost.mid(0, 20).join(QStringLiteral(", "))));
        FAULTS_VERIFY(unexpected.isEmpty(), QStringLiteral("documents never inserted: %1").arg(unexpected.mid(0, 20).join(QStringLiteral(", "))));
        FAULTS_VERIFY(nonLinearizable.isEmpty(), QStringLiteral("%1 register histories not linearizable (reports above)").arg(nonLinearizable.size()));
        FAULTS_VERIFY(twoPrimaries.isEmpty(), QStringLiteral("two primaries in one term: ") + twoPrimaries.join(QStringLiteral("; ")));
        FAULTS_VERIFY(set.acknowledged > 0 && operations > 0, QStringLiteral("the workloads did nothing"));
        for (int router = 0; router < ports.size(); ++router)
            FAULTS_VERIFY(inserts.firstAcknowledgedAfter(0, ports.at(router)) >= 0, QStringLiteral("no insert was acknowledged through %1").arg(faults.routers().at(router)));
    }
};

int main(int argc, char **argv)
{
    // QtTest's default limit is 5 minutes per test function: soak() runs
    // longer (its checks at the end get 10 minutes more), and
    // primaryFaultsUnderLoad() needs about 3 on a slow machine.
    const int soakSeconds = qEnvironmentVariableIntValue("PEACEDB_FAULTS_SOAK_SECONDS");
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", QByteArray::number((qint64(qMax(soakSeconds, 0)) + 600) * 1000));
    QCoreApplication application(argc, argv);
    TestFaults test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "tst_faults.moc"
