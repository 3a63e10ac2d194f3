#include "stages/decide/case_store.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <mutex>

#include "pipeline/kafka/topic_io.h"

namespace modstream {
namespace {

// How long a restore waits for the next changelog record before it fails.
constexpr int kRestoreTimeoutMs = 120000;

}  // namespace

CaseStore::CaseStore(CaseConfig config, std::optional<CaseChangelog> changelog)
    : config_(config), changelog_(std::move(changelog)) {}

bool CaseStore::partitionsAssigned(const std::vector<Partition>& partitions,
                                   std::stop_token cancel) {
  if (!changelog_) return true;
  try {
    if (!changelog_checked_) {
      // Records older than any window they could still belong to are of no use to a restore.
      const int64_t retention_ms = (2 * config_.window_minutes + 24 * 60) * 60 * 1000;
      ensureChangelogTopic(
          changelog_->kafka, changelog_->topic, changelog_->partition_count_topic,
          {{"cleanup.policy", "compact,delete"}, {"retention.ms", std::to_string(retention_ms)}});
      changelog_checked_ = true;
    }
    for (const Partition number : partitions) {
      const int32_t partition = number.value;
      auto book = std::make_shared<CaseBook>(config_);
      int64_t records = 0, unreadable = 0;
      readPartition(
          changelog_->kafka.bootstrap_servers, changelog_->kafka.consumer_properties,
          changelog_->topic, partition, 0,
          [&](const TopicRecord& record) {
            ++records;
            if (record.tombstone) return;
            if (auto view = decodeCase(record.value)) {
              book->restore(std::move(*view));
            } else {
              ++unreadable;
            }
          },
          kRestoreTimeoutMs, cancel);
      if (cancel.stop_requested()) return true;
      if (unreadable > 0) {
        spdlog::warn("cases of partition {}: {} unreadable records in {} skipped", partition,
                     unreadable, changelog_->topic);
      }
      spdlog::info("cases of partition {} restored: {} open from {} changelog records", partition,
                   book->openCases(), records);
      std::unique_lock lock(mutex_);
      books_[partition] = std::move(book);
    }
    return true;
  } catch (const std::exception& e) {
    spdlog::critical("escalation cases could not be restored: {}", e.what());
    return false;
  }
}

void CaseStore::partitionsRevoked(const std::vector<Partition>& partitions, bool /*clean*/) {
  // Every change is in the changelog already (acknowledged before the offsets were committed);
  // the next owner reads it from there.
  std::unique_lock lock(mutex_);
  for (const Partition partition : partitions) books_.erase(partition.value);
}

std::shared_ptr<CaseBook> CaseStore::book(int32_t partition) {
  {
    std::shared_lock lock(mutex_);
    if (auto it = books_.find(partition); it != books_.end()) return it->second;
  }
  std::unique_lock lock(mutex_);
  auto& book = books_[partition];
  if (!book) book = std::make_shared<CaseBook>(config_);
  return book;
}

std::optional<OutputRecord> CaseStore::changelogRecord(const CaseView& view,
                                                       int32_t partition) const {
  if (!changelog_) return std::nullopt;
  OutputRecord record{OutputTopic::kStateChangelog, view.case_id, encodeCase(view), {}};
  record.partition = partition;
  record.changelog_topic = changelog_->topic;
  return record;
}

}  // namespace modstream
