// Reputation state on one core:
//  - updates/s: the reputation path per record (RocksDB get, decode, apply the post's activity,
//    snapshot, encode, put) for N posts over A accounts, against raw RocksDB writes of values of
//    the same size in batches of 1,000, measured in the same run on the same kind of disk;
//  - restore: A accounts' states written to a changelog topic on the real broker, then read back
//    into an empty store the way a new host restores a partition (ReputationStores).
// Prints one JSON object; run.sh starts the broker and writes the results.
//
//   reputation_bench WORK_DIR POSTS ACCOUNTS [BOOTSTRAP]

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/topic_io.h"
#include "stages/reputation/account_state.h"
#include "stages/reputation/state_store.h"

using namespace modstream;
using SteadyClock = std::chrono::steady_clock;

namespace {

double secondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

Post postOf(int64_t i, int64_t accounts) {
  Post post;
  post.post_id = PostId("post-" + std::to_string(i));
  post.account_id = AccountId("acct-" + std::to_string(i % accounts));
  post.created_at_ms = 1795000000000 + i * 10;
  if (i % 3 == 0) {
    post.context.kind = PostKind::kDirectMessage;
    post.context.recipient_account_id = AccountId("acct-" + std::to_string((i * 7) % accounts));
    post.context.recipient_is_minor = i % 5 == 0;
  }
  return post;
}

}  // namespace

int main(int argc, char** argv) {
  // stdout carries this program's results (JSON); librdkafka's log lines, which kafka_handles
  // routes through spdlog's default logger, go to stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("reputation_bench"));
  if (argc < 4) {
    std::cerr << "usage: reputation_bench WORK_DIR POSTS ACCOUNTS [BOOTSTRAP]\n";
    return 2;
  }
  const std::filesystem::path work = argv[1];
  const int64_t posts = std::stoll(argv[2]);
  const int64_t accounts = std::stoll(argv[3]);
  std::filesystem::remove_all(work);
  const ReputationSettings settings;
  nlohmann::json result = {{"posts", posts}, {"accounts", accounts}};

  // The reputation path, as the stage runs it per record.
  size_t value_bytes = 0;
  {
    PartitionStore store(work / "stage");
    const auto start = SteadyClock::now();
    for (int64_t i = 0; i < posts; ++i) {
      const Post post = postOf(i, accounts);
      AccountState& state = store.account(post.account_id.str());
      recordActivity(state, post, post.created_at_ms, settings);
      state.last_offsets["posts"] = i;
      const auto snapshot = snapshotOf(state, post.created_at_ms, settings);
      const std::string value = encodeState(state);
      value_bytes += value.size();
      store.put(state.account_id, value);
      if (snapshot.trust < 0) return 1;  // keeps the snapshot's work observable
    }
    const double seconds = secondsSince(start);
    result["stage_updates_per_s"] = static_cast<double>(posts) / seconds;
  }
  const size_t mean_value = value_bytes / static_cast<size_t>(posts);
  result["mean_state_bytes"] = mean_value;

  // Raw RocksDB: the same number of writes of values that size, batched 1,000 at a time.
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::Open(options, (work / "raw").string(), &raw).ok()) return 1;
    const std::string value(mean_value, 'x');
    const auto start = SteadyClock::now();
    rocksdb::WriteBatch batch;
    for (int64_t i = 0; i < posts; ++i) {
      batch.Put("a/acct-" + std::to_string(i % accounts), value);
      if (batch.Count() == 1000 || i + 1 == posts) {
        if (!raw->Write(rocksdb::WriteOptions(), &batch).ok()) return 1;
        batch.Clear();
      }
    }
    result["raw_batched_writes_per_s"] = static_cast<double>(posts) / secondsSince(start);
    delete raw;
  }
  result["ratio"] = result["stage_updates_per_s"].get<double>() /
                    result["raw_batched_writes_per_s"].get<double>();

  if (argc > 4) {
    // Restore: every account's state in one changelog partition, read into an empty store.
    const std::string bootstrap = argv[4];
    const std::string topic = "bench-reputation-" + std::to_string(std::time(nullptr));
    createTopics(bootstrap, {}, {{topic, 1, {{"cleanup.policy", "compact"}}}});
    {
      PartitionStore store(work / "stage");
      std::vector<BatchRecord> batch;
      const auto start = SteadyClock::now();
      store.forEach([&](const std::string& account, const std::string& value) {
        batch.push_back({topic, account, value, {}});
        if (batch.size() == 100000) {
          produceBatch(bootstrap, {}, batch, 300000);
          batch.clear();
        }
      });
      if (!batch.empty()) produceBatch(bootstrap, {}, batch, 300000);
      result["changelog_write_seconds"] = secondsSince(start);
    }
    KafkaConfig kafka;
    kafka.bootstrap_servers = bootstrap;
    ReputationStores stores(work / "restored", kafka, topic, topic);
    RestoreStats stats;
    const auto start = SteadyClock::now();
    auto restored = stores.openAndRestore(0, stats);
    result["restore_seconds"] = secondsSince(start);
    result["restored_records"] = stats.records;
    int64_t count = 0;
    restored->forEach([&](const std::string&, const std::string&) { ++count; });
    result["restored_accounts"] = count;
  }
  std::cout << result.dump(2) << "\n";
  return 0;
}
