// ClusterFileStore: reads and writes DIR/cluster.json (ClusterFile). A
// write replaces the file atomically (write a temporary file, rename), so a
// reader never sees half of it. Stateless; any thread.
#pragma once

#include <QString>

#include "ClusterFile.h"
#include "Result.h"

class ClusterFileStore
{
public:
    // NotFound when there is no such file; BadRequest when it is not one
    // the launcher wrote.
    static Result<ClusterFile> read(const QString &path);
    static Status write(const QString &path, const ClusterFile &file);
};
