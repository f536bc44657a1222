// FileSync: making files and directories durable. A file is durable once it
// is fsynced; its name once its directory is fsynced too. writeAtomically()
// puts a small file in place so that after a crash either the old contents
// or the new ones are there, never a mix: it writes a temporary file next
// to the target, fsyncs it, renames it over the target and fsyncs the
// directory.
//
// Blocking; any thread. Errors are StorageFailure naming the path and the
// system's reason.
#pragma once

#include <QByteArray>
#include <QString>

#include "Status.h"

namespace FileSync {

Status syncFile(const QString &path);
Status syncDirectory(const QString &path);
Status writeAtomically(const QString &path, const QByteArray &contents);
// rename(2) of `from` to `to` (a missing name, or an empty directory when
// `from` is one), then an fsync of the directory holding `to`.
Status rename(const QString &from, const QString &to);

} // namespace FileSync
