#pragma once
// Runtime: one consumer-group member. It reads the posts and media topics, hands each record to the
// worker that owns its partition, publishes outputs through the idempotent producer, and commits an
// offset only once every record before it is processed and every output acknowledged
// (at-least-once), or commits outputs and offsets in one Kafka transaction (exactly-once, see
// CommitGate). Rebalances drain and commit revoked partitions; back-pressure pauses partitions
// while too many input bytes are in flight. A newly assigned partition stays paused while its
// state is restored on another thread (StateRestorer), and the consumer goes on polling.
//
// Threading: run() is called on one thread (the consumer thread) and returns after stop() or a
// fatal error. stop() and stats() may be called from any thread.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "pipeline/config/pipeline_config.h"
#include "pipeline/core/clock.h"
#include "pipeline/core/partition_observer.h"
#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/output_producer.h"
#include "pipeline/runtime/commit_gate.h"
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

// The consumer properties every group member starts from (the config's consumer_properties
// override them); the passthrough baseline in load-tests/firehose uses the same.
std::map<std::string, std::string> consumerDefaults();

// Room for a dead letter's headers (its own and the original record's) beside the original value.
inline constexpr size_t kDeadLetterHeaderRoomBytes = 64 * 1024;

// The producer's properties: message.max.bytes large enough for a dead letter of a record of up
// to limits.max_record_bytes, then the config's producer_properties over it, then batch.size
// lowered below the smallest max.message.bytes in `topic_limits` (output topic -> bytes): a batch
// of several outputs larger than its topic takes is refused by the broker as a whole. The
// passthrough baseline in load-tests/firehose uses the same.
std::map<std::string, std::string> producerProperties(
    const PipelineConfig& config, const std::map<std::string, int64_t>& topic_limits = {});

struct RuntimeOptions {
  // Read every output topic's max.message.bytes at start-up, to size the producer's batches and
  // the dead letters to them. Off only for librdkafka's mock cluster (the embedded demo), which has
  // no controller to answer DescribeConfigs; its topics take any size librdkafka sends.
  bool read_topic_limits = true;
};

class Runtime {
 public:
  // `observers` learn which partition numbers this process owns (stages with per-partition state).
  // Throws KafkaSetupError when a client cannot be created or an output topic's limits cannot be
  // read or cannot carry a dead letter.
  Runtime(const PipelineConfig& config, WorkerPool::ProcessorFactory make_processor,
          PipelineMetrics& metrics, std::vector<PartitionObserver*> observers = {},
          RuntimeOptions options = {});
  ~Runtime();
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
  static void onRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void onCommit(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                       rd_kafka_topic_partition_list_t* offsets, void* opaque);

  void assign(rd_kafka_topic_partition_list_t* partitions);
  // Pauses newly assigned partitions that wait for their state or for back-pressure to ease and
  // resumes the others.
  void startFetching(rd_kafka_topic_partition_list_t* partitions);
  void revoke(rd_kafka_topic_partition_list_t* partitions);
  void dispatch(KafkaMessage message);
  void applyBackPressure();
  // Resumes the partitions whose state is now restored; stops the runtime if a restore failed.
  void finishRestores();
  // The assigned topic-partitions that wait for their state (`restoring`) or that do not.
  PartitionList assignedWhere(bool restoring) const;
  // Publishes each assigned partition's lag (end offset minus committed offset).
  void updateLag();
  // Restarts fetching of resumed `partitions` at once (at the group's committed offset for one not
  // read since it was assigned).
  void wakeFetcher(rd_kafka_topic_partition_list_t* partitions);
  // A bounded run: true once every bounded partition is done up to its end offset.
  bool reachedEnd();
  // Waits until the given partitions have nothing in flight, or the drain timeout passes.
  bool drain(const std::vector<std::shared_ptr<PartitionState>>& partitions);
  // Commits completed offsets of `partitions` (all assigned ones when empty). Exactly-once
  // commits the transaction instead, with the offsets of every assigned partition.
  void commitCompleted(const std::vector<std::shared_ptr<PartitionState>>& partitions, bool sync);
  void commitTransaction();
  // Exactly-once cannot keep uncommitted work it may no longer commit: abort and stop, so the
  // next owner (or this process restarted) resumes from the committed offsets.
  void abandonTransaction(const std::string& why);
  bool exactlyOnce() const { return gate_ != nullptr; }
  bool anyDeliveryFailed() const;
  std::vector<std::shared_ptr<PartitionState>> assignedStates() const;
  // The worker for partition number `partition` of any input topic: one worker serves a number
  // across topics, so per-partition state is only ever touched by one thread.
  size_t pickWorker(int32_t partition);
  // Drops one topic's claim on a partition number; returns true when no topic holds it any more.
  bool releasePartitionNumber(int32_t partition);

  const PipelineConfig& config_;
  PipelineMetrics& metrics_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<int64_t> in_flight_bytes_{0};
  std::atomic<uint64_t> consumed_{0};
  std::atomic<bool> paused_{false};
  std::atomic<int64_t> peak_in_flight_bytes_{0};
  std::atomic<uint64_t> pauses_{0};
  std::atomic<bool> idle_{true};
  std::atomic<uint64_t> commits_acked_{0};
  std::atomic<size_t> assigned_count_{0};
  std::atomic<bool> joined_{false};
  std::atomic<bool> restoring_{false};
  std::atomic<int64_t> last_poll_ms_{0};  // steady clock

  std::unique_ptr<CommitGate> gate_;  // exactly-once only
  std::atomic<bool> transaction_failed_{false};
  std::unique_ptr<OutputProducer> producer_;
  std::unique_ptr<WorkerPool> workers_;
  KafkaHandle consumer_;
  // Assigned partitions; touched only on the consumer thread (rebalance callbacks run inside poll).
  std::map<TopicPartition, std::shared_ptr<PartitionState>> partitions_;
  std::vector<size_t> worker_load_;  // partition numbers per worker
  struct NumberOwner {
    size_t worker;
    int topics;  // assigned topic-partitions with this number
  };
  std::map<int32_t, NumberOwner> partition_numbers_;
  std::vector<PartitionObserver*> observers_;
  std::unique_ptr<StateRestorer> restorer_;  // only with observers
  std::set<int32_t> restoring_numbers_;      // partition numbers paused for their restore
  // Messages of restoring partitions fetched before their pause took hold, by partition number.
  std::map<int32_t, std::vector<KafkaMessage>> held_;
  std::map<TopicPartition, int64_t> end_offsets_;  // empty: unbounded
  std::atomic<bool> restore_failed_{false};
};

}  // namespace modstream
