#include "stages/reputation/state_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/topic_io.h"

namespace modstream {
namespace {

// Accounts and bookkeeping share one key space, kept apart by prefix.
constexpr std::string_view kAccountPrefix = "a/";
const std::string kCheckpointKey = "m/changelog-checkpoint";
// How long a restore waits for the next changelog record before it fails.
constexpr int kRestoreTimeoutMs = 120000;

std::string accountKey(const std::string& account) {
  return std::string(kAccountPrefix) + account;
}

void check(const rocksdb::Status& status, const std::string& what) {
  if (!status.ok()) throw std::runtime_error(what + ": " + status.ToString());
}

// No write-ahead log: the changelog topic is the durable copy. While a partition is owned its
// checkpoint is cleared, so after a crash the state is rebuilt from the changelog whatever the
// local files hold.
rocksdb::WriteOptions stateWrites() {
  rocksdb::WriteOptions options;
  options.disableWAL = true;
  return options;
}

}  // namespace

PartitionStore::PartitionStore(const std::filesystem::path& dir, size_t cache_capacity)
    : cache_capacity_(std::max<size_t>(cache_capacity, 1)) {
  std::filesystem::create_directories(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  rocksdb::DB* db = nullptr;
  check(rocksdb::DB::Open(options, dir.string(), &db),
        "cannot open reputation state " + dir.string());
  db_.reset(db);
}

PartitionStore::~PartitionStore() {
  try {
    flush();
  } catch (const std::exception& e) {
    spdlog::warn("reputation state: pending writes lost on close ({})", e.what());
  }
  if (db_) db_->Close().PermitUncheckedError();
}

AccountState& PartitionStore::account(const std::string& account_id) {
  if (auto it = index_.find(account_id); it != index_.end()) {
    recent_.splice(recent_.begin(), recent_, it->second);
    return it->second->state;
  }
  AccountState loaded;
  if (auto stored = get(account_id)) {
    if (auto decoded = decodeState(*stored)) loaded = std::move(*decoded);
  }
  loaded.account_id = account_id;
  return remember(std::move(loaded)).state;
}

PartitionStore::Cached& PartitionStore::remember(AccountState state) {
  if (recent_.size() >= cache_capacity_) {
    Cached& oldest = recent_.back();
    if (oldest.dirty) pending_[oldest.state.account_id] = std::move(oldest.encoded);
    index_.erase(oldest.state.account_id);
    recent_.pop_back();
    if (pending_.size() >= kBatch) writePending();
  }
  recent_.push_front(Cached{std::move(state), {}, false});
  index_[recent_.front().state.account_id] = recent_.begin();
  return recent_.front();
}

std::optional<std::string> PartitionStore::get(const std::string& account) const {
  if (auto it = pending_.find(account); it != pending_.end()) return it->second;
  std::string value;
  const auto status = db_->Get(rocksdb::ReadOptions(), accountKey(account), &value);
  if (status.IsNotFound()) return std::nullopt;
  check(status, "reputation state read");
  return value;
}

void PartitionStore::put(const std::string& account, std::string encoded) {
  if (auto it = index_.find(account); it != index_.end()) {
    it->second->encoded = std::move(encoded);
    it->second->dirty = true;
    return;
  }
  pending_[account] = std::move(encoded);
  if (pending_.size() >= kBatch) writePending();
}

void PartitionStore::writePending() {
  if (pending_.empty()) return;
  rocksdb::WriteBatch batch;
  for (const auto& [account, value] : pending_) batch.Put(accountKey(account), value);
  check(db_->Write(stateWrites(), &batch), "reputation state write");
  pending_.clear();
}

void PartitionStore::remove(const std::string& account) {
  pending_.erase(account);
  if (auto it = index_.find(account); it != index_.end()) {
    recent_.erase(it->second);
    index_.erase(it);
  }
  check(db_->Delete(stateWrites(), accountKey(account)), "reputation state delete");
}

std::optional<int64_t> PartitionStore::checkpoint() const {
  std::string value;
  const auto status = db_->Get(rocksdb::ReadOptions(), kCheckpointKey, &value);
  if (status.IsNotFound()) return std::nullopt;
  check(status, "reputation checkpoint read");
  return std::stoll(value);
}

void PartitionStore::setCheckpoint(int64_t next_offset) {
  check(db_->Put(rocksdb::WriteOptions(), kCheckpointKey, std::to_string(next_offset)),
        "reputation checkpoint write");
}

void PartitionStore::clearCheckpoint() {
  check(db_->Delete(rocksdb::WriteOptions(), kCheckpointKey), "reputation checkpoint delete");
}

void PartitionStore::flush() {
  for (auto& cached : recent_) {
    if (!cached.dirty) continue;
    pending_[cached.state.account_id] = cached.encoded;
    cached.dirty = false;
  }
  writePending();
  check(db_->Flush(rocksdb::FlushOptions()), "reputation state flush");
}

void PartitionStore::forEach(
    const std::function<void(const std::string&, const std::string&)>& visit) {
  flush();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(kAccountPrefix)); it->Valid() && it->key().starts_with(kAccountPrefix);
       it->Next()) {
    visit(it->key().ToString().substr(kAccountPrefix.size()), it->value().ToString());
  }
}

ReputationStores::ReputationStores(std::filesystem::path state_dir, KafkaConfig kafka,
                                   std::string changelog_topic, std::string partition_count_topic,
                                   size_t cache_accounts, prometheus::Registry* registry)
    : state_dir_(std::move(state_dir)),
      kafka_(std::move(kafka)),
      changelog_topic_(std::move(changelog_topic)),
      partition_count_topic_(std::move(partition_count_topic)),
      cache_accounts_(cache_accounts) {
  if (!registry) return;
  const prometheus::Labels stage = {{"stage", "reputation"}};
  restoring_ = &prometheus::BuildGauge()
                    .Name("modstream_state_restoring_partitions")
                    .Help("Partitions whose state is being restored from the changelog now")
                    .Register(*registry)
                    .Add(stage);
  restored_records_ = &prometheus::BuildCounter()
                           .Name("modstream_state_restored_records_total")
                           .Help("Changelog records applied while restoring partition state")
                           .Register(*registry)
                           .Add(stage);
  restore_seconds_ =
      &prometheus::BuildHistogram()
           .Name("modstream_state_restore_seconds")
           .Help("Time to restore one partition's state from the changelog")
           .Register(*registry)
           .Add(stage, prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 5, 15, 60, 180, 600});
}

std::filesystem::path ReputationStores::partitionDir(const std::filesystem::path& state_dir,
                                                     int32_t partition) {
  return state_dir / ("partition-" + std::to_string(partition));
}

void ReputationStores::ensureChangelogTopic() {
  if (changelog_checked_) return;
  // Compacted, one partition per input partition: the latest state of every account is kept.
  modstream::ensureChangelogTopic(kafka_, changelog_topic_, partition_count_topic_,
                                  {{"cleanup.policy", "compact"}});
  changelog_checked_ = true;
}

std::shared_ptr<PartitionStore> ReputationStores::openAndRestore(int32_t partition,
                                                                 RestoreStats& stats,
                                                                 const std::stop_token& cancel) {
  const auto started = std::chrono::steady_clock::now();
  auto store =
      std::make_shared<PartitionStore>(partitionDir(state_dir_, partition), cache_accounts_);
  stats.partition = partition;
  stats.from_offset = store->checkpoint().value_or(0);
  const int64_t next = readPartition(
      kafka_.bootstrap_servers, kafka_.consumer_properties, changelog_topic_, partition,
      stats.from_offset,
      [&](const TopicRecord& record) {
        ++stats.records;
        if (restored_records_) restored_records_->Increment();
        if (!record.key) return;
        if (record.tombstone) {
          store->remove(*record.key);
        } else {
          store->put(*record.key, record.value);
        }
      },
      kRestoreTimeoutMs, cancel);
  if (cancel.stop_requested()) return nullptr;
  // Restored state is flushed before the checkpoint moves past it. Later changes (written without
  // a log) may be lost in a crash, but they are all in the changelog after this checkpoint.
  store->flush();
  store->setCheckpoint(next);
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return store;
}

bool ReputationStores::partitionsAssigned(const std::vector<Partition>& partitions,
                                          std::stop_token cancel) {
  try {
    ensureChangelogTopic();
    for (const Partition number : partitions) {
      const int32_t partition = number.value;
      RestoreStats stats;
      if (restoring_) restoring_->Increment();
      struct Done {
        explicit Done(prometheus::Gauge* g) : gauge(g) {}
        ~Done() {
          if (gauge) gauge->Decrement();
        }
        Done(const Done&) = delete;
        Done& operator=(const Done&) = delete;
        prometheus::Gauge* gauge;
      } done{restoring_};
      auto store = openAndRestore(partition, stats, cancel);
      if (!store) {
        spdlog::info("reputation partition {}: restore cancelled after {} changelog records",
                     partition, stats.records);
        return true;
      }
      if (restore_seconds_) restore_seconds_->Observe(stats.seconds);
      spdlog::info(
          "reputation partition {} restored: {} changelog records from offset {} in {:.2f} s",
          partition, stats.records, stats.from_offset, stats.seconds);
      std::unique_lock lock(mutex_);
      stores_[partition] = std::move(store);
    }
    return true;
  } catch (const std::exception& e) {
    spdlog::critical("reputation state restore failed: {}", e.what());
    return false;
  }
}

void ReputationStores::partitionsRevoked(const std::vector<Partition>& partitions, bool clean) {
  for (const Partition number : partitions) {
    const int32_t partition = number.value;
    std::shared_ptr<PartitionStore> store;
    {
      std::unique_lock lock(mutex_);
      auto it = stores_.find(partition);
      if (it == stores_.end()) continue;
      store = std::move(it->second);
      stores_.erase(it);
    }
    try {
      // Every change of a drained partition is acknowledged in the changelog, so the flushed local
      // state is complete up to its end. After a lost assignment a worker may still be finishing
      // one of its records, so the store is left alone (its last user closes it) and the
      // checkpoint stays where the restore left it: the next restore replays everything since.
      if (clean) {
        store->flush();
        store->setCheckpoint(highWatermark(kafka_.bootstrap_servers, kafka_.consumer_properties,
                                           changelog_topic_, partition));
      }
    } catch (const std::exception& e) {
      spdlog::warn(
          "reputation partition {}: checkpoint not written ({}); the next owner "
          "restores from the previous one",
          partition, e.what());
    }
  }
}

std::shared_ptr<PartitionStore> ReputationStores::store(int32_t partition) const {
  std::shared_lock lock(mutex_);
  auto it = stores_.find(partition);
  return it == stores_.end() ? nullptr : it->second;
}

}  // namespace modstream
