#include "MurmurHash3.h"

#include <cstring>

namespace {

inline quint32 rotl32(quint32 x, int r)
{
    return (x << r) | (x >> (32 - r));
}

inline quint32 fmix32(quint32 h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bU;
    h ^= h >> 13;
    h *= 0xc2b2ae35U;
    h ^= h >> 16;
    return h;
}

} // namespace

namespace MurmurHash3 {

quint32 x86_32(const char *data, qsizetype length, quint32 seed)
{
    const auto *bytes = reinterpret_cast<const unsigned char *>(data);
    const qsizetype blockCount = length / 4;
    constexpr quint32 c1 = 0xcc9e2d51U;
    constexpr quint32 c2 = 0x1b873593U;
    quint32 h1 = seed;

    for (qsizetype i = 0; i < blockCount; ++i) {
        // Little-endian block read, independent of the host's byte order.
        quint32 k1 = quint32(bytes[4 * i]) | (quint32(bytes[4 * i + 1]) << 8)
                | (quint32(bytes[4 * i + 2]) << 16) | (quint32(bytes[4 * i + 3]) << 24);
        k1 *= c1;
        k1 = rotl32(k1, 15);
        k1 *= c2;
        h1 ^= k1;
        h1 = rotl32(h1, 13);
        h1 = h1 * 5 + 0xe6546b64U;
    }

    const unsigned char *tail = bytes + blockCount * 4;
    quint32 k1 = 0;
    switch (length & 3) {
    case 3: k1 ^= quint32(tail[2]) << 16; Q_FALLTHROUGH();
    case 2: k1 ^= quint32(tail[1]) << 8; Q_FALLTHROUGH();
    case 1:
        k1 ^= tail[0];
        k1 *= c1;
        k1 = rotl32(k1, 15);
        k1 *= c2;
        h1 ^= k1;
    }

    h1 ^= quint32(length);
    return fmix32(h1);
}

} // namespace MurmurHash3
