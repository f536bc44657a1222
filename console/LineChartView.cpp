#include "LineChartView.h"

#include <QPainter>
#include <QPainterPath>

#include <cmath>
#include <limits>

namespace {

const QList<QColor> kColors{QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28), QColor(0x2c, 0xa0, 0x2c),
                            QColor(0x94, 0x67, 0xbd), QColor(0xff, 0x7f, 0x0e), QColor(0x8c, 0x56, 0x4b)};

QString tickText(double value, double step)
{
    return QString::number(value, 'f', step < 1 ? int(std::ceil(-std::log10(step))) : 0);
}

} // namespace

LineChartView::LineChartView(QWidget *parent)
    : QWidget(parent)
    , m_threshold(std::numeric_limits<double>::quiet_NaN())
{
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
}

QColor LineChartView::color(int index)
{
    return kColors.at(index % kColors.size());
}

void LineChartView::setTitle(const QString &title)
{
    m_title = title;
    update();
}

void LineChartView::setValueTitle(const QString &title)
{
    m_valueTitle = title;
    update();
}

void LineChartView::setTimeSpan(double seconds)
{
    m_timeSpan = qMax(1.0, seconds);
    update();
}

void LineChartView::setMinimumMaximum(double value)
{
    m_minimumMaximum = value;
    update();
}

void LineChartView::setThreshold(double value, const QString &label)
{
    m_threshold = value;
    m_thresholdLabel = label;
    update();
}

void LineChartView::setSeries(const QList<Series> &series)
{
    m_series = series;
    update();
}

double LineChartView::tickStep(double maximum, int count)
{
    const double raw = maximum / qMax(1, count);
    if (raw <= 0)
        return 1;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double factor : {1.0, 2.0, 5.0}) {
        if (raw <= factor * power)
            return factor * power;
    }
    return 10 * power;
}

double LineChartView::valueMaximum() const
{
    double highest = m_minimumMaximum;
    for (const Series &series : m_series) {
        for (const QPointF &point : series.points) {
            if (!std::isnan(point.y()))
                highest = qMax(highest, point.y() * 1.1);
        }
    }
    if (!std::isnan(m_threshold))
        highest = qMax(highest, m_threshold * 1.1);
    const double step = tickStep(highest, 5);
    return std::ceil(highest / step) * step;
}

QSize LineChartView::minimumSizeHint() const
{
    return QSize(260, 200);
}

void LineChartView::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics metrics = fontMetrics();
    const int line = metrics.height();

    // Legend rows below the plot, as many as the names need.
    QList<QList<int>> legendRows{{}};
    int rowWidth = 0;
    for (int index = 0; index < m_series.size(); ++index) {
        const int width = 26 + metrics.horizontalAdvance(m_series.at(index).name) + 14;
        if (rowWidth + width > this->width() - 16 && !legendRows.last().isEmpty()) {
            legendRows.append(QList<int>());
            rowWidth = 0;
        }
        legendRows.last().append(index);
        rowWidth += width;
    }
    const int legendHeight = m_series.isEmpty() ? 0 : int(legendRows.size()) * (line + 4);

    const double maximum = valueMaximum();
    const double valueStep = tickStep(maximum, 5);
    const int labelWidth = metrics.horizontalAdvance(tickText(maximum, valueStep)) + 8;
    const QRectF plot(QPointF(labelWidth + line + 6, line * 2 + 4),
                      QPointF(width() - 12, height() - legendHeight - line * 2 - 10));
    if (plot.width() < 20 || plot.height() < 20)
        return;
    const auto toScreen = [&](const QPointF &point) {
        return QPointF(plot.right() + point.x() / m_timeSpan * plot.width(), plot.bottom() - point.y() / maximum * plot.height());
    };

    QFont bold = font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.setPen(palette().color(QPalette::Text));
    painter.drawText(QRectF(0, 2, width(), line + 4), Qt::AlignHCenter | Qt::AlignVCenter, m_title);
    painter.setFont(font());

    // Grid and axis labels.
    const QColor grid = palette().color(QPalette::Mid).lighter(130);
    const QColor text = palette().color(QPalette::Text);
    for (double value = 0; value <= maximum + valueStep / 2; value += valueStep) {
        const double y = toScreen(QPointF(0, value)).y();
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.setPen(text);
        painter.drawText(QRectF(line + 2, y - line / 2.0, labelWidth - 4, line), Qt::AlignRight | Qt::AlignVCenter,
                         tickText(value, valueStep));
    }
    const double timeStep = tickStep(m_timeSpan, 6);
    for (double seconds = 0; seconds <= m_timeSpan + timeStep / 2; seconds += timeStep) {
        const double x = toScreen(QPointF(-seconds, 0)).x();
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        painter.setPen(text);
        painter.drawText(QRectF(x - 30, plot.bottom() + 2, 60, line), Qt::AlignHCenter | Qt::AlignTop,
                         QString::number(-seconds, 'f', 0));
    }
    painter.drawText(QRectF(plot.left(), plot.bottom() + line + 2, plot.width(), line), Qt::AlignHCenter,
                     QStringLiteral("seconds ago"));
    painter.save();
    painter.translate(2, plot.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-plot.height() / 2, 0, plot.height(), line), Qt::AlignHCenter, m_valueTitle);
    painter.restore();
    painter.setPen(QPen(text, 1));
    painter.drawRect(plot);

    if (!std::isnan(m_threshold)) {
        const double y = toScreen(QPointF(0, m_threshold)).y();
        painter.setPen(QPen(QColor(0xc0, 0x30, 0x30), 1.5, Qt::DashLine));
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.drawText(QRectF(plot.left() + 4, y - line - 1, plot.width() - 8, line), Qt::AlignLeft | Qt::AlignBottom,
                         m_thresholdLabel);
    }

    painter.setClipRect(plot.adjusted(-1, -1, 1, 1));
    for (const Series &series : m_series) {
        QPainterPath path;
        bool drawing = false;
        for (const QPointF &point : series.points) {
            if (std::isnan(point.y())) {
                drawing = false;
                continue;
            }
            const QPointF screen = toScreen(point);
            if (drawing)
                path.lineTo(screen);
            else
                path.moveTo(screen);
            drawing = true;
        }
        painter.setPen(QPen(series.color, 2));
        painter.drawPath(path);
        // A lone point between gaps would not show as a line.
        for (qsizetype i = 0; i < series.points.size(); ++i) {
            const bool alone = !std::isnan(series.points.at(i).y())
                && (i == 0 || std::isnan(series.points.at(i - 1).y()))
                && (i + 1 == series.points.size() || std::isnan(series.points.at(i + 1).y()));
            if (alone)
                painter.drawPoint(toScreen(series.points.at(i)));
        }
    }
    painter.setClipping(false);

    int y = int(plot.bottom()) + line * 2 + 6;
    for (const QList<int> &row : legendRows) {
        int x = int(plot.left());
        for (const int index : row) {
            const Series &series = m_series.at(index);
            painter.setPen(QPen(series.color, 3));
            painter.drawLine(x, y + line / 2, x + 20, y + line / 2);
            painter.setPen(text);
            painter.drawText(x + 26, y, metrics.horizontalAdvance(series.name) + 2, line, Qt::AlignVCenter, series.name);
            x += 26 + metrics.horizontalAdvance(series.name) + 14;
        }
        y += line + 4;
    }
}
