#include "webhook/webhook_bridge.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "pipeline/core/clock.h"
#include "pipeline/core/dead_letter.h"
#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/topic_io.h"
#include "webhook/webhook_sender.h"

namespace modstream {
namespace {

// An event the endpoint did not accept within the retries: dead-lettered with this class.
constexpr ErrorClass kUndeliverable{"undeliverable"};

std::string eventField(const TopicRecord& record, const char* header) {
  return std::string(record.header(header).value_or(""));
}

// The event's id from its JSON body, or empty for a body that is not a modstream event.
std::string eventIdOf(const std::string& body) {
  const auto event = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object()) return "";
  const auto it = event.find("event_id");
  return it != event.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

WebhookStats WebhookBridge::stats() const {
  return {delivered_.load(), dead_lettered_.load(), attempts_.load()};
}

bool WebhookBridge::pause(int64_t ms) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (stop_) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(ms, 20)));
  }
  return !stop_;
}

int WebhookBridge::run() {
  KafkaHandle consumer = makeKafkaClient(
      RD_KAFKA_CONSUMER,
      makeKafkaConf(
          {{{"auto.offset.reset", "earliest"},
            {"isolation.level", "read_committed"},
            // Offsets are stored by hand once an event is delivered or dead-lettered,
            // and committed in the background from there.
            {"enable.auto.offset.store", "false"},
            {"enable.auto.commit", "true"},
            {"auto.commit.interval.ms", "1000"}},
           {{"bootstrap.servers", config_.bootstrap_servers}, {"group.id", config_.group_id}},
           config_.consumer_properties}));
  rd_kafka_poll_set_consumer(consumer.get());
  PartitionList topics(rd_kafka_topic_partition_list_new(static_cast<int>(config_.topics.size())));
  for (const auto& topic : config_.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (auto err = rd_kafka_subscribe(consumer.get(), topics.get()); err) {
    spdlog::error("webhook: cannot subscribe: {}", rd_kafka_err2str(err));
    return 2;
  }
  spdlog::info("webhook: delivering {} topics to {} as group {}", config_.topics.size(),
               config_.endpoint, config_.group_id);
  WebhookSender sender(config_.endpoint, config_.secret, config_.timeout_ms);
  SystemClock clock;
  std::mt19937 jitter(std::random_device{}());
  int status = 0;
  while (!stop_ && status == 0) {
    KafkaMessage m(rd_kafka_consumer_poll(consumer.get(), 100));
    if (!m) continue;
    if (m->err) {
      spdlog::warn("webhook: consumer error: {}", rd_kafka_message_errstr(m.get()));
      if (m->err == RD_KAFKA_RESP_ERR__FATAL) status = 4;
      continue;
    }
    const TopicRecord record = toTopicRecord(rd_kafka_topic_name(m->rkt), m.get());
    const std::string event_id = eventIdOf(record.value);
    DeliveryAttempt attempt;
    int attempts = 0;
    int64_t backoff = config_.initial_backoff_ms;
    while (true) {
      ++attempts;
      attempts_.fetch_add(1);
      attempt = sender.post(record.value, event_id, eventField(record, "modstream.event_type"),
                            clock.nowMs() / 1000);
      if (attempt.delivered || !attempt.retryable || attempts >= config_.max_attempts) break;
      spdlog::info("webhook: {} {}/{}@{} attempt {} failed ({}); retrying in about {} ms", event_id,
                   record.topic, record.partition, record.offset, attempts, attempt.error, backoff);
      const int64_t wait =
          backoff / 2 + std::uniform_int_distribution<int64_t>(0, backoff / 2)(jitter);
      if (!pause(wait)) break;
      backoff = std::min<int64_t>(backoff * 2, config_.max_backoff_ms);
    }
    if (stop_ && !attempt.delivered) break;  // not stored: delivered again after a restart
    if (attempt.delivered) {
      delivered_.fetch_add(1);
    } else {
      const InputRecord input =
          InputRecord::owning({record.topic, Partition{record.partition}, Offset{record.offset}},
                              record.key, record.value, record.headers, record.timestamp_ms);
      const std::string why = "endpoint " + config_.endpoint + " answered " + attempt.error +
                              " after " + std::to_string(attempts) + " attempt(s)";
      const OutputRecord dead =
          makeDeadLetter(input, RecordError{kUndeliverable, "webhook", why}, clock.nowMs());
      try {
        produceBatch(config_.bootstrap_servers, config_.producer_properties,
                     {BatchRecord{config_.dead_letter_topic, dead.key, dead.value, dead.headers}},
                     30000);
      } catch (const std::exception& e) {
        spdlog::critical(
            "webhook: cannot write the dead letter of {}/{}@{} to {} ({}); stopping "
            "without storing its offset",
            record.topic, record.partition, record.offset, config_.dead_letter_topic, e.what());
        status = 3;
        break;
      }
      dead_lettered_.fetch_add(1);
      spdlog::warn("webhook: {} {}/{}@{} dead-lettered to {}: {}", event_id, record.topic,
                   record.partition, record.offset, config_.dead_letter_topic, why);
    }
    PartitionList done(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(done.get(), record.topic.c_str(), record.partition)->offset =
        record.offset + 1;
    rd_kafka_offsets_store(consumer.get(), done.get());
  }
  rd_kafka_consumer_close(consumer.get());
  spdlog::info("webhook: stopped; {} delivered, {} dead-lettered, {} attempts", delivered_.load(),
               dead_lettered_.load(), attempts_.load());
  return status;
}

}  // namespace modstream
