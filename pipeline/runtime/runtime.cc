#include "pipeline/runtime/runtime.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <limits>
#include <thread>

#include "pipeline/kafka/topic_limits.h"

namespace modstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
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

bool cooperative(rd_kafka_t* rk) {
  return std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
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

Runtime::Runtime(const PipelineConfig& config, WorkerPool::ProcessorFactory make_processor,
                 PipelineMetrics& metrics, std::vector<PartitionObserver*> observers,
                 RuntimeOptions options)
    : config_(config), metrics_(metrics), observers_(std::move(observers)) {
  const auto& topics = config.topics;
  std::string transactional_id;
  if (config.processing.guarantee == Guarantee::kExactlyOnce) {
    gate_ = std::make_unique<CommitGate>();
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
  producer_ = std::make_unique<OutputProducer>(
      config.kafka.bootstrap_servers, producerProperties(config, topic_limits),
      OutputTopicNames{topics.takedowns, topics.escalations, topics.dead_letter,
                       topics.reputation_changelog, topics.cases_changelog, topics.shadow},
      [this](const std::string& topic, bool ok) {
        if (ok) {
          metrics_.published(topic);
        } else {
          metrics_.deliveryFailures().Increment();
        }
      },
      transactional_id, config.processing.transaction_timeout_ms);
  const size_t dead_letter_max =
      options.read_topic_limits ? producer_->limitDeadLetters(topic_limits.at(topics.dead_letter))
                                : std::numeric_limits<size_t>::max();
  if (dead_letter_max < config.limits.max_record_bytes + kDeadLetterHeaderRoomBytes) {
    spdlog::warn(
        "topic {} takes records of at most {} bytes, less than limits.max_record_bytes ({}) and "
        "a dead letter's headers: dead letters of larger records carry their first bytes, "
        "SHA-256 and size (config/schemas/dead-letter.md)",
        topics.dead_letter, dead_letter_max, config.limits.max_record_bytes);
  }
  workers_ =
      std::make_unique<WorkerPool>(static_cast<size_t>(config.processing.worker_threads),
                                   make_processor, *producer_, in_flight_bytes_, gate_.get());
  worker_load_.assign(workers_->size(), 0);

  KafkaConf conf = makeKafkaConf(
      {consumerDefaults(),
       {{"bootstrap.servers", config.kafka.bootstrap_servers}, {"group.id", config.kafka.group_id}},
       config.kafka.consumer_properties});
  rd_kafka_conf_set_rebalance_cb(conf.get(), &Runtime::onRebalance);
  rd_kafka_conf_set_offset_commit_cb(conf.get(), &Runtime::onCommit);
  rd_kafka_conf_set_opaque(conf.get(), this);
  consumer_ = makeKafkaClient(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(consumer_.get());
  if (!observers_.empty()) restorer_ = std::make_unique<StateRestorer>(observers_);
}

Runtime::~Runtime() {
  if (workers_) workers_->stop();
}

ExitStatus Runtime::run() {
  PartitionList topics(rd_kafka_topic_partition_list_new(2));
  rd_kafka_topic_partition_list_add(topics.get(), config_.topics.posts.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  rd_kafka_topic_partition_list_add(topics.get(), config_.topics.media.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  if (!config_.topics.decisions.empty()) {
    rd_kafka_topic_partition_list_add(topics.get(), config_.topics.decisions.c_str(),
                                      RD_KAFKA_PARTITION_UA);
  }
  if (auto err = rd_kafka_subscribe(consumer_.get(), topics.get()); err) {
    spdlog::error("cannot subscribe to {} and {}: {}", config_.topics.posts, config_.topics.media,
                  rd_kafka_err2str(err));
    return ExitStatus::kStartupError;
  }
  spdlog::info("consumer group {} subscribed to {} and {} at {}", config_.kafka.group_id,
               config_.topics.posts, config_.topics.media, config_.kafka.bootstrap_servers);

  ExitStatus status = ExitStatus::kOk;
  const auto commit_interval = std::chrono::milliseconds(config_.processing.commit_interval_ms);
  auto last_commit = SteadyClock::now();
  auto last_lag = SteadyClock::now();
  while (!stop_requested_.load()) {
    last_poll_ms_ = steadyMs();
    KafkaMessage message(rd_kafka_consumer_poll(consumer_.get(), 50));
    const bool got_message = message != nullptr;
    if (got_message) dispatch(std::move(message));
    finishRestores();
    applyBackPressure();
    if (SteadyClock::now() - last_commit >= commit_interval) {
      commitCompleted({}, /*sync=*/false);
      last_commit = SteadyClock::now();
    }
    if (SteadyClock::now() - last_lag >= std::chrono::seconds(1)) {
      updateLag();
      last_lag = SteadyClock::now();
    }
    if (anyDeliveryFailed()) {
      spdlog::critical(
          "an output was never acknowledged by the broker; stopping without committing past it "
          "(the records will be re-read by the next owner of the partition)");
      status = ExitStatus::kDeliveryFailed;
      break;
    }
    if (!end_offsets_.empty() && !got_message && reachedEnd()) {
      spdlog::info("every partition is processed up to its end offset; stopping");
      break;
    }
    // Idleness is only worth working out when nothing arrived (it locks every tracker).
    if (!got_message) {
      bool all_done = in_flight_bytes_.load() == 0 && restoring_numbers_.empty();
      for (const auto& [tp, state] : partitions_) {
        if (state->tracker().inFlight() != 0 || state->tracker().committable(state->committed)) {
          all_done = false;
        }
      }
      idle_ = all_done;
    }
  }

  if (restore_failed_) status = ExitStatus::kStateRestoreFailed;
  if (transaction_failed_) status = ExitStatus::kKafkaFatal;
  spdlog::info("shutting down: draining {} partitions", partitions_.size());
  const auto all = assignedStates();
  if (status == ExitStatus::kOk) {
    drain(all);
    commitCompleted(all, /*sync=*/true);
  }
  if (exactlyOnce() && status != ExitStatus::kOk && !transaction_failed_) {
    abandonTransaction("stopping after an error");
  }
  // Closing the consumer revokes the assignment through onRebalance, which commits once more.
  rd_kafka_consumer_close(consumer_.get());
  workers_->stop();
  spdlog::info("stopped after {} records", consumed_.load());
  return status;
}

RuntimeStats Runtime::stats() const {
  RuntimeStats s;
  // Read before `idle`: an assignment that starts a restore clears `idle` before it counts.
  s.assigned_partitions = assigned_count_.load();
  s.consumed = consumed_.load();
  s.processed = workers_->processed();
  s.in_flight_bytes = in_flight_bytes_.load();
  s.peak_in_flight_bytes = peak_in_flight_bytes_.load();
  s.pauses = pauses_.load();
  s.paused = paused_.load();
  s.idle = idle_.load();
  s.committed_partitions = commits_acked_.load();
  s.joined = joined_.load();
  s.restoring = restoring_.load();
  s.ms_since_poll = last_poll_ms_.load() == 0 ? 0 : steadyMs() - last_poll_ms_.load();
  s.stopping = stop_requested_.load();
  return s;
}

void Runtime::dispatch(KafkaMessage message) {
  if (message->err) {
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
    const char* topic = message->rkt ? rd_kafka_topic_name(message->rkt) : "(none)";
    spdlog::warn("consumer error on {} [{}]: {}", topic, message->partition,
                 rd_kafka_message_errstr(message.get()));
    if (message->err == RD_KAFKA_RESP_ERR__FATAL) stop();
    return;
  }
  TopicPartition tp{rd_kafka_topic_name(message->rkt), Partition{message->partition}};
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) {
    // Not ours any more (revoked while the message was queued); its next owner reads it.
    return;
  }
  if (auto end = end_offsets_.find(tp);
      end != end_offsets_.end() && message->offset >= end->second) {
    return;  // past the end of a bounded run: not ours to process
  }
  if (restoring_numbers_.count(tp.partition.value)) {
    // Fetched before the pause took hold: kept, in order, until the partition's state is ready.
    held_[tp.partition.value].push_back(std::move(message));
    return;
  }
  InputRecord record = toInputRecord(std::move(message));
  idle_ = false;
  consumed_.fetch_add(1);
  metrics_.consumed(tp.topic);
  const int64_t in_flight = in_flight_bytes_.fetch_add(static_cast<int64_t>(record.sizeBytes())) +
                            static_cast<int64_t>(record.sizeBytes());
  if (in_flight > peak_in_flight_bytes_.load()) peak_in_flight_bytes_ = in_flight;
  it->second->read = true;
  it->second->tracker().begin(record.source().offset.value);
  workers_->submit(WorkItem{it->second, std::move(record)});
}

void Runtime::applyBackPressure() {
  const int64_t bytes = in_flight_bytes_.load();
  metrics_.inFlightBytes().Set(static_cast<double>(bytes));
  const bool pause = !paused_ && bytes > config_.processing.max_in_flight_bytes;
  const bool resume = paused_ && bytes < config_.processing.resume_in_flight_bytes;
  if (!pause && !resume) return;
  // Partitions waiting for their state stay paused whatever the back-pressure.
  PartitionList owned = assignedWhere(/*restoring=*/false);
  if (pause) {
    rd_kafka_pause_partitions(consumer_.get(), owned.get());
    pauses_.fetch_add(1);
    spdlog::info("back-pressure: {} bytes in flight, paused {} partitions", bytes, owned->cnt);
  } else {
    rd_kafka_resume_partitions(consumer_.get(), owned.get());
    wakeFetcher(owned.get());
    spdlog::info("back-pressure: {} bytes in flight, resumed {} partitions", bytes, owned->cnt);
  }
  paused_ = pause;
  metrics_.pausedPartitions().Set(pause ? owned->cnt : 0);
}

void Runtime::finishRestores() {
  if (!restorer_) return;
  std::set<int32_t> restored;
  for (const auto& outcome : restorer_->takeFinished()) {
    if (!restoring_numbers_.erase(outcome.partition)) continue;  // revoked meanwhile
    if (!outcome.ready) {
      spdlog::critical("state for partition {} could not be restored; stopping", outcome.partition);
      restore_failed_ = true;
      stop();
      continue;
    }
    restored.insert(outcome.partition);
  }
  restoring_ = !restoring_numbers_.empty();
  if (restored.empty()) return;
  for (int32_t number : restored) {
    auto held = held_.extract(number);
    if (held.empty()) continue;
    for (auto& message : held.mapped()) dispatch(std::move(message));
  }
  PartitionList ready(rd_kafka_topic_partition_list_new(static_cast<int>(restored.size()) * 2));
  for (const auto& [tp, state] : partitions_) {
    if (restored.count(tp.partition.value)) {
      rd_kafka_topic_partition_list_add(ready.get(), tp.topic.c_str(), tp.partition.value);
    }
  }
  spdlog::info("state of partitions {} restored: {} topic-partitions {}", fmt::join(restored, ","),
               ready->cnt, paused_ ? "stay paused by back-pressure" : "resumed");
  if (paused_) return;  // back-pressure resumes them with the rest
  rd_kafka_resume_partitions(consumer_.get(), ready.get());
  wakeFetcher(ready.get());
}

PartitionList Runtime::assignedWhere(bool restoring) const {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions_.size())));
  for (const auto& [tp, state] : partitions_) {
    if (restoring_numbers_.count(tp.partition.value) == (restoring ? 1U : 0U)) {
      rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value);
    }
  }
  return list;
}

bool Runtime::reachedEnd() {
  commitCompleted({}, /*sync=*/true);
  for (const auto& [tp, end] : end_offsets_) {
    auto it = partitions_.find(tp);
    if (it == partitions_.end()) return false;  // not assigned (yet)
    const auto& state = it->second;
    if (state->tracker().inFlight() != 0) return false;
    if (state->committed >= end) continue;
    // Nothing left before the end when the fetch position passed it (control records and
    // compacted gaps occupy offsets that are never delivered).
    PartitionList position(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(position.get(), tp.topic.c_str(), tp.partition.value);
    if (rd_kafka_position(consumer_.get(), position.get()) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        position->elems[0].offset < end) {
      return false;
    }
  }
  return true;
}

void Runtime::updateLag() {
  for (const auto& [tp, state] : partitions_) {
    int64_t low = 0, high = 0;
    if (rd_kafka_get_watermark_offsets(consumer_.get(), tp.topic.c_str(), tp.partition.value, &low,
                                       &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      continue;  // not fetched yet: no end offset known
    }
    int64_t done = state->committed;
    if (done < 0) {
      // Nothing committed by this process yet: it started at the group's committed offset, and
      // its fetch position is the closest known bound.
      PartitionList position(rd_kafka_topic_partition_list_new(1));
      rd_kafka_topic_partition_list_add(position.get(), tp.topic.c_str(), tp.partition.value);
      if (rd_kafka_position(consumer_.get(), position.get()) != RD_KAFKA_RESP_ERR_NO_ERROR ||
          position->elems[0].offset < 0) {
        continue;
      }
      done = position->elems[0].offset;
    }
    metrics_.setLag(tp.topic, tp.partition.value, std::max<int64_t>(0, high - done));
  }
}

void Runtime::wakeFetcher(rd_kafka_topic_partition_list_t* partitions) {
  // librdkafka 2.0.2 does not wake an idle broker thread on resume, so fetching restarts only
  // after its one-second idle wait. Pausing already purged the partitions' prefetched messages, so
  // seeking each one to its current position (the offset after the last record we read) changes
  // nothing but restarts fetching at once.
  PartitionList positions(rd_kafka_topic_partition_list_copy(partitions));
  if (rd_kafka_position(consumer_.get(), positions.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  // A partition not read since it was assigned (it waited for its state, or for back-pressure)
  // has no position: it starts at the group's committed offset. Only such a one: a partition that
  // was read also lacks a position after a seek until its next record, and its committed offset
  // may lie behind what was read.
  PartitionList unread(rd_kafka_topic_partition_list_new(positions->cnt));
  for (int i = 0; i < positions->cnt; ++i) {
    const auto& p = positions->elems[i];
    const auto state = partitions_.find(TopicPartition{p.topic, Partition{p.partition}});
    if (p.offset < 0 && state != partitions_.end() && !state->second->read) {
      rd_kafka_topic_partition_list_add(unread.get(), p.topic, p.partition);
    }
  }
  constexpr int kCommittedTimeoutMs = 2000;
  // Not known in time: those wait for librdkafka's own idle wakeup.
  const bool committed_known =
      unread->cnt > 0 && rd_kafka_committed(consumer_.get(), unread.get(), kCommittedTimeoutMs) ==
                             RD_KAFKA_RESP_ERR_NO_ERROR;
  PartitionList seeks(rd_kafka_topic_partition_list_new(positions->cnt));
  auto add = [&](const rd_kafka_topic_partition_t& p) {
    if (p.offset >= 0) {
      rd_kafka_topic_partition_list_add(seeks.get(), p.topic, p.partition)->offset = p.offset;
    }
  };
  for (int i = 0; i < positions->cnt; ++i) add(positions->elems[i]);
  for (int i = 0; committed_known && i < unread->cnt; ++i) add(unread->elems[i]);
  if (seeks->cnt == 0) return;
  if (rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_.get(), seeks.get(), 0)) {
    spdlog::warn("restarting fetch after resume failed: {}", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
}

bool Runtime::drain(const std::vector<std::shared_ptr<PartitionState>>& partitions) {
  const auto deadline =
      SteadyClock::now() + std::chrono::milliseconds(config_.processing.drain_timeout_ms);
  while (true) {
    size_t remaining = 0;
    for (const auto& state : partitions) {
      if (!state->tracker().failed()) remaining += state->tracker().inFlight();
    }
    if (remaining == 0) return true;
    if (SteadyClock::now() >= deadline) {
      spdlog::warn(
          "drain timed out with {} records in flight; they will be re-read by the next "
          "owner of their partitions",
          remaining);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Runtime::commitCompleted(const std::vector<std::shared_ptr<PartitionState>>& partitions,
                              bool sync) {
  if (exactlyOnce()) {
    commitTransaction();
    return;
  }
  const auto targets = partitions.empty() ? assignedStates() : partitions;
  PartitionList offsets(rd_kafka_topic_partition_list_new(static_cast<int>(targets.size())));
  for (const auto& state : targets) {
    if (auto next = state->tracker().committable(state->committed)) {
      const auto& tp = state->topicPartition();
      rd_kafka_topic_partition_list_add(offsets.get(), tp.topic.c_str(), tp.partition.value)
          ->offset = *next;
      state->committed = *next;
    }
  }
  if (offsets->cnt == 0) return;
  rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), offsets.get(), sync ? 0 : 1);
  if (sync) onCommit(consumer_.get(), err, offsets.get(), this);
}

void Runtime::commitTransaction() {
  if (transaction_failed_) return;
  // A consistent cut: no worker is between processing a record and publishing its outputs.
  gate_->close();
  struct Reopen {
    CommitGate& gate;
    ~Reopen() { gate.open(); }
  } reopen{*gate_};
  // Every output enqueued so far is acknowledged, so the trackers know which records are done.
  producer_->flush(config_.processing.drain_timeout_ms);
  // The transaction holds outputs of every assigned partition, so it carries all their offsets.
  const auto states = assignedStates();
  PartitionList offsets(rd_kafka_topic_partition_list_new(static_cast<int>(states.size())));
  std::vector<std::pair<std::shared_ptr<PartitionState>, int64_t>> moved;
  for (const auto& state : states) {
    if (auto next = state->tracker().committable(state->committed)) {
      const auto& tp = state->topicPartition();
      rd_kafka_topic_partition_list_add(offsets.get(), tp.topic.c_str(), tp.partition.value)
          ->offset = *next;
      moved.emplace_back(state, *next);
    }
  }
  if (offsets->cnt == 0 && producer_->outstanding() == 0) return;
  rd_kafka_consumer_group_metadata_t* group = rd_kafka_consumer_group_metadata(consumer_.get());
  std::string error;
  const bool ok = producer_->commitTransaction(offsets.get(), group, error);
  rd_kafka_consumer_group_metadata_destroy(group);
  if (!ok) {
    metrics_.commitFailures().Increment();
    spdlog::critical(
        "exactly-once: the transaction could not be committed ({}); it was aborted, so its "
        "outputs are discarded and its records will be re-read from the committed offsets. "
        "Stopping.",
        error);
    transaction_failed_ = true;
    stop();
    return;
  }
  for (const auto& [state, next] : moved) {
    state->committed = next;
    metrics_.commits().Increment();
    commits_acked_.fetch_add(1);
  }
}

void Runtime::abandonTransaction(const std::string& why) {
  spdlog::critical(
      "exactly-once: {}; aborting the open transaction and stopping, so the records "
      "since the last commit are re-read from the committed offsets",
      why);
  gate_->close();
  producer_->abortTransaction();
  gate_->open();
  transaction_failed_ = true;
  stop();
}

void Runtime::onCommit(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                       rd_kafka_topic_partition_list_t* offsets, void* opaque) {
  auto* self = static_cast<Runtime*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
  for (int i = 0; i < offsets->cnt; ++i) {
    const auto& entry = offsets->elems[i];
    const rd_kafka_resp_err_t partition_err = err ? err : entry.err;
    if (partition_err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      self->metrics_.commits().Increment();
      self->commits_acked_.fetch_add(1);
      continue;
    }
    self->metrics_.commitFailures().Increment();
    spdlog::warn("commit of {} [{}] at {} failed: {}", entry.topic, entry.partition, entry.offset,
                 rd_kafka_err2str(partition_err));
    // Forget the optimistic mark so the next commit carries this partition again.
    auto it = self->partitions_.find(TopicPartition{entry.topic, Partition{entry.partition}});
    if (it != self->partitions_.end()) it->second->committed = -1;
  }
}

std::vector<std::shared_ptr<PartitionState>> Runtime::assignedStates() const {
  std::vector<std::shared_ptr<PartitionState>> states;
  for (const auto& [tp, state] : partitions_) states.push_back(state);
  return states;
}

bool Runtime::anyDeliveryFailed() const {
  return std::any_of(partitions_.begin(), partitions_.end(),
                     [](const auto& entry) { return entry.second->tracker().failed(); });
}

size_t Runtime::pickWorker(int32_t partition) {
  auto [it, inserted] = partition_numbers_.try_emplace(partition, NumberOwner{0, 0});
  if (inserted) {
    auto least = std::min_element(worker_load_.begin(), worker_load_.end());
    *least += 1;
    it->second.worker = static_cast<size_t>(least - worker_load_.begin());
  }
  it->second.topics += 1;
  return it->second.worker;
}

bool Runtime::releasePartitionNumber(int32_t partition) {
  auto it = partition_numbers_.find(partition);
  if (it == partition_numbers_.end() || --it->second.topics > 0) return false;
  worker_load_[it->second.worker] -= 1;
  partition_numbers_.erase(it);
  return true;
}

void Runtime::assign(rd_kafka_topic_partition_list_t* partitions) {
  std::vector<int32_t> new_numbers;
  for (int i = 0; i < partitions->cnt; ++i) {
    TopicPartition tp{partitions->elems[i].topic, Partition{partitions->elems[i].partition}};
    if (!partition_numbers_.count(tp.partition.value)) new_numbers.push_back(tp.partition.value);
    partitions_[tp] = std::make_shared<PartitionState>(tp, pickWorker(tp.partition.value));
  }
  if (!end_offsets_.empty()) {
    // A bounded run starts at offsets committed beforehand; knowing them tells an empty range
    // (start == end) apart from one not yet read.
    PartitionList committed(rd_kafka_topic_partition_list_copy(partitions));
    if (rd_kafka_committed(consumer_.get(), committed.get(), 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < committed->cnt; ++i) {
        const auto& p = committed->elems[i];
        partitions_[TopicPartition{p.topic, Partition{p.partition}}]->committed = p.offset;
      }
    }
  }
  // State is restored on the restorer's thread while the partitions stay paused, so no record of
  // them is processed without it and this callback returns at once.
  if (restorer_ && !new_numbers.empty()) {
    idle_ = false;  // before the new partitions count as assigned (see stats())
    for (int32_t number : new_numbers) {
      restoring_numbers_.insert(number);
      restorer_->restore(number);
    }
  }
  restoring_ = !restoring_numbers_.empty();
  joined_ = true;
  assigned_count_ = partitions_.size();
  metrics_.rebalance("assign");
  metrics_.assignedPartitions().Set(static_cast<double>(partitions_.size()));
  spdlog::info("assigned {} partitions (now {}), {} partition numbers waiting for their state",
               partitions->cnt, partitions_.size(), restoring_numbers_.size());
}

void Runtime::startFetching(rd_kafka_topic_partition_list_t* partitions) {
  // librdkafka keeps a partition's pause flag across revoke and assign, so a partition paused by
  // back-pressure before a rebalance would come back paused and never be fetched. New partitions
  // take the current back-pressure state, whatever they had before, unless they wait for state.
  // Called once they are assigned: pausing a partition not yet assigned does not hold its fetch.
  PartitionList hold(rd_kafka_topic_partition_list_new(partitions->cnt));
  PartitionList fetch(rd_kafka_topic_partition_list_new(partitions->cnt));
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& p = partitions->elems[i];
    const bool wait = paused_ || restoring_numbers_.count(p.partition) > 0;
    rd_kafka_topic_partition_list_add(wait ? hold.get() : fetch.get(), p.topic, p.partition);
  }
  rd_kafka_pause_partitions(consumer_.get(), hold.get());
  rd_kafka_resume_partitions(consumer_.get(), fetch.get());
}

void Runtime::revoke(rd_kafka_topic_partition_list_t* partitions) {
  std::vector<std::shared_ptr<PartitionState>> revoked;
  for (int i = 0; i < partitions->cnt; ++i) {
    auto it = partitions_.find(
        TopicPartition{partitions->elems[i].topic, Partition{partitions->elems[i].partition}});
    if (it != partitions_.end()) revoked.push_back(it->second);
  }
  const bool lost = rd_kafka_assignment_lost(consumer_.get());
  if (lost && exactlyOnce() && !transaction_failed_) {
    abandonTransaction("partitions were lost (the group moved on without this process)");
  }
  if (!lost) {
    // Revoked partitions are drained and committed so their next owner starts where we stopped.
    drain(revoked);
    commitCompleted(revoked, /*sync=*/true);
  }
  std::vector<int32_t> released;
  for (const auto& state : revoked) {
    state->abandoned = true;
    if (releasePartitionNumber(state->topicPartition().partition.value)) {
      released.push_back(state->topicPartition().partition.value);
    }
    metrics_.removeLag(state->topicPartition().topic, state->topicPartition().partition.value);
    partitions_.erase(state->topicPartition());
  }
  if (!released.empty()) {
    for (int32_t number : released) {
      if (restoring_numbers_.erase(number)) restorer_->cancel(number);
      held_.erase(number);  // never processed: their next owner reads them
    }
    restoring_ = !restoring_numbers_.empty();
    for (auto* observer : observers_) observer->partitionsRevoked(released, !lost);
  }
  assigned_count_ = partitions_.size();
  metrics_.rebalance(lost ? "lost" : "revoke");
  metrics_.assignedPartitions().Set(static_cast<double>(partitions_.size()));
  spdlog::info("{} {} partitions (now {})", lost ? "lost" : "revoked", revoked.size(),
               partitions_.size());
}

void Runtime::onRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<Runtime*>(opaque);
  const bool coop = cooperative(rk);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->assign(partitions);
    rd_kafka_error_t* error = nullptr;
    if (coop) {
      error = rd_kafka_incremental_assign(rk, partitions);
    } else {
      rd_kafka_assign(rk, partitions);
    }
    if (error) {
      spdlog::error("incremental assign failed: {}", rd_kafka_error_string(error));
      rd_kafka_error_destroy(error);
    }
    self->startFetching(partitions);
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    self->revoke(partitions);
    if (coop) {
      if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk, partitions)) {
        spdlog::error("incremental unassign failed: {}", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
      }
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  } else {
    spdlog::error("rebalance error: {}", rd_kafka_err2str(err));
    self->revoke(partitions);
    rd_kafka_assign(rk, nullptr);
  }
}

}  // namespace modstream
