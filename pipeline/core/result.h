#pragma once
// Result<T>: a value or a RecordError, for hot-path functions that must not throw.
// (std::expected arrives with C++23; this is the subset we need.)

#include <utility>
#include <variant>

#include "pipeline/core/error.h"

namespace modstream {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}            // NOLINT: implicit by design
  Result(RecordError error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const RecordError& error() const { return std::get<RecordError>(state_); }

 private:
  std::variant<T, RecordError> state_;
};

}  // namespace modstream
