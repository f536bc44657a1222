#include "MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

#include "ActionController.h"
#include "ActionResultLabel.h"
#include "BackupController.h"
#include "ConnectDialog.h"
#include "ConsoleClient.h"
#include "EventFilterModel.h"
#include "EventModel.h"
#include "LagChartView.h"
#include "MembershipController.h"
#include "PrometheusScrape.h"
#include "TopologyModel.h"
#include "TrafficChartView.h"
#include "UsersView.h"

namespace {

QString clockText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss"));
}

} // namespace

MainWindow::MainWindow(ConsoleClient *client, QWidget *parent)
    : QMainWindow(parent)
    , m_client(client)
    , m_topology(new TopologyModel(this))
    , m_events(new EventModel(5000, this))
    , m_eventFilter(new EventFilterModel(this))
    , m_actions(new ActionController(client, m_topology, this))
    , m_membership(new MembershipController(client, m_topology, this))
    , m_backups(new BackupController(client, this))
{
    m_eventFilter->setSourceModel(m_events);
    const auto confirm = [this](const QString &title, const QString &question) {
        return !m_popups || QMessageBox::question(this, title, question) == QMessageBox::Yes;
    };
    m_actions->setConfirm(confirm);
    m_membership->setConfirm(confirm);
    m_membership->setAskText([this](const QString &title, const QString &label, const QString &proposal) {
        return m_askText(title, label, proposal);
    });
    m_askText = [this](const QString &title, const QString &label, const QString &proposal) -> std::optional<QString> {
        bool ok = false;
        const QString text = QInputDialog::getText(this, title, label, QLineEdit::Normal, proposal, &ok);
        return ok ? std::optional<QString>(text.trimmed()) : std::nullopt;
    };
    buildActions();
    buildLayout();

    connect(m_client, &ConsoleClient::statusReceived, this, &MainWindow::applyStatus);
    connect(m_client, &ConsoleClient::metricsReceived, this, &MainWindow::applyMetrics);
    connect(m_client, &ConsoleClient::eventsReceived, this, [this](const QJsonArray &events) {
        QScrollBar *bar = m_eventView->verticalScrollBar();
        const bool atBottom = bar->value() == bar->maximum();
        m_events->appendEvents(events);
        if (atBottom)
            m_eventView->scrollToBottom();
        // A backup begun, copied a shard or ended, here or elsewhere.
        for (const QJsonValue &event : events) {
            if (event.toObject().value(QStringLiteral("kind")).toString().startsWith(QLatin1String("backup-"))) {
                m_backups->refresh();
                break;
            }
        }
    });
    connect(m_client, &ConsoleClient::routerReachableChanged, this, &MainWindow::setRouterReachable);
    connect(m_client, &ConsoleClient::supervisorChanged, this, &MainWindow::setSupervisor);
    connect(m_actions, &ActionController::started, this, &MainWindow::actionStarted);
    connect(m_actions, &ActionController::finished, this, &MainWindow::actionFinished);
    connect(m_membership, &MembershipController::started, this, &MainWindow::actionStarted);
    connect(m_membership, &MembershipController::finished, this, &MainWindow::actionFinished);
    connect(m_membership, &MembershipController::newMember, this, &MainWindow::showStartCommand);
    connect(m_topology, &TopologyModel::replacementEnded, this, &MainWindow::reportReplacement);
    connect(m_backups, &BackupController::statusChanged, this, [this](const QJsonObject &status, const QString &summary) {
        m_backupLabel->setText(summary);
        m_backupLabel->setVisible(!summary.isEmpty());
        const QString state = status.value(QStringLiteral("state")).toString();
        m_backupLabel->setStyleSheet(state == QLatin1String("failed") ? QStringLiteral("color: #b00020;") : QString());
        if (m_backupStartedHere && (state == QLatin1String("finished") || state == QLatin1String("failed"))) {
            m_backupStartedHere = false;
            actionFinished(QStringLiteral("Back up"), state == QLatin1String("finished"), summary);
        }
        updateActions();
    });
    connect(m_backups, &BackupController::startFailed, this,
            [this](const QString &message) {
                m_backupStartedHere = false;
                actionFinished(QStringLiteral("Back up"), false, message);
            });

    setWindowTitle(QStringLiteral("PeaceDB console — %1").arg(m_client->routerUrl().toString()));
    setRouterReachable(false, QStringLiteral("connecting…"));
    resize(1500, 920);
}

void MainWindow::buildActions()
{
    m_connectAction = new QAction(QStringLiteral("Connect…"), this);
    m_killAction = new QAction(QStringLiteral("Kill node"), this);
    m_killAction->setToolTip(QStringLiteral("SIGKILL the selected member through the router"));
    m_promoteAction = new QAction(QStringLiteral("Promote"), this);
    m_promoteAction->setToolTip(QStringLiteral("Make the selected replica its shard's primary"));
    m_stepDownAction = new QAction(QStringLiteral("Step down"), this);
    m_stepDownAction->setToolTip(QStringLiteral("The selected shard's primary steps down; the best other member is promoted"));
    m_startAction = new QAction(QStringLiteral("Start node"), this);
    m_startAction->setToolTip(QStringLiteral("Start the selected stopped member through the local launcher's supervisor"));
    m_addMemberAction = new QAction(QStringLiteral("Add member…"), this);
    m_removeMemberAction = new QAction(QStringLiteral("Remove member…"), this);
    m_replaceMemberAction = new QAction(QStringLiteral("Replace member…"), this);
    m_backupAction = new QAction(QStringLiteral("Back up…"), this);
    m_backupAction->setToolTip(QStringLiteral("Copy every shard online into a new directory in the router's backup root "
                                              "(docs/backup.md); writes go on meanwhile"));
    m_failoverAction = new QAction(QStringLiteral("Test failover…"), this);
    m_failoverAction->setToolTip(
        QStringLiteral("Write probes to the selected shard, take its primary down, measure the outage and check the writes"));
    m_copyEventsAction = new QAction(QStringLiteral("Copy events"), this);
    m_copyEventsAction->setShortcut(QKeySequence::Copy);
    m_copyEventsAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);

    connect(m_connectAction, &QAction::triggered, this, &MainWindow::showConnectDialog);
    connect(m_killAction, &QAction::triggered, this, &MainWindow::killSelected);
    connect(m_promoteAction, &QAction::triggered, this, &MainWindow::promoteSelected);
    connect(m_stepDownAction, &QAction::triggered, this, &MainWindow::stepDownSelected);
    connect(m_startAction, &QAction::triggered, this, &MainWindow::startSelected);
    connect(m_addMemberAction, &QAction::triggered, this, &MainWindow::addMemberSelected);
    connect(m_removeMemberAction, &QAction::triggered, this, &MainWindow::removeMemberSelected);
    connect(m_replaceMemberAction, &QAction::triggered, this, &MainWindow::replaceMemberSelected);
    connect(m_failoverAction, &QAction::triggered, this, &MainWindow::testFailoverSelected);
    connect(m_copyEventsAction, &QAction::triggered, this, &MainWindow::copySelectedEvents);
    connect(m_backupAction, &QAction::triggered, this, &MainWindow::backUp);

    QToolBar *toolbar = addToolBar(QStringLiteral("Actions"));
    toolbar->setMovable(false);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addAction(m_connectAction);
    QAction *topologySeparator = toolbar->addSeparator();
    toolbar->addActions({m_killAction, m_promoteAction, m_stepDownAction, m_startAction});
    QAction *membershipSeparator = toolbar->addSeparator();
    toolbar->addActions({m_addMemberAction, m_removeMemberAction, m_replaceMemberAction});
    QAction *probeSeparator = toolbar->addSeparator();
    toolbar->addActions({m_failoverAction, m_backupAction});
    m_clusterToolbarActions = {topologySeparator, m_killAction, m_promoteAction, m_stepDownAction, m_startAction,
                               membershipSeparator, m_addMemberAction, m_removeMemberAction, m_replaceMemberAction,
                               probeSeparator, m_failoverAction, m_backupAction};
}

void MainWindow::buildLayout()
{
    m_banner = new QLabel(this);
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fde2e2; color: #7a1010; border: 1px solid #e0a0a0; "
                                           "padding: 6px; font-weight: bold; }"));
    m_banner->hide();

    m_tree = new QTreeView(this);
    m_tree->setModel(m_topology);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setAllColumnsShowFocus(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setMinimumHeight(300);
    m_tree->setStyleSheet(QStringLiteral("QTreeView::item { padding: 3px 8px; }"));
    connect(m_tree, &QWidget::customContextMenuRequested, this, &MainWindow::showTopologyMenu);
    connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this]() {
        const int shard = selectedShard();
        if (shard >= 0 && shard < m_chartShard->count() && m_chartShard->currentIndex() != shard)
            m_chartShard->setCurrentIndex(shard);
        updateActions();
    });
    connect(m_topology, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &parent, int first, int last) {
        if (!parent.isValid()) {
            for (int row = first; row <= last; ++row)
                m_tree->expand(m_topology->shardIndex(row));
            updateShardCombos();
            if (!m_tree->selectionModel()->currentIndex().isValid())
                selectMember(0, -1);
        }
        for (int column = 0; column < TopologyModel::UrlColumn; ++column)
            m_tree->resizeColumnToContents(column);
    });
    connect(m_topology, &QAbstractItemModel::rowsRemoved, this, [this](const QModelIndex &parent) {
        if (!parent.isValid())
            updateShardCombos();
    });

    m_chart = new LagChartView(this);
    m_chartShard = new QComboBox(this);
    m_chartMetric = new QComboBox(this);
    m_chartMetric->addItems({QStringLiteral("Lag in entries"), QStringLiteral("Lag in ms")});
    connect(m_chartShard, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_chart->setShard(qMax(0, index));
        updateChart();
    });
    connect(m_chartMetric, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_chart->setMetric(index == 0 ? LagChartView::Metric::Entries : LagChartView::Metric::Milliseconds);
        updateChart();
    });
    auto *chartBox = new QGroupBox(QStringLiteral("Replication lag, last 3 minutes"), this);
    auto *chartControls = new QHBoxLayout;
    chartControls->addWidget(m_chartShard);
    chartControls->addWidget(m_chartMetric);
    chartControls->addStretch();
    auto *chartLayout = new QVBoxLayout(chartBox);
    chartLayout->addLayout(chartControls);
    chartLayout->addWidget(m_chart);

    m_trafficChart = new TrafficChartView(this);
    m_trafficMetric = new QComboBox(this);
    m_trafficMetric->addItems({QStringLiteral("Writes/s"), QStringLiteral("Reads/s"), QStringLiteral("Errors/s"),
                               QStringLiteral("p99 latency (ms)")});
    m_trafficMetric->setToolTip(QStringLiteral("From the router's /metrics, every 2 s: requests it sent each shard, "
                                               "those without an answer or answered 5xx, and their p99 latency"));
    connect(m_trafficMetric, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_trafficChart->setMetric(TrafficChartView::Metric(qMax(0, index)));
        updateTrafficChart();
    });
    auto *trafficBox = new QGroupBox(QStringLiteral("Traffic per shard, last 5 minutes"), this);
    auto *trafficControls = new QHBoxLayout;
    trafficControls->addWidget(m_trafficMetric);
    trafficControls->addStretch();
    auto *trafficLayout = new QVBoxLayout(trafficBox);
    trafficLayout->addLayout(trafficControls);
    trafficLayout->addWidget(m_trafficChart);

    m_eventView = new QTableView(this);
    m_eventView->setModel(m_eventFilter);
    m_eventView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_eventView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_eventView->verticalHeader()->hide();
    m_eventView->verticalHeader()->setDefaultSectionSize(m_eventView->fontMetrics().height() + 8);
    m_eventView->horizontalHeader()->setStretchLastSection(true);
    m_eventView->setWordWrap(false);
    m_eventView->setAlternatingRowColors(true);
    m_eventView->setColumnWidth(EventModel::TimeColumn, m_eventView->fontMetrics().horizontalAdvance(QStringLiteral("00:00:00.000")) + 16);
    m_eventView->setColumnWidth(EventModel::ShardColumn, 50);
    m_eventView->setColumnWidth(EventModel::KindColumn, 115);
    m_eventView->setColumnWidth(EventModel::NodeColumn, 110);
    m_eventView->setColumnWidth(EventModel::TermColumn, 50);
    m_eventView->setColumnWidth(EventModel::CountColumn, 60);
    m_eventView->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_eventView->addAction(m_copyEventsAction);
    m_eventShard = new QComboBox(this);
    m_eventText = new QLineEdit(this);
    m_eventText->setPlaceholderText(QStringLiteral("filter text"));
    m_eventText->setClearButtonEnabled(true);
    connect(m_eventShard, &QComboBox::currentIndexChanged, this, [this](int index) { m_eventFilter->setShard(index - 1); });
    connect(m_eventText, &QLineEdit::textChanged, m_eventFilter, &EventFilterModel::setText);
    auto *copyButton = new QPushButton(QStringLiteral("Copy"), this);
    copyButton->setToolTip(QStringLiteral("Copy the selected events (all shown if none is selected) as tab-separated text"));
    connect(copyButton, &QPushButton::clicked, this, &MainWindow::copySelectedEvents);
    auto *eventBox = new QGroupBox(QStringLiteral("Event timeline"), this);
    auto *eventControls = new QHBoxLayout;
    eventControls->addWidget(m_eventShard);
    eventControls->addWidget(m_eventText, 1);
    eventControls->addWidget(copyButton);
    auto *eventLayout = new QVBoxLayout(eventBox);
    eventLayout->addLayout(eventControls);
    eventLayout->addWidget(m_eventView);
    updateShardCombos();

    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(trafficBox);
    bottom->addWidget(chartBox);
    bottom->addWidget(eventBox);
    bottom->setStretchFactor(0, 2);
    bottom->setStretchFactor(1, 2);
    bottom->setStretchFactor(2, 3);
    auto *vertical = new QSplitter(Qt::Vertical, this);
    vertical->addWidget(m_tree);
    vertical->addWidget(bottom);
    vertical->setStretchFactor(0, 1);
    vertical->setStretchFactor(1, 1);

    m_usersView = new UsersView(m_client, this);
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(vertical, QStringLiteral("Cluster"));
    m_tabs->addTab(m_usersView, QStringLiteral("Users"));
    m_tabs->setTabToolTip(int(View::Users), QStringLiteral("Users and API keys: who may sign in, with which roles"));
    connect(m_tabs, &QTabWidget::currentChanged, this, [this]() {
        // The toolbar's actions act on the topology's selection.
        for (QAction *action : std::as_const(m_clusterToolbarActions))
            action->setVisible(currentView() == View::Cluster);
    });

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(8, 8, 8, 4);
    layout->addWidget(m_banner);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    m_connectionLabel = new QLabel(this);
    m_actionLabel = new ActionResultLabel(this);
    m_backupLabel = new QLabel(this);
    m_backupLabel->setVisible(false);
    statusBar()->addWidget(m_connectionLabel);
    statusBar()->addWidget(m_backupLabel);
    statusBar()->addPermanentWidget(m_actionLabel, 1);
}

void MainWindow::showView(View view)
{
    m_tabs->setCurrentIndex(int(view));
}

MainWindow::View MainWindow::currentView() const
{
    return View(m_tabs->currentIndex());
}

void MainWindow::setPopups(bool popups)
{
    m_popups = popups;
}

void MainWindow::applyStatus(const QJsonObject &status, qint64 receivedMs)
{
    m_lastStatusMs = receivedMs;
    m_topology->applyStatus(status);
    m_lagHistory.record(receivedMs, status);
    updateChart();
    m_connectionLabel->setText(connectionText());
    updateActions();
}

void MainWindow::applyMetrics(const QByteArray &text, qint64 receivedMs)
{
    const Result<PrometheusScrape> scrape = PrometheusScrape::parse(text);
    if (!scrape.isOk()) {
        m_metricsError = scrape.status().message();
        return;
    }
    m_metricsError.clear();
    m_lastMetricsMs = receivedMs;
    m_trafficHistory.record(receivedMs, scrape.value());
    m_topology->setTraffic(m_trafficHistory);
    // Wide enough for the longest text so far; never narrower, so the
    // column does not jump with every scrape.
    const int wanted = static_cast<const QAbstractItemView *>(m_tree)->sizeHintForColumn(TopologyModel::TrafficColumn);
    if (wanted > m_tree->columnWidth(TopologyModel::TrafficColumn))
        m_tree->setColumnWidth(TopologyModel::TrafficColumn, wanted);
    updateTrafficChart();
}

void MainWindow::setP99ThresholdMs(double milliseconds)
{
    m_topology->setP99ThresholdMs(milliseconds);
    m_trafficChart->setP99ThresholdMs(milliseconds);
}

void MainWindow::setRouterReachable(bool reachable, const QString &error)
{
    if (!reachable && (m_routerReachable || m_unreachableSinceMs == 0))
        m_unreachableSinceMs = QDateTime::currentMSecsSinceEpoch();
    if (reachable && !m_routerReachable)
        m_backups->refresh();
    m_routerReachable = reachable;
    m_routerError = error;
    if (reachable) {
        m_everConnected = true;
        m_unreachableSinceMs = 0;
    }
    m_topology->setStale(!reachable);
    m_tree->setEnabled(reachable);
    m_banner->setVisible(!reachable);
    m_banner->setText(bannerText());
    m_connectionLabel->setText(connectionText());
    m_connectionLabel->setStyleSheet(reachable ? QStringLiteral("QLabel { color: #1a6a1a; }")
                                               : QStringLiteral("QLabel { color: #a01010; font-weight: bold; }"));
    updateActions();
}

QString MainWindow::connectionText() const
{
    const QString router = m_client->routerUrl().toString();
    if (!m_routerReachable)
        return QStringLiteral("✖ Router %1 unreachable: %2 — retrying every %3 ms").arg(router, m_routerError).arg(m_client->pollIntervalMs());
    return QStringLiteral("● Connected to %1 — %2 shards, refreshed %3")
        .arg(router)
        .arg(m_topology->shardCount())
        .arg(QDateTime::fromMSecsSinceEpoch(m_lastStatusMs).toString(QStringLiteral("HH:mm:ss.zzz")));
}

QString MainWindow::bannerText() const
{
    if (m_routerReachable)
        return {};
    const QString head = QStringLiteral("Router %1 is unreachable since %2 (%3).")
                             .arg(m_client->routerUrl().toString(), clockText(m_unreachableSinceMs), m_routerError);
    if (!m_everConnected)
        return head + QStringLiteral(" No cluster state known yet; the console keeps trying.");
    return head + QStringLiteral(" STALE: the view shows the last known state, from %1; the console reconnects by itself.")
                      .arg(clockText(m_lastStatusMs));
}

QString MainWindow::lastActionText() const
{
    return m_actionLabel->text();
}

void MainWindow::setSupervisor(bool reachable, const QJsonArray &processes)
{
    m_supervisorReachable = reachable;
    m_supervisorProcesses = processes;
    m_startAction->setToolTip(reachable ? QStringLiteral("Start the selected stopped member through the local launcher's supervisor")
                                        : QStringLiteral("No local launcher supervisor answers at %1")
                                              .arg(m_client->supervisorUrl().toString()));
    updateActions();
}

QString MainWindow::supervisorState(const QString &name) const
{
    for (const QJsonValue &value : m_supervisorProcesses) {
        const QJsonObject process = value.toObject();
        if (process.value(QStringLiteral("name")).toString() == name)
            return process.value(QStringLiteral("state")).toString();
    }
    return {};
}

int MainWindow::selectedShard() const
{
    return m_topology->shardOf(m_tree->selectionModel()->currentIndex());
}

int MainWindow::selectedMember() const
{
    return m_topology->memberOf(m_tree->selectionModel()->currentIndex());
}

void MainWindow::selectMember(int shard, int member)
{
    const QModelIndex index = member >= 0 ? m_topology->memberIndex(shard, member) : m_topology->shardIndex(shard);
    m_tree->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void MainWindow::updateActions()
{
    const int shard = selectedShard();
    const int member = selectedMember();
    const QJsonObject info = m_topology->memberInfo(shard, member);
    const bool memberReachable = member >= 0 && info.value(QStringLiteral("reachable")).toBool();
    const bool healthy = m_topology->shardInfo(shard).value(QStringLiteral("healthy")).toBool();
    const bool probing = m_probe && m_probe->isRunning();
    m_killAction->setEnabled(m_routerReachable && memberReachable);
    m_promoteAction->setEnabled(m_routerReachable && memberReachable && member != m_topology->primaryMember(shard));
    m_stepDownAction->setEnabled(m_routerReachable && shard >= 0 && healthy);
    m_startAction->setEnabled(m_supervisorReachable && member >= 0
                              && supervisorState(info.value(QStringLiteral("name")).toString()) == QLatin1String("stopped"));
    m_failoverAction->setEnabled(m_routerReachable && shard >= 0 && healthy && !probing);
    // One membership change at a time; each needs the shard's primary.
    const bool replacing = m_topology->isReplacing(shard);
    const bool canChange = m_routerReachable && shard >= 0 && healthy && !replacing;
    m_addMemberAction->setEnabled(canChange);
    m_removeMemberAction->setEnabled(canChange && member >= 0 && m_topology->memberCount(shard) > 1);
    m_replaceMemberAction->setEnabled(canChange && member >= 0);
    if (replacing) {
        const QString busy = QStringLiteral("Shard %1: %2 — one membership change at a time")
                                 .arg(shard)
                                 .arg(m_topology->membershipChange(shard));
        for (QAction *action : {m_addMemberAction, m_removeMemberAction, m_replaceMemberAction})
            action->setToolTip(busy);
    } else {
        m_addMemberAction->setToolTip(QStringLiteral("Add a member to the selected shard: it joins as a learner and "
                                                     "votes once it has caught up; you start its process"));
        m_removeMemberAction->setToolTip(QStringLiteral("Remove the selected member from its shard (a primary hands off "
                                                        "first); stop its process afterwards"));
        m_replaceMemberAction->setToolTip(QStringLiteral("Replace the selected member by a new address: the router adds "
                                                         "it, waits until it has caught up, then removes the selected one"));
    }
    m_backupAction->setEnabled(m_routerReachable && !m_backups->isRunning());
}

QString MainWindow::backupText() const
{
    return m_backupLabel->isVisible() ? m_backupLabel->text() : QString();
}

void MainWindow::backUp()
{
    const QString proposal = QStringLiteral("backup-") + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    const std::optional<QString> target =
        m_askText(QStringLiteral("Back up the cluster"),
                  QStringLiteral("New directory, relative to the router's backup root (or an absolute path inside it):"), proposal);
    if (!target || target->isEmpty())
        return;
    actionStarted(QStringLiteral("Back up into %1").arg(*target));
    m_backupStartedHere = true;
    m_backups->start(*target);
}

void MainWindow::updateShardCombos()
{
    const int shards = m_topology->shardCount();
    if (m_chartShard->count() != shards) {
        const int current = m_chartShard->currentIndex();
        m_chartShard->clear();
        for (int shard = 0; shard < shards; ++shard)
            m_chartShard->addItem(QStringLiteral("Shard %1").arg(shard));
        m_chartShard->setCurrentIndex(qBound(0, current, shards - 1));
    }
    if (m_eventShard->count() != shards + 1) {
        const int current = m_eventShard->currentIndex();
        m_eventShard->clear();
        m_eventShard->addItem(QStringLiteral("All shards"));
        for (int shard = 0; shard < shards; ++shard)
            m_eventShard->addItem(QStringLiteral("Shard %1").arg(shard));
        m_eventShard->setCurrentIndex(qBound(0, current, shards));
    }
}

void MainWindow::updateChart()
{
    m_chart->update(m_lagHistory, m_lastStatusMs);
}

void MainWindow::updateTrafficChart()
{
    m_trafficChart->update(m_trafficHistory, m_lastMetricsMs);
}

void MainWindow::showConnectDialog()
{
    ConnectionSettings current;
    current.router = m_client->routerUrl();
    current.token = m_client->token();
    current.supervisor = ConnectionSettings::load().supervisor;
    current.p99ThresholdMs = m_topology->p99ThresholdMs();
    ConnectDialog dialog(current, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const ConnectionSettings chosen = dialog.settings();
    chosen.save();
    m_client->stop();
    m_client->setRouter(chosen.router, chosen.token);
    m_client->setSupervisor(chosen.supervisor);
    setP99ThresholdMs(chosen.p99ThresholdMs);
    m_events->clear();
    m_lagHistory.clear();
    m_trafficHistory.clear();
    m_topology->setTraffic(m_trafficHistory);
    m_everConnected = false;
    setWindowTitle(QStringLiteral("PeaceDB console — %1").arg(chosen.router.toString()));
    setRouterReachable(false, QStringLiteral("connecting…"));
    m_usersView->resetConnection();
    m_client->start();
}

void MainWindow::killSelected()
{
    if (selectedMember() >= 0)
        m_actions->killNode(selectedShard(), selectedMember());
}

void MainWindow::promoteSelected()
{
    if (selectedMember() >= 0)
        m_actions->promote(selectedShard(), selectedMember());
}

void MainWindow::stepDownSelected()
{
    if (selectedShard() >= 0)
        m_actions->stepDown(selectedShard());
}

void MainWindow::startSelected()
{
    const QString name = m_topology->memberInfo(selectedShard(), selectedMember()).value(QStringLiteral("name")).toString();
    if (!name.isEmpty())
        m_actions->startNode(name);
}

void MainWindow::addMemberSelected()
{
    if (selectedShard() >= 0)
        m_membership->addMember(selectedShard());
}

void MainWindow::removeMemberSelected()
{
    if (selectedMember() >= 0)
        m_membership->removeMember(selectedShard(), selectedMember());
}

void MainWindow::replaceMemberSelected()
{
    if (selectedMember() >= 0)
        m_membership->replaceMember(selectedShard(), selectedMember());
}

void MainWindow::showStartCommand(int shard, int member, const QString &url, const QString &command)
{
    if (!m_popups)
        return;
    const QString name = QStringLiteral("shard%1-node%2").arg(shard).arg(member);
    auto *box = new QMessageBox(QMessageBox::Information, QStringLiteral("Start %1").arg(name),
                                QStringLiteral("The router accepted %1 as member %2 of shard %3. Start its process on %4 "
                                               "(on a local cluster, peacedb-cluster add-member --shard N adds a member "
                                               "and starts it in one step):\n\n%5\n\n%6")
                                    .arg(name)
                                    .arg(member)
                                    .arg(shard)
                                    .arg(url, command, MembershipController::startCommandNote()),
                                QMessageBox::Close, this);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPushButton *copy = box->addButton(QStringLiteral("Copy command"), QMessageBox::AcceptRole);
    connect(copy, &QPushButton::clicked, this, [this, command] {
        QApplication::clipboard()->setText(command);
        statusBar()->showMessage(QStringLiteral("Copied the start command"), 3000);
    });
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

void MainWindow::reportReplacement(int shard, const QJsonObject &replacement)
{
    const QString from = QStringLiteral("shard%1-node%2").arg(shard).arg(replacement.value(QStringLiteral("from")).toInt());
    const bool done = replacement.value(QStringLiteral("state")).toString() == QLatin1String("done");
    actionFinished(QStringLiteral("Replace %1").arg(from), done,
                   done ? QStringLiteral("%1; stop %2's process").arg(TopologyModel::replacementText(shard, replacement), from)
                        : TopologyModel::replacementText(shard, replacement));
}

void MainWindow::testFailoverSelected()
{
    const int shard = selectedShard();
    if (shard < 0)
        return;
    FailoverProbe::Mode mode = FailoverProbe::Mode::Kill;
    if (m_popups) {
        QMessageBox question(QMessageBox::Question, QStringLiteral("Test failover on shard %1").arg(shard),
                             QStringLiteral("Write probe documents to shard %1 through the router, take its primary down, "
                                            "and report the write outage and whether every acknowledged write survived.\n\n"
                                            "How should the primary go down?")
                                 .arg(shard),
                             QMessageBox::Cancel, this);
        QPushButton *kill = question.addButton(QStringLiteral("Kill it"), QMessageBox::AcceptRole);
        QPushButton *stepDown = question.addButton(QStringLiteral("Step it down"), QMessageBox::AcceptRole);
        question.exec();
        if (question.clickedButton() == stepDown)
            mode = FailoverProbe::Mode::StepDown;
        else if (question.clickedButton() != kill)
            return;
    }
    testFailover(shard, mode);
}

FailoverProbe *MainWindow::testFailover(int shard, FailoverProbe::Mode mode)
{
    const int primary = m_topology->primaryMember(shard);
    if ((m_probe && m_probe->isRunning()) || primary < 0)
        return nullptr;
    if (m_probe)
        m_probe->deleteLater();
    FailoverProbe::Options options;
    options.shard = shard;
    options.shardCount = m_topology->shardCount();
    options.mode = mode;
    options.primaryName = m_topology->memberInfo(shard, primary).value(QStringLiteral("name")).toString();
    m_probe = new FailoverProbe(m_client, options, this);
    const QString action = QStringLiteral("Test failover on shard %1 (%2 %3)")
                               .arg(shard)
                               .arg(mode == FailoverProbe::Mode::Kill ? QStringLiteral("kill") : QStringLiteral("step down"),
                                    options.primaryName);
    connect(m_probe, &FailoverProbe::progress, this, [this](const QString &message) {
        statusBar()->showMessage(message, 5000);
    });
    connect(m_probe, &FailoverProbe::finished, this, [this, action](const FailoverProbe::Report &report) {
        actionFinished(action, report.allAcknowledgedSurvived(), report.summary());
    });
    actionStarted(action);
    m_probe->start();
    updateActions();
    return m_probe;
}

void MainWindow::copySelectedEvents()
{
    QList<int> rows;
    for (const QModelIndex &index : m_eventView->selectionModel()->selectedRows())
        rows.append(m_eventFilter->mapToSource(index).row());
    if (rows.isEmpty()) {
        for (int row = 0; row < m_eventFilter->rowCount(); ++row)
            rows.append(m_eventFilter->mapToSource(m_eventFilter->index(row, 0)).row());
    }
    std::sort(rows.begin(), rows.end());
    QStringList lines;
    for (const int row : rows)
        lines.append(m_events->rowText(row));
    QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    statusBar()->showMessage(QStringLiteral("Copied %1 events").arg(lines.size()), 3000);
}

void MainWindow::actionStarted(const QString &action)
{
    m_actionLabel->showStarted(action);
}

void MainWindow::actionFinished(const QString &action, bool ok, const QString &message)
{
    m_actionLabel->showFinished(action, ok, message);
    updateActions();
    m_client->refreshNow();
    const bool probe = action.startsWith(QLatin1String("Test failover"));
    if (m_popups && message != QLatin1String("cancelled") && (!ok || probe)) {
        auto *box = new QMessageBox(ok ? QMessageBox::Information : QMessageBox::Warning, action, message, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setModal(false);
        box->show();
    }
}

void MainWindow::showTopologyMenu(const QPoint &position)
{
    QMenu menu(this);
    menu.addAction(m_killAction);
    menu.addAction(m_promoteAction);
    menu.addAction(m_stepDownAction);
    menu.addAction(m_startAction);
    menu.addSeparator();
    menu.addAction(m_addMemberAction);
    menu.addAction(m_removeMemberAction);
    menu.addAction(m_replaceMemberAction);
    menu.addSeparator();
    menu.addAction(m_failoverAction);
    menu.exec(m_tree->viewport()->mapToGlobal(position));
}
