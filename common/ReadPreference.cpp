#include "ReadPreference.h"

Result<ReadPreference> ReadPreference::fromText(const std::optional<QString> &text, Mode absent)
{
    if (!text)
        return ReadPreference(absent);
    if (const std::optional<Mode> mode = modeFromName(*text))
        return ReadPreference(*mode);
    return Status::badRequest(QStringLiteral("readPreference must be primary, primaryPreferred or nearest, not '%1'").arg(text->left(40)));
}

std::optional<ReadPreference::Mode> ReadPreference::modeFromName(const QString &text)
{
    for (Mode mode : {Mode::Primary, Mode::PrimaryPreferred, Mode::Nearest}) {
        if (text == modeName(mode))
            return mode;
    }
    return std::nullopt;
}

QString ReadPreference::modeName(Mode mode)
{
    switch (mode) {
    case Mode::Primary: return QStringLiteral("primary");
    case Mode::PrimaryPreferred: return QStringLiteral("primaryPreferred");
    case Mode::Nearest: return QStringLiteral("nearest");
    }
    return QString();
}

QByteArray ReadPreference::consistencyName(Consistency consistency)
{
    return consistency == Consistency::Linearizable ? QByteArrayLiteral("linearizable") : QByteArrayLiteral("possibly-stale");
}

Result<ReadPreference::Consistency> ReadPreference::decide(const Status &linearizable) const
{
    if (linearizable.isOk())
        return Consistency::Linearizable;
    if (m_mode == Mode::Primary)
        return linearizable;
    return Consistency::PossiblyStale;
}
