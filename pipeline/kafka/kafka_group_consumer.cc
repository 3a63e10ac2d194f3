#include "pipeline/kafka/kafka_group_consumer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace modstream {
namespace {

PartitionList toList(const std::vector<TopicPartition>& partitions) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value);
  }
  return list;
}

std::vector<TopicPartition> fromList(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> partitions;
  if (!list) return partitions;
  partitions.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    partitions.push_back({list->elems[i].topic, Partition{list->elems[i].partition}});
  }
  return partitions;
}

InputRecord toInputRecord(KafkaMessage message) {
  rd_kafka_message_t* m = message.get();
  std::vector<Header> headers = messageHeaders(m);
  SourceCoordinates source{rd_kafka_topic_name(m->rkt), Partition{m->partition}, Offset{m->offset}};
  std::optional<std::string_view> key;
  if (m->key) key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  std::string_view value;
  if (m->payload) value = std::string_view(static_cast<const char*>(m->payload), m->len);
  rd_kafka_timestamp_type_t ts_type;
  const int64_t timestamp_ms = rd_kafka_message_timestamp(m, &ts_type);
  InputRecord::Owner owner(message.release(), [](void* p) {
    rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(p));
  });
  return InputRecord(std::move(source), key, value, std::move(headers), timestamp_ms,
                     std::move(owner));
}

void logAndDestroy(const char* what, rd_kafka_error_t* error) {
  if (!error) return;
  spdlog::error("{} failed: {}", what, rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
}

}  // namespace

std::map<std::string, std::string> consumerDefaults() {
  return {
      {"enable.auto.commit", "false"},  // offsets are committed by OffsetTracker, never blindly
      {"auto.offset.reset", "earliest"},
      // Eager rebalancing: every partition is drained and committed before the group rejoins.
      // Debian's librdkafka 2.0.2 loses the whole assignment when a commit races a cooperative
      // rebalance (librdkafka #4059, fixed upstream in 2.10), which re-processes uncommitted
      // records; the eager protocol cannot hit that. Range gives partition p of every input topic
      // to the same member (the topics are co-partitioned by account), which per-partition state
      // (reputation) relies on.
      {"partition.assignment.strategy", "range"},
      {"queued.max.messages.kbytes", "16384"},  // bounds librdkafka's own prefetch memory
      {"enable.partition.eof", "false"},
      // Inputs written in transactions are read once they commit (aborted ones never).
      {"isolation.level", "read_committed"},
  };
}

KafkaGroupConsumer::KafkaGroupConsumer(const std::string& bootstrap_servers,
                                       const std::string& group_id,
                                       const std::map<std::string, std::string>& properties) {
  KafkaConf conf =
      makeKafkaConf({consumerDefaults(),
                     {{"bootstrap.servers", bootstrap_servers}, {"group.id", group_id}},
                     properties});
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaGroupConsumer::onRebalance);
  rd_kafka_conf_set_offset_commit_cb(conf.get(), &KafkaGroupConsumer::onCommit);
  rd_kafka_conf_set_opaque(conf.get(), this);
  consumer_ = makeKafkaClient(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(consumer_.get());
}

std::string KafkaGroupConsumer::subscribe(const std::vector<std::string>& topics,
                                          ConsumerEvents& events) {
  events_ = &events;
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& topic : topics) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (auto err = rd_kafka_subscribe(consumer_.get(), list.get()); err) return rd_kafka_err2str(err);
  return "";
}

Polled KafkaGroupConsumer::poll(std::chrono::milliseconds timeout) {
  KafkaMessage message(rd_kafka_consumer_poll(consumer_.get(), static_cast<int>(timeout.count())));
  if (!message || message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return {};
  if (message->err) {
    ConsumerError error;
    error.where =
        message->rkt ? fmt::format("{} [{}]", rd_kafka_topic_name(message->rkt), message->partition)
                     : "(none)";
    error.message = rd_kafka_message_errstr(message.get());
    error.fatal = message->err == RD_KAFKA_RESP_ERR__FATAL;
    return {std::nullopt, std::move(error)};
  }
  read_.insert({rd_kafka_topic_name(message->rkt), Partition{message->partition}});
  return {toInputRecord(std::move(message)), std::nullopt};
}

void KafkaGroupConsumer::pause(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return;
  rd_kafka_pause_partitions(consumer_.get(), toList(partitions).get());
}

void KafkaGroupConsumer::resume(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return;
  rd_kafka_resume_partitions(consumer_.get(), toList(partitions).get());
  wakeFetcher(partitions);
}

std::optional<Offset> KafkaGroupConsumer::position(const TopicPartition& partition) {
  PartitionList list = toList({partition});
  if (rd_kafka_position(consumer_.get(), list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      list->elems[0].offset < 0) {
    return std::nullopt;
  }
  return Offset{list->elems[0].offset};
}

std::optional<Offset> KafkaGroupConsumer::endOffset(const TopicPartition& partition) {
  int64_t low = 0, high = 0;
  if (rd_kafka_get_watermark_offsets(consumer_.get(), partition.topic.c_str(),
                                     partition.partition.value, &low,
                                     &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return std::nullopt;
  }
  return Offset{high};
}

std::map<TopicPartition, Offset> KafkaGroupConsumer::committed(
    const std::vector<TopicPartition>& partitions, std::chrono::milliseconds timeout) {
  std::map<TopicPartition, Offset> offsets;
  if (partitions.empty()) return offsets;
  PartitionList list = toList(partitions);
  if (rd_kafka_committed(consumer_.get(), list.get(), static_cast<int>(timeout.count())) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return offsets;
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    if (p.offset >= 0) offsets[{p.topic, Partition{p.partition}}] = Offset{p.offset};
  }
  return offsets;
}

void KafkaGroupConsumer::commit(const std::vector<OffsetToCommit>& offsets, bool sync) {
  if (offsets.empty()) return;
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, next] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value)->offset =
        next.value;
  }
  const rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), list.get(), sync ? 0 : 1);
  if (sync) onCommit(consumer_.get(), err, list.get(), this);
}

std::unique_ptr<ConsumerGroupMetadata> KafkaGroupConsumer::groupMetadata() {
  return std::make_unique<KafkaGroupMetadata>(rd_kafka_consumer_group_metadata(consumer_.get()));
}

void KafkaGroupConsumer::close() {
  // Revokes the assignment through onRebalance, which lets the runtime commit once more.
  rd_kafka_consumer_close(consumer_.get());
}

void KafkaGroupConsumer::onCommit(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* offsets, void* opaque) {
  auto* self = static_cast<KafkaGroupConsumer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET || !self->events_) return;
  std::vector<CommitOutcome> outcomes;
  outcomes.reserve(static_cast<size_t>(offsets->cnt));
  for (int i = 0; i < offsets->cnt; ++i) {
    const auto& entry = offsets->elems[i];
    const rd_kafka_resp_err_t partition_err = err ? err : entry.err;
    outcomes.push_back({{entry.topic, Partition{entry.partition}},
                        Offset{entry.offset},
                        partition_err == RD_KAFKA_RESP_ERR_NO_ERROR
                            ? std::string()
                            : std::string(rd_kafka_err2str(partition_err))});
  }
  self->events_->offsetsCommitted(outcomes);
}

void KafkaGroupConsumer::onRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                     rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<KafkaGroupConsumer*>(opaque);
  bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->assigned(partitions, cooperative);
  } else {
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      spdlog::error("rebalance error: {}", rd_kafka_err2str(err));
      cooperative = false;  // give up the whole assignment
    }
    self->revoked(partitions, cooperative);
  }
}

void KafkaGroupConsumer::assigned(rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
  const std::vector<TopicPartition> assigned = fromList(partitions);
  for (const auto& tp : assigned) read_.erase(tp);
  if (cooperative) {
    logAndDestroy("incremental assign", rd_kafka_incremental_assign(consumer_.get(), partitions));
  } else {
    rd_kafka_assign(consumer_.get(), partitions);
  }
  // Asked once they are assigned: pausing a partition not yet assigned does not hold its fetch.
  const std::vector<TopicPartition> hold =
      events_ ? events_->partitionsAssigned(assigned) : std::vector<TopicPartition>{};
  // librdkafka keeps a partition's pause flag across revoke and assign, so a partition paused
  // before a rebalance would come back paused and never be fetched: each one takes the state the
  // runtime asks for now.
  std::vector<TopicPartition> fetch;
  for (const auto& tp : assigned) {
    if (std::find(hold.begin(), hold.end(), tp) == hold.end()) fetch.push_back(tp);
  }
  pause(hold);
  if (!fetch.empty()) rd_kafka_resume_partitions(consumer_.get(), toList(fetch).get());
}

void KafkaGroupConsumer::revoked(rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
  const std::vector<TopicPartition> revoked = fromList(partitions);
  const bool lost = rd_kafka_assignment_lost(consumer_.get());
  if (events_) events_->partitionsRevoked(revoked, lost);
  for (const auto& tp : revoked) read_.erase(tp);
  if (cooperative) {
    logAndDestroy("incremental unassign",
                  rd_kafka_incremental_unassign(consumer_.get(), partitions));
  } else {
    rd_kafka_assign(consumer_.get(), nullptr);
  }
}

void KafkaGroupConsumer::wakeFetcher(const std::vector<TopicPartition>& partitions) {
  // librdkafka 2.0.2 does not wake an idle broker thread on resume, so fetching restarts only
  // after its one-second idle wait. Pausing already purged the partitions' prefetched messages, so
  // seeking each one to its current position (the offset after the last record read) changes
  // nothing but restarts fetching at once.
  PartitionList positions = toList(partitions);
  if (rd_kafka_position(consumer_.get(), positions.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  // A partition not read since it was assigned (it waited for its state, or for back-pressure)
  // has no position: it starts at the group's committed offset. Only such a one: a partition that
  // was read also lacks a position after a seek until its next record, and its committed offset
  // may lie behind what was read.
  std::vector<TopicPartition> unread;
  PartitionList seeks(rd_kafka_topic_partition_list_new(positions->cnt));
  for (int i = 0; i < positions->cnt; ++i) {
    const auto& p = positions->elems[i];
    if (p.offset >= 0) {
      rd_kafka_topic_partition_list_add(seeks.get(), p.topic, p.partition)->offset = p.offset;
    } else if (!read_.count({p.topic, Partition{p.partition}})) {
      unread.push_back({p.topic, Partition{p.partition}});
    }
  }
  // Not known in time: those wait for librdkafka's own idle wakeup.
  constexpr std::chrono::milliseconds kCommittedTimeout{2000};
  for (const auto& [tp, next] : committed(unread, kCommittedTimeout)) {
    rd_kafka_topic_partition_list_add(seeks.get(), tp.topic.c_str(), tp.partition.value)->offset =
        next.value;
  }
  if (seeks->cnt == 0) return;
  if (rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_.get(), seeks.get(), 0)) {
    spdlog::warn("restarting fetch after resume failed: {}", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
}

}  // namespace modstream
