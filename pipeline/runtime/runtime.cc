#include "pipeline/runtime/runtime.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "pipeline/runtime/lag.h"

namespace modstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}

}  // namespace

Runtime::Runtime(const PipelineConfig& config, const WorkerPool::ProcessorFactory& make_processor,
                 PipelineMetrics& metrics, RuntimeClients clients,
                 std::vector<PartitionObserver*> observers)
    : config_(config),
      metrics_(metrics),
      assignment_(static_cast<size_t>(config.processing.worker_threads)),
      back_pressure_(config.processing.max_in_flight_bytes,
                     config.processing.resume_in_flight_bytes),
      observers_(std::move(observers)),
      publisher_(std::move(clients.publisher)),
      consumer_(std::move(clients.consumer)) {
  if (config.processing.guarantee == Guarantee::kExactlyOnce) {
    gate_ = std::make_unique<CommitGate>();
    committer_ = std::make_unique<TransactionCommitter>(
        *consumer_, *publisher_, *gate_, assignment_, metrics_, config.processing.drain_timeout_ms);
  } else {
    committer_ = std::make_unique<AtLeastOnceCommitter>(*consumer_, assignment_, metrics_);
  }
  workers_ =
      std::make_unique<WorkerPool>(static_cast<size_t>(config.processing.worker_threads),
                                   make_processor, *publisher_, in_flight_bytes_, gate_.get());
  if (!observers_.empty()) restorer_ = std::make_unique<StateRestorer>(observers_);
}

Runtime::~Runtime() {
  if (workers_) workers_->stop();
}

ExitStatus Runtime::run() {
  std::vector<std::string> topics = {config_.topics.posts, config_.topics.media};
  if (!config_.topics.decisions.empty()) topics.push_back(config_.topics.decisions);
  if (const std::string error = consumer_->subscribe(topics, *this); !error.empty()) {
    spdlog::error("cannot subscribe to {}: {}", fmt::join(topics, ", "), error);
    return ExitStatus::kStartupError;
  }
  spdlog::info("consumer group {} subscribed to {} at {}", config_.kafka.group_id,
               fmt::join(topics, ", "), config_.kafka.bootstrap_servers);

  ExitStatus status = ExitStatus::kOk;
  const auto commit_interval = std::chrono::milliseconds(config_.processing.commit_interval_ms);
  auto last_commit = SteadyClock::now();
  auto last_lag = SteadyClock::now();
  while (!stop_requested_.load()) {
    last_poll_ms_ = steadyMs();
    Polled polled = consumer_->poll(std::chrono::milliseconds(50));
    const bool got_message = polled.record.has_value();
    if (polled.record) dispatch(std::move(*polled.record));
    if (polled.error) {
      spdlog::warn("consumer error on {}: {}", polled.error->where, polled.error->message);
      if (polled.error->fatal) stop();
    }
    finishRestores();
    applyBackPressure();
    if (SteadyClock::now() - last_commit >= commit_interval) {
      commitCompleted({}, /*sync=*/false);
      last_commit = SteadyClock::now();
    }
    if (SteadyClock::now() - last_lag >= std::chrono::seconds(1)) {
      publishLag(assignment_, *consumer_, metrics_);
      last_lag = SteadyClock::now();
    }
    if (committer_->failed()) {
      stop();
      break;
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
    if (!got_message) idle_ = allDone();
  }

  if (restore_failed_) status = ExitStatus::kStateRestoreFailed;
  if (committer_->failed()) status = ExitStatus::kKafkaFatal;
  spdlog::info("shutting down: draining {} partitions", assignment_.size());
  const auto all = assignment_.states();
  if (status == ExitStatus::kOk) {
    drain(all);
    commitCompleted(all, /*sync=*/true);
  } else {
    committer_->abandon("stopping after an error");
  }
  // Closing the consumer revokes the assignment through partitionsRevoked, which commits once
  // more.
  consumer_->close();
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
  s.paused = back_pressure_.paused();
  s.idle = idle_.load();
  s.committed_partitions = committer_->acknowledged();
  s.joined = joined_.load();
  s.restoring = restoring_.load();
  s.ms_since_poll = last_poll_ms_.load() == 0 ? 0 : steadyMs() - last_poll_ms_.load();
  s.stopping = stop_requested_.load();
  return s;
}

void Runtime::dispatch(InputRecord record) {
  const TopicPartition tp{record.source().topic, record.source().partition};
  const auto state = assignment_.find(tp);
  if (!state) {
    // Not ours any more (revoked while the record was queued); its next owner reads it.
    return;
  }
  if (auto end = end_offsets_.find(tp);
      end != end_offsets_.end() && record.source().offset.value >= end->second) {
    return;  // past the end of a bounded run: not ours to process
  }
  if (restoring_numbers_.count(tp.partition)) {
    // Fetched before the pause took hold: kept, in order, until the partition's state is ready.
    held_[tp.partition].push_back(std::move(record));
    return;
  }
  idle_ = false;
  consumed_.fetch_add(1);
  metrics_.consumed(tp.topic);
  const auto bytes = static_cast<int64_t>(record.sizeBytes());
  const int64_t in_flight = in_flight_bytes_.fetch_add(bytes) + bytes;
  if (in_flight > peak_in_flight_bytes_.load()) peak_in_flight_bytes_ = in_flight;
  state->tracker().begin(record.source().offset);
  workers_->submit(WorkItem{state, std::move(record)});
}

void Runtime::applyBackPressure() {
  const int64_t bytes = in_flight_bytes_.load();
  metrics_.inFlightBytes().Set(static_cast<double>(bytes));
  const BackPressure::Change change = back_pressure_.update(bytes);
  if (change == BackPressure::Change::kNone) return;
  // Partitions waiting for their state stay paused whatever the back-pressure.
  const std::vector<TopicPartition> owned = assignedWhere(/*restoring=*/false);
  if (change == BackPressure::Change::kPause) {
    consumer_->pause(owned);
    pauses_.fetch_add(1);
    spdlog::info("back-pressure: {} bytes in flight, paused {} partitions", bytes, owned.size());
    metrics_.pausedPartitions().Set(static_cast<double>(owned.size()));
  } else {
    consumer_->resume(owned);
    spdlog::info("back-pressure: {} bytes in flight, resumed {} partitions", bytes, owned.size());
    metrics_.pausedPartitions().Set(0);
  }
}

void Runtime::finishRestores() {
  if (!restorer_) return;
  std::set<Partition> restored;
  for (const auto& outcome : restorer_->takeFinished()) {
    const Partition number = outcome.partition;
    if (!restoring_numbers_.erase(number)) continue;  // revoked meanwhile
    if (!outcome.ready) {
      spdlog::critical("state for partition {} could not be restored; stopping", number.value);
      restore_failed_ = true;
      stop();
      continue;
    }
    restored.insert(number);
  }
  restoring_ = !restoring_numbers_.empty();
  if (restored.empty()) return;
  for (const Partition number : restored) {
    auto held = held_.extract(number);
    if (held.empty()) continue;
    for (auto& record : held.mapped()) dispatch(std::move(record));
  }
  std::vector<TopicPartition> ready;
  std::vector<int32_t> numbers;
  numbers.reserve(restored.size());
  for (const Partition number : restored) numbers.push_back(number.value);
  for (const auto& [tp, state] : assignment_.all()) {
    if (restored.count(tp.partition)) ready.push_back(tp);
  }
  const bool held_back = back_pressure_.paused();
  spdlog::info("state of partitions {} restored: {} topic-partitions {}", fmt::join(numbers, ","),
               ready.size(), held_back ? "stay paused by back-pressure" : "resumed");
  if (held_back) return;  // back-pressure resumes them with the rest
  consumer_->resume(ready);
}

std::vector<TopicPartition> Runtime::assignedWhere(bool restoring) const {
  std::vector<TopicPartition> partitions;
  for (const auto& [tp, state] : assignment_.all()) {
    if (restoring_numbers_.count(tp.partition) == (restoring ? 1U : 0U)) partitions.push_back(tp);
  }
  return partitions;
}

bool Runtime::reachedEnd() {
  commitCompleted({}, /*sync=*/true);
  for (const auto& [tp, end] : end_offsets_) {
    const auto state = assignment_.find(tp);
    if (!state) return false;  // not assigned (yet)
    if (state->tracker().inFlight() != 0) return false;
    if (state->committed.value >= end) continue;
    // Nothing left before the end when the fetch position passed it (control records and
    // compacted gaps occupy offsets that are never delivered).
    const std::optional<Offset> position = consumer_->position(tp);
    if (!position || position->value < end) return false;
  }
  return true;
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
  committer_->commit(partitions.empty() ? assignment_.states() : partitions, sync);
}

void Runtime::offsetsCommitted(const std::vector<CommitOutcome>& outcomes) {
  committer_->committed(outcomes);
}

bool Runtime::anyDeliveryFailed() const {
  const auto& all = assignment_.all();
  return std::any_of(all.begin(), all.end(),
                     [](const auto& entry) { return entry.second->tracker().failed(); });
}

bool Runtime::allDone() const {
  if (in_flight_bytes_.load() != 0 || !restoring_numbers_.empty()) return false;
  for (const auto& [tp, state] : assignment_.all()) {
    if (state->tracker().inFlight() != 0 || state->tracker().committable(state->committed)) {
      return false;
    }
  }
  return true;
}

std::vector<TopicPartition> Runtime::partitionsAssigned(
    const std::vector<TopicPartition>& assigned) {
  std::vector<Partition> new_numbers;
  for (const auto& tp : assigned) {
    if (assignment_.add(tp).new_number) new_numbers.push_back(tp.partition);
  }
  if (!end_offsets_.empty()) {
    // A bounded run starts at offsets committed beforehand; knowing them tells an empty range
    // (start == end) apart from one not yet read.
    for (const auto& [tp, next] : consumer_->committed(assigned, std::chrono::seconds(10))) {
      assignment_.find(tp)->committed = next;
    }
  }
  // State is restored on the restorer's thread while the partitions stay paused, so no record of
  // them is processed without it and this returns at once.
  if (restorer_ && !new_numbers.empty()) {
    idle_ = false;  // before the new partitions count as assigned (see stats())
    for (const Partition number : new_numbers) {
      restoring_numbers_.insert(number);
      restorer_->restore(number);
    }
  }
  restoring_ = !restoring_numbers_.empty();
  joined_ = true;
  assigned_count_ = assignment_.size();
  metrics_.rebalance("assign");
  metrics_.assignedPartitions().Set(static_cast<double>(assignment_.size()));
  spdlog::info("assigned {} partitions (now {}), {} partition numbers waiting for their state",
               assigned.size(), assignment_.size(), restoring_numbers_.size());
  // New partitions take the current back-pressure state, unless they wait for their state.
  std::vector<TopicPartition> hold;
  for (const auto& tp : assigned) {
    if (back_pressure_.paused() || restoring_numbers_.count(tp.partition)) hold.push_back(tp);
  }
  return hold;
}

void Runtime::partitionsRevoked(const std::vector<TopicPartition>& revoked_partitions, bool lost) {
  std::vector<std::shared_ptr<PartitionState>> revoked;
  for (const auto& tp : revoked_partitions) {
    if (auto state = assignment_.find(tp)) revoked.push_back(std::move(state));
  }
  if (lost) {
    committer_->abandon("partitions were lost (the group moved on without this process)");
  } else {
    // Revoked partitions are drained and committed so their next owner starts where we stopped.
    drain(revoked);
    committer_->commit(revoked, /*sync=*/true);
  }
  std::vector<Partition> released;
  for (const auto& state : revoked) {
    const TopicPartition& tp = state->topicPartition();
    state->abandoned = true;
    metrics_.removeLag(tp.topic, tp.partition.value);
    if (assignment_.remove(tp)) released.push_back(tp.partition);
  }
  if (!released.empty()) {
    for (const Partition number : released) {
      if (restoring_numbers_.erase(number)) restorer_->cancel(number);
      held_.erase(number);  // never processed: their next owner reads them
    }
    restoring_ = !restoring_numbers_.empty();
    for (auto* observer : observers_) observer->partitionsRevoked(released, !lost);
  }
  assigned_count_ = assignment_.size();
  metrics_.rebalance(lost ? "lost" : "revoke");
  metrics_.assignedPartitions().Set(static_cast<double>(assignment_.size()));
  spdlog::info("{} {} partitions (now {})", lost ? "lost" : "revoked", revoked.size(),
               assignment_.size());
}

}  // namespace modstream
