#pragma once
// RAII ownership of librdkafka handles and a checked way to build client configuration, so that a
// bad property fails start-up naming the property instead of being ignored.

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/core/record.h"

namespace modstream {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
  void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};

using KafkaHandle = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, RdKafkaDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, RdKafkaDeleter>;
using KafkaMessage = std::unique_ptr<rd_kafka_message_t, RdKafkaDeleter>;

// Thrown at start-up only (never on the hot path) when a client cannot be configured or created.
class KafkaSetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Applies `properties` in order; later entries override earlier ones. Throws KafkaSetupError naming
// the property and librdkafka's reason.
KafkaConf makeKafkaConf(const std::vector<std::map<std::string, std::string>>& properties);

KafkaHandle makeKafkaClient(rd_kafka_type_t type, KafkaConf conf);

// Start-up check: asks the cluster for metadata with a short-lived client built from `properties`
// and throws KafkaSetupError when no broker answers within `timeout_ms`, naming the bootstrap
// servers and the client's own reason (wrong SASL credentials, an untrusted certificate, a refused
// connection) instead of leaving the process to retry in silence.
void checkClusterReachable(const std::string& bootstrap_servers,
                           const std::map<std::string, std::string>& properties, int timeout_ms);

// Enqueues one record (copying key, value and headers) to `partition`, or to the partitioner's
// choice when none is given. Returns librdkafka's error code; on success `opaque` is handed to the
// delivery report callback.
rd_kafka_resp_err_t produceRecord(rd_kafka_t* producer, const std::string& topic,
                                  const std::optional<std::string>& key, const std::string& value,
                                  const std::vector<Header>& headers, void* opaque,
                                  std::optional<int32_t> partition = std::nullopt,
                                  bool tombstone = false);

// The headers of a consumed message, copied, in order.
std::vector<Header> messageHeaders(rd_kafka_message_t* message);

struct TopicSpec {
  std::string name;
  int partitions = 1;
  std::map<std::string, std::string> config;  // e.g. cleanup.policy=compact
};

// Creates the topics that do not exist yet (an existing topic is not an error). For tests, the demo
// and local runs; production topics are an operator's decision. Throws KafkaSetupError.
void createTopics(const std::string& bootstrap_servers,
                  const std::map<std::string, std::string>& client_properties,
                  const std::vector<TopicSpec>& topics, int timeout_ms = 30000);

}  // namespace modstream
