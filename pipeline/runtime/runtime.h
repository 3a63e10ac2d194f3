#pragma once
// Runtime: one consumer-group member. It reads the input topics, hands each record to the worker
// that owns its partition (PartitionAssignment), publishes outputs through an OutputPublisher,
// and commits (Committer) an offset only once every record before it is processed and every
// output acknowledged (at-least-once), or outputs and offsets in one transaction (exactly-once).
// Rebalances drain and commit revoked partitions; back-pressure pauses partitions while too many
// input bytes are in flight (BackPressure). A newly assigned partition stays paused while its
// state is restored on another thread (StateRestorer), and the consumer goes on polling.
//
// Kafka is reached only through GroupConsumer and OutputPublisher: makeKafkaClients
// (kafka_clients.h) makes the librdkafka ones, the unit tests fakes.
//
// Threading: run() is called on one thread (the consumer thread) and returns after stop() or a
// fatal error. stop() and stats() may be called from any thread.

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "pipeline/config/pipeline_config.h"
#include "pipeline/core/partition_observer.h"
#include "pipeline/kafka/group_consumer.h"
#include "pipeline/kafka/output_publisher.h"
#include "pipeline/runtime/back_pressure.h"
#include "pipeline/runtime/commit_gate.h"
#include "pipeline/runtime/committer.h"
#include "pipeline/runtime/partition_assignment.h"
#include "pipeline/runtime/pipeline_metrics.h"
#include "pipeline/runtime/state_restorer.h"
#include "pipeline/runtime/worker_pool.h"

namespace modstream {

struct RuntimeStats {
  uint64_t consumed = 0;   // records read from input topics
  uint64_t processed = 0;  // records run through the stage chain
  uint64_t committed_partitions = 0;
  size_t assigned_partitions = 0;  // topic-partitions owned now
  int64_t in_flight_bytes = 0;
  int64_t peak_in_flight_bytes = 0;  // the most ever in flight at once
  uint64_t pauses = 0;               // times back-pressure paused the partitions
  bool paused = false;
  // True once nothing is in flight: every record read is processed, acknowledged and committed.
  bool idle = false;
  bool joined = false;        // the group gave this process its first assignment (maybe empty)
  bool restoring = false;     // some partition's state is being restored (its input paused)
  int64_t ms_since_poll = 0;  // since the consumer loop last polled Kafka
  bool stopping = false;
};

enum class ExitStatus {
  kOk = 0,
  kStartupError = 2,
  kDeliveryFailed = 3,
  kKafkaFatal = 4,
  kStateRestoreFailed = 5,
};

// The Kafka clients one member uses. Under exactly-once the publisher is transactional.
struct RuntimeClients {
  std::unique_ptr<OutputPublisher> publisher;
  std::unique_ptr<GroupConsumer> consumer;
};

class Runtime final : private ConsumerEvents {
 public:
  // `observers` learn which partition numbers this process owns (stages with per-partition state).
  Runtime(const PipelineConfig& config, const WorkerPool::ProcessorFactory& make_processor,
          PipelineMetrics& metrics, RuntimeClients clients,
          std::vector<PartitionObserver*> observers = {});
  ~Runtime() override;
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  ExitStatus run();
  void stop() { stop_requested_ = true; }
  // A bounded run (replay): records at or after a partition's end offset are not processed, and
  // run() returns once every bounded partition is processed and committed up to its end. Call
  // before run().
  void setEndOffsets(std::map<TopicPartition, int64_t> end_offsets) {
    end_offsets_ = std::move(end_offsets);
  }
  RuntimeStats stats() const;

 private:
  // ConsumerEvents, from inside the consumer's calls on the consumer thread.
  std::vector<TopicPartition> partitionsAssigned(
      const std::vector<TopicPartition>& assigned) override;
  void partitionsRevoked(const std::vector<TopicPartition>& revoked, bool lost) override;
  void offsetsCommitted(const std::vector<CommitOutcome>& outcomes) override;

  void dispatch(InputRecord record);
  void applyBackPressure();
  // Resumes the partitions whose state is now restored; stops the runtime if a restore failed.
  void finishRestores();
  // The assigned topic-partitions that wait for their state (`restoring`) or that do not.
  std::vector<TopicPartition> assignedWhere(bool restoring) const;
  // A bounded run: true once every bounded partition is done up to its end offset.
  bool reachedEnd();
  // Waits until the given partitions have nothing in flight, or the drain timeout passes.
  bool drain(const std::vector<std::shared_ptr<PartitionState>>& partitions);
  // Commits what is done in `partitions` (every assigned one when empty).
  void commitCompleted(const std::vector<std::shared_ptr<PartitionState>>& partitions, bool sync);
  bool anyDeliveryFailed() const;
  // True when no record is in flight and every done offset is committed.
  bool allDone() const;

  const PipelineConfig& config_;
  PipelineMetrics& metrics_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<int64_t> in_flight_bytes_{0};
  std::atomic<uint64_t> consumed_{0};
  std::atomic<int64_t> peak_in_flight_bytes_{0};
  std::atomic<uint64_t> pauses_{0};
  std::atomic<bool> idle_{true};
  std::atomic<size_t> assigned_count_{0};
  std::atomic<bool> joined_{false};
  std::atomic<bool> restoring_{false};
  std::atomic<int64_t> last_poll_ms_{0};  // steady clock
  std::atomic<bool> restore_failed_{false};

  // Touched only on the consumer thread (consumer events run inside its calls).
  PartitionAssignment assignment_;
  BackPressure back_pressure_;
  std::vector<PartitionObserver*> observers_;
  std::unique_ptr<StateRestorer> restorer_;  // only with observers
  std::set<Partition> restoring_numbers_;    // partition numbers paused for their restore
  // Records of restoring partitions fetched before their pause took hold, by partition number.
  std::map<Partition, std::vector<InputRecord>> held_;
  std::map<TopicPartition, int64_t> end_offsets_;  // empty: unbounded

  // Declared in this order so the consumer goes first and the workers before the publisher.
  std::unique_ptr<CommitGate> gate_;  // exactly-once only
  std::unique_ptr<OutputPublisher> publisher_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<GroupConsumer> consumer_;
  std::unique_ptr<Committer> committer_;
};

}  // namespace modstream
