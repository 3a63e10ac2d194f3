#pragma once
// In-memory doubles of the runtime's two Kafka interfaces, for unit tests of the runtime without
// a broker (the real-broker tests live in tests/integration).
//
// FakeConsumer keeps a log per topic-partition that the test appends to, and rebalances the test
// queues; both take effect inside the runtime's next poll(), on the runtime's thread, as
// librdkafka's do. Paused partitions are not fetched. FakePublisher records every output and
// acknowledges it at once, or holds the acknowledgements until the test releases them (the
// delivery thread's part).
//
// Threading: the runtime calls them from its threads; the test's own methods lock the same mutex.

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "pipeline/kafka/group_consumer.h"
#include "pipeline/kafka/output_publisher.h"

namespace modstream::testing {

class FakeConsumer final : public GroupConsumer {
 public:
  // --- the test's side ---
  void append(const TopicPartition& tp, std::string key, std::string value) {
    std::lock_guard lock(mutex_);
    logs_[tp].push_back({std::move(key), std::move(value)});
  }
  void assign(std::vector<TopicPartition> partitions) {
    std::lock_guard lock(mutex_);
    rebalances_.push_back({true, std::move(partitions), false});
  }
  void revoke(std::vector<TopicPartition> partitions, bool lost = false) {
    std::lock_guard lock(mutex_);
    rebalances_.push_back({false, std::move(partitions), lost});
  }
  // The next `count` commits fail (each partition's outcome carries an error).
  void failCommits(int count) {
    std::lock_guard lock(mutex_);
    failing_commits_ = count;
  }
  std::map<TopicPartition, Offset> committedOffsets() const {
    std::lock_guard lock(mutex_);
    return committed_;
  }
  // Every commit() call's offsets, in order.
  std::vector<std::vector<OffsetToCommit>> commitCalls() const {
    std::lock_guard lock(mutex_);
    return commit_calls_;
  }
  std::set<TopicPartition> paused() const {
    std::lock_guard lock(mutex_);
    return paused_;
  }
  std::set<TopicPartition> assigned() const {
    std::lock_guard lock(mutex_);
    return assigned_;
  }
  bool rebalancesPending() const {
    std::lock_guard lock(mutex_);
    return !rebalances_.empty();
  }
  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  // --- GroupConsumer ---
  std::string subscribe(const std::vector<std::string>& /*topics*/,
                        ConsumerEvents& events) override {
    events_ = &events;
    return "";
  }

  Polled poll(std::chrono::milliseconds timeout) override {
    deliverEvents();
    {
      std::lock_guard lock(mutex_);
      for (const auto& tp : assigned_) {
        if (paused_.count(tp)) continue;
        auto& log = logs_[tp];
        int64_t& position = positions_[tp];
        if (position >= static_cast<int64_t>(log.size())) continue;
        const auto& [key, value] = log[static_cast<size_t>(position)];
        const SourceCoordinates source{tp.topic, tp.partition, Offset{position}};
        position += 1;
        return {InputRecord::owning(source, key, value), std::nullopt};
      }
    }
    std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(2)));
    return {};
  }

  void pause(const std::vector<TopicPartition>& partitions) override {
    std::lock_guard lock(mutex_);
    paused_.insert(partitions.begin(), partitions.end());
  }
  void resume(const std::vector<TopicPartition>& partitions) override {
    std::lock_guard lock(mutex_);
    for (const auto& tp : partitions) paused_.erase(tp);
  }
  std::optional<Offset> position(const TopicPartition& tp) override {
    std::lock_guard lock(mutex_);
    if (!assigned_.count(tp)) return std::nullopt;
    return Offset{positions_[tp]};
  }
  std::optional<Offset> endOffset(const TopicPartition& tp) override {
    std::lock_guard lock(mutex_);
    return Offset{static_cast<int64_t>(logs_[tp].size())};
  }
  std::map<TopicPartition, Offset> committed(const std::vector<TopicPartition>& partitions,
                                             std::chrono::milliseconds /*timeout*/) override {
    std::lock_guard lock(mutex_);
    std::map<TopicPartition, Offset> found;
    for (const auto& tp : partitions) {
      if (auto it = committed_.find(tp); it != committed_.end()) found[tp] = it->second;
    }
    return found;
  }
  void commit(const std::vector<OffsetToCommit>& offsets, bool sync) override {
    if (offsets.empty()) return;
    std::vector<CommitOutcome> outcomes;
    {
      std::lock_guard lock(mutex_);
      commit_calls_.push_back(offsets);
      const bool fail = failing_commits_ > 0;
      if (fail) --failing_commits_;
      for (const auto& [tp, next] : offsets) {
        if (!fail) committed_[tp] = next;
        outcomes.push_back({tp, next, fail ? "injected commit failure" : ""});
      }
      if (!sync) {
        async_outcomes_.push_back(std::move(outcomes));
        return;
      }
    }
    events_->offsetsCommitted(outcomes);
  }
  std::unique_ptr<ConsumerGroupMetadata> groupMetadata() override {
    return std::make_unique<ConsumerGroupMetadata>();
  }
  void close() override {
    std::vector<TopicPartition> all;
    {
      std::lock_guard lock(mutex_);
      all.assign(assigned_.begin(), assigned_.end());
    }
    if (events_ && !all.empty()) events_->partitionsRevoked(all, false);
    std::lock_guard lock(mutex_);
    assigned_.clear();
    closed_ = true;
  }

 private:
  struct Rebalance {
    bool assign;
    std::vector<TopicPartition> partitions;
    bool lost;
  };
  using Entry = std::pair<std::string, std::string>;  // key, value

  // Rebalances and asynchronous commit outcomes, delivered on the runtime's thread as librdkafka
  // delivers them from inside poll(); the lock is not held while the runtime handles them.
  void deliverEvents() {
    std::optional<Rebalance> rebalance;
    std::vector<std::vector<CommitOutcome>> outcomes;
    {
      std::lock_guard lock(mutex_);
      if (!rebalances_.empty()) {
        rebalance = std::move(rebalances_.front());
        rebalances_.pop_front();
      }
      outcomes.swap(async_outcomes_);
    }
    for (const auto& batch : outcomes) events_->offsetsCommitted(batch);
    if (!rebalance) return;
    if (rebalance->assign) {
      {
        std::lock_guard lock(mutex_);
        for (const auto& tp : rebalance->partitions) {
          assigned_.insert(tp);
          paused_.erase(tp);
          auto it = committed_.find(tp);
          positions_[tp] = it == committed_.end() ? 0 : it->second.value;
        }
      }
      pause(events_->partitionsAssigned(rebalance->partitions));
    } else {
      events_->partitionsRevoked(rebalance->partitions, rebalance->lost);
      std::lock_guard lock(mutex_);
      for (const auto& tp : rebalance->partitions) {
        assigned_.erase(tp);
        paused_.erase(tp);
      }
    }
  }

  mutable std::mutex mutex_;
  ConsumerEvents* events_ = nullptr;
  std::map<TopicPartition, std::vector<Entry>> logs_;
  std::map<TopicPartition, int64_t> positions_;
  std::map<TopicPartition, Offset> committed_;
  std::set<TopicPartition> assigned_;
  std::set<TopicPartition> paused_;
  std::deque<Rebalance> rebalances_;
  std::vector<std::vector<CommitOutcome>> async_outcomes_;
  std::vector<std::vector<OffsetToCommit>> commit_calls_;
  int failing_commits_ = 0;
  bool closed_ = false;
};

class FakePublisher final : public OutputPublisher {
 public:
  struct Published {
    OutputTopic topic;
    std::string key;
    Offset source_offset;
  };
  struct Transaction {
    size_t outputs = 0;  // published since the previous transaction ended
    std::vector<OffsetToCommit> offsets;
  };

  // `hold_acknowledgements`: outputs stay unacknowledged until acknowledgeHeld() (or a flush).
  explicit FakePublisher(bool hold_acknowledgements = false)
      : hold_acknowledgements_(hold_acknowledgements) {}

  // --- the test's side ---
  // Acknowledges every held output, as the producer's delivery thread would.
  void acknowledgeHeld(bool ok = true) {
    std::vector<Held> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& h : held) h.listener->delivered(h.source_offset, ok, ok ? "" : "injected");
  }
  void failNextTransaction() {
    std::lock_guard lock(mutex_);
    fail_next_transaction_ = true;
  }
  std::vector<Published> published() const {
    std::lock_guard lock(mutex_);
    return published_;
  }
  std::vector<Transaction> transactions() const {
    std::lock_guard lock(mutex_);
    return transactions_;
  }
  int aborts() const {
    std::lock_guard lock(mutex_);
    return aborts_;
  }

  // --- OutputPublisher ---
  bool publish(const OutputRecord& record, std::shared_ptr<DeliveryListener> listener,
               Offset source_offset, const std::atomic<bool>& /*stop*/) override {
    {
      std::lock_guard lock(mutex_);
      published_.push_back({record.topic, record.key.value_or(""), source_offset});
      ++open_outputs_;
      if (hold_acknowledgements_) {
        held_.push_back({std::move(listener), source_offset});
        return true;
      }
    }
    listener->delivered(source_offset, true, "");
    return true;
  }
  bool flush(int /*timeout_ms*/) override {
    acknowledgeHeld();
    return true;
  }
  int outstanding() const override {
    std::lock_guard lock(mutex_);
    return static_cast<int>(held_.size());
  }
  bool commitTransaction(const std::vector<OffsetToCommit>& offsets,
                         const ConsumerGroupMetadata& /*group*/, std::string& error) override {
    std::lock_guard lock(mutex_);
    if (fail_next_transaction_) {
      fail_next_transaction_ = false;
      error = "injected transaction failure";
      ++aborts_;
      open_outputs_ = 0;
      return false;
    }
    transactions_.push_back({open_outputs_, offsets});
    open_outputs_ = 0;
    return true;
  }
  void abortTransaction() override {
    std::lock_guard lock(mutex_);
    ++aborts_;
    open_outputs_ = 0;
  }

 private:
  struct Held {
    std::shared_ptr<DeliveryListener> listener;
    Offset source_offset;
  };
  const bool hold_acknowledgements_;
  mutable std::mutex mutex_;
  std::vector<Published> published_;
  std::vector<Held> held_;
  std::vector<Transaction> transactions_;
  size_t open_outputs_ = 0;
  bool fail_next_transaction_ = false;
  int aborts_ = 0;
};

}  // namespace modstream::testing
