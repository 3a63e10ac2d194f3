// The runtime's shared objects used from several threads at once, as the runtime uses them: the
// consumer thread begins records, a worker finishes them, the producer's delivery thread
// acknowledges outputs (OffsetTracker); workers pass the commit gate while the consumer thread
// closes it for exactly-once commits (CommitGate). Run under ThreadSanitizer by
// `ops/scripts/sanitize.sh tsan`; here they also check the outcome.

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "pipeline/runtime/commit_gate.h"
#include "pipeline/runtime/offset_tracker.h"

using namespace modstream;

namespace {

// A queue between two threads of the test.
class Handoff {
 public:
  void push(int64_t value) {
    {
      std::lock_guard lock(mutex_);
      values_.push_back(value);
    }
    ready_.notify_one();
  }
  int64_t pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !values_.empty(); });
    const int64_t value = values_.front();
    values_.pop_front();
    return value;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<int64_t> values_;
};

}  // namespace

TEST_CASE("offset tracker: consumer, worker and delivery threads at once", "[runtime][threads]") {
  constexpr int64_t kRecords = 20000;
  constexpr int kOutputsPerRecord = 2;
  OffsetTracker tracker;
  Handoff to_worker, to_delivery;
  std::atomic<int64_t> highest_committable{-1};
  std::atomic<bool> went_backwards{false};

  std::thread worker([&] {
    for (int64_t i = 0; i < kRecords; ++i) {
      const int64_t offset = to_worker.pop();
      for (int o = 0; o < kOutputsPerRecord; ++o) to_delivery.push(offset);
      tracker.finish(Offset{offset}, kOutputsPerRecord);
    }
  });
  std::thread delivery([&] {
    for (int64_t i = 0; i < kRecords * kOutputsPerRecord; ++i)
      tracker.acknowledge(Offset{to_delivery.pop()});
  });
  std::thread committer([&] {  // the consumer thread's periodic commit, here on its own
    int64_t committed = -1;
    while (committed < kRecords) {
      if (auto next = tracker.committable(Offset{committed})) {
        if (next->value < committed) went_backwards = true;
        committed = next->value;
        highest_committable = committed;
      }
      std::this_thread::yield();
    }
  });
  for (int64_t offset = 0; offset < kRecords; ++offset) {
    tracker.begin(Offset{offset});
    to_worker.push(offset);
  }
  worker.join();
  delivery.join();
  committer.join();
  CHECK_FALSE(went_backwards);
  CHECK(highest_committable == kRecords);
  CHECK(tracker.inFlight() == 0);
  CHECK_FALSE(tracker.failed());
}

TEST_CASE("commit gate: no worker is inside while the gate is closed", "[runtime][threads]") {
  CommitGate gate;
  std::atomic<int> inside{0};
  std::atomic<bool> seen_inside_while_closed{false};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> passes{0};
  std::vector<std::thread> workers;
  workers.reserve(3);
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&] {
      while (!stop) {
        GatePass pass(&gate);
        inside.fetch_add(1);
        passes.fetch_add(1);
        inside.fetch_sub(1);
      }
    });
  }
  while (passes < 100) std::this_thread::yield();  // every worker is up and passing
  for (int commit = 0; commit < 2000; ++commit) {
    gate.close();
    if (inside.load() != 0) seen_inside_while_closed = true;
    gate.open();
  }
  stop = true;
  for (auto& worker : workers) worker.join();
  CHECK_FALSE(seen_inside_while_closed);
}
