#pragma once
// KafkaGroupConsumer: GroupConsumer on librdkafka's high-level consumer, with the workarounds its
// Debian version (2.0.2) needs: pause flags that outlive a rebalance, and resumed partitions that
// are fetched only after an idle broker thread's one-second wait.

#include <map>
#include <set>
#include <string>

#include "pipeline/kafka/group_consumer.h"
#include "pipeline/kafka/kafka_handles.h"

namespace modstream {

// The consumer properties every group member starts from (the config's consumer_properties
// override them); the passthrough baseline in load-tests/firehose uses the same.
std::map<std::string, std::string> consumerDefaults();

// The group metadata of a librdkafka consumer, for OutputProducer::commitTransaction.
class KafkaGroupMetadata final : public ConsumerGroupMetadata {
 public:
  explicit KafkaGroupMetadata(rd_kafka_consumer_group_metadata_t* metadata) : metadata_(metadata) {}
  ~KafkaGroupMetadata() override { rd_kafka_consumer_group_metadata_destroy(metadata_); }
  KafkaGroupMetadata(const KafkaGroupMetadata&) = delete;
  KafkaGroupMetadata& operator=(const KafkaGroupMetadata&) = delete;
  const rd_kafka_consumer_group_metadata_t* get() const { return metadata_; }

 private:
  rd_kafka_consumer_group_metadata_t* metadata_;
};

class KafkaGroupConsumer final : public GroupConsumer {
 public:
  // Starts from consumerDefaults(), bootstrap.servers and group.id; `properties` override them.
  // Throws KafkaSetupError naming a bad property.
  KafkaGroupConsumer(const std::string& bootstrap_servers, const std::string& group_id,
                     const std::map<std::string, std::string>& properties);

  std::string subscribe(const std::vector<std::string>& topics, ConsumerEvents& events) override;
  Polled poll(std::chrono::milliseconds timeout) override;
  void pause(const std::vector<TopicPartition>& partitions) override;
  void resume(const std::vector<TopicPartition>& partitions) override;
  std::optional<Offset> position(const TopicPartition& partition) override;
  std::optional<Offset> endOffset(const TopicPartition& partition) override;
  std::map<TopicPartition, Offset> committed(const std::vector<TopicPartition>& partitions,
                                             std::chrono::milliseconds timeout) override;
  void commit(const std::vector<OffsetToCommit>& offsets, bool sync) override;
  std::unique_ptr<ConsumerGroupMetadata> groupMetadata() override;
  void close() override;

 private:
  static void onRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void onCommit(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                       rd_kafka_topic_partition_list_t* offsets, void* opaque);
  void assigned(rd_kafka_topic_partition_list_t* partitions, bool cooperative);
  void revoked(rd_kafka_topic_partition_list_t* partitions, bool cooperative);
  // Seeks resumed partitions to where they are, which restarts their fetch at once.
  void wakeFetcher(const std::vector<TopicPartition>& partitions);

  KafkaHandle consumer_;
  ConsumerEvents* events_ = nullptr;
  // Partitions a record was returned from since they were assigned.
  std::set<TopicPartition> read_;
};

}  // namespace modstream
