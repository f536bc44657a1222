#include "SecretFile.h"

#include "TokenRules.h"

#include <QFile>
#include <QRandomGenerator>

namespace SecretFile {

Result<Loaded> load(const QString &path, bool create, const QString &what)
{
    Loaded loaded;
    QFile file(path);
    if (create && !file.exists()) {
        QByteArray random(24, Qt::Uninitialized);
        QRandomGenerator::system()->generate(random.begin(), random.end());
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner)
            || file.write(random.toHex() + '\n') < 0 || !file.flush()) {
            return Status::badRequest(QStringLiteral("cannot create %1 file %2: %3").arg(what, path, file.errorString()));
        }
        file.close();
        loaded.created = true;
    }
    if (!file.open(QIODevice::ReadOnly))
        return Status::badRequest(QStringLiteral("cannot read %1 file %2: %3").arg(what, path, file.errorString()));
    loaded.secret = file.readAll().trimmed();
    const Status usable = TokenRules::check(loaded.secret, path);
    if (!usable.isOk())
        return usable;
    loaded.othersMayAccess =
        file.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther);
    return loaded;
}

} // namespace SecretFile
