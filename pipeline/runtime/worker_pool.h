#pragma once
// WorkerPool: N threads, each with its own queue and its own RecordProcessor. The runtime sends
// every record of a partition to the same worker, so records of one partition are processed in
// order and partitions proceed in parallel. Outputs are published before the record is marked
// finished.
//
// Threading: submit() is called by the consumer thread; everything else happens on the workers.
// PartitionState is shared between the consumer thread, one worker and the producer's poll thread.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "pipeline/core/ids.h"
#include "pipeline/core/record.h"
#include "pipeline/kafka/output_publisher.h"
#include "pipeline/runtime/commit_gate.h"
#include "pipeline/runtime/partition_state.h"
#include "pipeline/runtime/record_processor.h"

namespace modstream {

struct WorkItem {
  std::shared_ptr<PartitionState> partition;
  InputRecord record;
};

class WorkerPool {
 public:
  using ProcessorFactory = std::function<std::unique_ptr<RecordProcessor>()>;

  // With a `gate` (exactly-once), each record is processed and published inside it.
  WorkerPool(size_t threads, const ProcessorFactory& make_processor, OutputPublisher& publisher,
             std::atomic<int64_t>& in_flight_bytes, CommitGate* gate = nullptr);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(WorkItem item);
  size_t size() const { return workers_.size(); }
  // Records processed (outputs enqueued) since start.
  uint64_t processed() const { return processed_.load(); }
  // Stops the threads; records still queued are dropped (they were never committed).
  void stop();

 private:
  struct Worker {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<WorkItem> queue;
    std::unique_ptr<RecordProcessor> processor;
    std::thread thread;
  };
  // Records a worker takes from its queue at once; their stages see them ahead (lookAhead).
  static constexpr size_t kMaxRun = 64;
  void run(Worker& worker);
  void processItem(Worker& worker, const WorkItem& item);

  OutputPublisher& publisher_;
  std::atomic<int64_t>& in_flight_bytes_;
  CommitGate* gate_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> processed_{0};
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace modstream
