#include "stages/reputation/state_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/topic_io.h"

namespace modstream {
namespace {

// Accounts and bookkeeping share one key space, kept apart by prefix.
constexpr std::string_view kAccountPrefix = "a/";
const std::string kCheckpointKey = "m/changelog-checkpoint";

std::string accountKey(const std::string& account) {
  return std::string(kAccountPrefix) + account;
}

void check(const rocksdb::Status& status, const std::string& what) {
  if (!status.ok()) throw std::runtime_error(what + ": " + status.ToString());
}

}  // namespace

PartitionStore::PartitionStore(const std::filesystem::path& dir) {
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
  if (db_) db_->Close().PermitUncheckedError();
}

std::optional<std::string> PartitionStore::get(const std::string& account) const {
  std::string value;
  const auto status = db_->Get(rocksdb::ReadOptions(), accountKey(account), &value);
  if (status.IsNotFound()) return std::nullopt;
  check(status, "reputation state read");
  return value;
}

void PartitionStore::put(const std::string& account, const std::string& value) {
  check(db_->Put(rocksdb::WriteOptions(), accountKey(account), value), "reputation state write");
}

void PartitionStore::remove(const std::string& account) {
  check(db_->Delete(rocksdb::WriteOptions(), accountKey(account)), "reputation state delete");
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
  check(db_->Flush(rocksdb::FlushOptions()), "reputation state flush");
}

void PartitionStore::forEach(
    const std::function<void(const std::string&, const std::string&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(kAccountPrefix)); it->Valid() && it->key().starts_with(kAccountPrefix);
       it->Next()) {
    visit(it->key().ToString().substr(kAccountPrefix.size()), it->value().ToString());
  }
}

ReputationStores::ReputationStores(std::filesystem::path state_dir, KafkaConfig kafka,
                                   std::string changelog_topic, std::string partition_count_topic)
    : state_dir_(std::move(state_dir)),
      kafka_(std::move(kafka)),
      changelog_topic_(std::move(changelog_topic)),
      partition_count_topic_(std::move(partition_count_topic)) {}

std::filesystem::path ReputationStores::partitionDir(const std::filesystem::path& state_dir,
                                                     int32_t partition) {
  return state_dir / ("partition-" + std::to_string(partition));
}

void ReputationStores::ensureChangelogTopic() {
  if (changelog_checked_) return;
  // Compacted, one partition per input partition: the latest state of every account is kept.
  const int partitions = topicPartitionCount(kafka_.bootstrap_servers, kafka_.consumer_properties,
                                             partition_count_topic_);
  createTopics(kafka_.bootstrap_servers, kafka_.producer_properties,
               {{changelog_topic_, partitions, {{"cleanup.policy", "compact"}}}});
  const int changelog_partitions =
      topicPartitionCount(kafka_.bootstrap_servers, kafka_.consumer_properties, changelog_topic_);
  if (changelog_partitions != partitions) {
    throw KafkaSetupError("the reputation changelog " + changelog_topic_ + " has " +
                          std::to_string(changelog_partitions) + " partitions but " +
                          partition_count_topic_ + " has " + std::to_string(partitions));
  }
  changelog_checked_ = true;
}

std::shared_ptr<PartitionStore> ReputationStores::openAndRestore(int32_t partition,
                                                                 RestoreStats& stats) {
  const auto started = std::chrono::steady_clock::now();
  auto store = std::make_shared<PartitionStore>(partitionDir(state_dir_, partition));
  stats.partition = partition;
  stats.from_offset = store->checkpoint().value_or(0);
  // Until the restore completes, a crash must restart it from the same place.
  store->clearCheckpoint();
  const int64_t next =
      readPartition(kafka_.bootstrap_servers, kafka_.consumer_properties, changelog_topic_,
                    partition, stats.from_offset, [&](const TopicRecord& record) {
                      ++stats.records;
                      if (!record.key) return;
                      if (record.tombstone) {
                        store->remove(*record.key);
                      } else {
                        store->put(*record.key, record.value);
                      }
                    });
  store->setCheckpoint(next);
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return store;
}

bool ReputationStores::partitionsAssigned(const std::vector<int32_t>& partitions) {
  try {
    ensureChangelogTopic();
    for (int32_t partition : partitions) {
      RestoreStats stats;
      auto store = openAndRestore(partition, stats);
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

void ReputationStores::partitionsRevoked(const std::vector<int32_t>& partitions, bool clean) {
  for (int32_t partition : partitions) {
    std::shared_ptr<PartitionStore> store;
    {
      std::unique_lock lock(mutex_);
      auto it = stores_.find(partition);
      if (it == stores_.end()) continue;
      store = std::move(it->second);
      stores_.erase(it);
    }
    try {
      // Every change of a drained partition is acknowledged in the changelog, so the local state
      // is complete up to its end. After a lost assignment nothing is known: no checkpoint, and
      // the next restore starts from the previous one.
      if (clean) {
        store->setCheckpoint(highWatermark(kafka_.bootstrap_servers, kafka_.consumer_properties,
                                           changelog_topic_, partition));
      }
      store->flush();
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
