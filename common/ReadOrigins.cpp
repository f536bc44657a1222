#include "ReadOrigins.h"

#include "ReadPreference.h"

bool ReadOrigins::isLinearizable() const
{
    for (const Part &part : m_parts) {
        if (!part.linearizable)
            return false;
    }
    return !m_parts.isEmpty();
}

QList<QPair<QByteArray, QByteArray>> ReadOrigins::headers() const
{
    if (m_parts.isEmpty())
        return {};
    const bool linearizable = isLinearizable();
    QByteArrayList applied;
    QByteArrayList stale;
    QByteArrayList lags;
    for (auto it = m_parts.cbegin(); it != m_parts.cend(); ++it) {
        const Part &part = it.value();
        applied.append(part.applied.isEmpty() ? QByteArrayLiteral("unknown") : part.applied);
        if (part.linearizable) {
            lags.append(QByteArrayLiteral("0"));
            continue;
        }
        stale.append(QByteArray::number(it.key()));
        lags.append(part.lagMs ? QByteArray::number(*part.lagMs) : QByteArrayLiteral("unknown"));
    }
    QList<QPair<QByteArray, QByteArray>> out{
        {QByteArrayLiteral("X-PeaceDB-Consistency"), ReadPreference::consistencyName(linearizable ? ReadPreference::Consistency::Linearizable
                                                                    : ReadPreference::Consistency::PossiblyStale)},
        {QByteArrayLiteral("X-PeaceDB-Applied"), applied.join(", ")},
    };
    if (!linearizable) {
        out.append({QByteArrayLiteral("X-PeaceDB-Stale-Shards"), stale.join(", ")});
        out.append({QByteArrayLiteral("X-PeaceDB-Lag-Ms"), lags.join(", ")});
    }
    return out;
}
