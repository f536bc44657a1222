// PrometheusText: builds an answer in the Prometheus text exposition format
// (version 0.0.4), as served on GET /metrics.
//
// Samples of one metric family must be added together: the first sample of a
// family writes its "# HELP" and "# TYPE" lines. Label values are escaped
// (backslash, double quote, newline); names are the caller's and must match
// [a-zA-Z_:][a-zA-Z0-9_:]*. Pure; not thread-safe.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include "LatencyHistogram.h"

class PrometheusText
{
public:
    enum class Type { Counter, Gauge, Histogram };
    using Labels = QList<QPair<QString, QString>>;

    static QByteArray contentType() { return QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"); }

    void add(const QString &name, Type type, const QString &help, double value, const Labels &labels = {});
    // name_bucket{le=...}, name_sum and name_count for one label set.
    void addHistogram(const QString &name, const QString &help, const LatencyHistogram &histogram,
                      const Labels &labels = {});

    const QByteArray &text() const { return m_text; }

    static QByteArray formatValue(double value);
    static QByteArray escapeLabelValue(const QString &value);

private:
    void family(const QString &name, Type type, const QString &help);
    void sample(const QString &name, const Labels &labels, double value);

    QByteArray m_text;
    QString m_family;
};
