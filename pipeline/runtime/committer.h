#pragma once
// Committer: stores how far this member got. At-least-once commits each partition's offset once
// every record before it is processed and every output acknowledged (OffsetTracker). Exactly-once
// commits the producer's transaction (outputs, changelog records and the input offsets of every
// assigned partition together) at a consistent cut that CommitGate holds.
//
// Threading: the consumer thread, except acknowledged(), which any thread may read.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/config/pipeline_config.h"
#include "pipeline/kafka/group_consumer.h"
#include "pipeline/kafka/output_publisher.h"
#include "pipeline/runtime/commit_gate.h"
#include "pipeline/runtime/partition_assignment.h"
#include "pipeline/runtime/pipeline_metrics.h"

namespace modstream {

class Committer {
 public:
  virtual ~Committer() = default;
  // Commits what is done: at-least-once, in `partitions`; exactly-once, the whole transaction.
  // `sync` waits for the outcome.
  virtual void commit(const std::vector<std::shared_ptr<PartitionState>>& partitions,
                      bool sync) = 0;
  // The group answered an at-least-once commit.
  virtual void committed(const std::vector<CommitOutcome>& outcomes) = 0;
  // The work since the last commit may no longer be committed (partitions lost, the run failed):
  // exactly-once aborts the open transaction and fails; at-least-once has nothing to undo.
  virtual void abandon(const std::string& why) = 0;
  // A transaction was not committed: the member must stop, so its partitions are re-read from
  // the committed offsets.
  virtual bool failed() const = 0;
  // Partition commits the group confirmed.
  uint64_t acknowledged() const { return acknowledged_.load(); }

 protected:
  std::atomic<uint64_t> acknowledged_{0};
};

class AtLeastOnceCommitter final : public Committer {
 public:
  AtLeastOnceCommitter(GroupConsumer& consumer, const PartitionAssignment& assignment,
                       PipelineMetrics& metrics)
      : consumer_(consumer), assignment_(assignment), metrics_(metrics) {}

  void commit(const std::vector<std::shared_ptr<PartitionState>>& partitions, bool sync) override;
  void committed(const std::vector<CommitOutcome>& outcomes) override;
  void abandon(const std::string& /*why*/) override {}
  bool failed() const override { return false; }

 private:
  GroupConsumer& consumer_;
  const PartitionAssignment& assignment_;
  PipelineMetrics& metrics_;
};

class TransactionCommitter final : public Committer {
 public:
  // Waits up to `flush_timeout_ms` for outputs to be acknowledged before each commit.
  TransactionCommitter(GroupConsumer& consumer, OutputPublisher& publisher, CommitGate& gate,
                       const PartitionAssignment& assignment, PipelineMetrics& metrics,
                       int flush_timeout_ms)
      : consumer_(consumer),
        publisher_(publisher),
        gate_(gate),
        assignment_(assignment),
        metrics_(metrics),
        flush_timeout_ms_(flush_timeout_ms) {}

  // Commits the transaction with every assigned partition's offsets; `partitions` and `sync` do
  // not matter (a transaction commit always waits).
  void commit(const std::vector<std::shared_ptr<PartitionState>>& partitions, bool sync) override;
  void committed(const std::vector<CommitOutcome>& /*outcomes*/) override {}
  void abandon(const std::string& why) override;
  bool failed() const override { return failed_; }

 private:
  GroupConsumer& consumer_;
  OutputPublisher& publisher_;
  CommitGate& gate_;
  const PartitionAssignment& assignment_;
  PipelineMetrics& metrics_;
  int flush_timeout_ms_;
  bool failed_ = false;
};

}  // namespace modstream
