#pragma once
// Clock: the only source of "now" for stages and the runtime, injected so tests control time.

#include <chrono>
#include <cstdint>

namespace modstream {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t nowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t nowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace modstream
