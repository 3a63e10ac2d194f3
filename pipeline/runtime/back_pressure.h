#pragma once
// BackPressure: when the bytes of records read and not yet done call for pausing every partition,
// and when they have dropped far enough to resume (two thresholds, so it does not flap).
//
// Threading: update() from the consumer thread; paused() from any thread.

#include <atomic>
#include <cstdint>

namespace modstream {

class BackPressure {
 public:
  BackPressure(int64_t pause_above_bytes, int64_t resume_below_bytes)
      : pause_above_(pause_above_bytes), resume_below_(resume_below_bytes) {}

  enum class Change { kNone, kPause, kResume };
  Change update(int64_t in_flight_bytes) {
    if (!paused_ && in_flight_bytes > pause_above_) {
      paused_ = true;
      return Change::kPause;
    }
    if (paused_ && in_flight_bytes < resume_below_) {
      paused_ = false;
      return Change::kResume;
    }
    return Change::kNone;
  }
  bool paused() const { return paused_.load(); }

 private:
  int64_t pause_above_;
  int64_t resume_below_;
  std::atomic<bool> paused_{false};
};

}  // namespace modstream
