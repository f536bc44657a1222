#include "PrometheusText.h"

#include <QLocale>

#include <cmath>

namespace {

const char *typeName(PrometheusText::Type type)
{
    switch (type) {
    case PrometheusText::Type::Counter: return "counter";
    case PrometheusText::Type::Gauge: return "gauge";
    case PrometheusText::Type::Histogram: return "histogram";
    }
    return "untyped";
}

} // namespace

QByteArray PrometheusText::formatValue(double value)
{
    if (std::isnan(value))
        return QByteArrayLiteral("NaN");
    if (std::isinf(value))
        return value > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    if (value == std::floor(value) && std::fabs(value) < 9.0e15)
        return QByteArray::number(qint64(value));
    // Plain decimals where they stay short ("0.0005", not "5e-04").
    const double magnitude = std::fabs(value);
    const char form = magnitude >= 1e-6 && magnitude < 1e15 ? 'f' : 'g';
    return QString::number(value, form, QLocale::FloatingPointShortest).toLatin1();
}

QByteArray PrometheusText::escapeLabelValue(const QString &value)
{
    QByteArray out;
    for (const char c : value.toUtf8()) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        default: out += c;
        }
    }
    return out;
}

void PrometheusText::family(const QString &name, Type type, const QString &help)
{
    if (name == m_family)
        return;
    m_family = name;
    QString escapedHelp = help;
    escapedHelp.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('\n'), QLatin1String("\\n"));
    m_text += "# HELP " + name.toUtf8() + ' ' + escapedHelp.toUtf8() + '\n';
    m_text += "# TYPE " + name.toUtf8() + ' ' + typeName(type) + '\n';
}

void PrometheusText::sample(const QString &name, const Labels &labels, double value)
{
    m_text += name.toUtf8();
    if (!labels.isEmpty()) {
        m_text += '{';
        for (qsizetype i = 0; i < labels.size(); ++i) {
            if (i > 0)
                m_text += ',';
            m_text += labels.at(i).first.toUtf8() + "=\"" + escapeLabelValue(labels.at(i).second) + '"';
        }
        m_text += '}';
    }
    m_text += ' ' + formatValue(value) + '\n';
}

void PrometheusText::add(const QString &name, Type type, const QString &help, double value, const Labels &labels)
{
    family(name, type, help);
    sample(name, labels, value);
}

void PrometheusText::addHistogram(const QString &name, const QString &help, const LatencyHistogram &histogram,
                                  const Labels &labels)
{
    family(name, Type::Histogram, help);
    const QString bucket = name + QStringLiteral("_bucket");
    for (int i = 0; i <= histogram.bounds().size(); ++i) {
        Labels withBound = labels;
        withBound.append({QStringLiteral("le"), i < histogram.bounds().size()
                                                    ? QString::fromLatin1(formatValue(histogram.bounds().at(i)))
                                                    : QStringLiteral("+Inf")});
        sample(bucket, withBound, double(histogram.cumulativeCount(i)));
    }
    sample(name + QStringLiteral("_sum"), labels, histogram.sum());
    sample(name + QStringLiteral("_count"), labels, double(histogram.count()));
}
