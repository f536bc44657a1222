// MurmurHash3_x86_32 (Austin Appleby's public-domain algorithm), bit-exact
// with the original PeaceDatabase's C# implementation so that existing shard
// layouts keep working. Pure; any thread.
#pragma once

#include <QByteArray>
#include <QtGlobal>

namespace MurmurHash3 {

quint32 x86_32(const char *data, qsizetype length, quint32 seed);
inline quint32 x86_32(const QByteArray &data, quint32 seed)
{
    return x86_32(data.constData(), data.size(), seed);
}

} // namespace MurmurHash3
