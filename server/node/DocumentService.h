// DocumentService: the write path of a node.
//
// A write is decided here, on the main thread, against committed state plus
// every write still pending in the log (PendingWrites), so that concurrent
// writers of one document are serialised: for a given rev exactly one wins,
// the others get 409. The decision becomes LogEntries with the next seqs,
// handed to the CommitLog (the local disk for a standalone node, the replica
// set for a member); the caller's callback runs when the exact entries it
// appended — (term, seq), never a seq alone — are committed (a write quorum
// holds them durably; the client is answered then, before the batch that
// applies them), when they are cut or abandoned (503), or after the write
// timeout (503, outcome unknown): AcknowledgementQueue holds that rule.
// Until applied, the overlay stands for them in later writes' decisions.
// Reads go straight to the DocumentReader and see applied state only;
// readable() says whether they are linearizable here, and a linearizable
// read first waits until every entry this node knows committed is applied
// (whenCommittedApplied), so it sees every write acknowledged before it.
//
// Callbacks run on the main thread, either before the call returns (the
// write was refused at once) or later. Owned by the ServerApp; uses, does
// not own, the commit log and the reader.
#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QVector>

#include <deque>
#include <functional>

#include "AcknowledgementQueue.h"
#include "Document.h"
#include "DocumentUpdate.h"
#include "LogEntry.h"
#include "PendingWrites.h"
#include "Result.h"

class CommitLog;
class DocumentReader;

class DocumentService : public QObject
{
    Q_OBJECT

public:
    using DocumentCallback = std::function<void(const Result<Document> &)>;
    using BulkCallback = std::function<void(const Result<QVector<Result<Document>>> &)>;
    using CreatedCallback = std::function<void(const Result<bool> &)>; // true: created, false: existed
    using StatusCallback = std::function<void(const Status &)>;

    // writeTimeoutMs: how long a client waits for its write to commit
    // before it gets 503 "quorum not reached" (0: forever).
    DocumentService(CommitLog *log, DocumentReader *reader, qint64 writeTimeoutMs, QObject *parent = nullptr);
    // createDatabase() refuses (403) a database past this many.
    void setMaxDatabases(qint64 maximum) { m_maxDatabases = maximum; }

    // PUT, POST (an empty id gets a new 32-hex-digit id) or DELETE (rev
    // required) of one document.
    void writeDocument(const QString &db, const Document &document, WriteKind kind, const DocumentCallback &done);
    // Many writes in one request, each decided on its own (in order), all
    // committed together. An item without id is created with a new id; an
    // item with "deleted": true and a rev deletes. `items` may carry parse
    // errors, which are reported in place. The outer Result fails when the
    // whole request does (no such database, not writable, not committed).
    void writeDocuments(const QString &db, const QVector<Result<Document>> &items, const BulkCallback &done);
    void createDatabase(const QString &db, const CreatedCallback &done);
    void deleteDatabase(const QString &db, const StatusCallback &done);

    // Ok while writes are accepted; otherwise why not (shutting down, the
    // commit log's reason: not primary, no quorum, storage failed).
    Status writable() const;
    // Ok while reads of this node's applied state are linearizable
    // (CommitLog::readable()); otherwise why not.
    Status readable() const;
    // Ok while the node works (shutting down or a failed disk is not ok;
    // a replica refusing writes is).
    Status health() const;
    // True when every entry this node knows committed is applied.
    bool appliedAllCommitted() const;
    // Runs `run` with ok once every entry committed at this moment is
    // applied (at once when it is), or with 503 if that takes longer than
    // the write timeout (kReadWaitMs without one): nothing may be read then.
    void whenCommittedApplied(const StatusCallback &run);
    static constexpr qint64 kReadWaitMs = 10000;

    void stopAcceptingWrites(const QString &reason);
    bool hasPendingWrites() const { return !m_waiting.isEmpty(); }
    // Writes answered 503 "quorum not reached" (their timeout passed).
    qint64 quorumTimeouts() const { return m_quorumTimeouts; }

    // (term, seq) of the last entry reads see.
    std::pair<qint64, qint64> appliedPosition() const;

signals:
    // Every accepted write has been answered.
    void drained();

private:
    using Completion = std::function<void(const Status &)>;

    Result<bool> databaseExists(const QString &db) const;
    // The head a write must be checked against: the latest pending write,
    // else committed state (from `committed` when the caller fetched it
    // already, else from the reader).
    Result<std::optional<DocumentHead>> currentHead(const QString &db, const QString &id,
                                                    const QHash<QString, DocumentHead> *committed = nullptr) const;
    // Decides one document write and, if accepted, adds its log entry.
    Result<Document> decide(const QString &db, Document document, WriteKind kind, QVector<LogEntry> *entries,
                            const QHash<QString, DocumentHead> *committed = nullptr);
    LogEntry nextEntry(LogEntry::Op op, const QString &db, const QVector<LogEntry> &entries) const;
    // Hands the entries to the commit log; on refusal forgets them and
    // answers `complete` with the reason.
    void submit(QVector<LogEntry> entries, Completion complete);
    // Waits for the entry (term, lastSeq) — and the request's entries from
    // firstSeq — to be decided.
    void wait(qint64 term, qint64 firstSeq, qint64 lastSeq, Completion complete);
    // Answers the waiters decided; `reason` explains an Unknown outcome.
    void finish(const QVector<AcknowledgementQueue::Decision> &decisions, const Status &reason);
    // A refusal (409, 404) decided against writes that are not committed
    // yet may only be given once they are: otherwise a client could see a
    // conflict with a write that a read does not show (a linearizable read
    // waits for committed writes to be applied), or that is then rolled
    // back. Runs `complete` with ok once the last entry appended so far is
    // committed, or with 503 (nothing changed, retry) if it is cut,
    // abandoned or times out.
    void afterPendingWrites(Completion complete);

    void onCommitted(qint64 seq);
    void onApplied(qint64 seq);
    void onReadTimeout();
    qint64 readWaitMs() const { return m_writeTimeoutMs > 0 ? m_writeTimeoutMs : kReadWaitMs; }
    void onCut(qint64 fromSeq);
    void onAbandoned(const Status &reason, qint64 lastKeptSeq);
    void onTimeout();
    void scheduleTimeout();

    CommitLog *m_log;
    DocumentReader *m_reader;
    qint64 m_writeTimeoutMs;
    qint64 m_maxDatabases = 10000;
    qint64 m_quorumTimeouts = 0;
    PendingWrites m_overlay;
    AcknowledgementQueue m_waiting;
    QHash<quint64, Completion> m_completions; // by waiter id
    quint64 m_nextWaiter = 1;
    QTimer m_timeout;
    // Reads waiting for the entries committed at their admission to be applied.
    struct HeldRead
    {
        qint64 commitSeq = 0;
        qint64 deadlineMs = 0;
        StatusCallback run;
    };
    std::deque<HeldRead> m_heldReads; // commitSeq ascending
    // Runs, in order, the held reads at the front for which `due` holds,
    // each with `outcome`, and forgets them.
    void releaseHeldReads(const std::function<bool(const HeldRead &)> &due,
                          const std::function<Status(const HeldRead &)> &outcome);
    QTimer m_readTimeout;
    Status m_refusal; // set when shutting down
};
