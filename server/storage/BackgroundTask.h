// BackgroundTask: runs blocking work (making, copying or checking a file)
// on a thread of its own and hands the result to `done` on `receiver`'s
// thread. If the receiver is destroyed first, `done` is not called.
//
// Call from the receiver's thread; the work must not touch the receiver.
#pragma once

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>
#include <optional>

namespace BackgroundTask {

template <typename T>
void run(QObject *receiver, std::function<T()> work, std::function<void(const T &)> done)
{
    auto result = std::make_shared<std::optional<T>>();
    QThread *thread = QThread::create([work, result] { *result = work(); });
    QObject::connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    QObject::connect(thread, &QThread::finished, receiver, [result, done] { done(**result); });
    thread->start();
}

} // namespace BackgroundTask
