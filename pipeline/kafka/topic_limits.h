#pragma once
// What the cluster allows on a topic, read once at start-up so that outputs are sized to it
// instead of failing at delivery.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace modstream {

// The largest record batch the cluster accepts on `topic`: the topic's max.message.bytes, or, when
// the topic does not exist yet, the broker's message.max.bytes (what auto-creation gives it).
// `client` is any connected client handle. Throws KafkaSetupError naming the topic when neither
// can be read within `timeout_ms` (e.g. the principal may not DescribeConfigs).
int64_t topicMaxMessageBytes(rd_kafka_t* client, const std::string& topic, int timeout_ms);

// topicMaxMessageBytes of each of `topics`, read with a short-lived client built from
// `properties`. Throws KafkaSetupError.
std::map<std::string, int64_t> topicsMaxMessageBytes(
    const std::string& bootstrap_servers, const std::map<std::string, std::string>& properties,
    const std::vector<std::string>& topics, int timeout_ms);

}  // namespace modstream
