// SignalWatcher: turns SIGTERM and SIGINT into a Qt signal on the main
// thread (self-pipe: the handler only writes the signal number to a socket
// pair; a QSocketNotifier reads it in the event loop).
//
// One per process; main thread; owned by the ServerApp.
#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <memory>

class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void terminationRequested(int signalNumber);

private:
    void onReadable();

    std::unique_ptr<QSocketNotifier> m_notifier;
};
