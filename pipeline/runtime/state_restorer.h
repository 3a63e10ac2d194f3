#pragma once
// StateRestorer: brings the per-partition state of PartitionObservers (reputation) up to date on a
// thread of its own, one partition number at a time in the order they were assigned. The runtime
// keeps a restoring partition's input paused and goes on polling, so a rebalance callback returns
// at once however long a restore takes: a big partition stalls neither the records of partitions
// already restored nor the group's next rebalance, which may revoke a partition mid-restore.
//
// Threading: restore(), cancel() and takeFinished() are called on the consumer thread; observers
// run on the restorer's thread.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "pipeline/core/partition_observer.h"

namespace modstream {

class StateRestorer {
 public:
  explicit StateRestorer(std::vector<PartitionObserver*> observers);
  // Cancels the restore running, drops those queued, and joins the thread.
  ~StateRestorer();
  StateRestorer(const StateRestorer&) = delete;
  StateRestorer& operator=(const StateRestorer&) = delete;

  // Queues the restore of partition number `partition` in every observer.
  void restore(Partition partition);
  // Forgets `partition`'s restore: dropped when queued, asked to stop and waited for when running,
  // and its outcome discarded when already finished. Afterwards no observer is restoring it.
  void cancel(Partition partition);

  struct Outcome {
    Partition partition;
    bool ready;  // false: an observer could not restore it
  };
  // The restores finished since the last call, in the order they finished.
  std::vector<Outcome> takeFinished();

 private:
  void work(const std::stop_token& stop);

  std::vector<PartitionObserver*> observers_;
  std::mutex mutex_;
  std::condition_variable_any changed_;
  std::deque<Partition> queued_;
  std::optional<Partition> running_;
  std::stop_source running_stop_;  // for the restore of running_
  std::vector<Outcome> finished_;
  std::jthread thread_;  // last: starts after everything it uses exists
};

}  // namespace modstream
