#include "pipeline/kafka/output_producer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "pipeline/core/dead_letter.h"
#include "pipeline/kafka/kafka_group_consumer.h"

namespace modstream {

const std::string& OutputTopicNames::name(const OutputRecord& record) const {
  switch (record.topic) {
    case OutputTopic::kTakedowns:
      return takedowns;
    case OutputTopic::kEscalations:
      return escalations;
    case OutputTopic::kDeadLetter:
      return dead_letter;
    case OutputTopic::kShadow:
      return shadow;
    case OutputTopic::kStateChangelog:
      return record.changelog_topic;
  }
  return dead_letter;
}

namespace {

// Room kept below a size limit for what recordBatchBytes does not count: the produce request's
// own framing.
constexpr size_t kRequestFramingBytes = 512;
// A dead letter's own headers (error class, message, source coordinates, truncation marks) with
// room to spare; a topic that cannot take this much cannot carry dead letters at all.
constexpr size_t kMinDeadLetterBytes = 8192;

size_t producerMessageMaxBytes(rd_kafka_t* producer) {
  std::array<char, 32> value{};
  size_t size = value.size();
  rd_kafka_conf_get(rd_kafka_conf(producer), "message.max.bytes", value.data(), &size);
  return std::stoul(value.data());
}

}  // namespace

struct OutputProducer::DeliveryTag {
  std::shared_ptr<DeliveryListener> listener;
  Offset source_offset;
};

OutputProducer::OutputProducer(const std::string& bootstrap_servers,
                               const std::map<std::string, std::string>& properties,
                               OutputTopicNames topics, PublishedHook hook,
                               const std::string& transactional_id, int transaction_timeout_ms)
    : topics_(std::move(topics)),
      hook_(std::move(hook)),
      transactional_(!transactional_id.empty()) {
  // Defaults first, so an operator's producer_properties can override them.
  const std::map<std::string, std::string> defaults = {
      {"enable.idempotence", "true"},  // no duplicates or reordering from producer retries
      {"acks", "all"},
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
  };
  std::map<std::string, std::string> required = {{"bootstrap.servers", bootstrap_servers}};
  if (transactional_) {
    required["transactional.id"] = transactional_id;
    required["transaction.timeout.ms"] = std::to_string(transaction_timeout_ms);
    // librdkafka requires socket.timeout.ms <= transaction.timeout.ms.
    required["socket.timeout.ms"] = std::to_string(std::min(60000, transaction_timeout_ms));
  }
  KafkaConf conf = makeKafkaConf({defaults, required, properties});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &OutputProducer::onDelivery);
  rd_kafka_conf_set_opaque(conf.get(), this);
  producer_ = makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf));
  if (transactional_) {
    const int timeout_ms = std::max(30000, 2 * transaction_timeout_ms);
    if (rd_kafka_error_t* error = rd_kafka_init_transactions(producer_.get(), timeout_ms)) {
      const std::string message = rd_kafka_error_string(error);
      rd_kafka_error_destroy(error);
      throw KafkaSetupError("cannot initialise transactions for transactional.id '" +
                            transactional_id + "': " + message);
    }
    if (rd_kafka_error_t* error = rd_kafka_begin_transaction(producer_.get())) {
      const std::string message = rd_kafka_error_string(error);
      rd_kafka_error_destroy(error);
      throw KafkaSetupError("cannot begin a transaction: " + message);
    }
  }
  dead_letter_max_bytes_ = producerMessageMaxBytes(producer_.get()) - kRequestFramingBytes;
  poll_thread_ = std::thread([this] {
    while (polling_.load()) rd_kafka_poll(producer_.get(), 50);
  });
}

OutputProducer::~OutputProducer() {
  rd_kafka_flush(producer_.get(), 10000);
  polling_ = false;
  poll_thread_.join();
  // Anything still queued is purged so its DeliveryTags are reported (and freed) before destroy.
  rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(producer_.get(), 0);
}

void OutputProducer::onDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message,
                                void* opaque) {
  auto* self = static_cast<OutputProducer*>(opaque);
  std::unique_ptr<DeliveryTag> tag(static_cast<DeliveryTag*>(message->_private));
  const bool ok = message->err == RD_KAFKA_RESP_ERR_NO_ERROR;
  const std::string topic = message->rkt ? rd_kafka_topic_name(message->rkt) : "";
  if (!ok) {
    spdlog::error("output to topic {} was not delivered: {}", topic,
                  rd_kafka_err2str(message->err));
  }
  if (self->hook_) self->hook_(topic, ok);
  if (tag && tag->listener) {
    tag->listener->delivered(tag->source_offset, ok, ok ? "" : rd_kafka_err2str(message->err));
  }
}

size_t OutputProducer::limitDeadLetters(int64_t topic_max) {
  const size_t producer_max = producerMessageMaxBytes(producer_.get());
  const size_t limit = std::min(static_cast<size_t>(std::max<int64_t>(topic_max, 0)), producer_max);
  if (limit < kMinDeadLetterBytes + kRequestFramingBytes) {
    throw KafkaSetupError("the dead-letter topic '" + topics_.dead_letter +
                          "' takes records of at most " + std::to_string(limit) +
                          " bytes (max.message.bytes " + std::to_string(topic_max) +
                          ", producer message.max.bytes " + std::to_string(producer_max) +
                          "); a dead letter needs at least " +
                          std::to_string(kMinDeadLetterBytes + kRequestFramingBytes));
  }
  dead_letter_max_bytes_ = limit - kRequestFramingBytes;
  return dead_letter_max_bytes_;
}

bool OutputProducer::publish(const OutputRecord& original,
                             std::shared_ptr<DeliveryListener> listener, Offset source_offset,
                             const std::atomic<bool>& stop) {
  const OutputRecord* to_send = &original;
  std::optional<OutputRecord> fitted;
  if (original.topic == OutputTopic::kDeadLetter &&
      recordBatchBytes(original) > dead_letter_max_bytes_) {
    fitted = original;
    fitDeadLetter(*fitted, dead_letter_max_bytes_);
    to_send = &*fitted;
    auto header = [&](std::string_view name) { return original.header(name).value_or("?"); };
    namespace dl = dead_letter_header;
    spdlog::warn(
        "dead letter of {}/{}/{} truncated from {} to {} value bytes to fit topic {} (at most {} "
        "bytes a record); its SHA-256 and original size are in its headers",
        header(dl::kSourceTopic), header(dl::kSourcePartition), header(dl::kSourceOffset),
        original.value.size(), fitted->value.size(), topics_.dead_letter, dead_letter_max_bytes_);
  }
  const OutputRecord& record = *to_send;
  const std::string& topic = topics_.name(record);
  auto tag = std::make_unique<DeliveryTag>(DeliveryTag{std::move(listener), source_offset});
  while (true) {
    const rd_kafka_resp_err_t err =
        produceRecord(producer_.get(), topic, record.key, record.value, record.headers, tag.get(),
                      record.partition, record.tombstone);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      static_cast<void>(tag.release());  // now owned by the delivery report
      return true;
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    spdlog::error("cannot enqueue output to topic {}: {}", topic, rd_kafka_err2str(err));
    if (tag->listener) tag->listener->delivered(source_offset, false, rd_kafka_err2str(err));
    return false;
  }
}

bool OutputProducer::flush(int timeout_ms) {
  return rd_kafka_flush(producer_.get(), timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

int OutputProducer::outstanding() const {
  return rd_kafka_outq_len(producer_.get());
}

namespace {

// Takes ownership of `error`: its message, or empty when there was none.
std::string consume(rd_kafka_error_t* error) {
  if (!error) return "";
  std::string message = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  return message;
}

}  // namespace

bool OutputProducer::commitTransaction(const std::vector<OffsetToCommit>& offsets,
                                       const ConsumerGroupMetadata& group, std::string& error) {
  constexpr int kTimeoutMs = 60000;
  if (!offsets.empty()) {
    const auto* kafka_group = dynamic_cast<const KafkaGroupMetadata*>(&group);
    if (!kafka_group) {
      error = "the consumer group metadata is not a librdkafka consumer's";
      abortTransaction();
      return false;
    }
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const auto& [tp, next] : offsets) {
      rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value)->offset =
          next.value;
    }
    error = consume(rd_kafka_send_offsets_to_transaction(producer_.get(), list.get(),
                                                         kafka_group->get(), kTimeoutMs));
  }
  if (error.empty()) error = consume(rd_kafka_commit_transaction(producer_.get(), kTimeoutMs));
  if (!error.empty()) {
    abortTransaction();
    return false;
  }
  error = consume(rd_kafka_begin_transaction(producer_.get()));
  return error.empty();
}

void OutputProducer::abortTransaction() {
  if (const std::string error = consume(rd_kafka_abort_transaction(producer_.get(), 30000));
      !error.empty()) {
    spdlog::error(
        "aborting the transaction failed: {} (the broker aborts it after "
        "transaction.timeout.ms)",
        error);
  }
}

}  // namespace modstream
