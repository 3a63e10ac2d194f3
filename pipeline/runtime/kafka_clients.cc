#include "pipeline/runtime/kafka_clients.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "pipeline/kafka/kafka_group_consumer.h"
#include "pipeline/kafka/output_producer.h"
#include "pipeline/kafka/topic_limits.h"

namespace modstream {

std::map<std::string, std::string> producerProperties(
    const PipelineConfig& config, const std::map<std::string, int64_t>& topic_limits) {
  // librdkafka refuses records over message.max.bytes (default 1,000,000) before they reach the
  // broker; a dead letter carries a whole input record of up to limits.max_record_bytes plus its
  // headers. An operator's producer_properties still override this.
  constexpr int64_t kLibrdkafkaDefault = 1000000;
  std::map<std::string, std::string> properties = {
      {"message.max.bytes",
       std::to_string(std::max<int64_t>(
           kLibrdkafkaDefault,
           static_cast<int64_t>(config.limits.max_record_bytes + kDeadLetterHeaderRoomBytes)))}};
  for (const auto& [name, value] : config.kafka.producer_properties) properties[name] = value;
  if (!topic_limits.empty()) {
    int64_t smallest = std::numeric_limits<int64_t>::max();
    for (const auto& [topic, bytes] : topic_limits) smallest = std::min(smallest, bytes);
    // What recordBatchBytes does not count: the produce request's own framing.
    constexpr int64_t kFramingBytes = 512;
    int64_t batch = kLibrdkafkaDefault;
    if (const auto it = properties.find("batch.size"); it != properties.end()) {
      const char* end = it->second.data() + it->second.size();
      if (std::from_chars(it->second.data(), end, batch).ptr != end) {
        return properties;  // not a number: librdkafka rejects it, naming the property
      }
    }
    properties["batch.size"] =
        std::to_string(std::max<int64_t>(1, std::min(batch, smallest - kFramingBytes)));
  }
  return properties;
}

RuntimeClients makeKafkaClients(const PipelineConfig& config, PipelineMetrics& metrics,
                                KafkaClientOptions options) {
  const auto& topics = config.topics;
  std::string transactional_id;
  if (config.processing.guarantee == Guarantee::kExactlyOnce) {
    transactional_id = config.processing.transactional_id;
    if (transactional_id.empty()) {
      char host[256] = {};
      gethostname(host, sizeof(host) - 1);
      transactional_id = config.kafka.group_id + "-" + host;
    }
    spdlog::info(
        "exactly-once: outputs, changelog and offsets commit in transactions of "
        "transactional.id {}",
        transactional_id);
  }
  std::map<std::string, int64_t> topic_limits;
  if (options.read_topic_limits) {
    constexpr int kDescribeTimeoutMs = 15000;
    topic_limits =
        topicsMaxMessageBytes(config.kafka.bootstrap_servers, config.kafka.producer_properties,
                              {topics.takedowns, topics.escalations, topics.dead_letter,
                               topics.reputation_changelog, topics.cases_changelog, topics.shadow},
                              kDescribeTimeoutMs);
  }
  auto producer = std::make_unique<OutputProducer>(
      config.kafka.bootstrap_servers, producerProperties(config, topic_limits),
      OutputTopicNames{topics.takedowns, topics.escalations, topics.dead_letter, topics.shadow},
      [&metrics](const std::string& topic, bool ok) {
        if (ok) {
          metrics.published(topic);
        } else {
          metrics.deliveryFailures().Increment();
        }
      },
      transactional_id, config.processing.transaction_timeout_ms);
  const size_t dead_letter_max =
      options.read_topic_limits ? producer->limitDeadLetters(topic_limits.at(topics.dead_letter))
                                : std::numeric_limits<size_t>::max();
  if (dead_letter_max < config.limits.max_record_bytes + kDeadLetterHeaderRoomBytes) {
    spdlog::warn(
        "topic {} takes records of at most {} bytes, less than limits.max_record_bytes ({}) and "
        "a dead letter's headers: dead letters of larger records carry their first bytes, "
        "SHA-256 and size (config/schemas/dead-letter.md)",
        topics.dead_letter, dead_letter_max, config.limits.max_record_bytes);
  }
  RuntimeClients clients;
  clients.publisher = std::move(producer);
  clients.consumer = std::make_unique<KafkaGroupConsumer>(
      config.kafka.bootstrap_servers, config.kafka.group_id, config.kafka.consumer_properties);
  return clients;
}

}  // namespace modstream
