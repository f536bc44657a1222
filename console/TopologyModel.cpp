#include "TopologyModel.h"

#include <QApplication>
#include <QBrush>
#include <QColor>
#include <QFont>
#include <QJsonArray>
#include <QStyle>

#include <cmath>

namespace {

// Member rows carry their shard + 1 as internal id; shard rows carry 0.
constexpr quintptr kShardRowId = 0;

QString stateText(const QJsonObject &member)
{
    return member.value(QStringLiteral("state")).toString(QStringLiteral("Offline"));
}

QColor stateColor(const QString &state)
{
    if (state == QLatin1String("InSync"))
        return QColor(0xc8, 0xef, 0xc8);
    if (state == QLatin1String("Lagging"))
        return QColor(0xff, 0xe0, 0x8a);
    if (state == QLatin1String("Recovering"))
        return QColor(0xb8, 0xd4, 0xf5);
    return QColor(0xf5, 0xb0, 0xb0);
}

QString numberText(const QJsonValue &value)
{
    if (value.isUndefined() || value.isNull())
        return QStringLiteral("–");
    return QString::number(value.toInteger());
}

QString durationText(const QJsonValue &value)
{
    if (value.isUndefined() || value.isNull())
        return QStringLiteral("never");
    const qint64 ms = value.toInteger();
    if (ms < 10000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 120000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    return QStringLiteral("%1 min").arg(ms / 60000);
}

QString rateText(double perSecond)
{
    return QString::number(perSecond, 'f', perSecond < 10 ? 1 : 0);
}

QString nodeName(int shard, int member)
{
    return QStringLiteral("shard%1-node%2").arg(shard).arg(member);
}

bool isRunning(const QJsonObject &replacement)
{
    const QString state = replacement.value(QStringLiteral("state")).toString();
    return state == QLatin1String("catching-up") || state == QLatin1String("removing");
}

bool hasEnded(const QJsonObject &replacement)
{
    const QString state = replacement.value(QStringLiteral("state")).toString();
    return state == QLatin1String("done") || state == QLatin1String("failed");
}

} // namespace

TopologyModel::TopologyModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

void TopologyModel::applyStatus(const QJsonObject &status)
{
    const QJsonArray shards = status.value(QStringLiteral("shards")).toArray();
    const int oldCount = shardCount();
    const int newCount = int(shards.size());
    if (newCount < oldCount) {
        beginRemoveRows({}, newCount, oldCount - 1);
        m_shards.resize(newCount);
        endRemoveRows();
    }
    for (int shard = 0; shard < newCount; ++shard) {
        QJsonObject info = shards.at(shard).toObject();
        QList<QJsonObject> members;
        for (const QJsonValue &member : info.value(QStringLiteral("members")).toArray())
            members.append(member.toObject());
        info.remove(QStringLiteral("members"));
        if (shard >= oldCount) {
            beginInsertRows({}, shard, shard);
            m_shards.append(Shard{info, members});
            endInsertRows();
            continue;
        }
        const QJsonObject before = m_shards[shard].info.value(QStringLiteral("replacement")).toObject();
        const QJsonObject after = info.value(QStringLiteral("replacement")).toObject();
        if (m_shards[shard].info != info) {
            m_shards[shard].info = info;
            emit dataChanged(shardIndex(shard, 0), shardIndex(shard, ColumnCount - 1));
        }
        applyMembers(shard, members);
        // A member row says when it is being replaced.
        if (before != after && memberCount(shard) > 0)
            emit dataChanged(memberIndex(shard, 0, 0), memberIndex(shard, memberCount(shard) - 1, ColumnCount - 1));
        const auto same = [&before, &after](const char *key) {
            return before.value(QLatin1String(key)) == after.value(QLatin1String(key));
        };
        if (isRunning(before) && hasEnded(after) && same("from") && same("to"))
            emit replacementEnded(shard, after);
    }
}

void TopologyModel::applyMembers(int shard, const QList<QJsonObject> &members)
{
    QList<QJsonObject> &current = m_shards[shard].members;
    const QModelIndex parent = shardIndex(shard);
    const int oldCount = int(current.size());
    const int newCount = int(members.size());
    if (newCount < oldCount) {
        beginRemoveRows(parent, newCount, oldCount - 1);
        current.resize(newCount);
        endRemoveRows();
    }
    for (int member = 0; member < qMin(oldCount, newCount); ++member) {
        if (current[member] == members[member])
            continue;
        current[member] = members[member];
        emit dataChanged(memberIndex(shard, member, 0), memberIndex(shard, member, ColumnCount - 1));
    }
    if (newCount > oldCount) {
        beginInsertRows(parent, oldCount, newCount - 1);
        current.append(members.mid(oldCount));
        endInsertRows();
    }
}

void TopologyModel::setStale(bool stale)
{
    if (stale == m_stale)
        return;
    m_stale = stale;
    for (int shard = 0; shard < shardCount(); ++shard) {
        emit dataChanged(shardIndex(shard, 0), shardIndex(shard, ColumnCount - 1));
        if (memberCount(shard) > 0)
            emit dataChanged(memberIndex(shard, 0, 0), memberIndex(shard, memberCount(shard) - 1, ColumnCount - 1));
    }
}

int TopologyModel::memberCount(int shard) const
{
    return shard >= 0 && shard < shardCount() ? int(m_shards[shard].members.size()) : 0;
}

QJsonObject TopologyModel::shardInfo(int shard) const
{
    return shard >= 0 && shard < shardCount() ? m_shards[shard].info : QJsonObject();
}

QJsonObject TopologyModel::memberInfo(int shard, int member) const
{
    if (member < 0 || member >= memberCount(shard))
        return {};
    return m_shards[shard].members[member];
}

int TopologyModel::primaryMember(int shard) const
{
    // The router names the primary by member id; rows list the members in
    // id order, with gaps where members were removed.
    const int id = shardInfo(shard).value(QStringLiteral("primaryMember")).toInt(-1);
    for (int row = 0; row < memberCount(shard); ++row) {
        if (m_shards[shard].members[row].value(QStringLiteral("member")).toInt(-1) == id)
            return row;
    }
    return -1;
}

bool TopologyModel::isReplacing(int shard) const
{
    return isRunning(shardInfo(shard).value(QStringLiteral("replacement")).toObject());
}

QString TopologyModel::replacementText(int shard, const QJsonObject &replacement)
{
    const QString from = nodeName(shard, replacement.value(QStringLiteral("from")).toInt(-1));
    const QString to = nodeName(shard, replacement.value(QStringLiteral("to")).toInt(-1));
    const QString state = replacement.value(QStringLiteral("state")).toString();
    if (state == QLatin1String("done"))
        return QStringLiteral("replaced %1 by %2").arg(from, to);
    if (state == QLatin1String("failed"))
        return QStringLiteral("replacing %1 by %2 failed: %3").arg(from, to, replacement.value(QStringLiteral("error")).toString());
    if (state == QLatin1String("removing"))
        return QStringLiteral("replacing %1 by %2: removing %1").arg(from, to);
    return QStringLiteral("replacing %1 by %2: %3").arg(from, to, state);
}

QString TopologyModel::membershipChange(int shard) const
{
    if (shard < 0 || shard >= shardCount())
        return {};
    const QJsonObject &info = m_shards[shard].info;
    const QJsonObject replacement = info.value(QStringLiteral("replacement")).toObject();
    const bool replacing = isRunning(replacement);
    QStringList parts;
    if (replacing)
        parts.append(replacementText(shard, replacement));
    for (const QJsonObject &member : m_shards[shard].members) {
        const int id = member.value(QStringLiteral("member")).toInt(-1);
        if (member.value(QStringLiteral("learner")).toBool() && !(replacing && id == replacement.value(QStringLiteral("to")).toInt(-1)))
            parts.append(QStringLiteral("%1 is a learner (votes once caught up)").arg(nodeName(shard, id)));
    }
    if (info.value(QStringLiteral("membershipPending")).toBool())
        parts.append(QStringLiteral("a change is not committed yet"));
    return parts.join(QStringLiteral("; "));
}

QString TopologyModel::shardToolTip(int shard) const
{
    QStringList lines;
    const QStringList problems = trafficProblems(shard);
    if (!problems.isEmpty())
        lines.append(QStringLiteral("Shard %1 is flagged:\n%2").arg(shard).arg(problems.join(QLatin1Char('\n'))));
    const QString change = membershipChange(shard);
    if (!change.isEmpty())
        lines.append(QStringLiteral("Membership change in progress: %1").arg(change));
    const QJsonObject replacement = shardInfo(shard).value(QStringLiteral("replacement")).toObject();
    if (hasEnded(replacement))
        lines.append(QStringLiteral("Last replacement: %1").arg(replacementText(shard, replacement)));
    return lines.isEmpty() ? QStringLiteral("Shard %1").arg(shard) : lines.join(QLatin1Char('\n'));
}

int TopologyModel::shardOf(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return -1;
    return index.internalId() == kShardRowId ? index.row() : int(index.internalId() - 1);
}

int TopologyModel::memberOf(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this || index.internalId() == kShardRowId)
        return -1;
    return index.row();
}

QModelIndex TopologyModel::shardIndex(int shard, int column) const
{
    if (shard < 0 || shard >= shardCount())
        return {};
    return createIndex(shard, column, kShardRowId);
}

QModelIndex TopologyModel::memberIndex(int shard, int member, int column) const
{
    if (member < 0 || member >= memberCount(shard))
        return {};
    return createIndex(member, column, quintptr(shard) + 1);
}

QModelIndex TopologyModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (!parent.isValid())
        return shardIndex(row, column);
    if (parent.internalId() != kShardRowId || parent.column() != 0)
        return {};
    return memberIndex(parent.row(), row, column);
}

QModelIndex TopologyModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == kShardRowId)
        return {};
    return shardIndex(int(child.internalId() - 1));
}

int TopologyModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return shardCount();
    if (parent.internalId() != kShardRowId || parent.column() != 0)
        return 0;
    return memberCount(parent.row());
}

int TopologyModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant TopologyModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    if (role == Qt::ForegroundRole && m_stale)
        return QBrush(QColor(0x80, 0x80, 0x80));
    if (index.internalId() == kShardRowId)
        return shardData(index.row(), index.column(), role);
    return memberData(int(index.internalId() - 1), index.row(), index.column(), role);
}

void TopologyModel::setTraffic(const TrafficHistory &history)
{
    m_traffic.clear();
    for (const int shard : history.shards()) {
        if (const TrafficHistory::Point *point = history.latest(shard))
            m_traffic.insert(shard, *point);
    }
    emitShardRowsChanged();
}

void TopologyModel::setP99ThresholdMs(double milliseconds)
{
    m_p99ThresholdMs = milliseconds;
    emitShardRowsChanged();
}

void TopologyModel::emitShardRowsChanged()
{
    if (shardCount() > 0)
        emit dataChanged(shardIndex(0, NameColumn), shardIndex(shardCount() - 1, TrafficColumn));
}

QStringList TopologyModel::trafficProblems(int shard) const
{
    const auto it = m_traffic.constFind(shard);
    if (it == m_traffic.cend())
        return {};
    QStringList problems;
    if (it->errorsPerSecond > 0) {
        problems.append(QStringLiteral("errors: %1/s (requests the shard did not answer or answered 5xx)")
                            .arg(rateText(it->errorsPerSecond)));
    }
    if (!std::isnan(it->p99Ms) && it->p99Ms > m_p99ThresholdMs) {
        problems.append(QStringLiteral("p99 latency %1 ms is above the %2 ms threshold")
                            .arg(it->p99Ms, 0, 'f', 1)
                            .arg(m_p99ThresholdMs));
    }
    return problems;
}

QVariant TopologyModel::trafficData(int shard, int role) const
{
    const auto it = m_traffic.constFind(shard);
    const QStringList problems = trafficProblems(shard);
    switch (role) {
    case Qt::DisplayRole: {
        if (it == m_traffic.cend())
            return QStringLiteral("–");
        QString text = QStringLiteral("%1 w/s · %2 r/s").arg(rateText(it->writesPerSecond), rateText(it->readsPerSecond));
        if (it->errorsPerSecond > 0)
            text += QStringLiteral(" · %1 err/s").arg(rateText(it->errorsPerSecond));
        if (!std::isnan(it->p99Ms))
            text += QStringLiteral(" · p99 %1 ms").arg(it->p99Ms, 0, 'f', 1);
        return text;
    }
    case Qt::ToolTipRole:
        if (problems.isEmpty())
            return QStringLiteral("Traffic of the last scrape interval: writes, reads (documents and lists), errors and p99 latency");
        return problems.join(QLatin1Char('\n'));
    case Qt::DecorationRole:
        if (problems.isEmpty())
            return {};
        return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
    case Qt::BackgroundRole:
        if (problems.isEmpty())
            return {};
        return QBrush(m_stale ? stateColor(QString()).lighter(115) : stateColor(QString()));
    default:
        return {};
    }
}

QVariant TopologyModel::shardData(int shard, int column, int role) const
{
    if (column == TrafficColumn && role != Qt::FontRole)
        return trafficData(shard, role);
    if (column == NameColumn && role == Qt::ToolTipRole)
        return shardToolTip(shard);
    if (column == UrlColumn && role == Qt::DecorationRole && !membershipChange(shard).isEmpty())
        return QApplication::style()->standardIcon(QStyle::SP_BrowserReload);
    const QJsonObject &info = m_shards[shard].info;
    const bool healthy = info.value(QStringLiteral("healthy")).toBool();
    const bool promoting = info.value(QStringLiteral("promoting")).toBool();
    if (role == Qt::FontRole) {
        QFont font;
        font.setBold(true);
        return font;
    }
    if (role == Qt::BackgroundRole && column == StateColumn)
        return QBrush(stateColor(healthy ? QStringLiteral("InSync") : QStringLiteral("Offline")));
    if (role == Qt::TextAlignmentRole && column == TermColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (column) {
    case NameColumn:
        return QStringLiteral("Shard %1").arg(shard);
    case RoleColumn: {
        const int primary = primaryMember(shard);
        const QString name = primary >= 0 && primary < memberCount(shard)
                                 ? m_shards[shard].members[primary].value(QStringLiteral("name")).toString()
                                 : QStringLiteral("?");
        return QStringLiteral("primary: %1").arg(name);
    }
    case StateColumn:
        if (healthy)
            return QStringLiteral("Healthy");
        return promoting ? QStringLiteral("Failing over") : QStringLiteral("No primary");
    case TermColumn:
        return numberText(info.value(QStringLiteral("term")));
    case UrlColumn: {
        const QString reachable = QStringLiteral("%1 of %2 members reachable")
                                      .arg(info.value(QStringLiteral("reachable")).toInt())
                                      .arg(memberCount(shard));
        const QString change = membershipChange(shard);
        return change.isEmpty() ? reachable : QStringLiteral("%1 — %2").arg(reachable, change);
    }
    default:
        return {};
    }
}

QVariant TopologyModel::memberData(int shard, int member, int column, int role) const
{
    const QJsonObject &info = m_shards[shard].members[member];
    const QString state = stateText(info);
    const bool reachable = info.value(QStringLiteral("reachable")).toBool();
    // An unreachable member's role is only what it last said.
    const bool isPrimary = reachable && info.value(QStringLiteral("role")).toString() == QLatin1String("primary");
    const bool learner = info.value(QStringLiteral("learner")).toBool();
    const QJsonObject replacement = m_shards[shard].info.value(QStringLiteral("replacement")).toObject();
    const bool leaving = isRunning(replacement)
                         && replacement.value(QStringLiteral("from")).toInt(-1) == info.value(QStringLiteral("member")).toInt(-2);
    switch (role) {
    case Qt::DisplayRole:
        break;
    case Qt::BackgroundRole:
        if (column == StateColumn)
            return QBrush(m_stale ? stateColor(state).lighter(115) : stateColor(state));
        return {};
    case Qt::FontRole:
        if ((isPrimary || learner) && (column == NameColumn || column == RoleColumn)) {
            QFont font;
            font.setBold(isPrimary);
            font.setItalic(learner);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (column >= TermColumn && column <= RolledBackColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("%1 — %2").arg(info.value(QStringLiteral("name")).toString(),
                                                    info.value(QStringLiteral("url")).toString());
        if (info.contains(QStringLiteral("pid")))
            tip += QStringLiteral("\npid %1").arg(info.value(QStringLiteral("pid")).toInteger());
        if (info.contains(QStringLiteral("error")))
            tip += QStringLiteral("\nlast error: %1").arg(info.value(QStringLiteral("error")).toString());
        if (learner)
            tip += QStringLiteral("\nlearner: receives the log but does not vote yet; the primary makes it a voter once it has caught up");
        if (leaving)
            tip += QStringLiteral("\n%1").arg(replacementText(shard, replacement));
        return tip;
    }
    default:
        return {};
    }
    switch (column) {
    case NameColumn:
        return info.value(QStringLiteral("name")).toString();
    case RoleColumn: {
        const QString roleName = info.value(QStringLiteral("role")).toString();
        QString text;
        if (isPrimary)
            text = QStringLiteral("★ PRIMARY");
        else if (learner)
            text = reachable || roleName.isEmpty() ? QStringLiteral("LEARNER") : QStringLiteral("LEARNER (last seen: %1)").arg(roleName);
        else if (roleName.isEmpty())
            text = QStringLiteral("–");
        else
            text = reachable ? roleName : QStringLiteral("(last seen: %1)").arg(roleName);
        return leaving ? QStringLiteral("%1 · being replaced").arg(text) : text;
    }
    case StateColumn:
        return state;
    case TermColumn:
        return numberText(info.value(QStringLiteral("term")));
    case SeqColumn:
        return numberText(info.value(QStringLiteral("seq")));
    case CommitSeqColumn:
        return numberText(info.value(QStringLiteral("commitSeq")));
    case LagEntriesColumn:
        return numberText(info.value(QStringLiteral("lagEntries")));
    case LagMsColumn:
        return numberText(info.value(QStringLiteral("lagMs")));
    case AnswerAgeColumn:
        return durationText(info.value(QStringLiteral("lastHeartbeatAgeMs")));
    case RolledBackColumn:
        return numberText(info.value(QStringLiteral("rolledBack")));
    case UrlColumn:
        return info.value(QStringLiteral("url")).toString();
    default:
        return {};
    }
}

QVariant TopologyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return QStringLiteral("Shard / member");
    case RoleColumn: return QStringLiteral("Role");
    case StateColumn: return QStringLiteral("State");
    case TrafficColumn: return QStringLiteral("Traffic");
    case TermColumn: return QStringLiteral("Term");
    case SeqColumn: return QStringLiteral("Last seq");
    case CommitSeqColumn: return QStringLiteral("Commit seq");
    case LagEntriesColumn: return QStringLiteral("Lag (entries)");
    case LagMsColumn: return QStringLiteral("Lag (ms)");
    case AnswerAgeColumn: return QStringLiteral("Last answer");
    case RolledBackColumn: return QStringLiteral("Rolled back");
    case UrlColumn: return QStringLiteral("URL");
    default: return {};
    }
}
