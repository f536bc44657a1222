// Result<T>: a value or the Status that explains why there is none.
//
// REQUIRES: a Result built from a Status carries an error (not ok).
// Any thread; as cheap to copy as T.
#pragma once

#include "Status.h"

#include <optional>
#include <utility>

template <typename T>
class Result
{
public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Status status) : m_status(std::move(status))
    {
        Q_ASSERT_X(!m_status.isOk(), "Result", "an ok Status carries no value");
        if (m_status.isOk())
            m_status = Status::internal(QStringLiteral("empty result"));
    }

    bool isOk() const { return m_value.has_value(); }
    const Status &status() const { return m_status; }

    // REQUIRES: isOk()
    const T &value() const & { return *m_value; }
    T &value() & { return *m_value; }
    T &&value() && { return std::move(*m_value); }
    const T &operator*() const { return *m_value; }
    T &operator*() { return *m_value; }
    const T *operator->() const { return &*m_value; }
    T *operator->() { return &*m_value; }

private:
    std::optional<T> m_value;
    Status m_status;
};
