#pragma once
// The librdkafka clients of one group member (KafkaGroupConsumer, OutputProducer), configured
// from the pipeline config: the only place the runtime's Kafka implementations are chosen.

#include <map>
#include <string>

#include "pipeline/config/pipeline_config.h"
#include "pipeline/runtime/pipeline_metrics.h"
#include "pipeline/runtime/runtime.h"

namespace modstream {

// Room for a dead letter's headers (its own and the original record's) beside the original value.
inline constexpr size_t kDeadLetterHeaderRoomBytes = 64 * 1024;

// The producer's properties: message.max.bytes large enough for a dead letter of a record of up
// to limits.max_record_bytes, then the config's producer_properties over it, then batch.size
// lowered below the smallest max.message.bytes in `topic_limits` (output topic -> bytes): a batch
// of several outputs larger than its topic takes is refused by the broker as a whole. The
// passthrough baseline in load-tests/firehose uses the same.
std::map<std::string, std::string> producerProperties(
    const PipelineConfig& config, const std::map<std::string, int64_t>& topic_limits = {});

struct KafkaClientOptions {
  // Read every output topic's max.message.bytes at start-up, to size the producer's batches and
  // the dead letters to them. Off only for librdkafka's mock cluster (the embedded demo), which has
  // no controller to answer DescribeConfigs; its topics take any size librdkafka sends.
  bool read_topic_limits = true;
};

// Throws KafkaSetupError when a client cannot be created, or an output topic's limits cannot be
// read or cannot carry a dead letter. Under exactly-once the producer is transactional (its
// transactional.id from processing.transactional_id, or "<group_id>-<host name>").
RuntimeClients makeKafkaClients(const PipelineConfig& config, PipelineMetrics& metrics,
                                KafkaClientOptions options = {});

}  // namespace modstream
