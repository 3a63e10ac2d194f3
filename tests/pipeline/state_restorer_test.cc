// StateRestorer: restores run on its own thread in assignment order, report their outcome once,
// and a cancelled restore (running or queued) stops, reports nothing and is over when cancel()
// returns. Threaded: run under ThreadSanitizer by `ops/scripts/sanitize.sh tsan`.

#include "pipeline/runtime/state_restorer.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

using namespace modstream;

namespace {

// Restores every partition at once except `blocking` ones, which wait for cancellation; `failing`
// ones report failure. Records what ran, in order.
class ScriptedObserver final : public PartitionObserver {
 public:
  ScriptedObserver(std::set<int32_t> blocking, std::set<int32_t> failing)
      : blocking_(std::move(blocking)), failing_(std::move(failing)) {}

  bool partitionsAssigned(const std::vector<Partition>& partitions,
                          std::stop_token cancel) override {
    std::unique_lock lock(mutex_);
    for (const Partition partition : partitions) {
      const int32_t p = partition.value;
      started_.push_back(p);
      changed_.notify_all();
      if (blocking_.count(p)) {
        changed_.wait(lock, cancel, [] { return false; });
        running_after_cancel_ = false;
        return true;
      }
      if (failing_.count(p)) return false;
    }
    return true;
  }
  void partitionsRevoked(const std::vector<Partition>&, bool) override {}

  void waitStarted(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return started_.size() >= count; });
  }
  std::vector<int32_t> started() {
    std::lock_guard lock(mutex_);
    return started_;
  }
  // False once a blocking restore has returned after its cancellation.
  bool runningAfterCancel() {
    std::lock_guard lock(mutex_);
    return running_after_cancel_;
  }

 private:
  std::set<int32_t> blocking_, failing_;
  std::mutex mutex_;
  std::condition_variable_any changed_;
  std::vector<int32_t> started_;
  bool running_after_cancel_ = true;
};

// Waits until `count` outcomes have been reported.
std::vector<StateRestorer::Outcome> outcomes(StateRestorer& restorer, size_t count) {
  std::vector<StateRestorer::Outcome> all;
  for (int i = 0; i < 5000 && all.size() < count; ++i) {
    for (const auto& o : restorer.takeFinished()) all.push_back(o);
    if (all.size() < count) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return all;
}

}  // namespace

TEST_CASE("state restorer: restores in assignment order and reports each outcome once",
          "[runtime][threads]") {
  ScriptedObserver observer({}, {2});
  StateRestorer restorer({&observer});
  for (int32_t p : {3, 1, 2}) restorer.restore(Partition{p});
  const auto done = outcomes(restorer, 3);
  REQUIRE(done.size() == 3);
  CHECK(done[0].partition == Partition{3});
  CHECK(done[0].ready);
  CHECK(done[1].partition == Partition{1});
  CHECK(done[1].ready);
  CHECK(done[2].partition == Partition{2});
  CHECK_FALSE(done[2].ready);
  CHECK(restorer.takeFinished().empty());
  CHECK(observer.started() == std::vector<int32_t>{3, 1, 2});
}

TEST_CASE("state restorer: a cancelled restore is over when cancel returns and reports nothing",
          "[runtime][threads]") {
  ScriptedObserver observer({0}, {});
  StateRestorer restorer({&observer});
  restorer.restore(Partition{0});
  restorer.restore(Partition{1});  // queued behind 0
  restorer.restore(Partition{2});
  observer.waitStarted(1);
  restorer.cancel(Partition{1});  // queued: never runs
  restorer.cancel(Partition{0});  // running: asked to stop, waited for
  CHECK_FALSE(observer.runningAfterCancel());
  const auto done = outcomes(restorer, 1);
  REQUIRE(done.size() == 1);
  CHECK(done[0].partition == Partition{2});
  CHECK(observer.started() == std::vector<int32_t>{0, 2});
}

TEST_CASE("state restorer: destruction cancels a restore that would never end",
          "[runtime][threads]") {
  ScriptedObserver observer({7}, {});
  {
    StateRestorer restorer({&observer});
    restorer.restore(Partition{7});
    restorer.restore(Partition{8});
    observer.waitStarted(1);
  }
  CHECK_FALSE(observer.runningAfterCancel());
  CHECK(observer.started() == std::vector<int32_t>{7});
}
