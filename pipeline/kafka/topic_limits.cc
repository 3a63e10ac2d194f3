#include "pipeline/kafka/topic_limits.h"

#include <array>
#include <memory>
#include <optional>

#include "pipeline/kafka/kafka_handles.h"

namespace modstream {
namespace {

struct DescribedConfig {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string error_text;
  std::optional<std::string> value;
};

// One config entry of one resource (DescribeConfigs). Throws KafkaSetupError when the request
// itself fails or times out; a resource-level error (e.g. unknown topic) is returned.
DescribedConfig describeConfig(rd_kafka_t* client, rd_kafka_ResourceType_t type,
                               const std::string& name, const std::string& entry, int timeout_ms) {
  std::unique_ptr<rd_kafka_queue_t, RdKafkaDeleter> queue(rd_kafka_queue_new(client));
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> options(
      rd_kafka_AdminOptions_new(client, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS),
      &rd_kafka_AdminOptions_destroy);
  std::array<char, 512> error{};
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, error.data(), error.size());
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(type, name.c_str());
  rd_kafka_DescribeConfigs(client, &resource, 1, options.get(), queue.get());
  rd_kafka_ConfigResource_destroy(resource);

  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> event(
      rd_kafka_queue_poll(queue.get(), timeout_ms + 2000), &rd_kafka_event_destroy);
  if (!event) throw KafkaSetupError("describing the config of '" + name + "' timed out");
  if (rd_kafka_event_error(event.get())) {
    throw KafkaSetupError("cannot describe the config of '" + name +
                          "': " + rd_kafka_event_error_string(event.get()));
  }
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  DescribedConfig described;
  if (count != 1) throw KafkaSetupError("no config described for '" + name + "'");
  described.error = rd_kafka_ConfigResource_error(resources[0]);
  if (described.error) {
    const char* text = rd_kafka_ConfigResource_error_string(resources[0]);
    described.error_text = text ? text : rd_kafka_err2str(described.error);
    return described;
  }
  size_t entries = 0;
  const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(resources[0], &entries);
  for (size_t i = 0; i < entries; ++i) {
    if (entry == rd_kafka_ConfigEntry_name(configs[i]) && rd_kafka_ConfigEntry_value(configs[i])) {
      described.value = rd_kafka_ConfigEntry_value(configs[i]);
    }
  }
  return described;
}

int64_t parseBytes(const std::string& what, const std::optional<std::string>& value) {
  if (!value) throw KafkaSetupError(what + " is not reported by the broker");
  try {
    return std::stoll(*value);
  } catch (const std::exception&) {
    throw KafkaSetupError(what + " is not a number: '" + *value + "'");
  }
}

}  // namespace

int64_t topicMaxMessageBytes(rd_kafka_t* client, const std::string& topic, int timeout_ms) {
  const DescribedConfig described =
      describeConfig(client, RD_KAFKA_RESOURCE_TOPIC, topic, "max.message.bytes", timeout_ms);
  if (described.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return parseBytes("max.message.bytes of topic '" + topic + "'", described.value);
  }
  if (described.error != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    throw KafkaSetupError("cannot read max.message.bytes of topic '" + topic +
                          "': " + described.error_text);
  }
  // Not created yet: it will get the broker's default. Any broker answers for the cluster's.
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(client, 0, nullptr, &metadata, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      !metadata || metadata->broker_cnt == 0) {
    if (metadata) rd_kafka_metadata_destroy(metadata);
    throw KafkaSetupError("topic '" + topic + "' does not exist and no broker answered");
  }
  const std::string broker = std::to_string(metadata->brokers[0].id);
  rd_kafka_metadata_destroy(metadata);
  const DescribedConfig broker_config =
      describeConfig(client, RD_KAFKA_RESOURCE_BROKER, broker, "message.max.bytes", timeout_ms);
  if (broker_config.error) {
    throw KafkaSetupError("topic '" + topic + "' does not exist and broker " + broker +
                          "'s message.max.bytes cannot be read: " + broker_config.error_text);
  }
  return parseBytes("message.max.bytes of broker " + broker, broker_config.value);
}

std::map<std::string, int64_t> topicsMaxMessageBytes(
    const std::string& bootstrap_servers, const std::map<std::string, std::string>& properties,
    const std::vector<std::string>& topics, int timeout_ms) {
  KafkaHandle client = makeKafkaClient(
      RD_KAFKA_PRODUCER, makeKafkaConf({{{"bootstrap.servers", bootstrap_servers}}, properties}));
  std::map<std::string, int64_t> limits;
  for (const auto& topic : topics) {
    if (!limits.contains(topic))
      limits[topic] = topicMaxMessageBytes(client.get(), topic, timeout_ms);
  }
  return limits;
}

}  // namespace modstream
