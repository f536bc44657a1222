#include "DocumentUpdate.h"

#include "Revision.h"

namespace DocumentUpdate {

namespace {

Status updateConflict()
{
    return Status::conflict(QStringLiteral("Document update conflict"));
}

} // namespace

Result<Prepared> prepare(const std::optional<DocumentHead> &head, const Document &incoming, WriteKind kind)
{
    if (!incoming.rev.isEmpty()) {
        const Result<Revision> parsed = Revision::parse(incoming.rev);
        if (!parsed.isOk())
            return parsed.status();
    }
    if (kind == WriteKind::Delete && incoming.rev.isEmpty())
        return Status::badRequest(QStringLiteral("rev is required to delete a document"));

    const bool live = head && !head->deleted;
    switch (kind) {
    case WriteKind::Put:
        if (!head && !incoming.rev.isEmpty())
            return Status::conflict(QStringLiteral("new document must not carry a rev"));
        if (live && incoming.rev != head->rev)
            return updateConflict();
        if (head && head->deleted && !incoming.rev.isEmpty() && incoming.rev != head->rev)
            return updateConflict();
        break;
    case WriteKind::Post:
        if (live)
            return Status::conflict(QStringLiteral("document already exists; use PUT with its rev to update it"));
        if (!incoming.rev.isEmpty())
            return Status::conflict(QStringLiteral("new document must not carry a rev"));
        break;
    case WriteKind::Delete:
        if (!head)
            return Status::notFound(QStringLiteral("not found"));
        if (incoming.rev != head->rev)
            return updateConflict();
        if (head->deleted)
            return Status::notFound(QStringLiteral("not found (already deleted)"));
        break;
    }

    Document stored;
    stored.id = incoming.id;
    if (kind == WriteKind::Delete) {
        stored.deleted = true;
    } else {
        stored.deleted = incoming.deleted;
        stored.data = incoming.data;
        stored.tags = incoming.tags;
        stored.content = incoming.content;
    }

    Revision previous;
    if (head) {
        const Result<Revision> parsed = Revision::parse(head->rev);
        if (!parsed.isOk())
            return Status::internal(QStringLiteral("stored head has an invalid rev '%1'").arg(head->rev));
        previous = parsed.value();
    }
    const QByteArray fields = stored.bodyFields();
    stored.rev = Revision::next(head ? &previous : nullptr, Document::canonicalBody(fields)).toString();
    const QByteArray json = stored.toJson(fields);
    return Prepared{std::move(stored), json};
}

} // namespace DocumentUpdate
