#include "pipeline/runtime/committer.h"

#include <spdlog/spdlog.h>

namespace modstream {

void AtLeastOnceCommitter::commit(const std::vector<std::shared_ptr<PartitionState>>& partitions,
                                  bool sync) {
  std::vector<OffsetToCommit> offsets;
  for (const auto& state : partitions) {
    if (auto next = state->tracker().committable(state->committed)) {
      offsets.push_back({state->topicPartition(), *next});
      // Marked before the group answers; a failed commit clears the mark (committed()).
      state->committed = *next;
    }
  }
  consumer_.commit(offsets, sync);
}

void AtLeastOnceCommitter::committed(const std::vector<CommitOutcome>& outcomes) {
  for (const auto& outcome : outcomes) {
    if (outcome.error.empty()) {
      metrics_.commits().Increment();
      acknowledged_.fetch_add(1);
      continue;
    }
    metrics_.commitFailures().Increment();
    spdlog::warn("commit of {} [{}] at {} failed: {}", outcome.topic_partition.topic,
                 outcome.topic_partition.partition.value, outcome.next.value, outcome.error);
    // Forget the optimistic mark so the next commit carries this partition again.
    if (auto state = assignment_.find(outcome.topic_partition)) state->committed = Offset{};
  }
}

void TransactionCommitter::commit(
    const std::vector<std::shared_ptr<PartitionState>>& /*partitions*/, bool /*sync*/) {
  if (failed_) return;
  // A consistent cut: no worker is between processing a record and publishing its outputs.
  gate_.close();
  class Reopen {
   public:
    explicit Reopen(CommitGate& gate) : gate_(gate) {}
    ~Reopen() { gate_.open(); }
    Reopen(const Reopen&) = delete;
    Reopen& operator=(const Reopen&) = delete;

   private:
    CommitGate& gate_;
  } reopen(gate_);
  // Every output enqueued so far is acknowledged, so the trackers know which records are done.
  publisher_.flush(flush_timeout_ms_);
  // The transaction holds outputs of every assigned partition, so it carries all their offsets.
  std::vector<OffsetToCommit> offsets;
  std::vector<std::shared_ptr<PartitionState>> moved;
  for (const auto& state : assignment_.states()) {
    if (auto next = state->tracker().committable(state->committed)) {
      offsets.push_back({state->topicPartition(), *next});
      moved.push_back(state);
    }
  }
  if (offsets.empty() && publisher_.outstanding() == 0) return;
  std::string error;
  if (!publisher_.commitTransaction(offsets, *consumer_.groupMetadata(), error)) {
    metrics_.commitFailures().Increment();
    spdlog::critical(
        "exactly-once: the transaction could not be committed ({}); it was aborted, so its "
        "outputs are discarded and its records will be re-read from the committed offsets. "
        "Stopping.",
        error);
    failed_ = true;
    return;
  }
  for (size_t i = 0; i < moved.size(); ++i) {
    moved[i]->committed = offsets[i].next;
    metrics_.commits().Increment();
    acknowledged_.fetch_add(1);
  }
}

void TransactionCommitter::abandon(const std::string& why) {
  if (failed_) return;
  spdlog::critical(
      "exactly-once: {}; aborting the open transaction and stopping, so the records "
      "since the last commit are re-read from the committed offsets",
      why);
  gate_.close();
  publisher_.abortTransaction();
  gate_.open();
  failed_ = true;
}

}  // namespace modstream
