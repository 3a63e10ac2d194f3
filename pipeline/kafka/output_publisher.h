#pragma once
// OutputPublisher: where the workers send outputs (takedowns, escalations, dead letters, changelog
// records), and under exactly-once the transaction that carries them together with the input
// offsets. The runtime sees Kafka only through this and GroupConsumer (group_consumer.h); the
// librdkafka implementation is OutputProducer, and the runtime's unit tests drive a fake
// (tests/support/fake_kafka.h).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/core/ids.h"
#include "pipeline/core/record.h"

namespace modstream {

class DeliveryListener {
 public:
  virtual ~DeliveryListener() = default;
  // Called once per published record, on a thread of the publisher's; ok=false means the broker
  // never acknowledged it (after the client's retries) and it must not be treated as delivered.
  virtual void delivered(Offset source_offset, bool ok, const std::string& reason) = 0;
};

// A commit's content for one input partition: the next offset to read.
struct OffsetToCommit {
  TopicPartition topic_partition;
  Offset next;
};

// The consumer group a transaction commits offsets for (GroupConsumer::groupMetadata); opaque
// outside the client library that made it.
class ConsumerGroupMetadata {
 public:
  virtual ~ConsumerGroupMetadata() = default;
};

class OutputPublisher {
 public:
  virtual ~OutputPublisher() = default;

  // Enqueues `record`; blocks while the client's local queue is full, which is how a slow broker
  // pushes back on workers. Returns false only if `stop` becomes true while waiting or the record
  // cannot be enqueued at all (then `listener` is told it failed).
  virtual bool publish(const OutputRecord& record, std::shared_ptr<DeliveryListener> listener,
                       Offset source_offset, const std::atomic<bool>& stop) = 0;
  // Waits until every enqueued record is acknowledged or `timeout_ms` passes; true when all were.
  virtual bool flush(int timeout_ms) = 0;
  // Records enqueued and not yet acknowledged.
  virtual int outstanding() const = 0;

  // Exactly-once: commits the open transaction with `offsets` for the consumer group `group`, then
  // begins the next one. False with `error` set when it could not be committed; it is then
  // aborted, and the caller must not go on (its outputs since the last commit are gone and its
  // input positions are past them).
  virtual bool commitTransaction(const std::vector<OffsetToCommit>& offsets,
                                 const ConsumerGroupMetadata& group, std::string& error) = 0;
  // Exactly-once: aborts the open transaction (on a failed run, so readers are not held back).
  virtual void abortTransaction() = 0;
};

}  // namespace modstream
