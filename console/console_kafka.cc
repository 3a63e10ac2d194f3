#include "console/console_kafka.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

namespace modstream {
namespace {

// One send's answer, handed from the delivery callback to the waiting request.
struct Delivery {
  std::promise<std::pair<rd_kafka_resp_err_t, WrittenAt>> answer;
};

void onDelivery(rd_kafka_t* /*producer*/, const rd_kafka_message_t* message, void* /*opaque*/) {
  auto* delivery = static_cast<Delivery*>(message->_private);
  if (!delivery) return;
  delivery->answer.set_value({message->err, WrittenAt{rd_kafka_topic_name(message->rkt),
                                                      message->partition, message->offset}});
}

}  // namespace

RecordWriter::RecordWriter(const std::string& bootstrap_servers,
                           const std::map<std::string, std::string>& properties) {
  KafkaConf conf = makeKafkaConf({{{"bootstrap.servers", bootstrap_servers},
                                   {"enable.idempotence", "true"},
                                   {"acks", "all"},
                                   {"linger.ms", "0"}},
                                  properties});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &onDelivery);
  producer_ = makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf));
  poller_ = std::thread([this] {
    while (!stop_) rd_kafka_poll(producer_.get(), 100);
  });
}

RecordWriter::~RecordWriter() {
  rd_kafka_flush(producer_.get(), 5000);
  stop_ = true;
  poller_.join();
}

std::optional<WrittenAt> RecordWriter::send(const std::string& topic, const std::string& key,
                                            const std::string& value, std::string& error,
                                            int timeout_ms) {
  auto delivery = std::make_unique<Delivery>();
  auto answer = delivery->answer.get_future();
  const rd_kafka_resp_err_t enqueued =
      produceRecord(producer_.get(), topic, key, value, {}, delivery.get());
  if (enqueued != RD_KAFKA_RESP_ERR_NO_ERROR) {
    error = rd_kafka_err2str(enqueued);
    return std::nullopt;
  }
  // The callback owns the answer from here; it always runs (librdkafka reports every message,
  // a timed-out one with an error), so the Delivery is released after it.
  Delivery* owned = delivery.release();
  if (answer.wait_for(std::chrono::milliseconds(timeout_ms)) != std::future_status::ready) {
    error = "no answer from the broker in " + std::to_string(timeout_ms) + " ms";
    // Still owned by the pending callback: leaked only if librdkafka never reports, which it does.
    std::thread([owned, answer = std::move(answer)]() mutable {
      answer.wait();
      delete owned;
    }).detach();
    return std::nullopt;
  }
  auto [err, at] = answer.get();
  delete owned;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    error = rd_kafka_err2str(err);
    return std::nullopt;
  }
  return at;
}

RecordReader::RecordReader(const std::string& bootstrap_servers,
                           const std::map<std::string, std::string>& properties)
    : consumer_(makeKafkaClient(RD_KAFKA_CONSUMER,
                                makeKafkaConf({{{"bootstrap.servers", bootstrap_servers},
                                                {"group.id", "modstream-console-reader"},
                                                {"enable.auto.commit", "false"},
                                                {"isolation.level", "read_committed"},
                                                {"enable.partition.eof", "true"}},
                                               properties}))) {}

RecordReader::~RecordReader() {
  rd_kafka_consumer_close(consumer_.get());
}

std::optional<TopicRecord> RecordReader::read(const std::string& topic, int32_t partition,
                                              int64_t offset, int timeout_ms) {
  std::lock_guard lock(mutex_);
  PartitionList assignment(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset = offset;
  if (rd_kafka_assign(consumer_.get(), assignment.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  std::optional<TopicRecord> found;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    KafkaMessage message(rd_kafka_consumer_poll(consumer_.get(), 100));
    if (!message) continue;
    if (message->err) break;  // the end of the partition, or an error: not there
    // A later offset means the record itself is gone (compacted or past retention).
    if (message->offset == offset) found = toTopicRecord(topic, message.get());
    break;
  }
  rd_kafka_assign(consumer_.get(), nullptr);
  return found;
}

TopicFollower::TopicFollower(const std::string& bootstrap_servers,
                             const std::map<std::string, std::string>& properties,
                             const std::vector<std::string>& topics, Apply apply)
    : apply_(std::move(apply)) {
  PartitionList assignment(rd_kafka_topic_partition_list_new(0));
  for (const auto& topic : topics) {
    const int partitions = topicPartitionCount(bootstrap_servers, properties, topic);
    for (int32_t p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
      start_ends_[{topic, p}] = highWatermark(bootstrap_servers, properties, topic, p);
      next_[{topic, p}] = 0;
    }
  }
  consumer_ =
      makeKafkaClient(RD_KAFKA_CONSUMER, makeKafkaConf({{{"bootstrap.servers", bootstrap_servers},
                                                         {"group.id", "modstream-console-reader"},
                                                         {"enable.auto.commit", "false"},
                                                         {"isolation.level", "read_committed"},
                                                         {"enable.partition.eof", "true"}},
                                                        properties}));
  if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer_.get(), assignment.get())) {
    throw KafkaSetupError(std::string("cannot read the console's topics: ") +
                          rd_kafka_err2str(err));
  }
  reader_ = std::thread([this] { run(); });
}

TopicFollower::~TopicFollower() {
  stop_ = true;
  applied_changed_.notify_all();
  reader_.join();
  rd_kafka_consumer_close(consumer_.get());
}

void TopicFollower::run() {
  while (!stop_) {
    KafkaMessage message(rd_kafka_consumer_poll(consumer_.get(), 100));
    if (!message) continue;
    const std::string topic = message->rkt ? rd_kafka_topic_name(message->rkt) : "";
    if (message->err) {
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        // Past every record and transaction marker there was: what the start saw is applied.
        std::lock_guard lock(mutex_);
        reached_end_.insert({topic, message->partition});
        continue;
      }
      std::lock_guard lock(mutex_);
      last_error_ = rd_kafka_message_errstr(message.get());
      spdlog::warn("console: reading {}: {}", topic, last_error_);
      continue;
    }
    const TopicRecord record = toTopicRecord(topic, message.get());
    try {
      apply_(record);
    } catch (const std::exception& e) {
      // A record the console cannot use is skipped, named, and never stops the queue.
      spdlog::warn("console: record {}/{}@{} skipped: {}", topic, record.partition, record.offset,
                   e.what());
    }
    {
      std::lock_guard lock(mutex_);
      next_[{topic, record.partition}] = record.offset + 1;
    }
    applied_changed_.notify_all();
  }
}

bool TopicFollower::caughtUp() const {
  std::lock_guard lock(mutex_);
  for (const auto& [where, end] : start_ends_) {
    // Transaction markers take offsets too, so the last record may end before the watermark: a
    // partition also counts as read once the consumer reported reaching its end.
    const auto next = next_.find(where);
    if (end > 0 && next->second < end && !reached_end_.count(where)) return false;
  }
  return true;
}

bool TopicFollower::waitApplied(const WrittenAt& at, int timeout_ms) const {
  std::unique_lock lock(mutex_);
  return applied_changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    if (stop_) return true;
    auto it = next_.find({at.topic, at.partition});
    return it != next_.end() && it->second > at.offset;
  }) && !stop_;
}

std::string TopicFollower::lastError() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace modstream
