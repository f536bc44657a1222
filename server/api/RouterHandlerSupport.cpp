#include "RouterHandlerSupport.h"

#include "JsonText.h"
#include "ShardClient.h"

namespace RouterHandlerSupport {

Result<ReadPreference> readPreference(const HttpRequest &request, ReadPreference::Mode fallback)
{
    return ReadPreference::fromText(request.queryValue(QString::fromLatin1(ShardClient::kReadPreference)), fallback);
}

std::optional<QString> documentId(QByteArrayView object)
{
    for (const JsonText::Member &member : JsonText::members(object)) {
        if (JsonText::unquote(member.key) == QLatin1String("id"))
            return member.value.front() == '"' ? JsonText::unquote(member.value) : QString();
    }
    return std::nullopt;
}

} // namespace RouterHandlerSupport
