#pragma once
// Reputation state per input partition: one RocksDB instance per partition number under the state
// directory, mirrored to a compacted changelog topic (one changelog partition per input partition,
// keyed by account). Kafka is the source of truth: a partition assigned to this process is first
// brought up to date from the changelog, starting at the checkpoint stored with the local state
// (or at the beginning when there is none: a new host or a wiped disk), and its records are only
// processed after that. The checkpoint only ever names a changelog offset up to which the local
// files are flushed: after a restore, and after a clean revocation (the changelog's end, since
// every change of a drained partition is acknowledged). Account writes skip RocksDB's log: what a
// crash loses is in the changelog after the checkpoint.
//
// Threading: assignment runs on the runtime's restore thread and revocation on the consumer thread
// (never for a partition still being restored); store(p) may be called from any
// worker, and a PartitionStore is used by the one worker that owns its partition (RocksDB itself
// is thread-safe, so a flush on revocation may overlap a straggling write safely).

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/config/pipeline_config.h"
#include "pipeline/core/partition_observer.h"
#include "stages/reputation/account_state.h"

namespace rocksdb {
class DB;
}

namespace modstream {

class PartitionStore {
 public:
  // Opens (creating if needed) the RocksDB instance at `dir`; throws std::runtime_error naming it.
  // Up to `cache_capacity` accounts are kept decoded in memory.
  explicit PartitionStore(const std::filesystem::path& dir, size_t cache_capacity = 100000);
  ~PartitionStore();
  PartitionStore(const PartitionStore&) = delete;
  PartitionStore& operator=(const PartitionStore&) = delete;

  // The account's state for an update: from the cache, else read and decoded (an empty state for
  // an account not seen before). Valid until the next call that changes the store.
  AccountState& account(const std::string& account_id);
  // Stores the account's new state (`encoded` is encodeState of it). A write-back cache: a cached
  // account is written to RocksDB when it leaves the cache or at flush(), so a busy account costs
  // one write per flush, not one per record. Like everything written here it may be lost in a
  // crash; the changelog has it (see the checkpoint rules above).
  void put(const std::string& account, std::string encoded);
  std::optional<std::string> get(const std::string& account) const;
  void remove(const std::string& account);
  // The changelog offset this state is complete up to (the next offset to restore from).
  std::optional<int64_t> checkpoint() const;
  void setCheckpoint(int64_t next_offset);
  void clearCheckpoint();
  // Writes everything held in memory and flushes RocksDB's memtables to disk.
  void flush();
  void forEach(
      const std::function<void(const std::string& account, const std::string& value)>& visit);

 private:
  // The decoded state of recently used accounts; belongs to the store, so a partition that leaves
  // and comes back starts cold. Used by the partition's worker only.
  struct Cached {
    AccountState state;
    std::string encoded;  // the state to write when dirty
    bool dirty = false;
  };
  Cached& remember(AccountState state);
  void writePending();

  static constexpr size_t kBatch = 1000;
  std::unique_ptr<rocksdb::DB> db_;
  size_t cache_capacity_;
  std::list<Cached> recent_;  // most recently used first
  std::unordered_map<std::string, std::list<Cached>::iterator> index_;
  std::unordered_map<std::string, std::string> pending_;  // account -> value not yet written
};

struct RestoreStats {
  int32_t partition = 0;
  int64_t from_offset = 0;
  int64_t records = 0;
  double seconds = 0;
};

class ReputationStores final : public PartitionObserver {
 public:
  // With a `registry`, restores are visible to operators: modstream_state_restoring_partitions,
  // modstream_state_restored_records_total and modstream_state_restore_seconds.
  ReputationStores(std::filesystem::path state_dir, KafkaConfig kafka, std::string changelog_topic,
                   std::string partition_count_topic, size_t cache_accounts = 100000,
                   prometheus::Registry* registry = nullptr);

  bool partitionsAssigned(const std::vector<Partition>& partitions,
                          std::stop_token cancel) override;
  void partitionsRevoked(const std::vector<Partition>& partitions, bool clean) override;

  const std::string& changelogTopic() const { return changelog_topic_; }
  // The store of an assigned partition, or null.
  std::shared_ptr<PartitionStore> store(int32_t partition) const;
  // Restores (or creates) the local state of `partition` from the changelog; public for tools.
  // Returns null when `cancel` was requested before the restore finished (the checkpoint stays
  // where it was, so the next restore replays what this one applied).
  std::shared_ptr<PartitionStore> openAndRestore(int32_t partition, RestoreStats& stats,
                                                 const std::stop_token& cancel = {});

  static std::filesystem::path partitionDir(const std::filesystem::path& state_dir,
                                            int32_t partition);

 private:
  void ensureChangelogTopic();

  std::filesystem::path state_dir_;
  KafkaConfig kafka_;
  std::string changelog_topic_;
  std::string partition_count_topic_;  // the changelog gets as many partitions as this topic
  size_t cache_accounts_;
  bool changelog_checked_ = false;
  prometheus::Gauge* restoring_ = nullptr;
  prometheus::Counter* restored_records_ = nullptr;
  prometheus::Histogram* restore_seconds_ = nullptr;
  mutable std::shared_mutex mutex_;
  std::map<int32_t, std::shared_ptr<PartitionStore>> stores_;
};

}  // namespace modstream
