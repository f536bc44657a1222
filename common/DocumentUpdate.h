// DocumentUpdate: the revision rules of a single-document write.
//
// Given the document's current head (committed state plus writes still
// waiting for durability/quorum) and what the client sent, decide the
// document to store or why the write is refused:
//
//   Put    — new id: must not carry a rev (409). Live document: rev must equal
//            the head's (409 "Document update conflict"). Tombstone: may be
//            recreated with no rev or with the tombstone's rev.
//   Post   — like Put for a new or deleted id; a live document with that id is
//            a 409 (POST never overwrites).
//   Delete — rev must equal the head's (409, also when the document was
//            deleted since: concurrent deletes of one rev give one winner and
//            409s); no document, or deleting a tombstone by its own rev, is a
//            404. The result is an empty tombstone with the next revision.
//
// A malformed rev is a 400. Pure; any thread.
#pragma once

#include "Document.h"
#include "DocumentHead.h"
#include "Result.h"

#include <optional>

enum class WriteKind { Put, Post, Delete };

namespace DocumentUpdate {

// The document to store and its JSON (Document::toJson(), computed once).
struct Prepared
{
    Document document;
    QByteArray json;
};

// REQUIRES: incoming.id is a valid document id (NameRules::checkDocumentId).
Result<Prepared> prepare(const std::optional<DocumentHead> &head, const Document &incoming, WriteKind kind);

} // namespace DocumentUpdate
