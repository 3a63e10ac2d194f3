#pragma once
// GroupConsumer: what the runtime needs of one consumer-group member: records of its assigned
// partitions, rebalance and commit events, pause and resume, positions and end offsets, commits.
// The librdkafka implementation is KafkaGroupConsumer (kafka_group_consumer.h); the runtime's unit
// tests drive a fake (tests/support/fake_kafka.h).
//
// Threading: every method, and every event it delivers, runs on the caller's thread (the
// runtime's consumer thread); events are delivered from inside poll(), commit() and close().

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/core/ids.h"
#include "pipeline/core/record.h"
#include "pipeline/kafka/output_publisher.h"

namespace modstream {

// The outcome of committing one partition's offset; `error` is empty when the group stored it.
struct CommitOutcome {
  TopicPartition topic_partition;
  Offset next;
  std::string error;
};

class ConsumerEvents {
 public:
  virtual ~ConsumerEvents() = default;
  // The group gave this member `assigned`. Returns those that must not be fetched yet (their
  // state is not ready, or back-pressure holds every partition); the rest are fetched.
  virtual std::vector<TopicPartition> partitionsAssigned(
      const std::vector<TopicPartition>& assigned) = 0;
  // `revoked` leave this member when this returns. `lost`: the group already moved on without it
  // (a missed heartbeat), so commits for them would be refused.
  virtual void partitionsRevoked(const std::vector<TopicPartition>& revoked, bool lost) = 0;
  // A commit finished: at once for a synchronous one, from a later poll() otherwise.
  virtual void offsetsCommitted(const std::vector<CommitOutcome>& outcomes) = 0;
};

// A consumer error that is not about one record (a broker down, a topic missing).
struct ConsumerError {
  std::string where;  // "topic [partition]", or "(none)"
  std::string message;
  bool fatal = false;  // the client cannot go on
};

struct Polled {
  std::optional<InputRecord> record;
  std::optional<ConsumerError> error;
};

class GroupConsumer {
 public:
  virtual ~GroupConsumer() = default;

  // Joins the group for `topics`, delivering its events to `events` from now on. Returns an
  // error message, empty on success.
  virtual std::string subscribe(const std::vector<std::string>& topics, ConsumerEvents& events) = 0;
  // The next record of an assigned, unpaused partition, a consumer error, or neither after
  // `timeout`.
  virtual Polled poll(std::chrono::milliseconds timeout) = 0;
  virtual void pause(const std::vector<TopicPartition>& partitions) = 0;
  // Fetching restarts at once, where it stopped (at the group's committed offset for a partition
  // not read since it was assigned).
  virtual void resume(const std::vector<TopicPartition>& partitions) = 0;
  // The offset of the next record fetch will return; none before the first fetch.
  virtual std::optional<Offset> position(const TopicPartition& partition) = 0;
  // The partition's end offset (high watermark) as last seen by fetching; none before that.
  virtual std::optional<Offset> endOffset(const TopicPartition& partition) = 0;
  // The group's committed offsets, asked of the broker; partitions without one are left out, and
  // all are when the broker does not answer within `timeout`.
  virtual std::map<TopicPartition, Offset> committed(const std::vector<TopicPartition>& partitions,
                                                     std::chrono::milliseconds timeout) = 0;
  // Commits `offsets`; `sync` waits for the outcome. Either way ConsumerEvents::offsetsCommitted
  // hears it.
  virtual void commit(const std::vector<OffsetToCommit>& offsets, bool sync) = 0;
  // Who this member is, for a transaction that commits its offsets (OutputPublisher).
  virtual std::unique_ptr<ConsumerGroupMetadata> groupMetadata() = 0;
  // Leaves the group; the assignment is revoked through ConsumerEvents first.
  virtual void close() = 0;
};

}  // namespace modstream
