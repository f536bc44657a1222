// DocumentHead: what the write path needs to know about a document's latest
// revision (committed or pending). A plain value; any thread.
#pragma once

#include <QString>

struct DocumentHead
{
    QString rev;
    bool deleted = false;
};
