// MainWindow: the console's window, in two tabs. "Cluster": topology tree
// on top (one group per shard, one row per member), traffic chart, lag
// chart and event timeline below, actions in a toolbar and a context menu. "Users": the
// users and API keys (UsersView), loaded when the tab is shown. Connection
// state in the status bar.
//
// It wires the client's signals into the models (TopologyModel, EventModel,
// LagHistory, TrafficHistory from the router's /metrics) and the views; it never talks to the network itself. While
// the router does not answer, the topology view is greyed, a banner says
// since when and why, the rows are marked stale, and the client keeps
// polling so the window reconnects by itself. "Back up…" starts a backup of
// the cluster (BackupController); the running or last backup is shown in
// the status bar, also one started elsewhere. "Add member…", "Remove
// member…" and "Replace member…" change a shard's members
// (MembershipController); the topology shows learners and changes in
// progress, and the result label how a replacement seen running ended.
//
// Actions go through an ActionController (and a MembershipController)
// whose confirmation is a modal question by default; tests replace it
// (actions()->setConfirm, membership()->setConfirm; the membership
// controller's URL question is the window's AskText) and call the slots
// directly. Results are shown at the right of the status bar and, when
// `popups` is on, errors, probe reports and the command that starts a new
// member in a non-modal message box.
//
// GUI thread; owns its widgets and models; uses a client owned by the
// caller (which must outlive the window).
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QMainWindow>
#include <QPointer>

#include <functional>
#include <optional>

#include "FailoverProbe.h"
#include "LagHistory.h"
#include "TrafficHistory.h"

class ActionController;
class ActionResultLabel;
class BackupController;
class ConsoleClient;
class EventFilterModel;
class EventModel;
class LagChartView;
class MembershipController;
class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTreeView;
class QTabWidget;
class TopologyModel;
class TrafficChartView;
class UsersView;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    // The tabs, in order.
    enum class View { Cluster, Users };

    explicit MainWindow(ConsoleClient *client, QWidget *parent = nullptr);

    void showView(View view);
    View currentView() const;
    UsersView *usersView() const { return m_usersView; }

    TopologyModel *topologyModel() const { return m_topology; }
    EventModel *eventModel() const { return m_events; }
    EventFilterModel *eventFilter() const { return m_eventFilter; }
    ActionController *actions() const { return m_actions; }
    MembershipController *membership() const { return m_membership; }
    BackupController *backups() const { return m_backups; }
    // How "Back up…" asks for the directory and the membership actions for
    // a new member's URL: a dialog by default; tests answer themselves.
    // nullopt: cancelled.
    using AskText = std::function<std::optional<QString>(const QString &title, const QString &label, const QString &proposal)>;
    void setAskText(AskText ask) { m_askText = std::move(ask); }
    QString backupText() const;
    QTreeView *topologyView() const { return m_tree; }
    const LagHistory &lagHistory() const { return m_lagHistory; }
    const TrafficHistory &trafficHistory() const { return m_trafficHistory; }
    TrafficChartView *trafficChart() const { return m_trafficChart; }
    // A shard whose p99 is above this is flagged (topology) and the
    // latency chart draws it as a line.
    void setP99ThresholdMs(double milliseconds);
    // Why the last scrape of /metrics could not be used; empty if it could.
    QString metricsError() const { return m_metricsError; }

    // Modal confirmations and non-modal result boxes (off for tests).
    void setPopups(bool popups);
    bool isRouterReachable() const { return m_routerReachable; }
    bool isSupervisorReachable() const { return m_supervisorReachable; }
    QString connectionText() const;
    QString bannerText() const;
    QString lastActionText() const;

    void selectMember(int shard, int member);
    // The selected shard/member, -1 if none.
    int selectedShard() const;
    int selectedMember() const;
    // Starts "Test failover" on the shard; nullptr if one is running or the
    // shard has no known primary. The probe belongs to the window.
    FailoverProbe *testFailover(int shard, FailoverProbe::Mode mode);
    FailoverProbe *probe() const { return m_probe; }

public slots:
    void showConnectDialog();
    void killSelected();
    void promoteSelected();
    void stepDownSelected();
    void startSelected();
    void addMemberSelected();
    void removeMemberSelected();
    void replaceMemberSelected();
    void testFailoverSelected();
    void backUp();
    void copySelectedEvents();

private:
    void buildActions();
    void buildLayout();
    void applyStatus(const QJsonObject &status, qint64 receivedMs);
    void applyMetrics(const QByteArray &text, qint64 receivedMs);
    void setRouterReachable(bool reachable, const QString &error);
    void setSupervisor(bool reachable, const QJsonArray &processes);
    void updateActions();
    void updateShardCombos();
    void updateChart();
    void updateTrafficChart();
    void actionStarted(const QString &action);
    void actionFinished(const QString &action, bool ok, const QString &message);
    void showTopologyMenu(const QPoint &position);
    void showStartCommand(int shard, int member, const QString &url, const QString &command);
    void reportReplacement(int shard, const QJsonObject &replacement);
    QString supervisorState(const QString &name) const;

    ConsoleClient *m_client;
    TopologyModel *m_topology;
    EventModel *m_events;
    EventFilterModel *m_eventFilter;
    ActionController *m_actions;
    MembershipController *m_membership;
    BackupController *m_backups;
    AskText m_askText;
    LagHistory m_lagHistory{3 * 60 * 1000};
    TrafficHistory m_trafficHistory{5 * 60 * 1000};
    qint64 m_lastMetricsMs = 0;
    QString m_metricsError;
    QPointer<FailoverProbe> m_probe;

    QTabWidget *m_tabs = nullptr;
    UsersView *m_usersView = nullptr;
    QTreeView *m_tree = nullptr;
    QTableView *m_eventView = nullptr;
    LagChartView *m_chart = nullptr;
    QComboBox *m_chartShard = nullptr;
    QComboBox *m_chartMetric = nullptr;
    TrafficChartView *m_trafficChart = nullptr;
    QComboBox *m_trafficMetric = nullptr;
    QComboBox *m_eventShard = nullptr;
    QLineEdit *m_eventText = nullptr;
    QLabel *m_banner = nullptr;
    QLabel *m_connectionLabel = nullptr;
    ActionResultLabel *m_actionLabel = nullptr;
    QLabel *m_backupLabel = nullptr;

    QAction *m_connectAction = nullptr;
    QAction *m_killAction = nullptr;
    QAction *m_promoteAction = nullptr;
    QAction *m_stepDownAction = nullptr;
    QAction *m_startAction = nullptr;
    QAction *m_addMemberAction = nullptr;
    QAction *m_removeMemberAction = nullptr;
    QAction *m_replaceMemberAction = nullptr;
    QAction *m_failoverAction = nullptr;
    QAction *m_backupAction = nullptr;
    QAction *m_copyEventsAction = nullptr;
    // The toolbar's topology actions and their separators.
    QList<QAction *> m_clusterToolbarActions;

    bool m_popups = true;
    bool m_backupStartedHere = false; // its end is this window's action result
    bool m_routerReachable = false;
    bool m_everConnected = false;
    bool m_supervisorReachable = false;
    QJsonArray m_supervisorProcesses;
    qint64 m_lastStatusMs = 0;
    qint64 m_unreachableSinceMs = 0;
    QString m_routerError;
};
