#pragma once
// CommitGate: lets the consumer thread take a consistent cut for an exactly-once commit. Workers
// hold the gate open while they process one record and publish its outputs; close() waits until
// no worker is inside and keeps new records out, so every record is either wholly inside the
// transaction being committed (outputs and offset) or wholly in the next one.
//
// Thread-safety: enter()/leave() from workers, close()/open() from the consumer thread.

#include <condition_variable>
#include <mutex>

namespace modstream {

class CommitGate {
 public:
  void enter() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !closed_; });
    ++inside_;
  }
  void leave() {
    {
      std::lock_guard lock(mutex_);
      --inside_;
    }
    changed_.notify_all();
  }
  void close() {
    std::unique_lock lock(mutex_);
    closed_ = true;
    changed_.wait(lock, [&] { return inside_ == 0; });
  }
  void open() {
    {
      std::lock_guard lock(mutex_);
      closed_ = false;
    }
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int inside_ = 0;
  bool closed_ = false;
};

// Holds a gate open for one record (a no-op without a gate: at-least-once).
class GatePass {
 public:
  explicit GatePass(CommitGate* gate) : gate_(gate) {
    if (gate_) gate_->enter();
  }
  ~GatePass() {
    if (gate_) gate_->leave();
  }
  GatePass(const GatePass&) = delete;
  GatePass& operator=(const GatePass&) = delete;

 private:
  CommitGate* gate_;
};

}  // namespace modstream
