#pragma once
// OutputProducer publishes output records (takedowns, escalations, dead letters) with librdkafka's
// idempotent producer and reports each delivery to a DeliveryListener, which is how at-least-once
// offset tracking learns that an output is safe.
//
// Threading: publish() may be called from any worker thread. Delivery reports run on the producer's
// own poll thread, owned by this object and joined on destruction.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "pipeline/core/record.h"
#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/output_publisher.h"

namespace modstream {

struct OutputTopicNames {
  std::string takedowns;
  std::string escalations;
  std::string dead_letter;
  std::string shadow;
  // The topic `record` goes to.
  const std::string& name(const OutputRecord& record) const;
};

class OutputProducer final : public OutputPublisher {
 public:
  // Called on the poll thread after each acknowledged record (for metrics), with the topic name.
  using PublishedHook = std::function<void(const std::string& topic, bool ok)>;

  // With a `transactional_id`, the producer is transactional (exactly-once): the constructor
  // initialises transactions (fencing any earlier producer with the same id and aborting its open
  // transaction) and begins the first one; throws KafkaSetupError when that fails.
  OutputProducer(const std::string& bootstrap_servers,
                 const std::map<std::string, std::string>& properties, OutputTopicNames topics,
                 PublishedHook hook = {}, const std::string& transactional_id = "",
                 int transaction_timeout_ms = 10000);
  ~OutputProducer() override;
  OutputProducer(const OutputProducer&) = delete;
  OutputProducer& operator=(const OutputProducer&) = delete;

  bool publish(const OutputRecord& record, std::shared_ptr<DeliveryListener> listener,
               Offset source_offset, const std::atomic<bool>& stop) override;
  bool flush(int timeout_ms) override;
  int outstanding() const override;

  // Fits every dead letter from now on into `topic_max_message_bytes` (the dead-letter topic's
  // max.message.bytes, read from the cluster at start-up) and into the producer's own
  // message.max.bytes, so that a dead letter can always be delivered (fitDeadLetter: a truncated
  // form for records too large). Without it only message.max.bytes applies. Call before the first
  // publish. Throws KafkaSetupError when the limit leaves no room for a dead letter's headers.
  // Returns the largest record batch a dead letter may take.
  size_t limitDeadLetters(int64_t topic_max_message_bytes);

  bool transactional() const { return transactional_; }
  // `group` must come from a KafkaGroupConsumer.
  bool commitTransaction(const std::vector<OffsetToCommit>& offsets,
                         const ConsumerGroupMetadata& group, std::string& error) override;
  void abortTransaction() override;

 private:
  struct DeliveryTag;
  static void onDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);

  OutputTopicNames topics_;
  PublishedHook hook_;
  KafkaHandle producer_;
  bool transactional_ = false;
  // The largest record batch a dead letter may take (set before the first publish, then read only).
  size_t dead_letter_max_bytes_ = 0;
  std::atomic<bool> polling_{true};
  std::thread poll_thread_;
};

}  // namespace modstream
