// PrometheusScrape: one answer of GET /metrics read back — every sample of
// a Prometheus text exposition (version 0.0.4, what PrometheusText writes)
// with its name, labels and value — for the console's traffic view.
//
// Comment lines (# HELP, # TYPE, others) are skipped; a timestamp after the
// value is accepted and ignored; label values are unescaped (\\, \", \n).
// A line that is not a sample makes parse() fail with the line's number,
// so a scrape is used whole or not at all. Pure value type; any thread.
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>

#include <optional>

#include "Result.h"

class PrometheusScrape
{
public:
    using Labels = QMap<QString, QString>;

    struct Sample
    {
        QString name;
        Labels labels;
        double value = 0;
    };

    static Result<PrometheusScrape> parse(const QByteArray &text);

    const QList<Sample> &samples() const { return m_samples; }
    // The samples named `name` whose labels include every pair of `match`.
    QList<Sample> find(const QString &name, const Labels &match = {}) const;
    // The value of the sample with exactly these labels; nullopt if none.
    std::optional<double> value(const QString &name, const Labels &labels = {}) const;

private:
    QList<Sample> m_samples;
};
