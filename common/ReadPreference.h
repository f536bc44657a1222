// ReadPreference: which member may answer a read, and what the answer
// promises (docs/replication.md, "When a read is linearizable"). The names
// follow MongoDB's.
//
//   primary          (the default) only a primary that holds its lease and
//                    has applied an entry of its own term answers; its
//                    answer is linearizable. Anywhere else: the reason
//                    (503 "not primary" naming the primary, "no quorum",
//                    "still applying").
//   primaryPreferred such a primary's linearizable answer; where there is
//                    none, this member's committed state, marked possibly
//                    stale.
//   nearest          this member's committed state; linearizable only if
//                    this member is such a primary, otherwise marked
//                    possibly stale.
// A read never returns uncommitted data, whatever the preference.
//
// Pure; any thread.
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

#include "Result.h"

class ReadPreference
{
public:
    enum class Mode { Primary, PrimaryPreferred, Nearest };
    enum class Consistency { Linearizable, PossiblyStale };

    ReadPreference() = default;
    explicit ReadPreference(Mode mode) : m_mode(mode) {}

    // From the readPreference query parameter (absent: `absent`, primary
    // on a node; a router's Sharding.Replication.DefaultReadPreference).
    static Result<ReadPreference> fromText(const std::optional<QString> &text, Mode absent = Mode::Primary);
    // The mode named exactly `text`; nullopt for any other text.
    static std::optional<Mode> modeFromName(const QString &text);
    static QString modeName(Mode mode);
    // The value of the X-PeaceDB-Consistency answer header.
    static QByteArray consistencyName(Consistency consistency);

    Mode mode() const { return m_mode; }

    // Whether this member answers, and with what promise. `linearizable`:
    // ok when this member may serve linearizable reads, else why not.
    Result<Consistency> decide(const Status &linearizable) const;

private:
    Mode m_mode = Mode::Primary;
};
