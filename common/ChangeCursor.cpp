#include "ChangeCursor.h"

#include "JsonText.h"

#include <QJsonArray>

#include <algorithm>

namespace {

// A JSON number that is an integer >= 0 (and exact in a double).
bool readCount(const QJsonValue &value, qint64 *out)
{
    if (!value.isDouble())
        return false;
    const double number = value.toDouble();
    if (number < 0 || number > 9007199254740992.0 || number != double(qint64(number)))
        return false;
    *out = qint64(number);
    return true;
}

// Digits only: no sign, no spaces, no empty part.
bool readSeq(QStringView text, qint64 *out)
{
    if (text.isEmpty() || text.size() > 18)
        return false;
    for (const QChar c : text) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return false;
    }
    *out = text.toLongLong();
    return true;
}

} // namespace

ChangeCursor::ChangeCursor(int shardCount) : m_seqs(qMax(1, shardCount), 0)
{
    Q_ASSERT(shardCount >= 1);
}

ChangeCursor::ChangeCursor(QVector<qint64> seqs) : m_seqs(std::move(seqs))
{
    Q_ASSERT(!m_seqs.isEmpty());
    if (m_seqs.isEmpty())
        m_seqs.append(0);
}

Result<ChangeCursor> ChangeCursor::parse(const std::optional<QString> &since, int shardCount)
{
    Q_ASSERT(shardCount >= 1);
    if (!since || *since == QLatin1String("0"))
        return ChangeCursor(shardCount);
    const auto invalid = [&]() {
        if (shardCount == 1)
            return Status::badRequest(QStringLiteral("since must be an integer >= 0, not '%1'").arg(since->left(40)));
        return Status::badRequest(QStringLiteral("since must be 0 or a cursor of %1 integers >= 0 joined by '-' "
                                                 "(a lastSeq or seq of an earlier answer, e.g. '%2'), not '%3'")
                                      .arg(shardCount)
                                      .arg(QStringList(shardCount, QStringLiteral("0")).join(QLatin1Char('-')), since->left(80)));
    };
    const QList<QStringView> parts = QStringView(*since).split(QLatin1Char('-'));
    if (parts.size() != shardCount)
        return invalid();
    QVector<qint64> seqs(shardCount, 0);
    for (int shard = 0; shard < shardCount; ++shard) {
        if (!readSeq(parts.at(shard), &seqs[shard]))
            return invalid();
    }
    return ChangeCursor(std::move(seqs));
}

QString ChangeCursor::toString() const
{
    QString text;
    for (int shard = 0; shard < m_seqs.size(); ++shard) {
        if (shard)
            text.append(QLatin1Char('-'));
        text.append(QString::number(m_seqs.at(shard)));
    }
    return text;
}

QJsonValue ChangeCursor::toJson() const
{
    if (m_seqs.size() == 1)
        return QJsonValue(m_seqs.first());
    return QJsonValue(toString());
}

Result<ShardChangePage> ChangeCursor::pageFromJson(const QJsonObject &answer)
{
    const auto invalid = [](const QString &why) {
        return Status::internal(QStringLiteral("malformed _changes answer from a shard: %1").arg(why));
    };
    ShardChangePage page;
    if (!readCount(answer.value(QStringLiteral("lastSeq")), &page.lastSeq))
        return invalid(QStringLiteral("lastSeq must be an integer >= 0"));
    const QJsonValue results = answer.value(QStringLiteral("results"));
    if (!results.isArray())
        return invalid(QStringLiteral("results must be an array, not %1").arg(JsonText::typeName(results)));
    const QJsonArray rows = results.toArray();
    page.results.reserve(rows.size());
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const QJsonObject row = rows.at(i).toObject();
        ShardChange change;
        const QJsonValue id = row.value(QStringLiteral("id"));
        const QJsonValue rev = row.value(QStringLiteral("rev"));
        const QJsonValue deleted = row.value(QStringLiteral("deleted"));
        if (!rows.at(i).isObject() || !readCount(row.value(QStringLiteral("seq")), &change.seq) || !id.isString()
            || !rev.isString() || !deleted.isBool()) {
            return invalid(QStringLiteral("results[%1] must be {seq, id, rev, deleted}").arg(i));
        }
        change.id = id.toString();
        change.rev = rev.toString();
        change.deleted = deleted.toBool();
        page.results.append(std::move(change));
    }
    return page;
}

Result<MergedChanges> ChangeCursor::merge(const ChangeCursor &since, const QVector<ShardChangePage> &pages, qint64 limit)
{
    Q_ASSERT(limit >= 0);
    const int shardCount = since.shardCount();
    if (pages.size() != shardCount)
        return Status::internal(QStringLiteral("%1 _changes pages for %2 shards").arg(pages.size()).arg(shardCount));

    struct Reference
    {
        qint64 seq;
        int shard;
        qsizetype index;
    };
    QVector<Reference> order;
    for (int shard = 0; shard < shardCount; ++shard) {
        const ShardChangePage &page = pages.at(shard);
        if (page.results.size() > qMax<qint64>(0, limit)) {
            return Status::internal(QStringLiteral("shard %1 sent %2 changes for a limit of %3")
                                        .arg(shard)
                                        .arg(page.results.size())
                                        .arg(limit));
        }
        if (page.lastSeq < 0)
            return Status::internal(QStringLiteral("shard %1 sent a negative lastSeq").arg(shard));
        qint64 previous = since.seq(shard);
        for (qsizetype i = 0; i < page.results.size(); ++i) {
            const qint64 seq = page.results.at(i).seq;
            if (seq <= previous) {
                return Status::internal(QStringLiteral("shard %1 sent change seq %2 after %3 (asked for changes after %4)")
                                            .arg(shard)
                                            .arg(seq)
                                            .arg(previous)
                                            .arg(since.seq(shard)));
            }
            previous = seq;
            order.append(Reference{seq, shard, i});
        }
    }
    // Rule 1: ascending seq, ties by shard. Each shard's rows are ascending,
    // so the order keeps them in their shard's order.
    std::sort(order.begin(), order.end(), [](const Reference &a, const Reference &b) {
        return a.seq != b.seq ? a.seq < b.seq : a.shard < b.shard;
    });
    const qsizetype count = qMin<qint64>(order.size(), qMax<qint64>(0, limit));

    MergedChanges merged;
    merged.results.reserve(count);
    QVector<qint64> cursor = since.seqs();
    QVector<qsizetype> returned(shardCount, 0);
    for (qsizetype i = 0; i < count; ++i) {
        // Rule 2: the row's shard moves to the row; the others stay at their
        // last row returned so far.
        const Reference &reference = order.at(i);
        cursor[reference.shard] = reference.seq;
        ++returned[reference.shard];
        merged.results.append(
            MergedChangeRow{reference.shard, pages.at(reference.shard).results.at(reference.index), ChangeCursor(cursor)});
    }
    // Rule 3: a short page fully returned moves its shard to the shard's own
    // lastSeq; every other shard stays at its last returned row.
    for (int shard = 0; shard < shardCount; ++shard) {
        const ShardChangePage &page = pages.at(shard);
        if (returned.at(shard) == page.results.size() && page.results.size() < limit)
            cursor[shard] = page.results.isEmpty() ? page.lastSeq : qMax(page.lastSeq, page.results.last().seq);
    }
    merged.lastSeq = ChangeCursor(std::move(cursor));
    return merged;
}

QJsonObject MergedChanges::toJson() const
{
    QJsonArray rows;
    for (const MergedChangeRow &row : results) {
        rows.append(QJsonObject{{QStringLiteral("seq"), row.seq.toJson()},
                                {QStringLiteral("id"), row.change.id},
                                {QStringLiteral("rev"), row.change.rev},
                                {QStringLiteral("deleted"), row.change.deleted}});
    }
    return QJsonObject{{QStringLiteral("results"), rows}, {QStringLiteral("lastSeq"), lastSeq.toJson()}};
}
