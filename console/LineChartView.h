// LineChartView: a line chart of values over the last minutes, drawn with
// QPainter — the console's lag and traffic charts (LagChartView,
// TrafficChartView) are this widget with their data put in.
//
// x is seconds before now (timeSpan() seconds back to 0), y a value from 0
// up to a rounded maximum above the highest point (at least
// minimumMaximum()). Each series is a named, coloured line; a NaN value is
// a gap. An optional threshold is a dashed horizontal line with its label.
// The legend sits below the plot. setSeries() only stores and repaints.
// GUI thread; owned by its QWidget parent.
#pragma once

#include <QColor>
#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>

class LineChartView : public QWidget
{
    Q_OBJECT

public:
    struct Series
    {
        QString name;
        QColor color;
        QList<QPointF> points; // (seconds relative to now, <= 0; value)
    };

    explicit LineChartView(QWidget *parent = nullptr);

    // The colour of the index-th series of a chart (a fixed cycle).
    static QColor color(int index);

    void setTitle(const QString &title);
    void setValueTitle(const QString &title);
    void setTimeSpan(double seconds);
    void setMinimumMaximum(double value);
    // NaN: no threshold line.
    void setThreshold(double value, const QString &label);
    void setSeries(const QList<Series> &series);

    QString title() const { return m_title; }
    QString valueTitle() const { return m_valueTitle; }
    double timeSpan() const { return m_timeSpan; }
    const QList<Series> &series() const { return m_series; }
    // The top of the value axis as drawn now.
    double valueMaximum() const;

    QSize minimumSizeHint() const override;

    // Round axis steps: 1, 2 or 5 times a power of ten, about `count` of
    // them up to `maximum`.
    static double tickStep(double maximum, int count);

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_title;
    QString m_valueTitle;
    double m_timeSpan = 60;
    double m_minimumMaximum = 1;
    double m_threshold;
    QString m_thresholdLabel;
    QList<Series> m_series;
};
