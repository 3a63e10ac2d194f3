#pragma once
// Whole-topic reads and simple batch writes, outside any consumer group. For the demo, tools and
// tests that need to see exactly what a topic holds; the pipeline itself never uses them.

#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "pipeline/config/pipeline_config.h"
#include "pipeline/core/record.h"

typedef struct rd_kafka_message_s rd_kafka_message_t;

namespace modstream {

struct TopicRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;
  std::string value;
  bool tombstone = false;  // a null value (a deletion in a compacted topic)
  std::vector<Header> headers;
  int64_t timestamp_ms = 0;
  std::optional<std::string_view> header(std::string_view name) const;
};

// A consumed message as a TopicRecord.
TopicRecord toTopicRecord(const std::string& topic, rd_kafka_message_t* message);

struct BatchRecord {
  std::string topic;
  std::optional<std::string> key;
  std::string value;
  std::vector<Header> headers;
};

// Reads every partition of `topic` from the beginning up to its high watermark at call time
// (read_committed). Throws KafkaSetupError when the topic cannot be described or read in time.
std::vector<TopicRecord> readWholeTopic(const std::string& bootstrap_servers,
                                        const std::map<std::string, std::string>& properties,
                                        const std::string& topic, int timeout_ms = 30000);

// What compaction keeps of `records` (in offset order): the latest value per key, keys whose
// latest record is a tombstone removed. Records without a key are ignored.
std::map<std::string, std::string> latestByKey(std::vector<TopicRecord> records);

// The number of partitions of `topic`. Throws KafkaSetupError when it does not exist.
int topicPartitionCount(const std::string& bootstrap_servers,
                        const std::map<std::string, std::string>& properties,
                        const std::string& topic, int timeout_ms = 30000);

// Reads one partition from `from_offset` (or the earliest offset still there) up to its high
// watermark at call time, handing each record to `apply` in order, and returns that watermark: the
// offset to start from next time. For restoring state from a changelog: a partition of any size
// is read as long as records keep coming; KafkaSetupError after `timeout_ms` without one. When
// `cancel` is requested it returns early with the offset after the last record applied.
int64_t readPartition(const std::string& bootstrap_servers,
                      const std::map<std::string, std::string>& properties,
                      const std::string& topic, int32_t partition, int64_t from_offset,
                      const std::function<void(const TopicRecord&)>& apply, int timeout_ms = 120000,
                      std::stop_token cancel = {});

// Makes sure the state changelog `changelog` exists with as many partitions as
// `partition_count_topic` (partition p holds the state of input partition p), creating it with
// `topic_config` when missing (a process's first start). Throws KafkaSetupError when it exists
// with another partition count, or cannot be created or described.
void ensureChangelogTopic(const KafkaConfig& kafka, const std::string& changelog,
                          const std::string& partition_count_topic,
                          const std::map<std::string, std::string>& topic_config);

// The next offset to be written to one partition.
int64_t highWatermark(const std::string& bootstrap_servers,
                      const std::map<std::string, std::string>& properties,
                      const std::string& topic, int32_t partition, int timeout_ms = 30000);

// Produces `records` with an idempotent producer and waits for every acknowledgement.
// Throws KafkaSetupError if any record is not acknowledged within `timeout_ms`.
void produceBatch(const std::string& bootstrap_servers,
                  const std::map<std::string, std::string>& properties,
                  const std::vector<BatchRecord>& records, int timeout_ms = 60000);

// The committed offsets of `group` for every partition of `topic` (-1 where none).
std::map<int32_t, int64_t> committedOffsets(const std::string& bootstrap_servers,
                                            const std::map<std::string, std::string>& properties,
                                            const std::string& group, const std::string& topic,
                                            int timeout_ms = 10000);

}  // namespace modstream
