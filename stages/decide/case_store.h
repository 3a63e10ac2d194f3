#pragma once
// CaseStore: the open escalation cases of each input partition this process owns, so that a case
// keeps its items, priority and deadline across restarts and rebalances. Every change to a case is
// also published to a changelog topic (`topics.cases_changelog`, one partition per input
// partition, keyed by case id, compacted, and old cases deleted after twice the case window plus
// a day); a partition assigned to this process is read back from it before its records are
// processed (PartitionObserver). The cases live in memory only, at most `max_open_cases` per
// partition (escalation_cases.h), so a restore reads the partition's changelog from its start.
//
// Without Kafka settings (tools that build the stage alone) the cases are kept in memory only.
//
// Threading: partitionsAssigned runs on the runtime's restore thread and partitionsRevoked on the
// consumer thread; book(p) may be called from any worker, and a partition's CaseBook is used only
// by the worker that owns the partition.

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

#include "pipeline/config/pipeline_config.h"
#include "pipeline/core/partition_observer.h"
#include "pipeline/core/record.h"
#include "stages/decide/escalation_cases.h"

namespace modstream {

struct CaseChangelog {
  KafkaConfig kafka;
  std::string topic;
  std::string partition_count_topic;  // the changelog gets as many partitions as this topic
};

class CaseStore final : public PartitionObserver {
 public:
  CaseStore(CaseConfig config, std::optional<CaseChangelog> changelog);

  bool partitionsAssigned(const std::vector<Partition>& partitions,
                          std::stop_token cancel) override;
  void partitionsRevoked(const std::vector<Partition>& partitions, bool clean) override;

  // The cases of input partition `partition` (an empty book if none were restored).
  std::shared_ptr<CaseBook> book(int32_t partition);
  // The changelog record of a changed case, for the input partition it belongs to; nullopt
  // without a changelog.
  std::optional<OutputRecord> changelogRecord(const CaseView& view, int32_t partition) const;
  bool persistent() const { return changelog_.has_value(); }

 private:
  CaseConfig config_;
  std::optional<CaseChangelog> changelog_;
  bool changelog_checked_ = false;  // used on the restore thread only
  std::shared_mutex mutex_;
  std::map<int32_t, std::shared_ptr<CaseBook>> books_;
};

}  // namespace modstream
