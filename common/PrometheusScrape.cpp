#include "PrometheusScrape.h"

#include <limits>

namespace {

bool isNameStart(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool isNameChar(char c)
{
    return isNameStart(c) || (c >= '0' && c <= '9');
}

// Reads a metric or label name at `position`; empty if there is none.
QString readName(const QByteArray &line, qsizetype *position)
{
    const qsizetype start = *position;
    if (start >= line.size() || !isNameStart(line.at(start)))
        return {};
    qsizetype end = start + 1;
    while (end < line.size() && isNameChar(line.at(end)))
        ++end;
    *position = end;
    return QString::fromLatin1(line.mid(start, end - start));
}

void skipSpaces(const QByteArray &line, qsizetype *position)
{
    while (*position < line.size() && (line.at(*position) == ' ' || line.at(*position) == '\t'))
        ++*position;
}

std::optional<double> readValue(const QByteArray &text)
{
    if (text == "+Inf" || text == "Inf")
        return std::numeric_limits<double>::infinity();
    if (text == "-Inf")
        return -std::numeric_limits<double>::infinity();
    if (text == "NaN")
        return std::numeric_limits<double>::quiet_NaN();
    bool ok = false;
    const double value = text.toDouble(&ok);
    return ok ? std::optional<double>(value) : std::nullopt;
}

// `{a="x",b="y"}` at `position` (which is at the brace) into `labels`;
// an error message, or empty when it parsed.
QString readLabels(const QByteArray &line, qsizetype *position, PrometheusScrape::Labels *labels)
{
    qsizetype at = *position + 1;
    while (true) {
        skipSpaces(line, &at);
        if (at < line.size() && line.at(at) == '}')
            break;
        const QString name = readName(line, &at);
        if (name.isEmpty())
            return QStringLiteral("a label name was expected at column %1").arg(at + 1);
        skipSpaces(line, &at);
        if (at + 1 >= line.size() || line.at(at) != '=' || line.at(at + 1) != '"')
            return QStringLiteral("label %1 has no quoted value").arg(name);
        at += 2;
        QByteArray value;
        while (at < line.size() && line.at(at) != '"') {
            char c = line.at(at);
            if (c == '\\' && at + 1 < line.size()) {
                const char escaped = line.at(++at);
                c = escaped == 'n' ? '\n' : escaped;
            }
            value += c;
            ++at;
        }
        if (at >= line.size())
            return QStringLiteral("the value of label %1 is not closed").arg(name);
        ++at;
        labels->insert(name, QString::fromUtf8(value));
        skipSpaces(line, &at);
        if (at < line.size() && line.at(at) == ',') {
            ++at;
            continue;
        }
        if (at < line.size() && line.at(at) == '}')
            break;
        return QStringLiteral("',' or '}' was expected at column %1").arg(at + 1);
    }
    *position = at + 1;
    return {};
}

} // namespace

Result<PrometheusScrape> PrometheusScrape::parse(const QByteArray &text)
{
    PrometheusScrape scrape;
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype number = 0; number < lines.size(); ++number) {
        const QByteArray line = lines.at(number).trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const auto failed = [number](const QString &why) {
            return Status::badRequest(QStringLiteral("metrics line %1: %2").arg(number + 1).arg(why));
        };
        Sample sample;
        qsizetype position = 0;
        sample.name = readName(line, &position);
        if (sample.name.isEmpty())
            return failed(QStringLiteral("a metric name was expected"));
        if (position < line.size() && line.at(position) == '{') {
            const QString error = readLabels(line, &position, &sample.labels);
            if (!error.isEmpty())
                return failed(error);
        }
        const QList<QByteArray> rest = line.mid(position).simplified().split(' ');
        if (rest.isEmpty() || rest.size() > 2 || rest.first().isEmpty())
            return failed(QStringLiteral("a value (and at most a timestamp) was expected after %1").arg(sample.name));
        const std::optional<double> value = readValue(rest.first());
        if (!value)
            return failed(QStringLiteral("'%1' is not a number").arg(QString::fromUtf8(rest.first().left(40))));
        sample.value = *value;
        scrape.m_samples.append(sample);
    }
    return scrape;
}

QList<PrometheusScrape::Sample> PrometheusScrape::find(const QString &name, const Labels &match) const
{
    QList<Sample> found;
    for (const Sample &sample : m_samples) {
        if (sample.name != name)
            continue;
        bool matches = true;
        for (auto it = match.cbegin(); it != match.cend() && matches; ++it)
            matches = sample.labels.contains(it.key()) && sample.labels.value(it.key()) == it.value();
        if (matches)
            found.append(sample);
    }
    return found;
}

std::optional<double> PrometheusScrape::value(const QString &name, const Labels &labels) const
{
    for (const Sample &sample : m_samples) {
        if (sample.name == name && sample.labels == labels)
            return sample.value;
    }
    return std::nullopt;
}
