#include "pipeline/kafka/topic_io.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "pipeline/kafka/kafka_handles.h"

namespace modstream {
namespace {

int partitionCount(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &metadata, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  if (err) throw KafkaSetupError("cannot describe topic " + topic + ": " + rd_kafka_err2str(err));
  int count = 0;
  if (metadata->topic_cnt == 1 && !metadata->topics[0].err)
    count = metadata->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(metadata);
  if (count == 0) throw KafkaSetupError("topic " + topic + " does not exist");
  return count;
}

KafkaHandle readerFor(const std::string& bootstrap_servers,
                      const std::map<std::string, std::string>& properties) {
  return makeKafkaClient(RD_KAFKA_CONSUMER,
                         makeKafkaConf({{{"bootstrap.servers", bootstrap_servers},
                                         {"group.id", "modstream-topic-reader"},
                                         {"enable.auto.commit", "false"},
                                         {"isolation.level", "read_committed"},
                                         {"enable.partition.eof", "true"}},
                                        properties}));
}

}  // namespace

TopicRecord toTopicRecord(const std::string& topic, rd_kafka_message_t* m) {
  TopicRecord record;
  record.topic = topic;
  record.partition = m->partition;
  record.offset = m->offset;
  if (m->key) record.key = std::string(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) record.value = std::string(static_cast<const char*>(m->payload), m->len);
  record.tombstone = m->payload == nullptr;
  rd_kafka_timestamp_type_t ts_type;
  record.timestamp_ms = rd_kafka_message_timestamp(m, &ts_type);
  record.headers = messageHeaders(m);
  return record;
}

std::optional<std::string_view> TopicRecord::header(std::string_view name) const {
  return findHeader(headers, name);
}

std::vector<TopicRecord> readWholeTopic(const std::string& bootstrap_servers,
                                        const std::map<std::string, std::string>& properties,
                                        const std::string& topic, int timeout_ms) {
  KafkaHandle consumer = readerFor(bootstrap_servers, properties);
  const int partitions = partitionCount(consumer.get(), topic, timeout_ms);
  PartitionList assignment(rd_kafka_topic_partition_list_new(partitions));
  int remaining = 0;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0, high = 0;
    rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), p, &low, &high, timeout_ms);
    if (high > low) {
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
      ++remaining;
    }
  }
  std::vector<TopicRecord> records;
  if (remaining == 0) return records;
  rd_kafka_assign(consumer.get(), assignment.get());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (remaining > 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw KafkaSetupError("reading topic " + topic + " timed out");
    }
    KafkaMessage m(rd_kafka_consumer_poll(consumer.get(), 100));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      --remaining;
      continue;
    }
    if (m->err)
      throw KafkaSetupError("reading topic " + topic + ": " + rd_kafka_message_errstr(m.get()));
    records.push_back(toTopicRecord(topic, m.get()));
  }
  rd_kafka_consumer_close(consumer.get());
  return records;
}

std::map<std::string, std::string> latestByKey(std::vector<TopicRecord> records) {
  std::map<std::string, std::string> latest;
  for (auto& record : records) {
    if (!record.key) continue;
    if (record.tombstone) {
      latest.erase(*record.key);
    } else {
      latest[*record.key] = std::move(record.value);
    }
  }
  return latest;
}

int topicPartitionCount(const std::string& bootstrap_servers,
                        const std::map<std::string, std::string>& properties,
                        const std::string& topic, int timeout_ms) {
  KafkaHandle consumer = readerFor(bootstrap_servers, properties);
  return partitionCount(consumer.get(), topic, timeout_ms);
}

namespace {

// The partition's low and high watermarks. Errors a leader election or a just-created topic cause
// (no leader yet, metadata not propagated) are retried until `timeout_ms` passes.
std::pair<int64_t, int64_t> watermarks(rd_kafka_t* consumer, const std::string& topic,
                                       int32_t partition, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int64_t low = 0, high = 0;
    const auto err = rd_kafka_query_watermark_offsets(consumer, topic.c_str(), partition, &low,
                                                      &high, timeout_ms);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return {low, high};
    const bool transient = err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                           err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                           err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                           err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
    if (!transient || std::chrono::steady_clock::now() > deadline) {
      throw KafkaSetupError("cannot read the offsets of " + topic + " [" +
                            std::to_string(partition) + "]: " + rd_kafka_err2str(err));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

int64_t readPartition(const std::string& bootstrap_servers,
                      const std::map<std::string, std::string>& properties,
                      const std::string& topic, int32_t partition, int64_t from_offset,
                      const std::function<void(const TopicRecord&)>& apply, int timeout_ms,
                      std::stop_token cancel) {
  KafkaHandle consumer = readerFor(bootstrap_servers, properties);
  const auto [low, high] = watermarks(consumer.get(), topic, partition, timeout_ms);
  const int64_t start = std::max(from_offset, low);  // compaction may have removed the start
  if (start >= high) return high;
  PartitionList assignment(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset = start;
  rd_kafka_assign(consumer.get(), assignment.get());
  const auto patience = std::chrono::milliseconds(timeout_ms);
  auto deadline = std::chrono::steady_clock::now() + patience;
  int64_t next = start;
  while (true) {
    if (cancel.stop_requested()) return next;
    if (std::chrono::steady_clock::now() > deadline) {
      throw KafkaSetupError("reading " + topic + " [" + std::to_string(partition) +
                            "]: no record for " + std::to_string(timeout_ms) + " ms at offset " +
                            std::to_string(next) + " of " + std::to_string(high));
    }
    KafkaMessage m(rd_kafka_consumer_poll(consumer.get(), 100));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
    if (m->err) {
      throw KafkaSetupError("reading " + topic + ": " + rd_kafka_message_errstr(m.get()));
    }
    apply(toTopicRecord(topic, m.get()));
    next = m->offset + 1;
    deadline = std::chrono::steady_clock::now() + patience;  // progress: the wait starts again
    if (next >= high) break;
  }
  rd_kafka_consumer_close(consumer.get());
  return high;
}

void ensureChangelogTopic(const KafkaConfig& kafka, const std::string& changelog,
                          const std::string& partition_count_topic,
                          const std::map<std::string, std::string>& topic_config) {
  const int partitions = topicPartitionCount(kafka.bootstrap_servers, kafka.consumer_properties,
                                             partition_count_topic);
  int changelog_partitions = 0;
  try {
    changelog_partitions =
        topicPartitionCount(kafka.bootstrap_servers, kafka.consumer_properties, changelog);
  } catch (const KafkaSetupError&) {  // not there yet: this is the first start
    createTopics(kafka.bootstrap_servers, kafka.producer_properties,
                 {{changelog, partitions, topic_config}});
    // A new topic reaches every broker's metadata a moment after it is created.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (changelog_partitions == 0) {
      try {
        changelog_partitions =
            topicPartitionCount(kafka.bootstrap_servers, kafka.consumer_properties, changelog);
      } catch (const KafkaSetupError&) {
        if (std::chrono::steady_clock::now() > deadline) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  if (changelog_partitions != partitions) {
    throw KafkaSetupError("the changelog topic " + changelog + " has " +
                          std::to_string(changelog_partitions) + " partitions but " +
                          partition_count_topic + " has " + std::to_string(partitions));
  }
}

int64_t highWatermark(const std::string& bootstrap_servers,
                      const std::map<std::string, std::string>& properties,
                      const std::string& topic, int32_t partition, int timeout_ms) {
  KafkaHandle consumer = readerFor(bootstrap_servers, properties);
  return watermarks(consumer.get(), topic, partition, timeout_ms).second;
}

void produceBatch(const std::string& bootstrap_servers,
                  const std::map<std::string, std::string>& properties,
                  const std::vector<BatchRecord>& records, int timeout_ms) {
  std::atomic<int> failures{0};
  // One request in flight: records are often produced to topics created a moment before, and a
  // broker accepts any sequence number from a producer new to a partition. With several requests
  // in flight, a later batch could reach a new partition's log first while the earlier ones were
  // refused (the log not yet open), and their retries were then taken as already written:
  // acknowledged, never stored.
  KafkaConf conf = makeKafkaConf({{{"bootstrap.servers", bootstrap_servers},
                                   {"enable.idempotence", "true"},
                                   {"max.in.flight.requests.per.connection", "1"},
                                   {"linger.ms", "5"}},
                                  properties});
  rd_kafka_conf_set_opaque(conf.get(), &failures);
  rd_kafka_conf_set_dr_msg_cb(conf.get(),
                              [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
                                if (m->err) static_cast<std::atomic<int>*>(opaque)->fetch_add(1);
                              });
  KafkaHandle producer = makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf));
  for (const auto& record : records) {
    while (true) {
      const rd_kafka_resp_err_t err = produceRecord(producer.get(), record.topic, record.key,
                                                    record.value, record.headers, nullptr);
      if (!err) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        throw KafkaSetupError("cannot produce to " + record.topic + ": " + rd_kafka_err2str(err));
      }
      rd_kafka_poll(producer.get(), 10);
    }
    rd_kafka_poll(producer.get(), 0);
  }
  if (rd_kafka_flush(producer.get(), timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaSetupError("producing " + std::to_string(records.size()) + " records timed out");
  }
  if (failures.load() > 0) {
    throw KafkaSetupError(std::to_string(failures.load()) + " records were not acknowledged");
  }
}

std::map<int32_t, int64_t> committedOffsets(const std::string& bootstrap_servers,
                                            const std::map<std::string, std::string>& properties,
                                            const std::string& group, const std::string& topic,
                                            int timeout_ms) {
  KafkaHandle consumer = makeKafkaClient(
      RD_KAFKA_CONSUMER,
      makeKafkaConf({{{"bootstrap.servers", bootstrap_servers}, {"group.id", group}}, properties}));
  const int partitions = partitionCount(consumer.get(), topic, timeout_ms);
  PartitionList list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  if (auto err = rd_kafka_committed(consumer.get(), list.get(), timeout_ms); err) {
    throw KafkaSetupError("cannot read committed offsets of " + group + ": " +
                          rd_kafka_err2str(err));
  }
  std::map<int32_t, int64_t> offsets;
  for (int i = 0; i < list->cnt; ++i) offsets[list->elems[i].partition] = list->elems[i].offset;
  return offsets;
}

}  // namespace modstream
